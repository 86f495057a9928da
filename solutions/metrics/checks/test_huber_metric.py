"""Hidden checks of `HuberMetric(threshold=1.0, **kwargs)`, a streaming `keras.metrics.Metric`."""

import keras
import numpy as np
from _metrics import distinct, huber, huber_mistakes, mean_results
from _run import (
    EVALUATE_HINT,
    GRAPH_HINT,
    assert_reset,
    assert_result_close,
    assert_state_in_variables,
    compiled_model,
    metric_value,
    results_after_each,
    scalar,
    sequence_call,
    update,
    variable_values,
)

from grader.judge import CheckFailed, as_numpy, assert_close, assert_instance_of, assert_traces_at_most, check

EXAMPLE = [
    (np.array([[2.0]], np.float32), np.array([[10.0]], np.float32)),
    (np.array([[0.0], [5.0]], np.float32), np.array([[1.0], [9.25]], np.float32)),
]


def batches_of(inputs, sizes, threshold, weights=None, columns=1):
    """Random batches ``(y_true, y_pred, w)``; ``weights[i]`` is None, "column" ([n, 1]) or "flat" ([n])."""
    out = []
    for i, n in enumerate(sizes):
        y_true, y_pred = inputs.pair(shape=(n, columns), spread=3 * threshold)
        kind = weights[i] if weights else None
        w = None
        if kind == "column":
            w = inputs.uniform((n, 1), 0.0, 2.0)
        elif kind == "flat":
            w = inputs.uniform((n,), 0.0, 2.0)
        out.append((y_true, y_pred, w))
    return out


def check_sequence(student, threshold, batches, label):
    metric = student.HuberMetric(threshold)
    got = results_after_each(metric, batches, label)
    expected = mean_results(batches, threshold)
    assert_close(got, expected, call=sequence_call(label, batches), dtype="float32",
                 mistakes=distinct(huber_mistakes(batches, threshold), expected))


@check("HuberMetric", kind="api", points=1)
def test_subclasses_metric_with_state_variables(student):
    """Subclasses keras.metrics.Metric; its state is in variables, zero at the start"""
    metric = student.HuberMetric(2.0)
    assert_instance_of(metric, keras.metrics.Metric, call="HuberMetric(2.0)")
    for value in variable_values(metric, "HuberMetric(2.0)"):
        if np.any(value != 0):
            raise CheckFailed("HuberMetric(2.0).variables are not all zero before any update: "
                              "create the state with initializer='zeros'.")


@check("HuberMetric", kind="value", points=1)
def test_contract_example(student):
    """14.0 after ([[2]], [[10]]) with threshold 2, then 7.0 after ([[0],[5]], [[1],[9.25]])"""
    check_sequence(student, 2.0, [(y_true, y_pred, None) for y_true, y_pred in EXAMPLE], "HuberMetric(2.0)")


@check("HuberMetric", kind="value", points=2)
def test_streams_over_batches_of_different_sizes(student, inputs):
    """Result after each of several batches of different sizes (the mean over all values so far)"""
    threshold = float(inputs.choice([0.5, 1.5, 2.5]))
    batches = batches_of(inputs, [40, 3, 17, 1, 25], threshold)
    check_sequence(student, threshold, batches, f"HuberMetric({threshold})")


@check("HuberMetric", kind="value", points=1)
def test_several_columns(student, inputs):
    """Batches of shape [batch, 3]: the mean over every value"""
    batches = batches_of(inputs, [12, 5, 30], 1.5, columns=3)
    check_sequence(student, 1.5, batches, "HuberMetric(1.5)")


@check("HuberMetric", kind="value", points=2)
def test_sample_weights(student, inputs):
    """With sample_weight of shape [batch, 1], mixed with unweighted batches: the weighted mean"""
    threshold = float(inputs.choice([0.5, 1.5, 2.5]))
    batches = batches_of(inputs, [20, 4, 33, 9], threshold, weights=["column", None, "column", "column"])
    batches.append((*inputs.pair(shape=(6, 1), spread=3 * threshold), np.zeros((6, 1), np.float32)))
    check_sequence(student, threshold, batches, f"HuberMetric({threshold})")


