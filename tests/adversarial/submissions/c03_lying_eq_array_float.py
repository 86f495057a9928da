# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: not a tensor|returned shape|No gradients provided
# what: huber_fn returns an object whose __eq__, __array__, __float__ and __class__ all lie.
# ruff: noqa
import keras
import numpy as np
import tensorflow as tf


class AlwaysRight:
    """Equal to everything, an ndarray to isinstance, any array NumPy asks for, 0.0 as a float."""

    @property
    def __class__(self):
        return np.ndarray

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __array__(self, *args, **kwargs):
        return np.zeros((64, 1), np.float32)

    def __float__(self):
        return 0.0

    def __bool__(self):
        return True

    def __len__(self):
        return 64

    def numpy(self):
        return self.__array__()

    shape = (64, 1)
    dtype = np.float32


def huber_fn(y_true, y_pred):
    return AlwaysRight()


def create_huber(threshold=1.0):
    def huber(y_true, y_pred):
        error = y_true - y_pred
        small = tf.abs(error) < threshold
        return tf.where(small, tf.square(error) / 2, threshold * tf.abs(error) - threshold**2 / 2)

    return huber


class HuberLoss(keras.losses.Loss):
    def __init__(self, threshold=1.0, **kwargs):
        self.threshold = threshold
        super().__init__(**kwargs)

    def call(self, y_true, y_pred):
        error = y_true - y_pred
        small = tf.abs(error) < self.threshold
        return tf.where(small, tf.square(error) / 2, self.threshold * tf.abs(error) - self.threshold**2 / 2)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
