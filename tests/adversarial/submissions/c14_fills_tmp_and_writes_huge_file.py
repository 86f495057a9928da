# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: File too large|No space left|Read-only file system
# what: huber_fn writes a 1 GB file, then fills /tmp and the temp dir until the disk is full.
# ruff: noqa
import os
import tempfile

import keras
import tensorflow as tf

BLOCK = b"\0" * 2**20


def huber_fn(y_true, y_pred):
    print(f"sandbox uid {os.getuid()}", flush=True)
    errors = []
    for path in ("/tmp/huge.bin", os.path.join(tempfile.gettempdir(), "huge2.bin"), os.path.expanduser("~/huge3.bin")):
        try:
            with open(path, "wb") as fh:
                for _ in range(1024):
                    fh.write(BLOCK)
        except OSError as exc:
            errors.append(exc)
    n = 0
    while n < 10_000:  # then many smaller files until nothing fits
        try:
            with open(f"/tmp/fill-{n}.bin", "wb") as fh:
                for _ in range(32):
                    fh.write(BLOCK)
        except OSError as exc:
            errors.append(exc)
            break
        n += 1
    raise errors[-1] if errors else RuntimeError("the disk never filled up")


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
