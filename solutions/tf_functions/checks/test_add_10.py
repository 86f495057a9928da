"""Hidden checks of `add_10(x)`: x + 10 by a tf.range loop, a while loop in the graph."""

import numpy as np
from _tf_functions import assert_tf_function, tensor

from grader.judge import CheckFailed, assert_close, assert_traces_at_most, check


def mistakes(x):
    x = np.asarray(x, np.float64)
    return {
        "this is x + 9: the loop runs one time too few (tf.range(10) gives 0, 1, ..., 9: ten steps).": x + 9,
        "this is x + 11: the loop runs one time too many.": x + 11,
        "this is x + 45 = x + (0 + 1 + ... + 9): add 1 on each step, not the loop index.": x + 45,
    }


@check("add_10", kind="api", points=1)
def test_is_a_tf_function(student, inputs):
    """add_10 is a tf.function"""
    student.add_10(tensor(student, inputs.normal(())))
    assert_tf_function(student.lookup("add_10"), "add_10")


@check("add_10", kind="value", points=2)
def test_values(student, inputs):
    """x + 10 on random float32 inputs (scalar and vector)"""
    for shape in [(), (5,)]:
        x = inputs.normal(shape, scale=3.0)
        assert_close(student.add_10(tensor(student, x)), x.astype(np.float64) + 10, call=f"add_10(float32{list(shape)})",
                     dtype="float32", mistakes=mistakes(x))


@check("add_10", kind="graph", points=2)
def test_graph_holds_a_while_loop(student, inputs):
    """The graph holds a while loop, not ten unrolled additions"""
    x = inputs.normal((3,))
    trace = student.add_10.trace([(tensor(student, x),)])
    assert_close(trace.outputs[0], x.astype(np.float64) + 10, call="add_10(float32[3])", dtype="float32",
                 mistakes=mistakes(x))
    ops = set(trace.op_types)
    if not ops:
        return  # the graph could not be read: no evidence against the student
    if not any(op in ("While", "StatelessWhile") for op in ops):
        raise CheckFailed(
            f"the graph traced from add_10 has no while loop (its operations: {', '.join(sorted(ops))}). "
            "A Python `for i in range(10)` runs while tracing and leaves ten separate additions in the graph; "
            "loop over tf.range(10) so AutoGraph builds a single tf.while_loop.")


@check("add_10", kind="graph", points=1)
def test_traced_once(student, inputs):
    """Traced once for float32 inputs of one shape"""
    xs = [inputs.normal((4,)) for _ in range(3)]
    trace = student.add_10.trace([(tensor(student, x),) for x in xs])
    for x, out in zip(xs, trace.outputs, strict=True):
        assert_close(out, x.astype(np.float64) + 10, call="add_10(float32[4])", dtype="float32", mistakes=mistakes(x))
    assert_traces_at_most(trace, 1, call="add_10 on float32[4]")
