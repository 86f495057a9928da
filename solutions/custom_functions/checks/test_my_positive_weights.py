"""Hidden checks of `my_positive_weights(weights)`: negative weights replaced by 0."""

import numpy as np
import pytest
from _custom import (
    assert_keeps_dtype,
    away_from_zero,
    dense_model,
    dense_problem,
    positive,
    positive_mistakes,
    trace,
    train_one_step,
)

from grader.judge import (
    assert_close,
    assert_gradients_close,
    assert_matches_finite_differences,
    assert_traces_at_most,
    both_sides,
    check,
)

CALL = "my_positive_weights(weights)"


@check("my_positive_weights", kind="value", points=2)
def test_values_on_random_weights(student, inputs):
    """Negative weights become 0, the others are unchanged"""
    w = inputs.normal((40, 30), scale=2.0)
    assert_close(student.my_positive_weights(w), positive(w), call=f"{CALL} on float32[40, 30]",
                 mistakes=positive_mistakes(w))


@check("my_positive_weights", kind="value", points=1)
def test_edge_inputs_and_shapes(student, inputs):
    """Edge inputs (0, -0.0, ±1e-6, ±1e4) and shapes from rank 1 to 3"""
    edges = np.array([0.0, -0.0, 1e-6, -1e-6, 1e4, -1e4, 1.0, -1.0], np.float32)
    cases = [edges, inputs.normal((1,)), inputs.normal((2, 3, 4), scale=2.0)]
    for w in cases:
        call = f"my_positive_weights(float32{list(w.shape)})" + (" at 0, -0.0, ±1e-6, ±1e4, ±1" if w is edges else "")
        assert_close(student.my_positive_weights(w), positive(w), call=call, mistakes=positive_mistakes(w))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@check("my_positive_weights", kind="value", points=0.5)
def test_keeps_dtype(student, inputs, dtype):
    """Keeps the weights' dtype (float16 may give float32)"""
    w = inputs.normal((16, 4), scale=2.0, dtype=dtype)
    got = student.my_positive_weights(w)
    call = f"my_positive_weights on {dtype}[16, 4]"
    assert_keeps_dtype(got, dtype, call=call)
    assert_close(got, positive(w), call=call, dtype=dtype, mistakes=positive_mistakes(w))


@check("my_positive_weights", kind="gradient", points=1)
def test_gradient_matches_reference(student, reference, inputs):
    """Gradient w.r.t. the weights matches the reference (1 where w > 0, else 0)"""
    w = away_from_zero(inputs, (20, 3))
    assert_gradients_close(student.my_positive_weights, reference.my_positive_weights, (w,), wrt=(0,))


@check("my_positive_weights", kind="gradient", points=1)
def test_gradient_matches_finite_differences(student, inputs):
    """Gradient agrees with finite differences (float64)"""
    w = away_from_zero(inputs, (24,), dtype="float64")
    assert_close(student.my_positive_weights(w), positive(w),
                 call=f"{CALL} on float64[24] (values first: a gradient of wrong values cannot earn this point)",
                 mistakes=positive_mistakes(w))
    assert_matches_finite_differences(student.my_positive_weights, (w,), wrt=0)


@check("my_positive_weights", kind="graph", points=1)
def test_inside_tf_function(student, inputs):
    """Works inside tf.function, traced once for weights of one shape"""
    arg_sets = [(inputs.normal((8, 4), scale=2.0),) for _ in range(3)]
    result = trace(student.my_positive_weights, arg_sets)
    for (w,), out in zip(arg_sets, result.outputs, strict=True):
        assert_close(out, positive(w), call=f"{CALL} inside tf.function", mistakes=positive_mistakes(w))
    assert_traces_at_most(result, 1, call=f"{CALL} inside tf.function")


@check("my_positive_weights", kind="training", points=1)
def test_as_kernel_constraint(student, reference, inputs):
    """As the kernel_constraint of a Dense layer, the kernel stays non-negative after a training step"""
    x, y, weights = dense_problem(inputs)
    weights[0] = 0.1 * np.abs(weights[0])  # a valid start, small enough for the step to drive entries negative

    def run(ns):
        model, _ = dense_model(ns, 5, 3, weights, kernel_constraint=ns.lookup("my_positive_weights"))
        _, trained = train_one_step(ns, model, x, y, 2.0)
        return trained

    got_weights, expected_weights = both_sides(run, student, reference)
    if not (np.asarray(expected_weights[0]) == 0).any():  # the check itself is broken, not the student's code
        raise RuntimeError("no kernel entry was clipped to 0 by the reference constraint: choose other inputs")
    call = ("Dense(3, kernel_constraint=my_positive_weights), compiled with loss='mse', optimizer=SGD(2.0): "
            "the {} after train_on_batch(x, y)")
    for name, g, e in zip(["kernel", "bias"], got_weights, expected_weights, strict=True):
        assert_close(g, e, call=call.format(name), dtype="float32")
