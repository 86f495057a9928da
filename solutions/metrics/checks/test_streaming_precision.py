"""Hidden checks of `StreamingPrecision(threshold=0.5, **kwargs)`, a streaming `keras.metrics.Metric`.

The contract says nothing about sample_weight or get_config: neither is graded.
"""

import keras
import numpy as np
from _metrics import distinct, precision_mistakes, precision_results
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


def batch(inputs, n, positive_rate=0.5):
    """``(y_true, y_pred)``: 0/1 labels and scores that lean towards the label, float32[n, 1]."""
    y_true = (inputs.rng.random((n, 1)) < positive_rate).astype(np.float32)
    y_pred = np.clip(0.3 * y_true + inputs.uniform((n, 1), 0.0, 0.8), 0.0, 1.0).astype(np.float32)
    return y_true, y_pred


def check_sequence(student, label, make, batches, threshold):
    got = results_after_each(make(), batches, label)
    expected = precision_results(batches, threshold)
    assert_close(got, expected, call=sequence_call(label, batches), dtype="float32",
                 mistakes=distinct(precision_mistakes(batches, threshold), expected))


@check("StreamingPrecision", kind="api", points=1)
def test_subclasses_metric_with_state_variables(student):
    """Subclasses keras.metrics.Metric; its state is in variables, zero at the start"""
    metric = student.StreamingPrecision(0.5)
    assert_instance_of(metric, keras.metrics.Metric, call="StreamingPrecision(0.5)")
    for value in variable_values(metric, "StreamingPrecision(0.5)"):
        if np.any(value != 0):
            raise CheckFailed("StreamingPrecision(0.5).variables are not all zero before any update: "
                              "create the state with initializer='zeros'.")


@check("StreamingPrecision", kind="value", points=2)
def test_streams_over_batches_of_different_sizes(student, inputs):
    """Precision after each of several batches of different sizes (over all batches, not averaged)"""
    threshold = float(inputs.choice([0.3, 0.6, 0.7]))
    batches = [batch(inputs, n) for n in (60, 4, 25, 2, 40)]
    label = f"StreamingPrecision({threshold})"
    check_sequence(student, label, lambda: student.StreamingPrecision(threshold), batches, threshold)


@check("StreamingPrecision", kind="value", points=1)
def test_default_threshold(student, inputs):
    """The default threshold is 0.5"""
    batches = [batch(inputs, n) for n in (30, 9, 21)]
    check_sequence(student, "StreamingPrecision()", student.StreamingPrecision, batches, 0.5)


@check("StreamingPrecision", kind="value", points=1)
def test_nothing_predicted_positive_gives_zero(student, inputs):
    """0.0 before any update and while nothing is predicted positive, then the right value"""
    metric = student.StreamingPrecision(0.5)
    got = scalar(metric.result(), "StreamingPrecision(0.5).result() before any update")
    hint = ("precision with nothing predicted positive is 0 / 0: return 0.0 there "
            "(tf.math.divide_no_nan, or tf.where on TP + FP > 0).")
    if np.isnan(got) or got != 0.0:
        raise CheckFailed(f"StreamingPrecision(0.5).result() before any update returned {got:g}, expected 0.0: {hint}")
    y_true = np.array([[1.0], [0.0], [1.0], [0.0]], np.float32)
    y_pred = np.array([[0.2], [0.1], [0.49], [0.0]], np.float32)
    metric.update_state(y_true, y_pred)
    got = scalar(metric.result(), "StreamingPrecision(0.5).result()")
    if np.isnan(got) or got != 0.0:
        raise CheckFailed(f"StreamingPrecision(0.5).result() after update_state({y_true.ravel().tolist()}, "
                          f"{y_pred.ravel().tolist()}) (nothing predicted positive) returned {got:g}, expected 0.0: "
                          f"{hint}")
    batches = [batch(inputs, 20)]
    got = results_after_each(metric, batches, "StreamingPrecision(0.5)")
    expected = precision_results([(y_true, y_pred), *batches], 0.5)[1:]
    assert_close(got, expected, dtype="float32",
                 call="StreamingPrecision(0.5).result() after a batch with no positive prediction, then "
                 "a float32[20, 1] batch")


