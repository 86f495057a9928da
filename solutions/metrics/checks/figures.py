"""Report figures of the metrics: the streaming result after each batch, the student's over the reference's.

Drawn only for an exercise that lost points (see grader.judge.figures), on
fixed batches of their own. Two panels each: updated eagerly (batch 0 is the
result before any update), and inside ``tf.function``, where calling the
metric (``update_state`` then ``result``) is traced once for batches of one
shape, so state kept in Python numbers stops changing.
"""

import numpy as np
from _run import results_after_each, scalar

from grader.judge import CheckFailed, StudentCodeError, figure

HUBER_THRESHOLD = 2.0
PRECISION_THRESHOLD = 0.6
_rng = np.random.default_rng(12)


def _huber_batch(n: int, weight: str | None) -> tuple:
    y_true = _rng.normal(size=(n, 1)).astype(np.float32)
    y_pred = (y_true + _rng.normal(size=(n, 1)) * 2 * HUBER_THRESHOLD).astype(np.float32)
    w = {None: None, "flat": _rng.uniform(0.0, 2.0, n), "column": _rng.uniform(0.0, 2.0, (n, 1))}[weight]
    return y_true, y_pred, None if w is None else w.astype(np.float32)


def _precision_batch(n: int, nothing_positive: bool = False) -> tuple:
    y_true = (_rng.random((n, 1)) < 0.5).astype(np.float32)
    y_pred = np.clip(0.3 * y_true + _rng.uniform(0.0, 0.8, (n, 1)), 0.0, 1.0).astype(np.float32)
    if nothing_positive:
        y_pred = np.minimum(y_pred, 0.5)
    else:
        y_pred[: max(1, n // 4)] = PRECISION_THRESHOLD  # exactly at the threshold: counts as positive
    return y_true, y_pred


HUBER_BATCHES = [_huber_batch(n, w) for n, w in [(16, None), (3, "flat"), (40, None), (1, "column"), (8, "flat"),
                                                  (25, None), (5, "column"), (12, "flat"), (2, None), (30, "flat")]]
HUBER_GRAPH_BATCHES = [_huber_batch(8, None)[:2] for _ in range(8)]
PRECISION_BATCHES = [_precision_batch(n, nothing_positive=(i == 0))
                     for i, n in enumerate([6, 20, 3, 40, 9, 1, 15, 30, 4, 12])]
PRECISION_GRAPH_BATCHES = [_precision_batch(10) for _ in range(8)]


def streamed(metric, batches, label: str) -> np.ndarray:
    """``result()`` before any update, then after each batch."""
    before = scalar(metric.result(), f"{label}.result()")
    return np.concatenate([[before], results_after_each(metric, batches, label)])


def traced(metric, batches, label: str) -> np.ndarray:
    """``metric(*batch)`` (update_state, then result) inside tf.function for each batch: the results."""
    outputs = metric.trace([tuple(b) for b in batches]).outputs
    if len(outputs) != len(batches):
        raise CheckFailed(f"{label} returned {len(outputs)} results for {len(batches)} batches")
    return np.array([scalar(out, f"{label}(y_true, y_pred) inside tf.function") for out in outputs])


def not_finite_note(x: np.ndarray, yours: np.ndarray) -> str:
    """`` (yours: NaN at batch 0, 1)``: a point that is not finite draws nothing, so the title says where."""
    where = [f"{v:g}" for v, y in zip(x, yours, strict=True) if not np.isfinite(y)]
    if not where:
        return ""
    return f" (yours: NaN at batch {', '.join(where)})" if len(where) <= 3 else f" (yours: {len(where)} NaN)"


def metric_figure(plot, make_student, make_reference, batches, graph_batches, label: str) -> None:
    x = np.arange(len(batches) + 1)
    yours = streamed(make_student(), batches, label)
    plot.curves(x, {"expected": streamed(make_reference(), batches, label), "yours": yours},
                title="eager" + not_finite_note(x, yours), xlabel="batch", ylabel="result()")
    title = "inside tf.function"
    try:
        yours = traced(make_student(), graph_batches, label)
    except StudentCodeError as exc:  # the eager panel is still worth showing
        if exc.not_implemented:  # a stub: no figure at all
            raise
        yours, title = np.full(len(graph_batches), np.nan), title + " (yours fails)"
    plot.curves(np.arange(1, len(graph_batches) + 1),
                {"expected": traced(make_reference(), graph_batches, label), "yours": yours},
                title=title, xlabel="batch", ylabel="result()")


@figure("HuberMetric", title="HuberMetric(2.0): result() after each batch (batch 0: before any update)")
def figure_huber_metric(student, reference, plot):
    metric_figure(plot, lambda: student.HuberMetric(HUBER_THRESHOLD), lambda: reference.HuberMetric(HUBER_THRESHOLD),
                  HUBER_BATCHES, HUBER_GRAPH_BATCHES, f"HuberMetric({HUBER_THRESHOLD})")


@figure("StreamingPrecision", title="StreamingPrecision(0.6): result() after each batch (batch 0: before any update)")
def figure_streaming_precision(student, reference, plot):
    metric_figure(plot, lambda: student.StreamingPrecision(PRECISION_THRESHOLD),
                  lambda: reference.StreamingPrecision(PRECISION_THRESHOLD), PRECISION_BATCHES,
                  PRECISION_GRAPH_BATCHES, f"StreamingPrecision({PRECISION_THRESHOLD})")
