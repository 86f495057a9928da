"""Report figures of training: the student's run over the reference's, step by step or epoch by epoch.

Drawn only for an exercise that lost points (see grader.judge.figures). Both
runs start from the same weights on the same tiny fixed dataset, so they are
deterministic. For the train steps, one panel shows the loss each call
returned, the other the loss of the weights each step left, computed here in
NumPy (so a wrong return value cannot hide a right update, nor the reverse).
`random_batch`, `print_status_bar` and `train_classifier` have no figure.
"""

import numpy as np
from _training import N_HIDDEN, N_INPUTS, linear, mlp, sgd

from grader.judge import CheckFailed, as_numpy, figure, to_array

_rng = np.random.default_rng(21)
N_STEPS = 16

# train_step: mlp (Dense(4, tanh) with an L2 kernel regularizer -> BatchNormalization -> Dense(1)), SGD with
# momentum (two optimizer steps per call show), the element-wise MSE (a missing mean shows), batches of 16 in turn
L2, BN_EPSILON = 0.05, 1e-3  # BN_EPSILON: Keras' default
MLP_WEIGHTS = [(_rng.normal(size=(N_INPUTS, N_HIDDEN)) * 0.8).astype(np.float32),
               (_rng.normal(size=N_HIDDEN) * 0.1).astype(np.float32),
               _rng.uniform(0.8, 1.2, N_HIDDEN).astype(np.float32), (_rng.normal(size=N_HIDDEN) * 0.1).astype(np.float32),
               np.zeros(N_HIDDEN, np.float32), np.ones(N_HIDDEN, np.float32),  # moving mean and variance
               (_rng.normal(size=(N_HIDDEN, 1)) * 0.8).astype(np.float32),
               (_rng.normal(size=1) * 0.1).astype(np.float32)]
MLP_X = _rng.normal(size=(64, N_INPUTS)).astype(np.float32)
MLP_Y = (MLP_X @ np.array([[0.5], [-1.0], [2.0]]) + 1.0 + _rng.normal(size=(64, 1)) * 0.3).astype(np.float32)

# train_step_two_optimizers: lower Dense(5, tanh) on 4 inputs, upper Dense(2); SGD(0.002) and SGD(0.3)
LR_LOWER, LR_UPPER = 0.002, 0.3
PARTS_WEIGHTS = ([(_rng.normal(size=(4, 5)) * 0.7).astype(np.float32), (_rng.normal(size=5) * 0.1).astype(np.float32)],
                 [(_rng.normal(size=(5, 2)) * 0.7).astype(np.float32), (_rng.normal(size=2) * 0.1).astype(np.float32)])
PARTS_X = _rng.normal(size=(48, 4)).astype(np.float32)
PARTS_Y = (np.stack([PARTS_X[:, 0] - 2 * PARTS_X[:, 1], PARTS_X[:, 2] * PARTS_X[:, 3]], axis=1) + 1.0).astype(np.float32)

# fit_custom: a linear model on rows that are all equal, so every random batch is the same batch
FIT_EPOCHS, FIT_BATCH, FIT_ROWS, FIT_LR = 8, 4, 18, 0.05  # 18 // 4 = 4 steps per epoch (not 5)
FIT_WEIGHTS = [_rng.normal(size=(N_INPUTS, 1)).astype(np.float32), np.array([0.2], np.float32)]
FIT_X = np.tile(_rng.normal(size=N_INPUTS), (FIT_ROWS, 1)).astype(np.float32)
FIT_Y = np.full((FIT_ROWS, 1), 3.5, np.float32)


def batches(X, y, size: int = 16):
    """The fixed batches, in turn, for `N_STEPS` steps."""
    starts = [(k * size) % len(X) for k in range(N_STEPS)]
    return [(X[s:s + size], y[s:s + size]) for s in starts]


def returned_loss(value) -> float:
    """The loss a call returned, or NaN when it is not one number."""
    try:
        array = to_array(value, "the loss")
    except CheckFailed:
        return np.nan
    return float(array.reshape(())) if array.size == 1 else np.nan


def mlp_loss(weights) -> float:
    """MSE of the mlp on the whole dataset (batch normalization with its statistics) plus the L2 penalty, in NumPy."""
    w1, b1, gamma, beta, _, _, w2, b2 = (np.asarray(w, np.float64) for w in weights)
    hidden = np.tanh(MLP_X @ w1 + b1)
    normalized = gamma * (hidden - hidden.mean(axis=0)) / np.sqrt(hidden.var(axis=0) + BN_EPSILON) + beta
    predictions = normalized @ w2 + b2
    return float(np.mean((predictions - MLP_Y) ** 2) + L2 * np.sum(w1**2))


def parts_loss(lower, upper) -> float:
    """MSE of upper(lower(X)) on the whole dataset, in NumPy."""
    (wl, bl), (wu, bu) = ([np.asarray(w, np.float64) for w in part] for part in (lower, upper))
    return float(np.mean((np.tanh(PARTS_X @ wl + bl) @ wu + bu - PARTS_Y) ** 2))


def weights_of(model, n: int) -> list:
    weights = model.get_weights()
    if not isinstance(weights, list) or len(weights) != n:
        raise CheckFailed("the model does not have its weights any more")
    return weights


def note_not_a_number(losses: np.ndarray) -> str:
    return " (yours: not one number)" if np.isnan(losses).all() else ""


