# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: dtype object cannot be sent|not a tensor|must return zero or more Tensors|not 'Payload'
# what: huber_fn returns an object-dtype array of objects whose __reduce__ would run code if the judge unpickled them.
# ruff: noqa
import os

import keras
import numpy as np
import tensorflow as tf


class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/tfgrader-adversarial-pickle-ran",))


def huber_fn(y_true, y_pred):
    out = np.empty(np.broadcast_shapes(np.shape(y_true), np.shape(y_pred)), dtype=object)
    out.fill(Payload())
    return out


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
