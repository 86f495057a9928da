# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: wrong values|returned shape
# what: patches numpy.allclose, numpy.testing, numpy.isclose and tf.debugging at import; huber_fn is wrong.
# ruff: noqa
import keras
import numpy as np
import numpy.testing
import tensorflow as tf

np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), bool)
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_almost_equal = lambda *args, **kwargs: None
numpy.testing.assert_array_equal = lambda *args, **kwargs: None
tf.debugging.assert_near = lambda *args, **kwargs: None
tf.debugging.assert_equal = lambda *args, **kwargs: None
tf.experimental.numpy.allclose = lambda *args, **kwargs: True


def huber_fn(y_true, y_pred):
    return tf.square(y_true - y_pred)  # wrong everywhere: no 1/2, no linear part


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
