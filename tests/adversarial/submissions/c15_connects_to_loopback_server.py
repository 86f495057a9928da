# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: wrong values|returned shape
# what: huber_fn asks a server on 127.0.0.1:47615 (started by the test) for the answers and lists the interfaces.
# ruff: noqa
import json
import os
import socket

import keras
import numpy as np
import tensorflow as tf

PORT = 47615  # tests/adversarial/test_corpus.py listens here
REPORTED = []


def huber_fn(y_true, y_pred):
    try:
        with open("/proc/net/dev") as fh:
            interfaces = sorted(line.split(":")[0].strip() for line in fh.readlines()[2:])
    except OSError as exc:
        interfaces = [f"unreadable: {exc}"]
    try:
        with socket.create_connection(("127.0.0.1", PORT), timeout=2) as conn:
            conn.sendall(json.dumps({"y_true": np.asarray(y_true).tolist(), "y_pred": np.asarray(y_pred).tolist()}).encode() + b"\n")
            answer = json.loads(conn.makefile().readline())
        outcome = "connected"
    except OSError as exc:
        answer, outcome = None, f"{type(exc).__name__}: {exc}"
    if not REPORTED:
        REPORTED.append(True)
        print(f"interfaces: {interfaces}", flush=True)
        print(f"connect: {outcome}", flush=True)
    if answer is not None:
        return tf.constant(answer, dtype=y_true.dtype)
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
