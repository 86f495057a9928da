"""Judge-side helpers for the custom_functions checks.

NumPy truths, the usual mistakes (keyed by the hint to show), the statistics
of the Glorot initializer and small Keras models built on either side
(``student`` or ``reference``) through ``ns.module("keras")``.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import numpy as np

from grader.judge import CheckFailed, as_numpy, assert_close, to_array
from grader.judge.errors import StudentCodeError

# ------------------------------------------------------------------- graph mode


@contextmanager
def explain_graph_failures():
    """Name the mistake when the student's code needs concrete values inside a graph.

    NumPy calls (or ``.numpy()``) on a symbolic tensor, and a ``@tf.function``
    handed a Keras variable inside Keras's compiled train step, raise
    ``NotImplementedError`` from TensorFlow, which would otherwise read as
    "not implemented yet".
    """
    try:
        yield
    except StudentCodeError as exc:
        text = re.sub(r"\x1b\[[0-9;]*m", "", exc.error_message)  # Keras bolds parts of its messages
        if "symbolic" not in text and "eager execution" not in text:
            raise
        call = exc.details.get("call", "your code")
        raise CheckFailed(
            f"{call} raised {exc.error_type}: {text[:300]}\nHint: inside tf.function and Keras's compiled training "
            "step your function receives symbolic tensors (or Keras variables), which have no NumPy value: use "
            "TensorFlow or keras.ops operations only (no NumPy, no .numpy()), and do not decorate a regularizer or "
            "constraint with @tf.function (Keras passes it a variable that tf.function cannot trace).",
            exc.details,
        ) from None

# ------------------------------------------------------------------------ dtypes


def assert_keeps_dtype(got, dtype: str, call: str) -> None:
    """float32 and float64 are kept; float16 may come back as float16 or float32.

    The contracts of these functions say nothing of float16, and keras.ops
    promotes some float16 computations to float32 (``ops.logaddexp(0.0, z)``,
    ``w * ops.cast(mask, "float32")``): both are accepted, with the values
    compared at float16 tolerance.
    """
    array = to_array(got, call)
    allowed = ("float16", "float32") if dtype == "float16" else (dtype,)
    if array.dtype.name not in allowed:
        raise CheckFailed(f"{call} returned dtype {array.dtype.name}, expected {' or '.join(allowed)}: keep the "
                          "input's dtype (avoid casts to a fixed dtype and float32 tensors mixed in).",
                          {"call": call, "got_dtype": array.dtype.name, "expected_dtype": dtype})


# --------------------------------------------------------------------- softplus


def softplus(z):
    return np.logaddexp(0.0, np.asarray(z, np.float64))


def softplus_mistakes(z) -> dict[str, np.ndarray]:
    z = np.asarray(z, np.float64)
    with np.errstate(over="ignore"):
        return {
            "the sign is flipped: softplus is log(1 + exp(z)), not log(1 + exp(-z)).": np.logaddexp(0.0, -z),
            "the log is missing: return log(1 + exp(z)), not 1 + exp(z).": 1.0 + np.exp(z),
            "this is the sigmoid 1 / (1 + exp(-z)) (the derivative of softplus), not softplus.": 1 / (1 + np.exp(-z)),
            "the `1 +` is missing: log(exp(z)) is just z.": z,
            "this looks like ReLU, max(z, 0): softplus is the smooth log(1 + exp(z)).": np.maximum(z, 0.0),
            "the log looks like base 10: use the natural log (tf.math.log).": np.log10(1.0 + np.exp(z)),
        }


# ------------------------------------------------------------------------ glorot


def glorot_std(shape) -> float:
    return float(np.sqrt(2.0 / (shape[0] + shape[1])))


def std_mistakes(shape) -> dict[str, float]:
    """Standard deviations that the usual wrong formulas give, keyed by the hint."""
    fan_in, fan_out = shape
    right = glorot_std(shape)
    return {
        "it looks like sqrt(2 / fan_in) (He initialization): Glorot uses fan_in + fan_out.": np.sqrt(2 / fan_in),
        "it looks like sqrt(2 / fan_out): Glorot uses fan_in + fan_out.": np.sqrt(2 / fan_out),
        "it looks like sqrt(1 / fan_in) (LeCun initialization): Glorot uses 2 / (fan_in + fan_out).": np.sqrt(
            1 / fan_in),
        "it looks like sqrt(1 / (fan_in + fan_out)): the numerator is 2.": np.sqrt(1 / (fan_in + fan_out)),
        "it looks like 2 / (fan_in + fan_out), which is the variance: the stddev is its square root.": 2 / (
            fan_in + fan_out),
        "it looks like sqrt(6 / (fan_in + fan_out)), the limit of Glorot *uniform*, used as the stddev.": np.sqrt(
            6 / (fan_in + fan_out)),
        "it looks like uniform samples in [-sigma, sigma]: draw from a normal distribution with stddev sigma.":
            right / np.sqrt(3),
        "it looks like a truncated normal (cut at 2 sigma, so its spread is about 0.88 sigma): draw from a plain "
        "normal distribution.": right * 0.8796,
        "it looks like 1: pass the standard deviation to the random normal call.": 1.0,
    }


def _std_hint(observed: float, shape) -> str:
    """The closest known mistake within 3% of the observed standard deviation."""
    distance, hint = min((abs(observed - value) / value, hint) for hint, value in std_mistakes(shape).items())
    return f"\nHint: {hint}" if distance <= 0.03 else ""


def samples(value, shape, dtype: str, call: str) -> np.ndarray:
    """The initializer's result as an array of the right shape, dtype and finite values."""
    array = to_array(value, call)
    if tuple(array.shape) != tuple(shape):
        raise CheckFailed(f"{call} returned shape {tuple(array.shape)}, expected {tuple(shape)}: "
                          "the result must have the requested shape.")
    if array.dtype.name != dtype:
        raise CheckFailed(f"{call} returned dtype {array.dtype.name}, expected {dtype}: "
                          "create the samples in the requested dtype (pass dtype= to the random call).")
    if not np.isfinite(array).all():
        raise CheckFailed(f"{call} returned non-finite values.")
    return array.astype(np.float64)


