"""Hidden checks of `tf_cube(x)`: a tf.function returning x³."""

import numpy as np
from _tf_functions import assert_tf_function, tensor

from grader.judge import assert_close, assert_dtype, assert_traces_at_most, check


def mistakes(x):
    x = np.asarray(x, np.float64)
    return {
        "these are the squares x²: raise x to the power 3.": x**2,
        "this is 3·x: use x ** 3, not x * 3.": 3 * x,
    }


@check("tf_cube", kind="api", points=1)
def test_is_a_tf_function(student, inputs):
    """tf_cube is a tf.function"""
    x = tensor(student, inputs.normal((4,)))
    student.tf_cube(x)
    assert_tf_function(student.lookup("tf_cube"), "tf_cube")


@check("tf_cube", kind="value", points=2)
def test_values(student, inputs):
    """x³ on random float32 inputs of several shapes"""
    for shape in [(), (6,), (3, 4)]:
        x = inputs.normal(shape, scale=2.0)
        got = student.tf_cube(tensor(student, x))
        assert_close(got, x.astype(np.float64) ** 3, call=f"tf_cube(float32{list(shape)})", dtype="float32",
                     mistakes=mistakes(x))


@check("tf_cube", kind="value", points=1)
def test_float64_keeps_dtype(student, inputs):
    """Works on float64 and keeps the dtype"""
    x = inputs.normal((5,), scale=2.0, dtype="float64")
    got = student.tf_cube(tensor(student, x, "float64"))
    assert_dtype(got, "float64", call="tf_cube(float64[5])")
    assert_close(got, x**3, call="tf_cube(float64[5])", dtype="float64", mistakes=mistakes(x))


@check("tf_cube", kind="graph", points=1)
def test_traced_once(student, inputs):
    """Traced once for float32 inputs of one shape"""
    xs = [inputs.normal((7,)) for _ in range(3)]
    trace = student.tf_cube.trace([(tensor(student, x),) for x in xs])
    for x, out in zip(xs, trace.outputs, strict=True):
        assert_close(out, x.astype(np.float64) ** 3, call="tf_cube(float32[7])", dtype="float32", mistakes=mistakes(x))
    assert_traces_at_most(trace, 1, call="tf_cube on float32[7]")
