"""Hidden checks of `my_softplus(z)`: element-wise log(1 + exp(z)).

The direct formula overflows for large z in correct answers, so values are
checked where it does not (|z| <= 30; |z| <= 8 in float16).
"""

import numpy as np
import pytest
from _custom import assert_keeps_dtype, dense_model, explain_graph_failures, softplus, softplus_mistakes, trace

from grader.judge import (
    assert_close,
    assert_gradients_close,
    assert_matches_finite_differences,
    assert_traces_at_most,
    check,
)

CALL = "my_softplus(z)"


@check("my_softplus", kind="value", points=2)
def test_values_on_random_inputs(student, inputs):
    """Values on random inputs with |z| <= 30"""
    z = np.concatenate([inputs.normal((48,), scale=4.0), inputs.uniform((16,), -30.0, 30.0)]).clip(-30, 30)
    assert_close(student.my_softplus(z), softplus(z), call=f"{CALL} on float32[64]", dtype="float32",
                 mistakes=softplus_mistakes(z))


@check("my_softplus", kind="value", points=1)
def test_element_wise_for_any_shape(student, inputs):
    """Element-wise: same shape out as in, scalars to rank 3, no reduction"""
    for shape in [(), (1,), (5, 3), (2, 3, 4)]:
        z = np.asarray(inputs.normal(shape, scale=3.0))
        call = f"my_softplus(float32{list(shape)})"
        assert_close(student.my_softplus(z), softplus(z), call=call, dtype="float32", mistakes=softplus_mistakes(z))


@check("my_softplus", kind="value", points=1)
def test_edge_inputs(student):
    """Edge inputs: 0 (log 2), tiny, and |z| up to 30"""
    z = np.array([0.0, 1e-4, -1e-4, 1.0, -1.0, 15.0, -15.0, 30.0, -30.0], np.float32)
    assert_close(student.my_softplus(z), softplus(z), call=f"{CALL} at z = 0, ±1e-4, ±1, ±15, ±30",
                 dtype="float32", mistakes=softplus_mistakes(z))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@check("my_softplus", kind="value", points=0.5)
def test_keeps_dtype(student, inputs, dtype):
    """Keeps the input dtype (float16 may give float32)"""
    limit = 8.0 if dtype == "float16" else 30.0  # exp overflows float16 above about 11
    z = inputs.uniform((32,), -limit, limit, dtype=dtype)
    got = student.my_softplus(z)
    call = f"my_softplus on {dtype}[32]"
    assert_keeps_dtype(got, dtype, call=call)
    assert_close(got, softplus(z), call=call, dtype=dtype, mistakes=softplus_mistakes(z))


@check("my_softplus", kind="gradient", points=1)
def test_gradient_matches_reference(student, reference, inputs):
    """Gradient w.r.t. z matches the reference (the sigmoid)"""
    z = inputs.uniform((32,), -10.0, 10.0)
    assert_gradients_close(student.my_softplus, reference.my_softplus, (z,), wrt=(0,))


@check("my_softplus", kind="gradient", points=1)
def test_gradient_matches_finite_differences(student, inputs):
    """Gradient agrees with finite differences (float64)"""
    z = inputs.uniform((24,), -10.0, 10.0, dtype="float64")
    assert_close(student.my_softplus(z), softplus(z),
                 call="my_softplus on float64[24] (values first: a gradient of wrong values cannot earn this point)",
                 mistakes=softplus_mistakes(z))
    assert_matches_finite_differences(student.my_softplus, (z,), wrt=0)


@check("my_softplus", kind="graph", points=1)
def test_inside_tf_function(student, inputs):
    """Works inside tf.function, traced once for inputs of one shape"""
    arg_sets = [(inputs.uniform((16,), -20.0, 20.0),) for _ in range(3)]
    result = trace(student.my_softplus, arg_sets)
    for (z,), out in zip(arg_sets, result.outputs, strict=True):
        assert_close(out, softplus(z), call=f"{CALL} inside tf.function", dtype="float32",
                     mistakes=softplus_mistakes(z))
    assert_traces_at_most(result, 1, call=f"{CALL} inside tf.function")


@check("my_softplus", kind="graph", points=1)
def test_as_activation_of_a_dense_layer(student, inputs):
    """Works as the activation of a Dense layer in a Keras model (predict)"""
    x = inputs.normal((16, 3), scale=1.5)
    weights = [inputs.normal((3, 4), scale=1.5), inputs.normal((4,))]
    model, _ = dense_model(student, 3, 4, weights, activation=student.lookup("my_softplus"))
    with explain_graph_failures():
        got = model.predict(x, verbose=0)
    z = x.astype(np.float64) @ weights[0] + weights[1]
    assert_close(got, softplus(z), call="Sequential([Input((3,)), Dense(4, activation=my_softplus)]).predict(x)",
                 dtype="float32", mistakes=softplus_mistakes(z))
