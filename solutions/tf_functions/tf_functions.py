# %% [markdown]
# # TensorFlow functions and graphs
#
# *Hands-On Machine Learning*, chapter 12, brought to TensorFlow 2.21 and Keras 3.
#
# Decorating a Python function with `@tf.function` turns it into a
# **TensorFlow function**. The first time you call it with a new input
# signature (shapes and dtypes of the tensor arguments, values of the Python
# arguments), TensorFlow **traces** it: it runs your Python code once in graph
# mode, recording every TensorFlow operation into a graph, which it optimizes
# and then runs for every later call with that signature, without going back
# to Python.
#
# Two consequences drive this notebook:
#
# * **AutoGraph** rewrites `for` loops over tensors (such as `tf.range`),
#   `while` loops and `if` statements on tensors into graph control flow. A
#   plain Python `for i in range(10)` is just run during tracing, so the graph
#   gets ten copies of its body.
# * **Python side effects** (printing, appending to a list, incrementing a
#   Python counter, calling `.numpy()`) happen only while tracing, not on
#   later calls. Keep state in `tf.Variable`s and use TensorFlow operations.
#
# Inputs in the checks are float tensors unless stated otherwise. Run
# `tfgrader check tf_functions your_file` before you submit; the hidden checks
# test much more than the public ones.

# %%
import tensorflow as tf

# %% [markdown]
# ## 1. `tf_cube(x)`
#
# A `tf.function` returning `x³`, element-wise. `tf_cube(tf.constant(2.0))` is
# `8.0`. Keep the `@tf.function` decorator.


# %%
@tf.function
def tf_cube(x):
    """Return x cubed (a TensorFlow function)."""
    # BEGIN SOLUTION
    return x**3
    # END SOLUTION


# %% [markdown]
# ## 2. `add_10(x)`
#
# Add 1 to `x` ten times in a loop written with `tf.range(10)`, and return the
# result (`x + 10`). Because the loop runs over a tensor, AutoGraph turns it
# into **one** `tf.while_loop` in the graph; with Python's `range(10)` the graph
# would instead hold ten separate additions. The checks look at the graph.


# %%
@tf.function
def add_10(x):
    """Return x + 10, computed by adding 1 ten times in a tf.range loop."""
    # BEGIN SOLUTION
    for _ in tf.range(10):
        x += 1
    return x
    # END SOLUTION


# %% [markdown]
# ## 3. `shrink(images)`
#
# A `tf.function` with `input_signature=[tf.TensorSpec([None, 28, 28], tf.float32)]`
# that returns `images[:, ::2, ::2]` (every other row and column of each
# 28×28 image, so 14×14). With an input signature the function is traced once,
# for batches of any size, and it rejects inputs of any other shape or dtype.
# Keep that signature exactly.


# %%
@tf.function(input_signature=[tf.TensorSpec([None, 28, 28], tf.float32)])
def shrink(images):
    """Return every other row and column of a batch of 28x28 float32 images."""
    # BEGIN SOLUTION
    return images[:, ::2, ::2]
    # END SOLUTION


# %% [markdown]
# ## 4. `count_above(x, threshold)`
#
# Return, as an **int32** scalar tensor, how many elements of `x` are strictly
# greater than `threshold` (`x` may have any shape; `threshold` is a scalar
# float32 tensor). It must be traced **once** for all float32 inputs of the
# same shape whatever their values, and be free of Python side effects: no
# `print`, no Python counters or lists updated in the function, no `.numpy()`
# (there are no NumPy values in a graph).
#
# Example: `count_above(tf.constant([0.1, 0.6, 0.9]), tf.constant(0.5))` is `2`.


# %%
@tf.function
def count_above(x, threshold):
    """Return the int32 count of the elements of x greater than threshold."""
    # BEGIN SOLUTION
    return tf.reduce_sum(tf.cast(x > threshold, tf.int32))
    # END SOLUTION


# %% [markdown]
# ## 5. `Counter()`
#
# A `tf.Module` holding its count in a `tf.Variable` (starting at 0), whose
# `increment()` method is a `tf.function` that adds 1 to the variable and
# returns the new count. A Python `int` attribute would not work: `self.n += 1`
# inside a `tf.function` runs once, while tracing, and the graph then returns
# the same constant forever. Each `Counter()` counts on its own.
#
# Example: `c = Counter()`, then `c.increment()` three times returns 1, 2, 3.


# %%
class Counter(tf.Module):
    """Counts calls to increment() in a tf.Variable."""

    def __init__(self):
        super().__init__()
        # BEGIN SOLUTION
        self.count = tf.Variable(0, dtype=tf.int32, trainable=False, name="count")
        # END SOLUTION

    @tf.function
    def increment(self):
        """Add 1 to the count and return the new count."""
        # BEGIN SOLUTION
        self.count.assign_add(1)
        return self.count.read_value()
        # END SOLUTION