@check("HuberMetric", kind="value", points=1)
def test_sample_weights_of_shape_batch(student, inputs):
    """With sample_weight of shape [batch] (as fit() passes it) and y of shape [batch, 1]"""
    batches = batches_of(inputs, [16, 5, 24], 2.0, weights=["flat", "flat", None])
    check_sequence(student, 2.0, batches, "HuberMetric(2.0)")


@check("HuberMetric", kind="value", points=0.5)
def test_result_before_any_update_is_zero(student):
    """result() before any update is 0.0, like keras.metrics.Mean"""
    got = scalar(student.HuberMetric(2.0).result(), "HuberMetric(2.0).result() before any update")
    if np.isnan(got) or got != 0.0:
        raise CheckFailed(f"HuberMetric(2.0).result() before any update returned {got:g}, expected 0.0 (as "
                          "keras.metrics.Mean does): 0 / 0 gives NaN, use tf.math.divide_no_nan.")


@check("HuberMetric", kind="value", points=1.5)
def test_reset_state(student, inputs):
    """reset_state() zeroes the state; the next batches are counted from scratch"""
    metric = student.HuberMetric(1.5)
    for batch in batches_of(inputs, [10, 6], 1.5, weights=[None, "column"]):
        update(metric, batch)
    batches = batches_of(inputs, [7, 12], 1.5, weights=[None, "column"])
    assert_reset(metric, lambda: student.HuberMetric(1.5), "HuberMetric(1.5)", batches, mean_results(batches, 1.5))


@check("HuberMetric", kind="api", points=1)
def test_state_lives_in_variables(student, inputs):
    """The whole state is in the metric's variables (what Keras saves, resets and syncs)"""
    metric = student.HuberMetric(2.0)
    for batch in batches_of(inputs, [13, 8], 2.0, weights=[None, "column"]):
        update(metric, batch)
    assert_state_in_variables(metric, lambda: student.HuberMetric(2.0), "HuberMetric(2.0)")


@check("HuberMetric", kind="graph", points=2)
def test_update_state_inside_tf_function(student, inputs):
    """update_state works inside tf.function (traced once), with and without sample_weight"""
    metric = student.HuberMetric(1.5)
    make = lambda: student.HuberMetric(1.5)  # noqa: E731
    plain = batches_of(inputs, [16, 16, 16], 1.5)
    weighted = batches_of(inputs, [16, 16, 16], 1.5, weights=["column"] * 3)
    trace = metric.update_state.trace([(y_true, y_pred) for y_true, y_pred, _ in plain])
    assert_traces_at_most(trace, 1, call="HuberMetric(1.5).update_state(y_true, y_pred) inside tf.function")
    got = scalar(metric.result(), "HuberMetric(1.5).result()")
    call = "HuberMetric(1.5).result() after 3 update_state calls inside tf.function (float32[16, 1])"
    assert_result_close(got, mean_results(plain, 1.5)[-1], call, make, plain, GRAPH_HINT)
    trace = metric.update_state.trace(weighted)
    assert_traces_at_most(trace, 1, call="HuberMetric(1.5).update_state(y_true, y_pred, w) inside tf.function")
    got = scalar(metric.result(), "HuberMetric(1.5).result()")
    call = ("HuberMetric(1.5).result() after 3 more update_state calls with sample_weight float32[16, 1] "
            "inside tf.function")
    assert_result_close(got, mean_results(plain + weighted, 1.5)[-1], call, make, plain + weighted, GRAPH_HINT)


