"""Hidden checks of `huber_fn(y_true, y_pred)`: element-wise Huber loss, threshold 1."""

import numpy as np
import pytest
from _huber import huber, mistakes

from grader.judge import (
    assert_close,
    assert_dtype,
    assert_gradients_close,
    assert_matches_finite_differences,
    assert_traces_at_most,
    check,
    side_by_side,
)

CALL = "huber_fn(y_true, y_pred)"


@check("huber_fn", kind="value", points=2)
def test_values_on_random_inputs(student, reference, inputs):
    """Values on random inputs on both sides of the threshold"""
    y_true, y_pred = inputs.pair(shape=(64, 1), spread=3.0)
    got = student.huber_fn(y_true, y_pred)
    assert_close(got, reference.huber_fn(y_true, y_pred), call=f"{CALL} on float32[64, 1]", mistakes=mistakes(y_true, y_pred))


@check("huber_fn", kind="value", points=1)
def test_no_reduction_and_broadcasting(student, reference, inputs):
    """Element-wise: no reduction, broadcast shapes, rank 3"""
    for shape_true, shape_pred in [((5, 3), (5, 3)), ((8, 1), (8, 4)), ((2, 3, 4), (2, 3, 4)), ((1, 1), (1, 1))]:
        y_true = inputs.normal(shape_true, scale=2.0)
        y_pred = inputs.normal(shape_pred, scale=2.0)
        call = f"huber_fn(float32{list(shape_true)}, float32{list(shape_pred)})"
        assert_close(student.huber_fn(y_true, y_pred), reference.huber_fn(y_true, y_pred), call=call,
                     mistakes=mistakes(*np.broadcast_arrays(y_true, y_pred)))


@check("huber_fn", kind="value", points=1)
def test_edge_inputs(student):
    """Edge inputs: |error| exactly 1, zeros, large errors"""
    y_true = np.array([[0.0], [1.0], [-1.0], [0.0], [0.0], [100.0], [-1e4]], np.float32)
    y_pred = np.array([[0.0], [0.0], [0.0], [1.0], [-1.0], [0.0], [0.0]], np.float32)
    assert_close(student.huber_fn(y_true, y_pred), huber(y_true, y_pred), call=f"{CALL} at |error| = 0, 1 and large",
                 dtype="float32")


@check("huber_fn", kind="value", points=1)
def test_nan_propagates(student):
    """NaN in, NaN out (no silent replacement)"""
    y_true = np.array([[np.nan], [0.5], [2.0]], np.float32)
    y_pred = np.zeros((3, 1), np.float32)
    assert_close(student.huber_fn(y_true, y_pred), huber(y_true, y_pred), call=f"{CALL} with a NaN in y_true",
                 dtype="float32")


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@check("huber_fn", kind="value", points=0.5)
def test_keeps_dtype(student, reference, inputs, dtype):
    """Keeps the input dtype"""
    y_true, y_pred = inputs.pair(shape=(16, 2), spread=2.5, dtype=dtype)
    got = student.huber_fn(y_true, y_pred)
    call = f"huber_fn on {dtype}[16, 2]"
    assert_close(got, reference.huber_fn(y_true, y_pred), call=call, dtype=dtype, mistakes=mistakes(y_true, y_pred))
    assert_dtype(got, dtype, call=call)


@check("huber_fn", kind="gradient", points=1)
def test_gradient_matches_reference(student, reference, inputs):
    """Gradient w.r.t. y_pred matches the reference"""
    y_true, y_pred = inputs.pair(shape=(32, 1), spread=3.0)
    assert_gradients_close(student.huber_fn, reference.huber_fn, (y_true, y_pred), wrt=(1,))


@check("huber_fn", kind="gradient", points=1)
def test_gradient_matches_finite_differences(student, reference, inputs):
    """Gradient agrees with finite differences (float64)"""
    y_true, y_pred = inputs.pair_away_from(shape=(24, 1), kinks=(1.0,))
    assert_close(student.huber_fn(y_true, y_pred), reference.huber_fn(y_true, y_pred),
                 call="huber_fn on float64[24, 1] (values first: a gradient of wrong values cannot earn this point)")
    assert_matches_finite_differences(student.huber_fn, (y_true, y_pred), wrt=1)


@check("huber_fn", kind="graph", points=1)
def test_inside_tf_function(student, reference, inputs):
    """Works inside tf.function, traced once for inputs of one shape"""
    pairs = [inputs.pair(shape=(16, 1)) for _ in range(3)]
    trace = student.huber_fn.trace(pairs)
    for (y_true, y_pred), out in zip(pairs, trace.outputs, strict=True):
        assert_close(out, reference.huber_fn(y_true, y_pred), call=f"{CALL} inside tf.function")
    assert_traces_at_most(trace, 1, call=f"{CALL} inside tf.function")


@check("huber_fn", kind="graph", points=1)
def test_jit_compiled(student, reference, inputs):
    """Works inside tf.function(jit_compile=True)"""
    pair = inputs.pair(shape=(16, 1))
    trace = student.huber_fn.trace([pair], jit_compile=True)
    assert_close(trace.outputs[0], reference.huber_fn(*pair), call=f"{CALL} with jit_compile=True")


@check("huber_fn", kind="graph", points=1)
def test_as_loss_of_a_compiled_model(student, reference, inputs):
    """Trains a compiled Keras model: same weights after one step as the reference"""
    x = inputs.normal((32, 3))
    y = inputs.normal((32, 1), scale=3.0)
    weights = [inputs.normal((3, 1)), np.zeros((1,), np.float32)]
    got, expected = side_by_side(student.huber_fn, reference.huber_fn).in_compiled_model(
        x, y, weights, custom_objects=[], save=False)
    call = "model.compile(loss=huber_fn); model.train_on_batch(x, y)"
    assert_close(got["loss"], expected["loss"], call=f"the loss reported by {call}", dtype="float32")
    for g, e in zip(got["weights"], expected["weights"], strict=True):
        assert_close(g, e, call=f"the weights after {call}", dtype="float32")
