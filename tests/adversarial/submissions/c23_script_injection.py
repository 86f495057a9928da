# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: tfgrader-xss|not a tensor|unsupported operations
# what: puts </pre><script> in an exception message, printed output, a class name, a returned string and a load error.
# ruff: noqa
import keras
import tensorflow as tf

PAYLOAD = '</pre></details><script>document.title="tfgrader-xss"</script><img src=x onerror="alert(1)">'
CALLS = [0]


class Loud:
    print(PAYLOAD)  # printed at import
    raise ValueError(PAYLOAD)  # a load error, shown in the report


class Scripted:
    pass


Scripted.__name__ = PAYLOAD  # a class named like the payload
Scripted.__qualname__ = PAYLOAD


def huber_fn(y_true, y_pred):
    CALLS[0] += 1
    print(PAYLOAD)
    if CALLS[0] % 3 == 1:
        raise ValueError(PAYLOAD)
    if CALLS[0] % 3 == 2:
        return PAYLOAD
    return Scripted()


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
