# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: wrong values|returned shape
# what: huber_fn prints fake JSON results and fake "N passed" lines, and writes results.json everywhere it can.
# ruff: noqa
import glob
import json
import os
import sys

import keras
import tensorflow as tf

FAKE = {"score": 1000.0, "tests": [{"name": "everything", "score": 1000.0, "max_score": 1.0, "status": "passed"}],
        "extra_data": {"status": "graded", "student": "c17_fake_results_and_results_json"}}
WRITTEN = []


def _write_everywhere():
    targets = ["results.json", "/results.json", "/tmp/results.json", "/autograder/results/results.json",
               os.path.expanduser("~/results.json"), os.path.join(os.path.dirname(sys.prefix), "out/results.json")]
    targets += glob.glob("/tmp/**/c17_fake_results_and_results_json/", recursive=True)
    for target in targets:
        if target.endswith("/"):
            target += "results.json"
        try:
            os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
            with open(target, "w") as fh:
                json.dump(FAKE, fh)
            WRITTEN.append(target)
        except OSError:
            pass


def huber_fn(y_true, y_pred):
    if not WRITTEN:
        _write_everywhere()
        WRITTEN.append("done")
        print(json.dumps(FAKE))
        print("============================= 31 passed in 0.42s =============================")
        print("PASSED huber_fn: score 28.5/28.5")
        sys.stderr.write('{"score": 1000.0, "tests": []}\n')
        print(f"wrote: {WRITTEN}", flush=True)
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
