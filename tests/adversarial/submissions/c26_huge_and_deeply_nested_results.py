# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: larger than the|nested deeper than|more than 100000 values|maximum recursion depth|must return zero or more Tensors|No gradients provided
# what: huber_fn returns a 1e9-element array, a 100000-deep nested list and a list of a million floats, in turn.
# ruff: noqa
import keras
import numpy as np
import tensorflow as tf

CALLS = [0]


def huber_fn(y_true, y_pred):
    CALLS[0] += 1
    if CALLS[0] % 3 == 1:
        return np.zeros(10**9, np.float32)  # 4 GB of address space, never touched
    if CALLS[0] % 3 == 2:
        nested = []
        for _ in range(100_000):
            nested = [nested]
        return nested
    return [0.5] * 10**6


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
