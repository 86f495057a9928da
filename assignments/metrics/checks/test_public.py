"""Public checks of the `metrics` assignment: what students run before submitting.

They use fixed inputs and the values of the assignment text. The hidden checks
test much more: random batches, sample weights, reset_state, tf.function,
compiled models, saving.
"""

import keras
import numpy as np

from grader.judge import CheckFailed, assert_close, assert_instance_of, check, to_array


def _result(metric, call):
    value = to_array(metric.result(), call)
    if value.size != 1:
        raise CheckFailed(f"{call} returned shape {value.shape}: result() must return one number.")
    return np.float32(value.reshape(()))


@check("HuberMetric", kind="value")
def test_huber_metric_example(student):
    """HuberMetric(2.0): 14.0 after ([[2]], [[10]]), then 7.0 after ([[0],[5]], [[1],[9.25]])"""
    metric = student.HuberMetric(2.0)
    assert_instance_of(metric, keras.metrics.Metric, call="HuberMetric(2.0)")
    metric.update_state(np.array([[2.0]], np.float32), np.array([[10.0]], np.float32))
    assert_close(_result(metric, "HuberMetric(2.0).result()"), np.float32(14.0), dtype="float32",
                 call="HuberMetric(2.0).result() after update_state([[2]], [[10]])")
    metric.update_state(np.array([[0.0], [5.0]], np.float32), np.array([[1.0], [9.25]], np.float32))
    assert_close(_result(metric, "HuberMetric(2.0).result()"), np.float32(7.0), dtype="float32",
                 call="HuberMetric(2.0).result() after a second update_state([[0], [5]], [[1], [9.25]])")


@check("HuberMetric", kind="value")
def test_huber_metric_starts_and_resets_at_zero(student):
    """result() is 0.0 before any update and after reset_state()"""
    metric = student.HuberMetric(2.0)
    got = _result(metric, "HuberMetric(2.0).result()")
    if not got == 0.0:
        raise CheckFailed(f"HuberMetric(2.0).result() before any update returned {got}, expected 0.0 "
                          "(like keras.metrics.Mean: 0 / 0 must not give NaN).")
    metric.update_state(np.array([[2.0]], np.float32), np.array([[10.0]], np.float32))
    metric.reset_state()
    metric.update_state(np.array([[0.0]], np.float32), np.array([[1.0]], np.float32))
    assert_close(_result(metric, "HuberMetric(2.0).result()"), np.float32(0.5), dtype="float32",
                 call="HuberMetric(2.0).result() after update_state([[2]], [[10]]), reset_state(), "
                 "update_state([[0]], [[1]])")


@check("HuberMetric", kind="value")
def test_huber_metric_sample_weight(student):
    """HuberMetric(2.0) with sample_weight [[1], [3]]: the weighted mean"""
    metric = student.HuberMetric(2.0)
    metric.update_state(np.array([[0.0], [5.0]], np.float32), np.array([[1.0], [9.25]], np.float32),
                        sample_weight=np.array([[1.0], [3.0]], np.float32))
    assert_close(_result(metric, "HuberMetric(2.0).result()"), np.float32(5.0), dtype="float32",
                 call="HuberMetric(2.0).update_state([[0], [5]], [[1], [9.25]], sample_weight=[[1], [3]])")


@check("HuberMetric", kind="serialization")
def test_huber_metric_config_has_threshold(student):
    """HuberMetric(2.0).get_config() holds the threshold"""
    config, _ = student.HuberMetric(2.0).config_roundtrip()
    if not isinstance(config, dict) or config.get("threshold") != 2.0:
        raise CheckFailed("HuberMetric(2.0).get_config() should contain 'threshold': 2.0.")


@check("StreamingPrecision", kind="value")
def test_streaming_precision_over_two_batches(student):
    """StreamingPrecision(): 0.5 after a first batch, 2/3 after a second (not the average 0.75)"""
    metric = student.StreamingPrecision()
    assert_instance_of(metric, keras.metrics.Metric, call="StreamingPrecision()")
    metric.update_state(np.array([[1.0], [0.0], [1.0], [0.0]], np.float32),
                        np.array([[0.875], [0.75], [0.25], [0.125]], np.float32))
    assert_close(_result(metric, "StreamingPrecision().result()"), np.float32(0.5), dtype="float32",
                 call="StreamingPrecision() after update_state([[1], [0], [1], [0]], [[0.875], [0.75], [0.25], "
                 "[0.125]])")
    metric.update_state(np.array([[1.0]], np.float32), np.array([[0.9375]], np.float32))
    assert_close(_result(metric, "StreamingPrecision().result()"), np.float32(2 / 3), dtype="float32",
                 call="StreamingPrecision() after a second update_state([[1]], [[0.9375]]) (2 true positives, "
                 "1 false positive over both batches)")


@check("StreamingPrecision", kind="value")
def test_streaming_precision_nothing_predicted_positive(student):
    """StreamingPrecision(0.5) is 0.0 when nothing was predicted positive"""
    metric = student.StreamingPrecision(0.5)
    metric.update_state(np.array([[1.0], [0.0]], np.float32), np.array([[0.25], [0.125]], np.float32))
    got = _result(metric, "StreamingPrecision(0.5).result()")
    if not got == 0.0:
        raise CheckFailed(f"StreamingPrecision(0.5) after update_state([[1], [0]], [[0.25], [0.125]]) returned "
                          f"{got}, expected 0.0: nothing was predicted positive (0 / 0 must give 0.0).")
