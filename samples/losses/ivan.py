# %% [markdown]
# # Custom loss functions
#
# *Hands-On Machine Learning*, chapter 12, brought to TensorFlow 2.21 and Keras 3.
#
# Rules: use TensorFlow (or `keras.ops`) operations so your code works inside
# `tf.function` and gradients flow; do **not** call `keras.losses.Huber`.

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
    raise NotImplementedError("huber_fn: write your solution here")


# %% [markdown]
# ## 2. `create_huber(threshold=1.0)`
#
# Return a loss *function* `(y_true, y_pred)` using threshold $t$:
# $e^2/2$ where $|e| < t$, $t|e| - t^2/2$ elsewhere.


# %%
def create_huber(threshold=1.0):
    """Return an element-wise Huber loss function with the given threshold."""
    raise NotImplementedError("create_huber: write your solution here")


# %% [markdown]
# ## 3. `HuberLoss(threshold=1.0, **kwargs)`
#
# Subclass `keras.losses.Loss`. `call(y_true, y_pred)` returns the element-wise
# loss (the base class applies the reduction). `get_config()` must include the
# threshold.
#
# Example: `HuberLoss(2.)([[2], [0], [5]], [[10], [1], [9.25]])` is `7.0`.


# %%
class HuberLoss(keras.losses.Loss):
    """Huber loss with a configurable threshold, saved with the model."""

    def __init__(self, threshold=1.0, **kwargs):
        raise NotImplementedError("HuberLoss.__init__: write your solution here")

    def call(self, y_true, y_pred):
        raise NotImplementedError("HuberLoss.call: write your solution here")

    def get_config(self):
        raise NotImplementedError("HuberLoss.get_config: write your solution here")
