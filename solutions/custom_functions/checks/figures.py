"""Report figures of custom_functions: the student's curve over the reference's.

Drawn only for an exercise that lost points (see grader.judge.figures), on
fixed plotting inputs of their own. A value that cannot be drawn (an object,
the wrong shape) raises `CheckFailed`, which just leaves the figure out.
"""

from statistics import NormalDist

import numpy as np
from _custom import glorot_std, samples

from grader.judge import CheckFailed, StudentCodeError, figure, to_array

Z = np.linspace(-6.0, 6.0, 121, dtype=np.float32)  # softplus inputs
W = np.linspace(-3.0, 3.0, 121, dtype=np.float32)  # weights of the constraint
T = np.linspace(-3.0, 3.0, 25, dtype=np.float32)  # regularized weights are t * ones(WEIGHTS_SHAPE)
WEIGHTS_SHAPE = (4, 5)
GLOROT_SHAPE = (200, 100)
GLOROT_SEED = 12345
PROBABILITIES = np.linspace(0.005, 0.995, 199)


def curve(value, n: int, call: str) -> np.ndarray:
    """``n`` numbers from a returned array, or `CheckFailed` (the figure is left out) when it has another size."""
    array = to_array(value, call)
    if array.size != n:
        raise CheckFailed(f"{call} returned {array.size} values, expected {n}")
    return array.astype(np.float64).reshape(-1)


def gradient_curve(fn, z: np.ndarray) -> tuple[np.ndarray, str]:
    """The gradient of sum(fn(z)) w.r.t. z, or no curve and why ("None", "no gradient")."""
    try:
        gradient = fn.gradient(z, wrt=(0,)).gradients[0]
    except StudentCodeError as exc:  # e.g. a NumPy result: the value panel is still worth showing
        if exc.not_implemented:  # a stub: no figure at all
            raise
        return np.full(z.size, np.nan), "no gradient"
    if gradient is None:
        return np.full(z.size, np.nan), "None"
    return curve(gradient, z.size, "the gradient"), ""


def gradient_panel(plot, student_fn, reference_fn, z: np.ndarray, title: str, xlabel: str) -> None:
    """The student's gradient over the reference's; a missing gradient is named in the panel title."""
    yours, yours_missing = gradient_curve(student_fn, z)
    expected, expected_missing = gradient_curve(reference_fn, z)
    notes = [f"{who}: {why}" for who, why in (("yours", yours_missing), ("expected", expected_missing)) if why]
    plot.curves(z, {"expected": expected, "yours": yours}, xlabel=xlabel, ylabel="gradient",
                title=f"{title} ({', '.join(notes)})" if notes else title)


def penalties(regularizer, call: str) -> np.ndarray:
    """The penalty of ``t * ones(WEIGHTS_SHAPE)`` for each t of `T` (one call each: it reduces everything)."""
    ones = np.ones(WEIGHTS_SHAPE, np.float32)
    return np.array([curve(regularizer(np.float32(t) * ones), 1, call)[0] for t in T])


@figure("my_softplus", title="my_softplus(z) and its gradient")
def figure_my_softplus(student, reference, plot):
    plot.curves(Z, {"expected": reference.my_softplus(Z), "yours": curve(student.my_softplus(Z), Z.size, "")},
                title="my_softplus(z)", xlabel="z", ylabel="softplus(z)")
    gradient_panel(plot, student.my_softplus, reference.my_softplus, Z, "gradient w.r.t. z", "z")


@figure("my_positive_weights", title="my_positive_weights(w)")
def figure_my_positive_weights(student, reference, plot):
    plot.curves(W, {"expected": reference.my_positive_weights(W),
                    "yours": curve(student.my_positive_weights(W), W.size, "")},
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
