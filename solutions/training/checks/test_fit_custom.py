"""Hidden checks of `fit_custom(model, X, y, n_epochs, batch_size, optimizer, loss_fn, metrics=())`.

`random_batch` is random, so most checks make the batches not matter: all rows of X (and of y) are the same
row, so every batch is that row repeated and the whole run is deterministic. The reference's `train_step` on
the same model from the same weights then gives every step's loss and prediction, from which the expected
per-epoch values follow. Metrics may be updated with the predictions made before the step (the book's loop) or
after it (a forward pass after `train_step`): both are accepted.
"""

import numpy as np
from _training import iterations, linear, sgd

from grader.judge import CheckFailed, as_numpy, assert_close, both_sides, check, to_array

N_INPUTS = 3


def linear_weights(inputs):
    return [inputs.normal((N_INPUTS, 1)), inputs.normal((1,), scale=0.5)]


def same_rows(inputs, n):
    x_row, y_row = inputs.normal((N_INPUTS,)), inputs.normal((1,), scale=2.0) + 3.0
    return np.tile(x_row, (n, 1)).astype(np.float32), np.tile(y_row, (n, 1)).astype(np.float32)


def reference_steps(reference, weights, X, y, batch_size, n_steps, lr):
    """Losses and predictions (on one row) of ``n_steps`` reference train steps on a batch of identical rows."""
    keras = reference.module("keras")
    model = linear(reference, weights, N_INPUTS)
    optimizer, loss_fn = sgd(reference, lr), keras.losses.MeanSquaredError()
    X_batch, y_batch = X[:batch_size], y[:batch_size]
    losses, predictions = [], []
    for _ in range(n_steps):
        predictions.append(float(np.asarray(model(X[:1])).reshape(())))
        losses.append(float(np.asarray(reference.train_step(model, optimizer, loss_fn, X_batch, y_batch))))
    predictions.append(float(np.asarray(model(X[:1])).reshape(())))
    return np.array(losses), np.array(predictions)


