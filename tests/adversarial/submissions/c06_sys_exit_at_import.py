# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: not defined
# what: sys.exit() while the definitions load (a wanted-name assignment and a class body run at import).
# ruff: noqa
import sys

import keras
import tensorflow as tf


class Quit:
    sys.exit(0)  # a class body runs when the class is defined


huber_fn = sys.exit(0)  # assigning a graded name runs its right-hand side


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
