"""Judge-side helpers for the autodiff checks: points to evaluate at, reading what came back, the usual mistakes."""

import numpy as np

from grader.judge import CheckFailed, as_numpy, assert_close, to_array
from grader.judge.proxy import Remote


def tensors(side, *arrays):
    """The arrays as ``tf.Tensor`` values, made by ``tf.constant`` on ``side`` (they arrive as tensors)."""
    tf = side.module("tensorflow")
    return [tf.constant(as_numpy(a)) for a in arrays]


def point(side, w1, w2, dtype="float32"):
    """``(w1, w2)`` as scalar float tensors."""
    return tuple(tensors(side, np.array(w1, dtype), np.array(w2, dtype)))


def random_point(side, inputs, dtype="float32"):
    """A random ``(w1, w2)`` as scalar tensors, each 0.5 to 4 away from zero, any sign."""
    w = inputs.rng.uniform(0.5, 4.0, 2) * inputs.rng.choice([-1.0, 1.0], 2)
    return point(side, w[0], w[1], dtype)


def describe_point(w1, w2):
    return f"w1=tf.constant({float(w1):.4g}, {w1.dtype.name}), w2=tf.constant({float(w2):.4g}, {w2.dtype.name})"


def items(value, n, call, what):
    """The ``n`` entries of a returned list (or tuple, or 1-d array), or a failure saying what came back."""
    if isinstance(value, np.ndarray) and value.shape == (n,):
        return [value[i] for i in range(n)]
    if isinstance(value, (list, tuple)) and len(value) == n:
        return list(value)
    if isinstance(value, (list, tuple)):
        got = f"a {type(value).__name__} of {len(value)} items"
    elif isinstance(value, np.ndarray):
        got = f"an array of shape {tuple(value.shape)}"
    elif isinstance(value, Remote):
        got = f"a {value.type_name.rsplit('.', 1)[-1]} object"
    else:
        got = f"a {type(value).__name__}"
    raise CheckFailed(f"{call} returned {got}; expected {what}.")


def scalar(entry, call):
    """One returned derivative as a float64 0-d array, or None; a failure if it is anything else."""
    if entry is None:
        return None
    array = to_array(entry, call)
    if array.size != 1:
        raise CheckFailed(f"{call} is an array of shape {tuple(array.shape)}; expected a single number.")
    return array.astype(np.float64).reshape(())


def assert_entries(got, expected, call, dtype, mistakes=None):
    """Entries that are all present, compared together (one table, one hint)."""
    assert_close(np.array([float(g) for g in got]), np.array(expected, np.float64), call=call, dtype=dtype,
                 mistakes=mistakes)


NOT_WATCHED = ("the tape did not record a path from that input to the result. w1 and w2 arrive as constant "
               "tensors, not variables: wrap them in tf.Variable(...) or call tape.watch(...) on them, and "
               "compute the result inside the `with tf.GradientTape()` block.")