def fit_beside_reference_steps(student, reference, weights, X, y, n_epochs, batch_size, lr):
    """The student's fit_custom history (SGD(lr), MeanSquaredError(), [mae]) and, at the same time, the
    `reference_steps` losses and predictions of the same run."""

    def run(side):
        if side is reference:
            return reference_steps(reference, weights, X, y, batch_size, n_epochs * (len(X) // batch_size), lr)
        keras = student.module("keras")
        model = linear(student, weights, N_INPUTS)
        return student.fit_custom(model, as_numpy(X), as_numpy(y), n_epochs, batch_size, sgd(student, lr),
                                  keras.losses.MeanSquaredError(), [keras.metrics.MeanAbsoluteError(name="mae")])

    return both_sides(run, student, reference)


def history_list(history, key: str, n_epochs: int, call: str) -> np.ndarray:
    if not isinstance(history, dict):
        raise CheckFailed(f"{call} returned {type(history).__name__}, expected a dict "
                          '{"loss": [...], metric.name: [...]}.')
    if key not in history:
        raise CheckFailed(f"{call} returned a dict without the key {key!r} (keys: {sorted(map(str, history))}).")
    values = history[key]
    if not isinstance(values, (list, tuple)) and not (hasattr(values, "shape") and len(np.shape(values)) == 1):
        raise CheckFailed(f"{call}: history[{key!r}] is a {type(values).__name__}, expected a list with one value per "
                          "epoch.")
    try:
        array = np.asarray([np.asarray(to_array(v, f"{call}: history[{key!r}]")).reshape(()) for v in values],
                           np.float64)
    except ValueError:
        raise CheckFailed(f"{call}: history[{key!r}] should hold one number per epoch.") from None
    if array.shape != (n_epochs,):
        raise CheckFailed(f"{call}: history[{key!r}] has {array.size} values for {n_epochs} epochs: record one value "
                          "per epoch, at the end of the epoch.")
    return array


def assert_recorded(values: np.ndarray, call: str) -> None:
    """Values that are all 0 were read after the reset: say so rather than what they would imply."""
    if values.size and not values.any():
        raise CheckFailed(f'{call}: history["loss"] holds only zeros: record mean_loss.result() before reset_state().')


def epoch_means(values, n_epochs, n_steps):
    return values.reshape(n_epochs, n_steps).mean(axis=1)


def per_epoch_mistakes(values, n_epochs, n_steps, what):
    per_step = values.reshape(n_epochs, n_steps)
    cumulative = np.cumsum(per_step.sum(axis=1)) / (n_steps * np.arange(1, n_epochs + 1))
    return {
        f"these are running means since the start of training: reset the {what} at the end of each epoch "
        "(reset_state()), after recording its value.": cumulative,
        f"these are the values of each epoch's last step only: the {what} is reset too often (reset it once per "
        "epoch, not at each step).": per_step[:, -1],
        f"these are 0: the {what} was read after reset_state(); record result() first.": np.zeros(n_epochs),
    }


@check("fit_custom", kind="api", points=1)
def test_returns_one_value_per_epoch(student, inputs):
    """Returns {"loss": [...], name: [...]} with one number per epoch for the loss and each metric"""
    keras = student.module("keras")
    X, y = inputs.normal((24, N_INPUTS)), inputs.normal((24, 1))
    model = linear(student, linear_weights(inputs), N_INPUTS)
    metrics = [keras.metrics.MeanAbsoluteError(name="mae"), keras.metrics.MeanSquaredError(name="mse")]
    call = "fit_custom(model, X[24, 3], y[24, 1], n_epochs=3, batch_size=6, SGD(0.01), MeanSquaredError(), [mae, mse])"
    history = student.fit_custom(model, as_numpy(X), as_numpy(y), 3, 6, sgd(student, 0.01),
                                 keras.losses.MeanSquaredError(), metrics)
    for key in ("loss", "mae", "mse"):
        values = history_list(history, key, 3, call)
        if not np.isfinite(values).all():
            raise CheckFailed(f"{call}: history[{key!r}] holds non-finite values {values.tolist()}.")
    extra = sorted(str(k) for k in history if k not in ("loss", "mae", "mse"))
    if extra:
        raise CheckFailed(f"{call} returned extra keys {extra}: only 'loss' and each metric's name.")
    call = "fit_custom(model, X[24, 3], y[24, 1], 2, 6, SGD(0.01), MeanSquaredError())"
    history = student.fit_custom(model, as_numpy(X), as_numpy(y), 2, 6, sgd(student, 0.01),
                                 keras.losses.MeanSquaredError())
    history_list(history, "loss", 2, call + " (metrics left to its default)")


@check("fit_custom", kind="value", points=2)
def test_loss_is_the_mean_of_each_epoch(student, reference, inputs):
    """history["loss"] holds the mean step loss of each epoch (deterministic run)"""
    n_epochs, batch_size, n, lr = 3, 5, 20, 0.05
    n_steps = n // batch_size
    weights, (X, y) = linear_weights(inputs), same_rows(inputs, n)
    call = (f"fit_custom(model, X[{n}, 3], y[{n}, 1], {n_epochs}, {batch_size}, SGD({lr}), MeanSquaredError(), "
            "[MeanAbsoluteError(name='mae')]) with all rows of X (and y) equal")
    history, (losses, _) = fit_beside_reference_steps(student, reference, weights, X, y, n_epochs, batch_size, lr)
    got = history_list(history, "loss", n_epochs, call)
    assert_close(got, epoch_means(losses, n_epochs, n_steps), call=f'history["loss"] of {call}', dtype="float32",
                 rtol=1e-3, mistakes=per_epoch_mistakes(losses, n_epochs, n_steps, "mean loss"))


@check("fit_custom", kind="training", points=1)
def test_metrics_are_reset_each_epoch(student, reference, inputs):
    """Each metric's history holds that epoch's value: updated every step, reset at each epoch end"""
    n_epochs, batch_size, n, lr = 3, 4, 12, 0.05
    n_steps = n // batch_size
    weights, (X, y) = linear_weights(inputs), same_rows(inputs, n)
    call = (f"fit_custom(model, X[{n}, 3], y[{n}, 1], {n_epochs}, {batch_size}, SGD({lr}), MeanSquaredError(), "
            "[MeanAbsoluteError(name='mae')]) with all rows of X (and y) equal")
    history, (_, predictions) = fit_beside_reference_steps(student, reference, weights, X, y, n_epochs, batch_size, lr)
    got = history_list(history, "mae", n_epochs, call)
    errors = np.abs(float(y[0, 0]) - predictions)
    conventions = [errors[:-1], errors[1:]]  # predictions made before each step, or after it
    expected = [epoch_means(values, n_epochs, n_steps) for values in conventions]
    if any(np.allclose(got, e, rtol=1e-3, atol=1e-5) for e in expected):
        return
    call = f'history["mae"] of {call}'
    for values, want in zip(conventions, expected, strict=True):
        mistakes = per_epoch_mistakes(values, n_epochs, n_steps, "metric")
        if any(np.allclose(got, m, rtol=1e-3, atol=1e-5) for m in mistakes.values()):
            assert_close(got, want, call=call, dtype="float32", rtol=1e-3, mistakes=mistakes)
    assert_close(got, expected[0], call=call, dtype="float32", rtol=1e-3)


@check("fit_custom", kind="training", points=1)
def test_steps_per_epoch(student, inputs):
    """len(X) // batch_size steps per epoch (optimizer.iterations)"""
    keras = student.module("keras")
    X, y = inputs.normal((23, N_INPUTS)), inputs.normal((23, 1))
    model = linear(student, linear_weights(inputs), N_INPUTS)
    optimizer = sgd(student, 0.01)
    student.fit_custom(model, as_numpy(X), as_numpy(y), 2, 5, optimizer, keras.losses.MeanSquaredError(), [])
    steps = iterations(optimizer)
    if steps != 2 * (23 // 5):
        raise CheckFailed(f"fit_custom(model, X[23, 3], y[23, 1], n_epochs=2, batch_size=5, ...) made {steps} "
                          f"optimizer steps, expected {2 * (23 // 5)}: each epoch runs len(X) // batch_size = "
                          f"{23 // 5} steps (one train_step each).")


@check("fit_custom", kind="training", points=1)
def test_batches_have_batch_size_rows(student, reference, inputs):
    """Each step trains on batch_size rows"""
    batch_size, n = 4, 12
    weights, (X, y) = linear_weights(inputs), same_rows(inputs, n)
    keras = student.module("keras")
    model = linear(student, weights, N_INPUTS)
    sum_loss = keras.losses.MeanSquaredError(reduction="sum")  # grows with the number of rows in the batch
    call = f"fit_custom(model, X[{n}, 3], y[{n}, 1], 1, {batch_size}, SGD(0.0), MeanSquaredError(reduction='sum'))"
    history = student.fit_custom(model, as_numpy(X), as_numpy(y), 1, batch_size, sgd(student, 0.0), sum_loss)
    got = history_list(history, "loss", 1, call)
    assert_recorded(got, call)
    got = got[0]
    prediction = float(np.asarray(linear(reference, weights, N_INPUTS)(X[:1])).reshape(()))
    per_row = (float(y[0, 0]) - prediction) ** 2
    if abs(got - batch_size * per_row) > 1e-3 * batch_size * per_row + 1e-5:
        rows = got / per_row if per_row > 0 else float("nan")
        raise CheckFailed(f"{call} gave an epoch loss of {got:.6g}, expected {batch_size * per_row:.6g}: a summed "
                          f"loss over batches of {batch_size} identical rows. Yours looks like batches of {rows:.3g} "
                          "rows: pass batch_size on to random_batch.")


@check("fit_custom", kind="training", points=1)
def test_batches_are_drawn_at_random(student, inputs):
    """Batches are drawn at random (random_batch): different rows from epoch to epoch"""
    n_epochs, batch_size, n = 3, 4, 40
    weights = linear_weights(inputs)
    X, y = inputs.normal((n, N_INPUTS)), inputs.normal((n, 1), scale=2.0)
    keras = student.module("keras")
    model = linear(student, weights, N_INPUTS)
    call = f"fit_custom(model, X[{n}, 3], y[{n}, 1], {n_epochs}, {batch_size}, SGD(0.0), MeanSquaredError())"
    history = student.fit_custom(model, as_numpy(X), as_numpy(y), n_epochs, batch_size, sgd(student, 0.0),
                                 keras.losses.MeanSquaredError())
    got = history_list(history, "loss", n_epochs, call)
    assert_recorded(got, call)
    if np.ptp(got) <= 1e-6 * max(abs(got).max(), 1.0):
        raise CheckFailed(f"{call} (the model does not change) gave the same loss {got[0]:.6g} in every epoch: each "
                          "epoch saw exactly the same rows. Draw each batch with random_batch(X, y, batch_size).")
