"""Work every sandbox would redo, done once in the zygote before it forks.

Only pure-Python work may run here: the zygote must fork before TensorFlow runs
an op (its thread pools do not survive a fork), so nothing here may build the
eager context. Importing modules qualifies, and so does AutoGraph's conversion
of Keras's own entry points.

Putting a Keras loss, layer or model inside ``tf.function`` (as the checks do:
``trace``, a loss traced in a custom training step) makes AutoGraph convert
``keras.losses.Loss.__call__`` or ``keras.layers.Layer.__call__`` in that
process, which is Keras's code, the same for every student: measured at
150-350 ms for ``Loss.__call__`` and ~80 ms for ``Layer.__call__`` in each fresh
sandbox, against a few ms once converted. AutoGraph caches a conversion per
(code object, conversion options), and a fork inherits the cache; converting
them here with the options ``tf.function`` uses at its top level (those of
``tf.autograph.to_graph``: recursive, user-requested) turns each sandbox's
conversion into a cache hit. The student's own functions are still converted
in their sandbox, from their code.
"""

from __future__ import annotations

import sys
import tempfile


def import_lazy_modules() -> None:
    """Import what most sandboxes import later: ``numpy.random`` (nine extension modules, ~13 ms a sandbox).

    Keras's ``set_random_seed``, which the compiled-model checks call, imports it. A
    fresh import seeds numpy's global generator from the OS; forks would share the
    zygote's, so each sandbox calls `reseed_after_fork` first.
    """
    import numpy.random  # noqa: F401


def reseed_after_fork() -> None:
    """Give this fork's numpy global generator its own OS-entropy seed, as a fresh import would."""
    if "numpy.random" in sys.modules:  # else the sandbox's own import seeds it
        sys.modules["numpy.random"].seed()


def keras_entry_points() -> list:
    """The Keras methods ``tf.function`` converts when a student's loss, layer or model is traced."""
    import keras

    return [keras.losses.Loss.__call__, keras.layers.Layer.__call__]


def convert_keras_entry_points() -> list[str]:
    """Convert `keras_entry_points` with AutoGraph, in this process; the problems met (none: ``[]``).

    AutoGraph loads each conversion from a generated file in the temporary directory
    and deletes it only at exit (which a killed zygote never reaches): they are
    written to a private directory, removed once loaded.
    """
    import tensorflow as tf

    problems = []
    previous = tempfile.tempdir
    with tempfile.TemporaryDirectory(prefix="tfgrader-autograph-") as private:
        tempfile.tempdir = private
        try:
            for method in keras_entry_points():
                try:
                    tf.autograph.to_graph(method)
                except Exception as exc:  # noqa: BLE001 - a slower sandbox, not a failed batch
                    problems.append(f"AutoGraph could not convert {method.__qualname__} ahead of the sandboxes "
                                    f"({type(exc).__name__}: {exc}); each sandbox that traces one converts it itself")
        finally:
            tempfile.tempdir = previous
    return problems
