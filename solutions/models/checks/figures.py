"""Report figures of the models: the student's model over the reference's along a line through the input space.

Drawn only for an exercise that lost points (see grader.judge.figures). Both
models get the same fixed weights, tied by shape as in the checks (every
weight of one shape the same value), so they compute the same function
whatever order they list their weights in; the inputs are the points
x0 + t · d for t in [-3, 3].
"""

import numpy as np
from _models import regressor_table, tie_by_shape

from grader.judge import CheckFailed, figure, to_array

_rng = np.random.default_rng(31)
T = np.linspace(-3.0, 3.0, 61, dtype=np.float32)
T_LOSS = np.linspace(-3.0, 3.0, 13, dtype=np.float32)  # one call per point for the added loss
N_NEURONS = 4
BLOCK_TABLE = {(N_NEURONS, N_NEURONS): _rng.normal(size=(N_NEURONS, N_NEURONS)) * np.sqrt(1.0 / N_NEURONS),
               (N_NEURONS,): _rng.normal(size=N_NEURONS) * 0.3}
REGRESSOR_IN, REGRESSOR_OUT = 5, 1
_, REGRESSOR_TABLE = regressor_table(_rng, REGRESSOR_IN, REGRESSOR_OUT)
RECONSTRUCTING_IN, RECONSTRUCTING_OUT = 7, 2
_, RECONSTRUCTING_TABLE = regressor_table(_rng, RECONSTRUCTING_IN, RECONSTRUCTING_OUT, rec=True)


def line(n_in: int, t: np.ndarray = T) -> np.ndarray:
    """The points x0 + t · d, one row each (x0, d fixed per input size)."""
    rng = np.random.default_rng(n_in)
    x0, d = rng.normal(size=n_in) * 0.5, rng.normal(size=n_in)
    return (x0 + t[:, None] * d / np.linalg.norm(d)).astype(np.float32)


def first_output(value, n: int, call: str) -> np.ndarray:
    """Output 0 of each of the ``n`` rows, or `CheckFailed` (the figure is left out) when the shape is not [n, k]."""
    array = to_array(value, call)
    if array.ndim != 2 or array.shape[0] != n:
        raise CheckFailed(f"{call} returned shape {tuple(array.shape)}, expected [{n}, k]")
    return array[:, 0].astype(np.float64)


def tied(model, x: np.ndarray, table: dict, call: str):
    """``model`` built by calling it on ``x``, then given the tied weights."""
    model(x)
    tie_by_shape(model, table, call)
    return model


def added_loss(model, x: np.ndarray) -> float:
    """The one loss in ``model.losses`` after ``model(x)``, or NaN when there is not exactly one scalar."""
    model(x)
    losses = model.losses
    if not isinstance(losses, list) or len(losses) != 1:
        return np.nan
    array = to_array(losses[0], "model.losses[0]")
    return float(array.reshape(())) if array.size == 1 else np.nan


@figure("ResidualBlock", title="ResidualBlock(3, 4) with tied weights, at inputs x = x0 + t · d")
def figure_residual_block(student, reference, plot):
    x = line(N_NEURONS)
    outputs = {}
    for name, side in (("expected", reference), ("yours", student)):
        block = tied(side.ResidualBlock(3, N_NEURONS), x, BLOCK_TABLE, "ResidualBlock(3, 4)")
        outputs[name] = first_output(block(x), T.size, "ResidualBlock(3, 4)(x)")
    plot.curves(T, outputs, title="output 0", xlabel="t", ylabel="output")


@figure("ResidualRegressor", title="ResidualRegressor(1) with tied weights, at inputs x = x0 + t · d")
def figure_residual_regressor(student, reference, plot):
    x = line(REGRESSOR_IN)
    outputs = {}
    for name, side in (("expected", reference), ("yours", student)):
        model = tied(side.ResidualRegressor(REGRESSOR_OUT), x, REGRESSOR_TABLE, "ResidualRegressor(1)")
        outputs[name] = first_output(model(x), T.size, "ResidualRegressor(1)(x)")
    plot.curves(T, outputs, title="prediction", xlabel="t", ylabel="prediction")


@figure("ReconstructingRegressor", title="ReconstructingRegressor(2) with tied weights, at inputs x = x0 + t · d")
def figure_reconstructing_regressor(student, reference, plot):
    x, x_loss = line(RECONSTRUCTING_IN), line(RECONSTRUCTING_IN, T_LOSS)
    outputs, losses = {}, {}
    for name, side in (("expected", reference), ("yours", student)):
        model = tied(side.ReconstructingRegressor(RECONSTRUCTING_OUT), x, RECONSTRUCTING_TABLE,
                     "ReconstructingRegressor(2)")
        outputs[name] = first_output(model(x), T.size, "ReconstructingRegressor(2)(x)")
        losses[name] = [added_loss(model, row[None]) for row in x_loss]
    plot.curves(T, outputs, title="prediction 0", xlabel="t", ylabel="prediction")
    missing = " (yours: not one loss)" if np.isnan(losses["yours"]).all() else ""
    plot.curves(T_LOSS, losses, title="model.losses after model(x)" + missing, xlabel="t (one row per call)",
                ylabel="added loss")
