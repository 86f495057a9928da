"""NumPy versions of the Huber loss and of the usual mistakes, for hints (judge side only)."""

import numpy as np


def huber(y_true, y_pred, threshold=1.0):
    e = np.asarray(y_true, np.float64) - np.asarray(y_pred, np.float64)
    return np.where(np.abs(e) < threshold, e**2 / 2, threshold * np.abs(e) - threshold**2 / 2)


def mistakes(y_true, y_pred, threshold=1.0):
    """Outputs of the wrong answers students write most, keyed by the hint to show."""
    e = np.asarray(y_true, np.float64) - np.asarray(y_pred, np.float64)
    small = np.abs(e) < threshold
    return {
        "the squared part should be e²/2: the factor 1/2 is missing.": np.where(small, e**2, threshold * np.abs(e) - threshold**2 / 2),
        "the linear part should be t·|e| - t²/2 (it looks like |e| - 1/2 with t = 1 hard-coded).": np.where(
            small, e**2 / 2, np.abs(e) - 0.5
        ),
        "the threshold looks hard-coded to 1: use the `threshold` argument.": huber(y_true, y_pred, 1.0),
        "the two branches are swapped: e²/2 applies where |e| < t.": np.where(
            small, threshold * np.abs(e) - threshold**2 / 2, e**2 / 2
        ),
        "the linear part uses e instead of |e|.": np.where(small, e**2 / 2, threshold * e - threshold**2 / 2),
    }
