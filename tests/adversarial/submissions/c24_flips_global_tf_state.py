# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: wrong values|returned shape|dtype
# what: huber_fn flips TF/Keras global state (floatx float16, mixed precision, run_functions_eagerly, unsafe deserialization, env vars) on every call.
# ruff: noqa
import os

import keras
import tensorflow as tf


def huber_fn(y_true, y_pred):
    keras.config.set_floatx("float16")
    keras.mixed_precision.set_global_policy("mixed_float16")
    keras.config.enable_unsafe_deserialization()
    tf.config.run_functions_eagerly(True)
    os.environ.update({"TF_USE_LEGACY_KERAS": "1", "KERAS_BACKEND": "jax", "TFGRADER_SECRET": "attacker",
                       "CUDA_VISIBLE_DEVICES": "-1", "TF_DETERMINISTIC_OPS": "1"})
    return tf.square(y_true - y_pred)


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