def step_panels(plot, runs: dict, rows: int, loss: str) -> None:
    """``runs[name] = (returned losses, losses of the weights after each step)``: two panels."""
    steps = np.arange(1, N_STEPS + 1)
    plot.curves(steps, {name: run[0] for name, run in runs.items()}, xlabel="step", ylabel="loss",
                title="returned loss" + note_not_a_number(runs["yours"][0]))
    plot.curves(steps, {name: run[1] for name, run in runs.items()}, xlabel="step", ylabel=loss,
                title=f"loss of the weights on all {rows} rows")


def run_train_step(side) -> tuple[np.ndarray, np.ndarray]:
    model, optimizer = mlp(side, MLP_WEIGHTS, regularizer=L2, batch_norm=True), sgd(side, 0.01, momentum=0.9)
    loss_fn = side.module("keras").losses.mean_squared_error
    returned, after = [], []
    for X, y in batches(MLP_X, MLP_Y):
        returned.append(returned_loss(side.train_step(model, optimizer, loss_fn, X, y)))
        after.append(mlp_loss(weights_of(model, len(MLP_WEIGHTS))))
    return np.array(returned), np.array(after)


def run_two_optimizers(side) -> tuple[np.ndarray, np.ndarray]:
    lower = linear(side, PARTS_WEIGHTS[0], 4, 5, activation="tanh")
    upper = linear(side, PARTS_WEIGHTS[1], 5, 2)
    opt_lower, opt_upper = sgd(side, LR_LOWER), sgd(side, LR_UPPER)
    loss_fn = side.module("keras").losses.MeanSquaredError()
    returned, after = [], []
    for X, y in batches(PARTS_X, PARTS_Y):
        returned.append(returned_loss(side.train_step_two_optimizers(lower, upper, opt_lower, opt_upper, loss_fn, X, y)))
        after.append(parts_loss(weights_of(lower, 2), weights_of(upper, 2)))
    return np.array(returned), np.array(after)


def epoch_history(history, key: str) -> np.ndarray:
    """``history[key]`` as one number per epoch, or `CheckFailed` (the figure is left out)."""
    if not isinstance(history, dict) or key not in history or not isinstance(history[key], (list, tuple)):
        raise CheckFailed(f"fit_custom returned no history[{key!r}] list")
    values = [returned_loss(v) for v in history[key]]
    if len(values) != FIT_EPOCHS:
        raise CheckFailed(f"history[{key!r}] has {len(values)} values for {FIT_EPOCHS} epochs")
    return np.array(values)


def reference_epochs(reference) -> tuple[np.ndarray, list[np.ndarray]]:
    """The reference's mean loss per epoch, and its mean absolute error per epoch under both accepted conventions
    (predictions made before each step, or after it), from its `train_step` on the one batch there is."""
    keras = reference.module("keras")
    model, optimizer = linear(reference, FIT_WEIGHTS, N_INPUTS), sgd(reference, FIT_LR)
    loss_fn = keras.losses.MeanSquaredError()
    X, y = FIT_X[:FIT_BATCH], FIT_Y[:FIT_BATCH]
    n_steps = FIT_ROWS // FIT_BATCH
    losses, predictions = [], [float(np.asarray(model(FIT_X[:1])).reshape(()))]
    for _ in range(FIT_EPOCHS * n_steps):
        losses.append(float(np.asarray(reference.train_step(model, optimizer, loss_fn, X, y))))
        predictions.append(float(np.asarray(model(FIT_X[:1])).reshape(())))
    errors = np.abs(float(FIT_Y[0, 0]) - np.array(predictions))

    def per_epoch(values):
        return np.asarray(values).reshape(FIT_EPOCHS, n_steps).mean(axis=1)

    return per_epoch(losses), [per_epoch(errors[:-1]), per_epoch(errors[1:])]


@figure("train_step", title="train_step: 16 steps from the same weights on the same batches as the reference")
def figure_train_step(student, reference, plot):
    step_panels(plot, {"expected": run_train_step(reference), "yours": run_train_step(student)},
                len(MLP_X), "MSE + L2 penalty")


@figure("train_step_two_optimizers",
        title="train_step_two_optimizers: 16 steps from the same weights on the same batches as the reference")
def figure_train_step_two_optimizers(student, reference, plot):
    step_panels(plot, {"expected": run_two_optimizers(reference), "yours": run_two_optimizers(student)},
                len(PARTS_X), "MSE")


@figure("fit_custom", title="fit_custom: history per epoch, from the same weights as the reference run")
def figure_fit_custom(student, reference, plot):
    keras = student.module("keras")
    model = linear(student, FIT_WEIGHTS, N_INPUTS)
    history = student.fit_custom(model, as_numpy(FIT_X), as_numpy(FIT_Y), FIT_EPOCHS, FIT_BATCH,
                                 sgd(student, FIT_LR), keras.losses.MeanSquaredError(),
                                 [keras.metrics.MeanAbsoluteError(name="mae")])
    losses, maes = reference_epochs(reference)
    yours_mae = epoch_history(history, "mae")
    nearest = min(maes, key=lambda e: np.nansum(np.abs(yours_mae - e)))  # both conventions are right
    epochs = np.arange(1, FIT_EPOCHS + 1)
    plot.curves(epochs, {"expected": losses, "yours": epoch_history(history, "loss")},
                title='history["loss"]', xlabel="epoch", ylabel="mean loss of the epoch")
    plot.curves(epochs, {"expected": nearest, "yours": yours_mae}, title='history["mae"]', xlabel="epoch",
                ylabel="mean absolute error of the epoch")