def assert_glorot_moments(values: np.ndarray, shape, call: str, std_rtol: float = 0.015) -> None:
    """Mean ~ 0 and standard deviation ~ sqrt(2 / (fan_in + fan_out)).

    With n samples the standard error of the sample std is about std / sqrt(2n)
    and that of the mean std / sqrt(n): for the shapes used (n >= 80 000) the
    tolerances below are more than 5 standard errors wide.
    """
    expected = glorot_std(shape)
    n = values.size
    mean, std = float(values.mean()), float(values.std())
    mean_tol = 6 * expected / np.sqrt(n)
    if abs(mean) > mean_tol:
        raise CheckFailed(f"{call}: the samples have mean {mean:.5g}, expected about 0 (tolerance {mean_tol:.2g} "
                          f"for {n} samples): draw them centred on 0.")
    if abs(std - expected) > std_rtol * expected:
        raise CheckFailed(
            f"{call}: the samples have standard deviation {std:.5g}, expected sqrt(2 / (fan_in + fan_out)) = "
            f"{expected:.5g} for shape {tuple(shape)} (tolerance {100 * std_rtol:g}%).{_std_hint(std, shape)}"
        )


def assert_normal_shape(values: np.ndarray, call: str) -> None:
    """The standardised samples look normal: kurtosis 3, 68.3% within one stddev, tails beyond 2.5 sigma."""
    z = (values - values.mean()) / values.std()
    kurtosis = float(np.mean(z**4))
    within = float(np.mean(np.abs(z) < 1.0))
    tails = float(np.mean(np.abs(z) > 2.5))
    if abs(kurtosis - 3.0) > 0.15 or abs(within - 0.6827) > 0.01 or abs(tails - 0.0124) > 0.003:
        raise CheckFailed(
            f"{call}: the samples do not look normally distributed (kurtosis {kurtosis:.3g}, expected 3; "
            f"{100 * within:.1f}% within one standard deviation, expected 68.3%; {100 * tails:.2f}% beyond "
            "2.5 standard deviations, expected 1.24%). Draw them from a normal distribution "
            "(not uniform, not truncated)."
        )


def seed_sandbox(ns, inputs) -> None:
    """Seed the side's global RNGs so that random draws reproduce on a regrade."""
    ns.module("keras").utils.set_random_seed(int(inputs.rng.integers(2**31 - 1)))


# ---------------------------------------------------------------- l1 penalties


