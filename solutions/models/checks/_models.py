"""Judge-side helpers for the `models` checks: tied weights, NumPy forward passes, mistakes.

Correct answers may list their weights in any order (the order in which the
sub-layers were assigned as attributes, not the order in which they are
applied). So the checks never copy weights position by position: they give
every weight of one shape the *same* value ("tied by shape"). The function a
model computes then no longer depends on which of its equal-shaped layers comes
first in `weights`, and its output can be computed here in NumPy, or compared
with the reference tied the same way.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from grader.judge import CheckFailed, as_numpy, assert_close

# ------------------------------------------------------------------ building and weights


def shapes_of(model) -> list[tuple[int, ...]]:
    """The shapes of ``model.get_weights()`` (a `Remote`), in the model's own order."""
    return [tuple(int(d) for d in np.shape(w)) for w in model.get_weights()]


def trainable_shapes(model) -> list[tuple[int, ...]]:
    return [tuple(int(d) for d in np.shape(v)) for v in model.trainable_variables]


def fmt_shapes(shapes) -> str:
    counts = Counter(shapes)
    return ", ".join(f"{n}×{list(s)}" if n > 1 else f"{list(s)}" for s, n in sorted(counts.items(), key=str))


def tie_by_shape(model, table: dict[tuple[int, ...], np.ndarray], call: str) -> None:
    """``model.set_weights`` with ``table[shape]`` for every weight (the model must be built)."""
    shapes = shapes_of(model)
    unknown = [s for s in shapes if s not in table]
    if unknown:
        raise CheckFailed(
            f"{call} has weights of shape {fmt_shapes(unknown)} that the exercise does not describe "
            f"(all its weights: {fmt_shapes(shapes)}, expected {fmt_shapes(table)} only)."
        )
    model.set_weights([as_numpy(np.asarray(table[s], np.float32)) for s in shapes])


def expect_shapes(got: list[tuple[int, ...]], expected: list[tuple[int, ...]], call: str, hint: str = "") -> None:
    """The multiset of variable shapes is the expected one (order free)."""
    if Counter(got) == Counter(expected):
        return
    message = (f"{call} has {len(got)} trainable variables ({fmt_shapes(got) or 'none'}), "
               f"expected {len(expected)} ({fmt_shapes(expected)}).")
    if hint:
        message += f" {hint}"
    raise CheckFailed(message, {"call": call, "got": [list(s) for s in got], "expected": [list(s) for s in expected]})


def group_sums(shapes, arrays) -> dict[tuple[int, ...], np.ndarray]:
    """Sum of the arrays per shape (None skipped): an order-free summary of per-variable values."""
    sums: dict[tuple[int, ...], np.ndarray] = {}
    for shape, array in zip(shapes, arrays, strict=True):
        if array is None:
            continue
        key = tuple(int(d) for d in shape)
        sums[key] = sums.get(key, 0) + np.asarray(array, np.float64)
    return sums


# ------------------------------------------------------------------ initial weights


def check_he_normal(kernels: list[np.ndarray], call: str) -> None:
    """Pooled kernels scaled by sqrt(2 / fan_in) look like he_normal: std 1, not uniform.

    Keras' he_normal is a truncated normal (kurtosis about 2.4); he_uniform and
    glorot_uniform are uniform (kurtosis 1.8); glorot has std sqrt(1/2) here
    for square kernels.
    """
    z = np.concatenate([np.asarray(k, np.float64).ravel() / np.sqrt(2.0 / np.shape(k)[0]) for k in kernels])
    std = float(z.std())
    kurtosis = float(np.mean((z - z.mean()) ** 4) / max(z.var(), 1e-300) ** 2)
    if not 0.9 <= std <= 1.1:
        guess = " (that is glorot_uniform, the Dense default)" if 0.5 <= std <= 0.8 else ""
        raise CheckFailed(
            f"{call}: the hidden kernels start with standard deviation {std:.2f}·sqrt(2 / fan_in){guess}, "
            "expected sqrt(2 / fan_in): use kernel_initializer=\"he_normal\"."
        )
    if kurtosis < 2.05:
        raise CheckFailed(
            f"{call}: the hidden kernels start uniformly distributed (he_uniform?), expected a normal "
            "distribution: use kernel_initializer=\"he_normal\"."
        )


# ------------------------------------------------------------------ NumPy forward passes


def relu(z):
    return np.maximum(z, 0.0)


def dense(z, w, b, activation=True):
    out = z @ w + b
    return relu(out) if activation else out


def block(z, w, b, n_layers, *, skip="end", last_relu=True, relu_after_sum=False):
    """A tied ResidualBlock and its usual mistakes (skip: "end", "none", "each")."""
    out = z
    for i in range(n_layers):
        new = dense(out, w, b, activation=last_relu or i < n_layers - 1)
        out = out + new if skip == "each" else new
    if skip == "end":
        out = z + out
    return relu(out) if relu_after_sum else out


def block_mistakes(x, w, b, n_layers) -> dict[str, np.ndarray]:
    mistakes = {
        "the output is only the last Dense layer's output: add the block's input to it (skip connection).":
            block(x, w, b, n_layers, skip="none"),
        "the input is added after every Dense layer; the skip connection adds it once, to the last layer's output.":
            block(x, w, b, n_layers, skip="each"),
        "an activation is applied after the addition; the block returns input + output as is.":
            block(x, w, b, n_layers, relu_after_sum=True),
        "the last Dense layer has no ReLU activation; every layer of the block uses relu.":
            block(x, w, b, n_layers, last_relu=False),
    }
    for n in range(1, 5):
        if n != n_layers:
            mistakes[f"the block applies {n} Dense layer(s), expected n_layers = {n_layers}."] = block(x, w, b, n)
    return mistakes


