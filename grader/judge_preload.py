"""What the judge workers' forkserver imports once, before it forks any worker.

Importing this module is its whole job: TensorFlow and Keras (C++ start-up
lines silenced, oneDNN as `grader.runtime.configure_tensorflow` sets it) and
the grading code, so that every worker forked from the server starts with
them imported. No TensorFlow op runs here: forking after one is unsafe.
"""

from grader.runtime import load_tensorflow

load_tensorflow()

import grader.grading  # noqa: E402, F401 - the judge, its pytest plugin, the reference loader
