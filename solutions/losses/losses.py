# %% [markdown]
# # Custom loss functions
#
# *Hands-On Machine Learning*, chapter 12, brought to TensorFlow 2.21 and Keras 3.
#
# Keras ships many losses, but sometimes you need your own. Here you build the
# **Huber loss** three ways: as a plain function, as a function factory with a
# configurable threshold, and as a `keras.losses.Loss` subclass that is saved
# with the model.
#
# For an error $e = y_{true} - y_{pred}$ and a threshold $t$ the Huber loss is
#
# $$\text{huber}(e) = \begin{cases} e^2 / 2 & |e| < t \\ t\,|e| - t^2/2 & \text{otherwise} \end{cases}$$
#
# It is quadratic for small errors and linear for large ones, so outliers pull
# less than with the squared error.
#
# Rules: use TensorFlow (or `keras.ops`) operations so your code works inside
# `tf.function` and gradients flow; do **not** call `keras.losses.Huber`.
# Run `tfgrader check losses your_file` to test your work before you submit;
# the hidden checks test much more than the public ones.

# %%
import keras
import tensorflow as tf

# %% [markdown]
# ## 1. `huber_fn(y_true, y_pred)`
#
# Return the **element-wise** Huber loss with threshold 1: no mean or sum, the
# output has the broadcast shape of the inputs and keeps their float dtype.


# %%
def huber_fn(y_true, y_pred):
    """Element-wise Huber loss with threshold 1."""
    # BEGIN SOLUTION
    error = y_true - y_pred
    is_small_error = tf.abs(error) < 1
    squared_loss = tf.square(error) / 2
    linear_loss = tf.abs(error) - 0.5
    return tf.where(is_small_error, squared_loss, linear_loss)
    # END SOLUTION


# %% [markdown]
# ## 2. `create_huber(threshold=1.0)`
#
# Return a loss *function* `(y_true, y_pred)` using threshold $t$:
# $e^2/2$ where $|e| < t$, $t|e| - t^2/2$ elsewhere.


# %%
def create_huber(threshold=1.0):
    """Return an element-wise Huber loss function with the given threshold."""
    # BEGIN SOLUTION
    def huber_fn(y_true, y_pred):
        error = y_true - y_pred
        is_small_error = tf.abs(error) < threshold
        squared_loss = tf.square(error) / 2
        linear_loss = threshold * tf.abs(error) - threshold**2 / 2
        return tf.where(is_small_error, squared_loss, linear_loss)

    return huber_fn
    # END SOLUTION


# %% [markdown]
# ## 3. `HuberLoss(threshold=1.0, **kwargs)`
#
# Subclass `keras.losses.Loss`. `call(y_true, y_pred)` returns the element-wise
# loss (the base class applies the reduction). `get_config()` must include the
# threshold so a model compiled with this loss and saved as `.keras` reloads
# with the same threshold (pass `custom_objects={"HuberLoss": HuberLoss}`).
#
# Example: `HuberLoss(2.)([[2], [0], [5]], [[10], [1], [9.25]])` is `7.0`.


# %%
class HuberLoss(keras.losses.Loss):
    """Huber loss with a configurable threshold, saved with the model."""

    def __init__(self, threshold=1.0, **kwargs):
        # BEGIN SOLUTION
        self.threshold = threshold
        super().__init__(**kwargs)
        # END SOLUTION

    def call(self, y_true, y_pred):
        # BEGIN SOLUTION
        error = y_true - y_pred
        is_small_error = tf.abs(error) < self.threshold
        squared_loss = tf.square(error) / 2
        linear_loss = self.threshold * tf.abs(error) - self.threshold**2 / 2
        return tf.where(is_small_error, squared_loss, linear_loss)
        # END SOLUTION

    def get_config(self):
        # BEGIN SOLUTION
        base_config = super().get_config()
        return {**base_config, "threshold": self.threshold}
        # END SOLUTION
