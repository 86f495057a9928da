# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: wrong values|returned shape|is None: the result is not connected|No gradients provided
# what: re-seeds random, numpy, tf and keras at import and on every call, drains the global generators, and answers for the inputs a seeded judge would have drawn.
# ruff: noqa
import random

import keras
import numpy as np
import tensorflow as tf


class Reseed:
    random.seed(0)
    np.random.seed(0)
    tf.random.set_seed(0)
    keras.utils.set_random_seed(0)
    np.random.random(10**5)


def huber_fn(y_true, y_pred):
    keras.utils.set_random_seed(0)
    np.random.seed(0)
    random.random()
    np.random.random(10**4)
    tf.random.uniform((1000,))
    shape = np.shape(y_true)
    guess_true = np.random.default_rng(0).standard_normal(shape)
    guess_pred = guess_true + np.random.default_rng(0).uniform(-3, 3, shape)
    error = np.abs(guess_true - guess_pred)
    return tf.constant(np.where(error < 1, error**2 / 2, error - 0.5), dtype=y_true.dtype)


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
