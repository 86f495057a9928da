# %% [markdown]
# # Custom activation, initializer, regularizer and constraint
#
# *Hands-On Machine Learning*, chapter 12, brought to TensorFlow 2.21 and Keras 3.
#
# Most Keras components that shape a layer are plain callables: an
# **activation** maps the layer's outputs, an **initializer** produces the
# starting weights, a **regularizer** turns the weights into a penalty added
# to the loss, and a **constraint** is applied to the weights after each
# training step. You can pass your own functions wherever Keras expects one:
#
# ```python
# layer = keras.layers.Dense(
#     30,
#     activation=my_softplus,
#     kernel_initializer=my_glorot_initializer,
#     kernel_regularizer=my_l1_regularizer,
#     kernel_constraint=my_positive_weights,
# )
# ```
#
# A function has no hyperparameters to save, so when a component needs one
# (like the regularization factor) you write a small class with a
# `get_config()` method instead, and the model can then be saved and reloaded.
#
# Rules: use TensorFlow (or `keras.ops`) operations on tensors so your code
# runs inside `tf.function` and gradients flow; do **not** call the built-in
# equivalents (`tf.nn.softplus`, `keras.initializers.GlorotNormal`,
# `keras.regularizers.L1`, `keras.constraints.NonNeg`, ...).
# Run `tfgrader check custom_functions your_file` to test your work before
# you submit; the hidden checks test much more than the public ones.

# %%
import keras
import tensorflow as tf

# %% [markdown]
# ## 1. `my_softplus(z)`
#
# The softplus activation is a smooth version of ReLU:
# $\text{softplus}(z) = \log(1 + e^z)$, applied element-wise. The output has
# the shape of the input and keeps its float dtype.
#
# (This direct formula overflows for large $z$; that is fine here. The
# `autodiff` assignment builds a numerically stable version.)


# %%
def my_softplus(z):
    """Element-wise softplus: log(1 + exp(z))."""
    # BEGIN SOLUTION
    return tf.math.log(1.0 + tf.exp(z))
    # END SOLUTION


# %% [markdown]
# ## 2. `my_glorot_initializer(shape, dtype=tf.float32)`
#
# Glorot (Xavier) initialization keeps the variance of the signal roughly the
# same going forward and backward through a layer. For a kernel of 2-D `shape`
# `(fan_in, fan_out)`, draw **normal** samples (not uniform, not truncated)
# with mean 0 and standard deviation
#
# $$\sigma = \sqrt{\frac{2}{\text{fan}_{in} + \text{fan}_{out}}}$$
#
# Return them in the requested `dtype`: Keras calls your initializer as
# `initializer(shape, dtype="float64")` for a float64 layer, so make sure the
# standard deviation does not force float32.


# %%
def my_glorot_initializer(shape, dtype=tf.float32):
    """Normal samples with stddev sqrt(2 / (fan_in + fan_out)), in `dtype`."""
    # BEGIN SOLUTION
    stddev = (2.0 / (shape[0] + shape[1])) ** 0.5
    return tf.random.normal(shape, stddev=stddev, dtype=dtype)
    # END SOLUTION


# %% [markdown]
# ## 3. `my_l1_regularizer(weights)`
#
# An $\ell_1$ regularizer adds $0.01 \sum |w|$ to the loss, which pushes many
# weights to exactly zero. Return that penalty as a **scalar** (a sum over
# all the entries, whatever the rank of `weights`).


# %%
def my_l1_regularizer(weights):
    """Scalar l1 penalty: 0.01 * sum(abs(weights))."""
    # BEGIN SOLUTION
    return tf.reduce_sum(tf.abs(0.01 * weights))
    # END SOLUTION


# %% [markdown]
# ## 4. `my_positive_weights(weights)`
#
# A constraint receives the weights after each optimizer step and returns the
# values to store instead. Return the weights with every negative entry
# replaced by 0 (same shape and dtype; the positive entries unchanged).


# %%
def my_positive_weights(weights):
    """The weights with negative entries replaced by 0."""
    # BEGIN SOLUTION
    return tf.where(weights < 0.0, tf.zeros_like(weights), weights)
    # END SOLUTION


# %% [markdown]
# ## 5. `MyL1Regularizer(factor)`
#
# The same $\ell_1$ penalty with a configurable factor, as a subclass of
# `keras.regularizers.Regularizer`: `__call__(weights)` returns the scalar
# `factor * sum(abs(weights))`, and `get_config()` returns `{"factor": factor}`
# so that a model using it can be saved as `.keras` and loaded back with
# `custom_objects={"MyL1Regularizer": MyL1Regularizer}`.


# %%
class MyL1Regularizer(keras.regularizers.Regularizer):
    """l1 penalty factor * sum(abs(weights)) that is saved with the model."""

    def __init__(self, factor):
        # BEGIN SOLUTION
        self.factor = factor
        # END SOLUTION

    def __call__(self, weights):
        # BEGIN SOLUTION
        return tf.reduce_sum(tf.abs(self.factor * weights))
        # END SOLUTION

    def get_config(self):
        # BEGIN SOLUTION
        return {"factor": self.factor}
        # END SOLUTION
