# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: where a finite value was expected|returned shape|Incompatible shapes|wrong values
# what: huber_fn returns NaN, then Inf, then a result broadcast to the wrong shape, in turn.
# ruff: noqa
import keras
import tensorflow as tf

CALLS = [0]


def _huber(error):
    return tf.where(tf.abs(error) < 1, tf.square(error) / 2, tf.abs(error) - 0.5)


def huber_fn(y_true, y_pred):
    CALLS[0] += 1
    if CALLS[0] % 3 == 1:
        return _huber(y_true - y_pred) * float("nan")
    if CALLS[0] % 3 == 2:
        return _huber(y_true - y_pred) * float("inf") + 1.0
    return _huber(tf.reshape(y_true, [-1]) - y_pred)  # (n,) - (n, 1) broadcasts to (n, n)


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
