"""Hidden checks of `count_above(x, threshold)`: an int32 count, traced once, no Python side effects."""

import numpy as np
from _tf_functions import as_int, assert_tf_function, tensor

from grader.judge import CheckFailed, assert_close, assert_traces_at_most, check


def mistakes(x, t):
    x = np.asarray(x)
    return {
        "elements equal to the threshold are counted: count only those strictly greater (x > threshold).":
            np.sum(x >= t),
        "this counts the elements below the threshold: count those greater than it (x > threshold).": np.sum(x < t),
        "this counts the elements at or below the threshold: count those greater than it (x > threshold).":
            np.sum(x <= t),
    }


def sample(inputs, shape, ties=False):
    x = inputs.uniform(shape, -2.0, 2.0)
    t = np.float32(inputs.rng.uniform(-1.0, 1.0))
    if ties:
        x.flat[::5] = t
    return x, np.array(t, np.float32)


def assert_count(got, x, t, call):
    assert_close(as_int(got, call), np.sum(x > t), call=call, dtype="float64", mistakes=mistakes(x, t))


def describe(x, t):
    return f"count_above(float32{list(x.shape)}, threshold={float(t):.4g})"


@check("count_above", kind="api", points=1)
def test_is_a_tf_function(student, inputs):
    """count_above is a tf.function"""
    x, t = sample(inputs, (6,))
    student.count_above(tensor(student, x), tensor(student, t))
    assert_tf_function(student.lookup("count_above"), "count_above")


@check("count_above", kind="value", points=2)
def test_counts(student, inputs):
    """Counts on random inputs of several shapes"""
    for shape in [(50,), (6, 8), (2, 3, 4)]:
        x, t = sample(inputs, shape)
        assert_count(student.count_above(tensor(student, x), tensor(student, t)), x, t, describe(x, t))


@check("count_above", kind="value", points=1)
def test_strictly_greater(student, inputs):
    """Elements equal to the threshold are not counted"""
    x, t = sample(inputs, (40,), ties=True)
    assert_count(student.count_above(tensor(student, x), tensor(student, t)), x, t,
                 describe(x, t) + " with 8 elements equal to the threshold")


@check("count_above", kind="value", points=1)
def test_returns_an_int32_scalar(student, inputs):
    """Returns an int32 scalar"""
    x, t = sample(inputs, (12,))
    call = describe(x, t)
    got = as_int(student.count_above(tensor(student, x), tensor(student, t)), call)
    if got.dtype != np.int32:
        hint = {
            "int64": " tf.math.count_nonzero returns int64 unless you pass dtype=tf.int32.",
            "float32": " cast the boolean mask to tf.int32 (not a float type) before summing.",
            "float64": " cast the boolean mask to tf.int32 (not a float type) before summing.",
        }.get(got.dtype.name, "")
        raise CheckFailed(f"{call} returned dtype {got.dtype.name}; expected int32.{hint}")


@check("count_above", kind="graph", points=2)
def test_traced_once_whatever_the_values(student, inputs):
    """Traced once for float32 inputs of one shape, right on every call"""
    samples = [sample(inputs, (5, 7)) for _ in range(4)]
    trace = student.count_above.trace([(tensor(student, x), tensor(student, t)) for x, t in samples])
    for (x, t), out in zip(samples, trace.outputs, strict=True):
        assert_count(out, x, t, describe(x, t) + " after the first call (inside the traced graph)")
    assert_traces_at_most(trace, 1, call="count_above on float32[5, 7] inputs with different values")


@check("count_above", kind="graph", points=1)
def test_no_python_side_effects(student, inputs):
    """No Python side effects: nothing printed while tracing"""
    x, t = sample(inputs, (3, 7, 2))
    got, printed = student.count_above.call_with_output(tensor(student, x), tensor(student, t))
    assert_count(got, x, t, describe(x, t))
    if printed.strip():
        shown = printed.strip().splitlines()[0][:80]
        raise CheckFailed(f"{describe(x, t)} printed {shown!r} while tracing. A Python print (or any Python side "
                          "effect) runs only when the function is traced, not on later calls: remove it (use "
                          "tf.print to print on every call).")
