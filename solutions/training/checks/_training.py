"""Judge-side helpers of the training checks: the same models built on either side, weight comparisons.

Models, optimizers and losses are built where the code runs (``side.module("keras")``), so the student's
step works on real Keras objects in the sandbox and the reference's on the same ones in process. Starting
weights come from the judge, so both sides start from identical values.
"""

from __future__ import annotations

import numpy as np

from grader.judge import CheckFailed, as_numpy, assert_close, to_array

N_INPUTS = 3
N_HIDDEN = 4


def mlp_weights(inputs, batch_norm: bool = False) -> list[np.ndarray]:
    """Starting weights of `mlp`: Dense(4, tanh) [-> BatchNormalization] -> Dense(1)."""
    weights = [inputs.normal((N_INPUTS, N_HIDDEN), scale=0.8), inputs.normal((N_HIDDEN,), scale=0.1)]
    if batch_norm:  # gamma, beta, moving mean, moving variance
        weights += [inputs.uniform((N_HIDDEN,), 0.8, 1.2), inputs.normal((N_HIDDEN,), scale=0.1),
                    np.zeros((N_HIDDEN,), np.float32), np.ones((N_HIDDEN,), np.float32)]
    weights += [inputs.normal((N_HIDDEN, 1), scale=0.8), inputs.normal((1,), scale=0.1)]
    return weights


def mlp(side, weights: list[np.ndarray], regularizer: float = 0.0, batch_norm: bool = False):
    """A small regression model on ``side`` (student or reference), set to ``weights``."""
    keras = side.module("keras")
    dense_kwargs = {"kernel_regularizer": keras.regularizers.L2(regularizer)} if regularizer else {}
    layers = [keras.Input(shape=(N_INPUTS,)), keras.layers.Dense(N_HIDDEN, activation="tanh", **dense_kwargs)]
    if batch_norm:
        layers.append(keras.layers.BatchNormalization())
    layers.append(keras.layers.Dense(1))
    model = keras.Sequential(layers)
    model.set_weights([as_numpy(w) for w in weights])
    return model


def linear(side, weights: list[np.ndarray], n_inputs: int, n_outputs: int = 1, activation=None):
    """``Sequential([Input((n_inputs,)), Dense(n_outputs, activation)])`` on ``side``, set to ``weights``."""
    keras = side.module("keras")
    model = keras.Sequential([keras.Input(shape=(n_inputs,)), keras.layers.Dense(n_outputs, activation=activation)])
    model.set_weights([as_numpy(w) for w in weights])
    return model


def sgd(side, learning_rate: float, momentum: float = 0.0):
    return side.module("keras").optimizers.SGD(learning_rate=learning_rate, momentum=momentum)


def regression_batch(inputs, n: int = 8, n_inputs: int = N_INPUTS) -> tuple[np.ndarray, np.ndarray]:
    X = inputs.normal((n, n_inputs))
    y = (X @ np.array([0.5, -1.0, 2.0][:n_inputs], np.float32)[:, None] + inputs.normal((n, 1), scale=0.3) + 1.0)
    return X.astype(np.float32), y.astype(np.float32)


WEIGHT_NAMES = {
    False: ["hidden kernel", "hidden bias", "output kernel", "output bias"],
    True: ["hidden kernel", "hidden bias", "BatchNormalization gamma", "BatchNormalization beta",
           "BatchNormalization moving mean", "BatchNormalization moving variance", "output kernel", "output bias"],
}


def assert_weights_close(got, expected, *, call: str, names: list[str] | None = None,
                         mistakes: dict[str, list] | None = None) -> None:
    """``model.get_weights()`` lists agree weight by weight; a hint when they match a known mistake."""
    if not isinstance(got, (list, tuple)) or len(got) != len(expected):
        raise CheckFailed(f"{call}: the model has {len(got) if isinstance(got, (list, tuple)) else '?'} weights, "
                          f"expected {len(expected)}.")
    names = names or [f"weight {i}" for i in range(len(expected))]
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        per_weight = {hint: values[i] for hint, values in (mistakes or {}).items()}
        # a mistake whose weight equals the expected one cannot name this weight's error
        per_weight = {h: v for h, v in per_weight.items() if not np.allclose(v, e, rtol=1e-4, atol=1e-5)}
        assert_close(g, e, call=f"the {names[i]} after {call}", dtype="float32", mistakes=per_weight)


def scalar(value, call: str) -> float:
    """A returned loss as a float: it must be one number (a 0-d tensor), not a vector."""
    array = to_array(value, call)
    if array.size != 1:
        raise CheckFailed(f"{call} returned shape {tuple(array.shape)}, expected one number (the mean loss): "
                          "take the mean of loss_fn(y_batch, y_pred) over the batch.")
    return float(array.reshape(()))


def iterations(optimizer) -> int:
    return int(np.asarray(optimizer.iterations))
