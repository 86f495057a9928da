"""NumPy (and keras.metrics.Mean) versions of the two metrics and of the usual mistakes (judge side only)."""

import keras
import numpy as np


def distinct(mistakes, expected):
    """The mistakes whose values differ from the expected ones (a hint must never describe a right answer)."""
    expected = np.asarray(expected, np.float64)
    return {hint: values for hint, values in mistakes.items()
            if np.shape(values) != expected.shape
            or not np.allclose(values, expected, rtol=1e-4, atol=1e-5, equal_nan=True)}


def huber(y_true, y_pred, threshold=1.0):
    e = np.asarray(y_true, np.float64) - np.asarray(y_pred, np.float64)
    return np.where(np.abs(e) < threshold, e**2 / 2, threshold * np.abs(e) - threshold**2 / 2)


def _element_weights(values, weight):
    """A sample weight broadcast to the values: ``[batch]`` weighs every value of its sample."""
    if weight is None:
        return np.ones_like(values)
    w = np.asarray(weight, np.float64)
    while w.ndim < values.ndim:
        w = w[..., None]
    return np.broadcast_to(w, values.shape)


def mean_results(batches, threshold):
    """What `keras.metrics.Mean` fed the Huber values returns after each batch (the contract itself)."""
    mean = keras.metrics.Mean(dtype="float32")
    out = []
    for y_true, y_pred, weight in batches:
        mean.update_state(huber(y_true, y_pred, threshold).astype(np.float32),
                          sample_weight=None if weight is None else np.asarray(weight, np.float32))
        out.append(float(mean.result()))
    return np.array(out, np.float32)


def _running(batches, threshold, per_batch):
    """Running totals/counts of ``per_batch(values, weights) -> (total, count)``; the ratio after each batch."""
    total = count = 0.0
    out = []
    for y_true, y_pred, weight in batches:
        values = huber(y_true, y_pred, threshold)
        t, c = per_batch(values, weight)
        total, count = total + t, count + c
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append(total / count if count else np.nan)
    return np.array(out)


def huber_mistakes(batches, threshold):
    """Result sequences of the wrong HuberMetric answers students write most, keyed by the hint to show."""

    def weighted(values, weight):
        w = _element_weights(values, weight)
        return (values * w).sum(), w.sum()

    def batch_mean(values, weight):
        t, c = weighted(values, weight)
        with np.errstate(invalid="ignore", divide="ignore"):
            return t / c, 1.0

    def unweighted(values, weight):
        return values.sum(), values.size

    def naive_broadcast(values, weight):  # values [n, 1] * weight [n] -> [n, n]
        if weight is None or np.ndim(weight) == np.ndim(values):
            return weighted(values, weight)
        w = np.broadcast_to(np.asarray(weight, np.float64), (values.shape[0], values.shape[0]))
        return (values * w).sum(), w.sum()

    last_only = []
    for y_true, y_pred, weight in batches:
        t, c = weighted(huber(y_true, y_pred, threshold), weight)
        with np.errstate(invalid="ignore", divide="ignore"):
            last_only.append(t / c)
    return {
        "it looks like the average of the batch means: accumulate the sum of the (weighted) values and the "
        "sum of the weights over all batches, then divide once in result().": _running(batches, threshold, batch_mean),
        "it looks like sample_weight is ignored: multiply the values by the weights and count the weights, "
        "not the values.": _running(batches, threshold, unweighted),
        "a sample_weight of shape [batch] multiplied with values of shape [batch, 1] broadcasts to "
        "[batch, batch]: expand the weights to [batch, 1] first.": _running(batches, threshold, naive_broadcast),
        "only the last batch counts: use assign_add on the state, not assign (or a new value each time).":
            np.array(last_only),
        "the threshold looks hard-coded to 1: use the `threshold` argument.": _running(batches, 1.0, weighted),
    }


# ------------------------------------------------------------------------ precision


def precision_results(batches, threshold=0.5):
    """Streaming precision of ``y_pred >= threshold`` after each batch; 0.0 with nothing predicted positive."""
    tp = fp = 0.0
    out = []
    for y_true, y_pred in batches:
        predicted = np.asarray(y_pred) >= np.asarray(threshold, np.asarray(y_pred).dtype)
        actual = np.asarray(y_true, np.float64) > 0.5
        tp += float(np.sum(predicted & actual))
        fp += float(np.sum(predicted & ~actual))
        out.append(tp / (tp + fp) if tp + fp else 0.0)
    return np.array(out, np.float32)


def precision_mistakes(batches, threshold=0.5):
    """Result sequences of the wrong StreamingPrecision answers students write most, keyed by the hint."""
    averaged, recall, strict, hard_coded = [], [], [], []
    tp = fn = sp_tp = sp_fp = 0.0
    precisions = []
    for y_true, y_pred in batches:
        y_pred = np.asarray(y_pred)
        threshold_ = np.asarray(threshold, y_pred.dtype)
        actual = np.asarray(y_true, np.float64) > 0.5
        predicted = y_pred >= threshold_
        batch_tp, batch_fp = np.sum(predicted & actual), np.sum(predicted & ~actual)
        precisions.append(batch_tp / (batch_tp + batch_fp) if batch_tp + batch_fp else 0.0)
        averaged.append(np.mean(precisions))
        tp += batch_tp
        fn += np.sum(~predicted & actual)
        recall.append(tp / (tp + fn) if tp + fn else 0.0)
        above = y_pred > threshold_
        sp_tp += np.sum(above & actual)
        sp_fp += np.sum(above & ~actual)
        strict.append(sp_tp / (sp_tp + sp_fp) if sp_tp + sp_fp else 0.0)
    mistakes = {
        "it looks like the average of the batch precisions: keep the true and false positives as state "
        "(assign_add) and divide once in result().": np.array(averaged),
        "it looks like the recall TP / (TP + FN): precision is TP / (TP + FP), the share of predicted "
        "positives that are right.": np.array(recall),
        "a prediction exactly at the threshold must count as positive: use y_pred >= threshold, "
        "not y_pred > threshold.": np.array(strict),
    }
    if threshold != 0.5:
        hard_coded = precision_results(batches, 0.5)
        mistakes["the threshold looks hard-coded to 0.5: use the `threshold` argument."] = hard_coded
    return mistakes
