"""Report figures of custom_functions: the student's curve over the reference's.

Drawn only for an exercise that lost points (see grader.judge.figures), on
fixed plotting inputs of their own. A value that cannot be drawn (an object,
the wrong shape) raises `CheckFailed`, which just leaves the figure out.
"""

from statistics import NormalDist

import numpy as np
from _custom import glorot_std, samples

from grader.judge import figure, gradient_values, note_missing, values_of

Z = np.linspace(-6.0, 6.0, 121, dtype=np.float32)  # softplus inputs
W = np.linspace(-3.0, 3.0, 121, dtype=np.float32)  # weights of the constraint
T = np.linspace(-3.0, 3.0, 25, dtype=np.float32)  # regularized weights are t * ones(WEIGHTS_SHAPE)
WEIGHTS_SHAPE = (4, 5)
GLOROT_SHAPE = (200, 100)
GLOROT_SEED = 12345
PROBABILITIES = np.linspace(0.005, 0.995, 199)


def gradient_panel(plot, student_fn, reference_fn, z: np.ndarray, title: str, xlabel: str) -> None:
    """The student's gradient over the reference's; a missing gradient is named in the panel title."""
    yours, yours_missing = gradient_values(student_fn, z)
    expected, expected_missing = gradient_values(reference_fn, z)
    plot.curves(z, {"expected": expected, "yours": yours}, xlabel=xlabel, ylabel="gradient",
                title=note_missing(title, yours_missing, expected_missing))


def penalties(regularizer, call: str) -> np.ndarray:
    """The penalty of ``t * ones(WEIGHTS_SHAPE)`` for each t of `T` (one call each: it reduces everything)."""
    ones = np.ones(WEIGHTS_SHAPE, np.float32)
    return np.array([values_of(regularizer(np.float32(t) * ones), 1, call)[0] for t in T])


@figure("my_softplus", title="my_softplus(z) and its gradient")
def figure_my_softplus(student, reference, plot):
    plot.curves(Z, {"expected": reference.my_softplus(Z), "yours": values_of(student.my_softplus(Z), Z.size, "my_softplus(z)")},
                title="my_softplus(z)", xlabel="z", ylabel="softplus(z)")
    gradient_panel(plot, student.my_softplus, reference.my_softplus, Z, "gradient w.r.t. z", "z")


@figure("my_positive_weights", title="my_positive_weights(w)")
def figure_my_positive_weights(student, reference, plot):
    plot.curves(W, {"expected": reference.my_positive_weights(W),
                    "yours": values_of(student.my_positive_weights(W), W.size, "my_positive_weights(w)")},
                title="my_positive_weights(w), element-wise", xlabel="w", ylabel="constrained w")


@figure("my_l1_regularizer", title="my_l1_regularizer(t · ones((4, 5)))")
def figure_my_l1_regularizer(student, reference, plot):
    plot.curves(T, {"expected": penalties(reference.my_l1_regularizer, ""),
                    "yours": penalties(student.my_l1_regularizer, "")},
                title="penalty of weights t · ones((4, 5))", xlabel="t", ylabel="penalty")


@figure("MyL1Regularizer", title="MyL1Regularizer(0.05)(t · ones((4, 5)))")
def figure_my_l1_regularizer_class(student, reference, plot):
    plot.curves(T, {"expected": penalties(reference.MyL1Regularizer(0.05), ""),
                    "yours": penalties(student.MyL1Regularizer(0.05), "")},
                title="penalty of weights t · ones((4, 5))", xlabel="t", ylabel="penalty")


@figure("my_glorot_initializer", title="my_glorot_initializer((200, 100)): quantiles of the samples")
def figure_my_glorot_initializer(student, reference, plot):
    """A normal quantile plot: Glorot normal samples lie on the line sigma · z, sigma = sqrt(2 / (200 + 100)).

    A wrong spread changes the slope; uniform or truncated samples bend away from the line in the tails.
    """
    student.module("keras").utils.set_random_seed(GLOROT_SEED)
    values = samples(student.my_glorot_initializer(GLOROT_SHAPE), GLOROT_SHAPE, "float32", "")
    z = np.array([NormalDist().inv_cdf(p) for p in PROBABILITIES])
    plot.curves(z, {"expected": glorot_std(GLOROT_SHAPE) * z, "yours": np.quantile(values, PROBABILITIES)},
                title="sorted samples against normal quantiles", xlabel="standard normal quantile",
                ylabel="sample quantile")
