"""Hidden checks of `create_huber(threshold=1.0)`: a loss function with a configurable threshold."""

import numpy as np
import pytest
from _huber import huber, mistakes

from grader.judge import assert_close, assert_gradients_close, assert_traces_at_most, check, side_by_side


@pytest.mark.parametrize("threshold", [0.5, 2.0, 3.7])
@check("create_huber", kind="value", points=1)
def test_values_for_a_threshold(student, reference, inputs, threshold):
    """Values on random inputs for a given threshold"""
    y_true, y_pred = inputs.pair(shape=(64, 1), spread=2.5 * threshold)
    got = student.create_huber(threshold)(y_true, y_pred)
    assert_close(got, reference.create_huber(threshold)(y_true, y_pred),
                 call=f"create_huber({threshold})(y_true, y_pred) on float32[64, 1]",
                 mistakes=mistakes(y_true, y_pred, threshold))


@check("create_huber", kind="value", points=1)
def test_default_threshold_is_one(student, inputs):
    """The default threshold is 1"""
    y_true, y_pred = inputs.pair(shape=(32, 1))
    assert_close(student.create_huber()(y_true, y_pred), huber(y_true, y_pred, 1.0),
                 call="create_huber()(y_true, y_pred)", dtype="float32", mistakes=mistakes(y_true, y_pred, 1.0))


@check("create_huber", kind="value", points=1)
def test_threshold_boundary(student):
    """Edge inputs: |error| exactly at the threshold, zeros, float64"""
    t = 2.0
    y_true = np.array([[0.0], [2.0], [-2.0], [0.0], [1.999], [2.001]], np.float64)
    y_pred = np.zeros((6, 1), np.float64)
    assert_close(student.create_huber(t)(y_true, y_pred), huber(y_true, y_pred, t),
                 call="create_huber(2.0)(y_true, y_pred) at |error| = 0 and 2 (float64)", dtype="float64",
                 mistakes=mistakes(y_true, y_pred, t))


@check("create_huber", kind="gradient", points=1)
def test_gradient_matches_reference(student, reference, inputs):
    """Gradient w.r.t. y_pred matches the reference"""
    y_true, y_pred = inputs.pair(shape=(32, 1), spread=5.0)
    assert_gradients_close(student.create_huber(2.5), reference.create_huber(2.5), (y_true, y_pred), wrt=(1,))


@check("create_huber", kind="graph", points=1)
def test_inside_tf_function(student, reference, inputs):
    """Works inside tf.function, traced once for inputs of one shape"""
    pairs = [inputs.pair(shape=(16, 1), spread=4.0) for _ in range(3)]
    trace = student.create_huber(1.5).trace(pairs)
    for pair, out in zip(pairs, trace.outputs, strict=True):
        assert_close(out, reference.create_huber(1.5)(*pair), call="create_huber(1.5) inside tf.function")
    assert_traces_at_most(trace, 1, call="create_huber(1.5) inside tf.function")


@check("create_huber", kind="graph", points=1)
def test_as_loss_of_a_compiled_model(student, reference, inputs):
    """Trains a compiled Keras model: same weights after one step as the reference"""
    x = inputs.normal((32, 3))
    y = inputs.normal((32, 1), scale=4.0)
    weights = [inputs.normal((3, 1)), np.zeros((1,), np.float32)]
    got, expected = side_by_side(student.create_huber(2.0), reference.create_huber(2.0)).in_compiled_model(
        x, y, weights, custom_objects=[], save=False)
    call = "model.compile(loss=create_huber(2.0)); model.train_on_batch(x, y)"
    for g, e in zip(got["weights"], expected["weights"], strict=True):
        assert_close(g, e, call=f"the weights after {call}", dtype="float32")