@check("StreamingPrecision", kind="value", points=1)
def test_prediction_at_the_threshold_is_positive(student):
    """A prediction exactly at the threshold counts as positive (y_pred >= threshold)"""
    y_true = np.array([[1.0], [0.0], [0.0], [1.0], [0.0]], np.float32)
    y_pred = np.array([[0.5], [0.5], [0.875], [0.125], [0.375]], np.float32)
    metric = student.StreamingPrecision(0.5)
    metric.update_state(y_true, y_pred)
    got = scalar(metric.result(), "StreamingPrecision(0.5).result()")
    call = f"StreamingPrecision(0.5) after update_state({y_true.ravel().tolist()}, {y_pred.ravel().tolist()})"
    assert_close(np.float32(got), np.float32(1 / 3), call=call, dtype="float32",
                 mistakes={"a prediction exactly at the threshold must count as positive: use y_pred >= threshold, "
                           "not y_pred > threshold.": np.float32(0.0)})


@check("StreamingPrecision", kind="value", points=1)
def test_reset_state(student, inputs):
    """reset_state() zeroes the state; the next batches are counted from scratch"""
    metric = student.StreamingPrecision(0.6)
    for b in [batch(inputs, 30), batch(inputs, 7)]:
        update(metric, b)
    batches = [batch(inputs, 12), batch(inputs, 25)]
    assert_reset(metric, lambda: student.StreamingPrecision(0.6), "StreamingPrecision(0.6)", batches,
                 precision_results(batches, 0.6))


@check("StreamingPrecision", kind="api", points=1)
def test_state_lives_in_variables(student, inputs):
    """The whole state is in the metric's variables (what Keras saves, resets and syncs)"""
    metric = student.StreamingPrecision(0.5)
    for b in [batch(inputs, 30), batch(inputs, 11)]:
        update(metric, b)
    assert_state_in_variables(metric, lambda: student.StreamingPrecision(0.5), "StreamingPrecision(0.5)")


@check("StreamingPrecision", kind="graph", points=2)
def test_update_state_inside_tf_function(student, inputs):
    """update_state works inside tf.function, traced once for batches of one shape"""
    metric = student.StreamingPrecision(0.6)
    batches = [batch(inputs, 24) for _ in range(3)]
    trace = metric.update_state.trace(batches)
    assert_traces_at_most(trace, 1, call="StreamingPrecision(0.6).update_state(y_true, y_pred) inside tf.function")
    got = scalar(metric.result(), "StreamingPrecision(0.6).result()")
    call = "StreamingPrecision(0.6).result() after 3 update_state calls inside tf.function (float32[24, 1])"
    assert_result_close(got, precision_results(batches, 0.6)[-1], call, lambda: student.StreamingPrecision(0.6),
                        batches, GRAPH_HINT)


@check("StreamingPrecision", kind="graph", points=1)
def test_in_compiled_model_evaluate(student, inputs):
    """As a metric of a compiled classifier: evaluate() over batches of 16, 16 and 8, twice"""
    x = inputs.normal((40, 3))
    kernel = inputs.normal((3, 1))
    y = (x @ kernel + inputs.normal((40, 1)) > 0).astype(np.float32)
    model = compiled_model(student, student.StreamingPrecision(0.5), [kernel, np.zeros((1,), np.float32)],
                           loss="binary_crossentropy", activation="sigmoid")
    scores = (1 / (1 + np.exp(-(x.astype(np.float64) @ kernel)))).astype(np.float32)
    expected = precision_results([(y, scores)], 0.5)[-1]
    batches = [(y[i:i + 16], scores[i:i + 16]) for i in (0, 16, 32)]
    call = "model.compile(metrics=[StreamingPrecision(0.5)]); model.evaluate(x, y, batch_size=16)"
    for attempt in ("", " a second time"):
        logs = model.evaluate(as_numpy(x), as_numpy(y), batch_size=16, verbose=0, return_dict=True)
        assert_result_close(metric_value(logs, call + attempt), expected, f"the metric of {call}{attempt}",
                            lambda: student.StreamingPrecision(0.5), batches, EVALUATE_HINT)
