"""Hidden checks of `HuberLoss(threshold=1.0, **kwargs)`, a `keras.losses.Loss` subclass."""

import keras
import numpy as np
from _huber import huber, mistakes

from grader.judge import (
    CheckFailed,
    assert_close,
    assert_gradients_close,
    assert_instance_of,
    assert_traces_at_most,
    check,
    side_by_side,
)


@check("HuberLoss", kind="api", points=1)
def test_subclasses_keras_loss(student):
    """Subclasses keras.losses.Loss"""
    loss = student.HuberLoss(2.0)
    assert_instance_of(loss, keras.losses.Loss, call="HuberLoss(2.0)")


@check("HuberLoss", kind="value", points=1)
def test_contract_example(student):
    """HuberLoss(2.)([[2],[0],[5]], [[10],[1],[9.25]]) is 7.0"""
    y_true = np.array([[2.0], [0.0], [5.0]], np.float32)
    y_pred = np.array([[10.0], [1.0], [9.25]], np.float32)
    assert_close(student.HuberLoss(2.0)(y_true, y_pred), np.float32(7.0),
                 call="HuberLoss(2.)([[2], [0], [5]], [[10], [1], [9.25]])", dtype="float32")


@check("HuberLoss", kind="value", points=1)
def test_call_is_element_wise(student, reference, inputs):
    """call() returns the element-wise loss (the base class reduces)"""
    y_true, y_pred = inputs.pair(shape=(32, 1), spread=6.0)
    got = student.HuberLoss(3.0).call(y_true, y_pred)
    assert_close(got, reference.HuberLoss(3.0).call(y_true, y_pred), call="HuberLoss(3.0).call(y_true, y_pred)",
                 mistakes=mistakes(y_true, y_pred, 3.0))


@check("HuberLoss", kind="value", points=1)
def test_reduced_value_on_random_inputs(student, inputs):
    """Reduced value on random inputs, with a random threshold"""
    threshold = float(inputs.choice([0.5, 1.5, 2.5]))
    y_true, y_pred = inputs.pair(shape=(64, 1), spread=3 * threshold)
    expected = huber(y_true, y_pred, threshold).mean()
    assert_close(student.HuberLoss(threshold)(y_true, y_pred), np.float32(expected),
                 call=f"HuberLoss({threshold})(y_true, y_pred) on float32[64, 1]", dtype="float32")


@check("HuberLoss", kind="serialization", points=1)
def test_config_round_trip(student, inputs):
    """get_config() holds the threshold; from_config() gives an equal loss"""
    loss = student.HuberLoss(2.5)
    config, clone = loss.config_roundtrip()
    if not isinstance(config, dict) or "threshold" not in config:
        keys = sorted(config) if isinstance(config, dict) else type(config).__name__
        raise CheckFailed(f"HuberLoss(2.5).get_config() has no 'threshold' key (keys: {keys}): "
                          "add it so the loss can be saved and rebuilt.")
    threshold = config["threshold"]
    if not isinstance(threshold, (int, float)) or abs(float(threshold) - 2.5) > 1e-6:
        raise CheckFailed(f"HuberLoss(2.5).get_config()['threshold'] is {threshold!r}, expected 2.5.")
    y_true, y_pred = inputs.pair(shape=(16, 1), spread=6.0)
    assert_close(clone.call(y_true, y_pred), huber(y_true, y_pred, 2.5),
                 call="HuberLoss.from_config(HuberLoss(2.5).get_config()).call(y_true, y_pred)", dtype="float32")


@check("HuberLoss", kind="serialization", points=2)
def test_saved_model_reloads_with_threshold(student, reference, inputs):
    """A compiled model saved as .keras reloads with the same threshold"""
    x = inputs.normal((32, 3))
    y = inputs.normal((32, 1), scale=4.0)
    weights = [inputs.normal((3, 1)), np.zeros((1,), np.float32)]
    got, expected = side_by_side(student.HuberLoss(2.0), reference.HuberLoss(2.0)).in_compiled_model(
        x, y, weights, custom_objects=["HuberLoss"])
    call = "model.compile(loss=HuberLoss(2.0)); model.save('m.keras'); keras.saving.load_model(...)"
    if got["reloaded_loss_type"] != "HuberLoss":
        raise CheckFailed(f"after {call} the model's loss is a {got['reloaded_loss_type']}, not your HuberLoss.")
    reloaded_threshold = got["reloaded_loss"].threshold
    if not isinstance(reloaded_threshold, (int, float)) or abs(float(reloaded_threshold) - 2.0) > 1e-6:
        raise CheckFailed(f"after {call} the reloaded loss has threshold {reloaded_threshold!r}, expected 2.0: "
                          "get_config() must include the threshold.")
    assert_close(got["reloaded_eval"], expected["reloaded_eval"], call=f"the reloaded model's loss on the same batch (as evaluate() reports it) after {call}", dtype="float32")


@check("HuberLoss", kind="gradient", points=1)
def test_gradient_matches_reference(student, reference, inputs):
    """Gradient of the reduced loss w.r.t. y_pred matches the reference"""
    y_true, y_pred = inputs.pair(shape=(32, 1), spread=5.0)
    assert_gradients_close(student.HuberLoss(2.0), reference.HuberLoss(2.0), (y_true, y_pred), wrt=(1,))


@check("HuberLoss", kind="graph", points=1)
def test_inside_tf_function(student, reference, inputs):
    """Works inside tf.function, traced once for inputs of one shape"""
    pairs = [inputs.pair(shape=(16, 1), spread=4.0) for _ in range(3)]
    trace = student.HuberLoss(1.5).trace(pairs)
    for pair, out in zip(pairs, trace.outputs, strict=True):
        assert_close(out, reference.HuberLoss(1.5)(*pair), call="HuberLoss(1.5)(y_true, y_pred) inside tf.function")
    assert_traces_at_most(trace, 1, call="HuberLoss(1.5) inside tf.function")