def residual_regressor(x, t, n_blocks=5, hidden_relu=True, output_relu=False):
    """A ResidualRegressor whose weights are tied by shape (table ``t``)."""
    z = dense(x, t["w_in"], t["b"], activation=hidden_relu)
    for _ in range(n_blocks):
        z = block(z, t["w"], t["b"], 2)
    return dense(z, t["w_out"], t["b_out"], activation=output_relu)


def residual_regressor_mistakes(x, t) -> dict[str, np.ndarray]:
    mistakes = {
        "the first Dense(30) layer has no ReLU activation.": residual_regressor(x, t, hidden_relu=False),
        "the output layer has an activation; Dense(output_dim) is linear.": residual_regressor(x, t, output_relu=True),
    }
    for n in (1, 2, 3, 4, 6, 7, 8):
        mistakes[f"the model applies residual blocks {n} times in total, expected 5 (block1 1 + 3 = 4 times, "
                 "then block2 once)."] = residual_regressor(x, t, n_blocks=n)
    return mistakes


def reconstructing(x, t, n_hidden=5, hidden_relu=True):
    """(outputs, hidden) of a ReconstructingRegressor tied by shape."""
    z = dense(x, t["w_in"], t["b"], activation=hidden_relu)
    for _ in range(n_hidden - 1):
        z = dense(z, t["w"], t["b"], activation=hidden_relu)
    return dense(z, t["w_out"], t["b_out"], activation=False), z


def reconstructing_mistakes(x, t) -> dict[str, np.ndarray]:
    mistakes = {"the hidden layers have no ReLU activation.": reconstructing(x, t, hidden_relu=False)[0]}
    for n in (3, 4, 6):
        mistakes[f"the model has {n} hidden Dense(30) layers, expected 5."] = reconstructing(x, t, n_hidden=n)[0]
    return mistakes


def reconstruction_loss(x, t, factor=0.05):
    _, z = reconstructing(x, t)
    reconstruction = z @ t["w_rec"] + t["b_rec"]
    return factor * np.mean((reconstruction - x) ** 2)


def reconstruction_loss_mistakes(x, t) -> dict[str, np.ndarray]:
    outputs, z = reconstructing(x, t)
    reconstruction = z @ t["w_rec"] + t["b_rec"]
    error = (reconstruction - x) ** 2
    mistakes = {
        "the loss is missing the 0.05 factor: add 0.05 · mean((reconstruction − inputs)²).": np.mean(error),
        "the loss sums the squared errors; use their mean.": 0.05 * np.sum(error),
        "the loss is the mean squared reconstruction itself: subtract the inputs first.":
            0.05 * np.mean(reconstruction**2),
        "the loss uses the absolute error; use the squared error.": 0.05 * np.mean(np.abs(reconstruction - x)),
    }
    if outputs.shape[1] in (1, x.shape[1]):  # broadcastable: the mistake runs without an error
        mistakes["the reconstruction is compared with the model's outputs, not with its inputs."] = (
            0.05 * np.mean((reconstruction - outputs) ** 2))
    return {hint: np.float64(v) for hint, v in mistakes.items()}


# ------------------------------------------------------------------ tables of tied weights


def regressor_table(rng, n_in: int, output_dim: int, rec: bool = False) -> tuple[dict, dict]:
    """Named weights and the same weights keyed by shape (n_in and output_dim must differ from 30)."""
    t = {
        "w_in": rng.standard_normal((n_in, 30)) * np.sqrt(2.0 / n_in),
        "b": rng.standard_normal(30) * 0.1,
        "w": rng.standard_normal((30, 30)) * np.sqrt(0.5 / 30),
        "w_out": rng.standard_normal((30, output_dim)) * np.sqrt(1.0 / 30),
        "b_out": rng.standard_normal(output_dim) * 0.1,
    }
    if rec:
        t["w_rec"] = rng.standard_normal((30, n_in)) * np.sqrt(1.0 / 30)
        t["b_rec"] = rng.standard_normal(n_in) * 0.1
    # float32 values on both sides: the model computes with the rounded weights
    t = {k: np.asarray(v, np.float32).astype(np.float64) for k, v in t.items()}
    by_shape = {
        (n_in, 30): t["w_in"], (30,): t["b"], (30, 30): t["w"], (30, output_dim): t["w_out"], (output_dim,): t["b_out"],
    }
    if rec:
        by_shape[(30, n_in)] = t["w_rec"]
        by_shape[(n_in,)] = t["b_rec"]
    if len(by_shape) != len(t):
        raise ValueError("choose n_in and output_dim so that every tied weight has its own shape")
    return t, by_shape


def compare_variable_gradients(got, expected, call: str, may_be_none=()) -> None:
    """Student's and reference's `VariableGradient`s agree, summed per variable shape (order free).

    ``may_be_none``: shapes whose variables are not connected to the output in
    the reference either (the reconstruction layer).
    """
    for name, shape, g in zip(got.names, got.shapes, got.gradients, strict=True):
        if g is None and tuple(shape) not in may_be_none:
            raise CheckFailed(f"the gradient of {call} w.r.t. {name} is None: that variable is not used (or not "
                              "connected for TensorFlow) in the forward pass.")
    got_sums, expected_sums = group_sums(got.shapes, got.gradients), group_sums(expected.shapes, expected.gradients)
    for shape, e in expected_sums.items():
        if shape not in got_sums:
            raise CheckFailed(f"{call}: no trainable variable of shape {list(shape)} has a gradient.")
        assert_close(got_sums[shape], e, dtype="float32",
                     call=f"the gradient of {call} w.r.t. its {list(shape)} variables (summed over them)")
