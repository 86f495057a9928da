# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: segmentation fault
# what: huber_fn lifts the recursion limit and recurses through C (map) until the C stack overflows.
# ruff: noqa
import sys

import keras
import tensorflow as tf


def _deeper(n):
    return sum(map(_deeper, (n + 1,)))  # every level goes through C code


def huber_fn(y_true, y_pred):
    sys.setrecursionlimit(10**8)
    return _deeper(0)


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
