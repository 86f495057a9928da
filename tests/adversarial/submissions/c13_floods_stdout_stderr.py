# attack: loading (the output capture)
# expect: huber_fn=full create_huber=full HuberLoss=full
# says:
# what: writes 1 GB to stdout and stderr (512 MB each) while its definitions load, then answers correctly.
# ruff: noqa
import os
import sys

import keras
import tensorflow as tf

CHUNK = "tfgrader-flood " * 65536  # about 1 MiB


class Flood:  # a class body runs while the definitions load (deadline: the assignment's load_seconds)
    print(f"sandbox uid {os.getuid()}", flush=True)
    for _ in range(512):
        sys.stdout.write(CHUNK)
        sys.stderr.write(CHUNK)
    sys.stdout.flush()
    sys.stderr.flush()


def huber_fn(y_true, y_pred):
    error = y_true - y_pred
    return tf.where(tf.abs(error) < 1, tf.square(error) / 2, tf.abs(error) - 0.5)


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