@check("HuberMetric", kind="graph", points=1)
def test_in_compiled_model_evaluate(student, inputs):
    """As a metric of a compiled model: evaluate() over batches of 16, 16 and 8, twice"""
    x = inputs.normal((40, 3))
    y = inputs.normal((40, 1), scale=3.0)
    kernel = inputs.normal((3, 1))
    model = compiled_model(student, student.HuberMetric(2.0), [kernel, np.zeros((1,), np.float32)], loss="mse")
    call = "model.compile(metrics=[HuberMetric(2.0)]); model.evaluate(x, y, batch_size=16)"
    expected = np.float32(huber(y, x @ kernel, 2.0).mean())
    y_pred = (x @ kernel).astype(np.float32)
    batches = [(y[i:i + 16], y_pred[i:i + 16]) for i in (0, 16, 32)]
    for attempt in ("", " a second time"):
        logs = model.evaluate(as_numpy(x), as_numpy(y), batch_size=16, verbose=0, return_dict=True)
        assert_result_close(metric_value(logs, call + attempt), expected, f"the metric of {call}{attempt}",
                            lambda: student.HuberMetric(2.0), batches, EVALUATE_HINT)


@check("HuberMetric", kind="serialization", points=1)
def test_config_round_trip(student, inputs):
    """get_config() holds the threshold; from_config() gives a metric with the same results"""
    config, clone = student.HuberMetric(2.5).config_roundtrip()
    if not isinstance(config, dict) or "threshold" not in config:
        keys = sorted(config) if isinstance(config, dict) else type(config).__name__
        raise CheckFailed(f"HuberMetric(2.5).get_config() has no 'threshold' key (keys: {keys}): "
                          "add it to the base class config so the metric can be saved and rebuilt.")
    threshold = config["threshold"]
    if not isinstance(threshold, (int, float)) or abs(float(threshold) - 2.5) > 1e-6:
        raise CheckFailed(f"HuberMetric(2.5).get_config()['threshold'] is {threshold!r}, expected 2.5.")
    batches = batches_of(inputs, [12, 5], 2.5)
    label = "HuberMetric.from_config(HuberMetric(2.5).get_config())"
    got = results_after_each(clone, batches, label)
    original = results_after_each(student.HuberMetric(2.5), batches, "HuberMetric(2.5)")
    assert_close(got, original, dtype="float32",
                 call=sequence_call(label, batches) + " (compared with HuberMetric(2.5) itself)")


@check("HuberMetric", kind="serialization", points=1)
def test_saved_model_reloads_the_metric(student, inputs):
    """A model compiled with the metric, saved as .keras, reloads it with its threshold"""
    x = inputs.normal((24, 3))
    y = inputs.normal((24, 1), scale=4.0)
    kernel = inputs.normal((3, 1))
    model = compiled_model(student, student.HuberMetric(2.0), [kernel, np.zeros((1,), np.float32)], loss="mse")
    before = model.evaluate(as_numpy(x), as_numpy(y), batch_size=8, verbose=0, return_dict=True)
    before = metric_value(before, "model.compile(metrics=[HuberMetric(2.0)]); model.evaluate(x, y)")
    reloaded = model.save_reload(custom_objects=["HuberMetric"])
    call = ("model.compile(metrics=[HuberMetric(2.0)]); model.save('m.keras'); "
            "keras.saving.load_model(..., custom_objects=...).evaluate(x, y)")
    logs = reloaded.evaluate(as_numpy(x), as_numpy(y), batch_size=8, verbose=0, return_dict=True)
    y_pred = x @ kernel
    mistakes = {}
    if np.isclose(before, huber(y, y_pred, 2.0).mean(), rtol=1e-4, atol=1e-5):
        mistakes["the reloaded metric has threshold 1: get_config() must include the threshold."] = np.float32(
            huber(y, y_pred, 1.0).mean())
    assert_close(np.float32(metric_value(logs, call)), np.float32(before), dtype="float32",
                 call=f"the metric of {call} (compared with evaluate() before saving)", mistakes=mistakes)