def l1(weights, factor: float) -> np.float64:
    return np.float64(factor * np.abs(np.asarray(weights, np.float64)).sum())


def l1_mistakes(weights, factor: float, hard_coded: float | None = None) -> dict[str, np.ndarray]:
    w = np.asarray(weights, np.float64)
    mistakes = {
        "the abs is missing: the penalty is factor * sum(|w|), not factor * sum(w).": np.float64(factor * w.sum()),
        "it looks like a mean: the penalty is a sum over all the weights.": np.float64(factor * np.abs(w).mean()),
        "this is an l2 penalty (squares): l1 uses absolute values.": np.float64(factor * (w**2).sum()),
        "the factor is missing: multiply the sum of |w| by it.": np.float64(np.abs(w).sum()),
    }
    if hard_coded is not None:
        mistakes[f"the factor looks hard-coded to {hard_coded}: use the factor given to the constructor."] = (
            np.float64(hard_coded * np.abs(w).sum()))
    return mistakes


def assert_scalar_penalty(got, expected, call: str, mistakes: dict | None = None) -> None:
    array = to_array(got, call)
    if array.shape != ():
        raise CheckFailed(f"{call} returned shape {tuple(array.shape)}, expected a scalar (shape ()): "
                          "sum over all the entries of the weights, whatever their rank.")
    assert_close(array, expected, call=call, dtype="float32", mistakes=mistakes)


# ------------------------------------------------------------------- positive


def positive(weights) -> np.ndarray:
    w = np.asarray(weights)
    return np.where(w < 0, np.zeros_like(w), w)


def positive_mistakes(weights) -> dict[str, np.ndarray]:
    w = np.asarray(weights, np.float64)
    return {
        "negative weights became positive: replace them by 0, do not take the absolute value.": np.abs(w),
        "it is inverted: the negative weights are kept and the positive ones zeroed.": np.minimum(w, 0.0),
        "weights above 1 were clipped: only the negative weights change.": np.clip(w, 0.0, 1.0),
        "this is the mask (w > 0) as numbers: return the weights themselves where they are positive.": (
            (w > 0).astype(np.float64)),
    }


def away_from_zero(inputs, shape, margin: float = 0.05, scale: float = 2.0, dtype: str = "float32") -> np.ndarray:
    """Random weights whose |w| stays ``margin`` away from 0 (a kink of abs and max)."""
    w = inputs.normal(shape, scale=scale, dtype="float64")
    w = np.where(np.abs(w) < margin, np.sign(w + 1e-12) * (margin + np.abs(w)), w)
    return w.astype(dtype)


# ------------------------------------------------------------------ Keras models


def dense_model(ns, n_in: int, units: int, weights=None, dtype: str | None = None, **layer_kwargs):
    """``Sequential([Input((n_in,)), Dense(units, **layer_kwargs)])`` built on ``ns``'s side."""
    keras = ns.module("keras")
    if dtype is not None:
        layer_kwargs["dtype"] = dtype
    layer = keras.layers.Dense(units, **layer_kwargs)
    layer.build((None, n_in))  # here, not in Sequential: it swallows NotImplementedError from a build
    model = keras.Sequential([keras.Input(shape=(n_in,), dtype=dtype or "float32"), layer])
    if weights is not None:
        model.set_weights([as_numpy(w) for w in weights])
    return model, layer


def train_one_step(ns, model, x, y, learning_rate: float):
    """Compile with MSE and SGD, run one ``train_on_batch`` (graph mode); (loss, weights)."""
    keras = ns.module("keras")
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=learning_rate))
    with explain_graph_failures():
        loss = model.train_on_batch(as_numpy(x), as_numpy(y))
    return loss, model.get_weights()


def trace(fn, arg_sets):
    """``fn.trace(arg_sets)`` with the graph-mode mistakes explained."""
    with explain_graph_failures():
        return fn.trace(arg_sets)


def dense_problem(inputs, n_in: int = 5, units: int = 3, batch: int = 16):
    """Inputs, targets and starting weights of a small regression step."""
    x = inputs.normal((batch, n_in))
    y = inputs.normal((batch, units), scale=2.0)
    kernel = away_from_zero(inputs, (n_in, units), scale=0.5)
    bias = inputs.normal((units,), scale=0.1)
    return x, y, [kernel, bias]
