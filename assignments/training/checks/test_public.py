"""Public checks of the `training` assignment: what students run before submitting.

They use fixed inputs and values worked out by hand. The hidden checks test much more: random inputs,
regularization and batch normalization, tf.function, per-epoch metrics, held-out accuracy.
"""

import keras
import numpy as np

from grader.judge import CheckFailed, as_numpy, assert_close, assert_instance_of, check, to_array


def one_dense(student, n_inputs, kernel, bias):
    """Sequential([Input((n_inputs,)), Dense(1)]) built in your code's process, set to the given weights."""
    k = student.module("keras")
    model = k.Sequential([k.Input(shape=(n_inputs,)), k.layers.Dense(1)])
    model.set_weights([as_numpy(np.array(kernel, np.float32)), as_numpy(np.array(bias, np.float32))])
    return model


@check("random_batch", kind="value")
def test_random_batch_pairs_rows(student):
    """random_batch(X, y, 4) returns 4 rows of X with their own y"""
    X = np.arange(20, dtype=np.float32).reshape(10, 2)  # row i is [2i, 2i + 1]
    y = np.arange(10, dtype=np.float32) * 10  # y[i] = 10 i
    result = student.random_batch(as_numpy(X), as_numpy(y), 4)
    X_batch, y_batch = (to_array(r, "random_batch(X, y, 4)") for r in result)
    if X_batch.shape != (4, 2) or y_batch.shape != (4,):
        raise CheckFailed(f"random_batch(X, y, 4) returned shapes {X_batch.shape} and {y_batch.shape}, "
                          "expected (4, 2) and (4,).")
    rows = X_batch[:, 0] / 2
    assert_close(y_batch, rows * 10, call="y_batch of random_batch(X, y, 4) (same rows as X_batch)", dtype="float32")


@check("print_status_bar", kind="value")
def test_print_status_bar_format(student):
    """print_status_bar(3, 10, 0.123456) prints "\\r3/10 - loss: 0.1235"; the last step ends the line"""
    for args, expected in [((3, 10, 0.123456), "\r3/10 - loss: 0.1235"), ((10, 10, 2.5), "\r10/10 - loss: 2.5000\n")]:
        _, printed = student.print_status_bar.call_with_output(*args)
        if printed != expected:
            raise CheckFailed(f"print_status_bar{args} printed {printed!r}, expected {expected!r}.")


@check("train_step", kind="value")
def test_train_step_by_hand(student):
    """One SGD(0.1) step of Dense(1) from zero weights on x = [1, 2], y = 3"""
    k = student.module("keras")
    model = one_dense(student, 2, [[0.0], [0.0]], [0.0])
    X, y = np.array([[1.0, 2.0]], np.float32), np.array([[3.0]], np.float32)
    loss = student.train_step(model, k.optimizers.SGD(learning_rate=0.1), k.losses.MeanSquaredError(), X, y)
    assert_close(loss, np.float32(9.0), call="the loss returned by train_step", dtype="float32")
    kernel, bias = model.get_weights()
    # d(3 - w·x - b)² / dw = -2 (3 - 0) x = [-6, -12], / db = -6; w -= 0.1 × gradient
    assert_close(kernel, np.array([[0.6], [1.2]], np.float32), call="the kernel after train_step", dtype="float32")
    assert_close(bias, np.array([0.6], np.float32), call="the bias after train_step", dtype="float32")


@check("fit_custom", kind="value")
def test_fit_custom_history(student):
    """fit_custom with a frozen model (SGD(0.0)) reports loss 4.0 and mae 2.0 for each of 2 epochs"""
    k = student.module("keras")
    model = one_dense(student, 2, [[0.0], [0.0]], [0.0])
    X, y = np.ones((8, 2), np.float32), np.full((8, 1), 2.0, np.float32)  # predictions 0, targets 2
    history = student.fit_custom(model, as_numpy(X), as_numpy(y), 2, 4, k.optimizers.SGD(learning_rate=0.0),
                                 k.losses.MeanSquaredError(), [k.metrics.MeanAbsoluteError(name="mae")])
    if not isinstance(history, dict) or set(history) != {"loss", "mae"}:
        raise CheckFailed(f"fit_custom returned {history!r}, expected a dict with keys 'loss' and 'mae'.")
    assert_close([float(np.asarray(v)) for v in history["loss"]], np.array([4.0, 4.0]), call='history["loss"]',
                 dtype="float32")
    assert_close([float(np.asarray(v)) for v in history["mae"]], np.array([2.0, 2.0]), call='history["mae"]',
                 dtype="float32")


@check("train_step_two_optimizers", kind="value")
def test_two_optimizers_by_hand(student):
    """lower moves by 0.01 × gradient, upper by 0.1 × gradient"""
    k = student.module("keras")
    lower, upper = one_dense(student, 1, [[1.0]], [0.0]), one_dense(student, 1, [[1.0]], [0.0])
    X, y = np.array([[1.0]], np.float32), np.array([[3.0]], np.float32)
    loss = student.train_step_two_optimizers(lower, upper, k.optimizers.SGD(learning_rate=0.01),
                                             k.optimizers.SGD(learning_rate=0.1), k.losses.MeanSquaredError(), X, y)
    assert_close(loss, np.float32(4.0), call="the loss returned", dtype="float32")
    # y_pred = 1, dL/dy_pred = -4: every weight's gradient is -4 here
    assert_close(np.concatenate([w.ravel() for w in lower.get_weights()]), np.array([1.04, 0.04]),
                 call="lower's kernel and bias after the step", dtype="float32")
    assert_close(np.concatenate([w.ravel() for w in upper.get_weights()]), np.array([1.4, 0.4]),
                 call="upper's kernel and bias after the step", dtype="float32")


@check("train_classifier", kind="api", timeout=150)
def test_train_classifier_returns_a_model(student):
    """train_classifier returns a keras.Model giving 10 scores per 28×28 image (small random data)"""
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (300, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 300)
    model = student.train_classifier(as_numpy(X[:250]), as_numpy(y[:250]), as_numpy(X[250:]), as_numpy(y[250:]))
    assert_instance_of(model, keras.Model, call="train_classifier(...)")
    scores = to_array(model(X[:5]), "model(X[:5])")
    if scores.shape != (5, 10):
        raise CheckFailed(f"model(X[:5]) returned shape {scores.shape}, expected (5, 10).")
