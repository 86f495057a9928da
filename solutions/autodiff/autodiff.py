# %% [markdown]
# # Computing gradients with autodiff
#
# *Hands-On Machine Learning*, chapter 12, brought to TensorFlow 2.21 and Keras 3.
#
# Training a network needs the gradients of a loss with respect to many
# parameters. Estimating each partial derivative with finite differences would
# take one extra evaluation per parameter and only be approximate. TensorFlow's
# **reverse-mode autodiff** gets all of them exactly in one backward pass: a
# `tf.GradientTape` records the operations run inside its `with` block, and
# `tape.gradient(target, sources)` walks that record backwards.
#
# Throughout, `f(w1, w2) = 3·w1² + 2·w1·w2`, defined below (do not change it).
# Its partial derivatives are `df/dw1 = 6·w1 + 2·w2` and `df/dw2 = 2·w1`.
#
# Rules: your functions receive `w1` and `w2` as **scalar float tensors**
# (`tf.constant(5.0)`, float32 or float64), not as variables. A tape only
# records operations on what it watches: trainable variables automatically,
# other tensors only after `tape.watch(...)`. Return the tensors that
# `tape.gradient` gives you (or their values), keeping `None` where TensorFlow
# gives `None`. Run `tfgrader check autodiff your_file` before you submit; the
# hidden checks test much more than the public ones.

# %%
import tensorflow as tf


def f(w1, w2):
    return 3 * w1**2 + 2 * w1 * w2


# %% [markdown]
# ## 1. `f_gradients(w1, w2)`
#
# Return `[df/dw1, df/dw2]` at the given point, computed with a
# `tf.GradientTape`. At `(5, 3)` this is `[36, 10]`.
#
# If you pass a tensor that the tape does not watch, `tape.gradient` silently
# returns `None` for it: either wrap the inputs in `tf.Variable`s or call
# `tape.watch` on them inside the `with` block.


# %%
def f_gradients(w1, w2):
    """Return [df/dw1, df/dw2] at (w1, w2), computed with tf.GradientTape."""
    # BEGIN SOLUTION
    w1, w2 = tf.Variable(w1), tf.Variable(w2)
    with tf.GradientTape() as tape:
        z = f(w1, w2)
    return tape.gradient(z, [w1, w2])
    # END SOLUTION


# %% [markdown]
# ## 2. `f_gradients_stopped(w1, w2)`
#
# `tf.stop_gradient(x)` returns `x` in the forward pass but lets no gradient
# flow back through it, as if it were a constant. Return the gradients of
# `g(w1, w2) = 3·w1² + tf.stop_gradient(2·w1·w2)` with respect to `[w1, w2]`.
#
# Only the first term then depends on the inputs for the tape, so the result is
# `[6·w1, None]`: `w2` no longer reaches the output at all, and TensorFlow says
# so with `None` (keep it; do not turn it into 0). At `(5, 3)`: `[30, None]`.


# %%
def f_gradients_stopped(w1, w2):
    """Return the gradients of 3·w1² + tf.stop_gradient(2·w1·w2) w.r.t. [w1, w2]."""
    # BEGIN SOLUTION
    w1, w2 = tf.Variable(w1), tf.Variable(w2)
    with tf.GradientTape() as tape:
        z = 3 * w1**2 + tf.stop_gradient(2 * w1 * w2)
    return tape.gradient(z, [w1, w2])
    # END SOLUTION


# %% [markdown]
# ## 3. `f_hessian(w1, w2)`
#
# Second derivatives come from differentiating the first ones: compute the
# gradients `[df/dw1, df/dw2]` with an inner tape **while an outer tape is
# recording**, then ask the outer tape for the gradient of each of them with
# respect to `[w1, w2]`. The outer tape is asked twice, so it must be
# `persistent=True`.
#
# Return the 2×2 nested list `[[d²f/dw1², d²f/dw1dw2], [d²f/dw2dw1, d²f/dw2²]]`.
# Since `df/dw2 = 2·w1` does not depend on `w2`, TensorFlow gives `None` for
# `d²f/dw2²`; keep it. The result is `[[6, 2], [2, None]]` at every point.


# %%
def f_hessian(w1, w2):
    """Return the 2x2 list of second derivatives of f at (w1, w2), None where TF gives None."""
    # BEGIN SOLUTION
    w1, w2 = tf.Variable(w1), tf.Variable(w2)
    with tf.GradientTape(persistent=True) as hessian_tape:
        with tf.GradientTape() as jacobian_tape:
            z = f(w1, w2)
        jacobians = jacobian_tape.gradient(z, [w1, w2])
    hessians = [hessian_tape.gradient(jacobian, [w1, w2]) for jacobian in jacobians]
    del hessian_tape
    return hessians
    # END SOLUTION


# %% [markdown]
# ## 4. `my_softplus_stable(z)`
#
# The softplus function `log(1 + exp(z))` written literally overflows: in
# float32 `exp(z)` is `inf` as soon as `z` passes about 88, so
# `my_softplus(1000.)` returns `inf` instead of `1000`. An equivalent form
# never overflows:
#
# $$\text{softplus}(z) = \log(1 + e^{-|z|}) + \max(z, 0)$$
#
# Autodiff of that form is not what we want either (it is wrong at `z = 0`,
# where `|z|` and `max` have kinks), and the derivative of the literal form,
# `exp(z) / (1 + exp(z))`, is `inf / inf = nan` for large `z`. The derivative
# of softplus is the sigmoid, `sigmoid(z) = 1 − 1 / (1 + exp(z))`, which is
# finite everywhere.
#
# The function is decorated with `@tf.custom_gradient` (keep it): it returns a
# pair `(value, grad_fn)`, where `grad_fn(upstream)` receives the gradient
# flowing back from above and returns `upstream · d(value)/dz`. Requirements:
# `my_softplus_stable(1000.) == 1000`, gradient `0.5` at `0`, finite at
# `±1000`, element-wise on any shape and any float dtype (float16, float32,
# float64; keep the input's dtype).


# %%
@tf.custom_gradient
def my_softplus_stable(z):
    """Softplus log(1 + exp(z)), stable for large |z|, with gradient sigmoid(z)."""
    # BEGIN SOLUTION
    def my_softplus_gradients(upstream):
        return upstream * (1 - 1 / (1 + tf.exp(z)))

    result = tf.math.log(1 + tf.exp(-tf.abs(z))) + tf.maximum(0.0, z)
    return result, my_softplus_gradients
    # END SOLUTION
