"""The zygote's warm-up: Keras's entry points converted once, before any fork, without a TensorFlow op."""

import json
import os
import subprocess
import sys

from grader.judge.proxy import Namespace, SandboxBackend

PROBE = """
import keras
from tensorflow.python.autograph.core import converter
from tensorflow.python.autograph.impl import api

def my_loss(y_true, y_pred):
    return y_true - y_pred

def conversions_after_tracing():
    # trace a Keras loss and a Keras model in tf.function: how many conversions each entry point then has
    import numpy as np
    import tensorflow as tf
    x = np.ones((4, 2), np.float32)
    tf.function(keras.losses.MeanSquaredError())(x, x)
    tf.function(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]))(x)
    return {name: len(api._TRANSPILER._cache[fn]) for name, fn in
            (("Loss.__call__", keras.losses.Loss.__call__), ("Layer.__call__", keras.layers.Layer.__call__))}

def converted():
    options = converter.ConversionOptions(recursive=True, user_requested=True, optional_features=None)  # tf.function's
    has = lambda fn: api._TRANSPILER._cache.has(fn, options)
    return {"Loss.__call__": has(keras.losses.Loss.__call__), "Layer.__call__": has(keras.layers.Layer.__call__),
            "my_loss": has(my_loss)}
"""


def test_a_fresh_sandbox_finds_keras_entry_points_already_converted(session, zygote):
    assert zygote.notes == []  # the warm-up met no problem
    ns = Namespace(SandboxBackend(session(PROBE), timeout=30))
    assert ns.converted() == {"Loss.__call__": True, "Layer.__call__": True, "my_loss": False}
    # tracing hits those conversions: a second one (other options) would mean the warm-up missed tf.function's key
    assert ns.conversions_after_tracing() == {"Loss.__call__": 1, "Layer.__call__": 1}


def test_the_warm_up_runs_no_op_starts_no_thread_and_leaves_no_file(tmp_path):
    """What the zygote may do before it forks: pure Python, nothing of TensorFlow's runtime started."""
    script = """
import json, os, tensorflow as tf, keras
from tensorflow.python.eager import context
from grader.sandbox.warmup import convert_keras_entry_points
threads = len(os.listdir("/proc/self/task"))
problems = convert_keras_entry_points()
print(json.dumps({"problems": problems, "threads_before": threads, "threads_after": len(os.listdir("/proc/self/task")),
                  "eager_context_started": context.context()._context_handle is not None}))
"""
    env = {**os.environ, "TMPDIR": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300, check=True)
    facts = json.loads(out.stdout.strip().splitlines()[-1])
    assert facts == {"problems": [], "threads_before": facts["threads_before"],
                     "threads_after": facts["threads_before"], "eager_context_started": False}
    assert list(tmp_path.iterdir()) == []  # AutoGraph's generated files went with their private directory


def test_numpy_random_is_preloaded_and_each_sandbox_draws_its_own_numbers(session):
    source = """
import sys

def preloaded():
    return "numpy.random" in sys.modules

def draw():
    import numpy as np
    return np.random.rand(4).tolist()
"""
    first, second = (Namespace(SandboxBackend(session(source), timeout=30)) for _ in range(2))
    assert first.preloaded() and second.preloaded()
    assert first.draw() != second.draw()  # forks of one zygote, yet not one shared stream


GC_PROBE = """
import gc

def private_mib():
    with open("/proc/self/smaps_rollup") as fh:
        return sum(int(line.split()[1]) for line in fh if line.startswith("Private_")) / 1024

def full_collection():
    before = private_mib()
    gc.collect()
    return {"frozen": gc.get_freeze_count(), "copied_mib": private_mib() - before}
"""


def test_a_full_collection_in_a_sandbox_leaves_the_zygotes_pages_shared(session):
    """The zygote froze its objects: a sandbox's collector does not write into them (copy-on-write)."""
    got = Namespace(SandboxBackend(session(GC_PROBE), timeout=30)).full_collection()
    assert got["frozen"] > 100_000  # TensorFlow's and Keras's objects
    assert got["copied_mib"] < 15, got  # unfrozen, the collection copies ~60 MiB of inherited pages
