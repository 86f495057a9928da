# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: os._exit
# what: os._exit(0) in the middle of every huber_fn call; atexit.register(os._exit, 0) at import.
# ruff: noqa
import atexit
import os

import keras
import tensorflow as tf


@atexit.register
def _exit_cleanly():
    os._exit(0)


def huber_fn(y_true, y_pred):
    error = y_true - y_pred
    os._exit(0)


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
