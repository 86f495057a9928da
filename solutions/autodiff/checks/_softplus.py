"""NumPy softplus, sigmoid and the usual wrong answers, for expected values and hints (judge side only)."""

import numpy as np


def softplus(z):
    return np.logaddexp(0.0, np.asarray(z, np.float64))


def sigmoid(z):
    z = np.asarray(z, np.float64)
    with np.errstate(over="ignore"):
        return np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))


def value_mistakes(z):
    """Wrong values, computed in the input's dtype so overflows happen where the student's do."""
    z = np.asarray(z)
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.log(1 + np.exp(z))
        shifted = z + np.log(1 + np.exp(-z))
    return {
        "log(1 + exp(z)) overflows for large z (exp(z) is inf): use log(1 + exp(-|z|)) + max(z, 0), which never "
        "overflows.": naive,
        "z + log(1 + exp(-z)) overflows for large negative z (exp(-z) is inf): use |z| inside the exponential, "
        "log(1 + exp(-|z|)) + max(z, 0).": shifted,
        "the max(z, 0) term is missing: softplus(z) = log(1 + exp(-|z|)) + max(z, 0).": np.log1p(np.exp(-np.abs(z))),
        "use max(z, 0), not z, next to log(1 + exp(-|z|)).": np.log1p(np.exp(-np.abs(z))) + z,
    }


def gradient_mistakes(z):
    z = np.asarray(z, np.float64)
    s = sigmoid(z)
    with np.errstate(over="ignore"):
        return {
            "your gradient is 1 / (1 + exp(z)) = sigmoid(-z): the derivative of softplus is 1 - 1 / (1 + exp(z)) "
            "= sigmoid(z).": sigmoid(-z),
            "your gradient looks like exp(z): the derivative of log(1 + exp(z)) is exp(z) / (1 + exp(z)) = sigmoid(z).":
                np.exp(z),
            "your gradient function returns softplus(z) itself, not its derivative sigmoid(z).": softplus(z),
            "your gradient is sigmoid(z)·(1 - sigmoid(z)), the derivative of the sigmoid: softplus' derivative is "
            "sigmoid(z).": s * (1 - s),
            "your gradient is wrong only at z = 0: autodiff through |z| and max(z, 0), which have kinks at 0, does "
            "not give sigmoid(0) = 0.5; return the gradient yourself from the @tf.custom_gradient function.":
                np.where(z == 0, 0.0, s),
            "your gradient is wrong only at z = 0 (1 instead of sigmoid(0) = 0.5): autodiff through |z| and "
            "max(z, 0) has kinks at 0; return the gradient yourself from the @tf.custom_gradient function.":
                np.where(z == 0, 1.0, s),
        }
