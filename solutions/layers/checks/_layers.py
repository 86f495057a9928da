"""Helpers shared by the checks of the `layers` assignment (judge side only)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np

from grader.judge import CheckFailed, as_numpy, to_array
from grader.judge.errors import StudentCodeError
from grader.judge.proxy import Remote


def short_type(remote: object) -> str:
    if isinstance(remote, Remote):
        return remote.type_name.rsplit(".", 1)[-1]
    return type(remote).__name__


@contextlib.contextmanager
def symbolic_tensors(call: str) -> Iterator[None]:
    """Explain the NotImplementedError TensorFlow raises when NumPy meets a symbolic tensor.

    The sandbox reports any NotImplementedError as "not implemented yet"; inside
    tf.function or on a keras.Input it usually means NumPy was called on a tensor.
    """
    try:
        yield
    except StudentCodeError as exc:
        if exc.not_implemented and "symbolic" in exc.error_message:
            raise CheckFailed(
                f"{call} failed: NumPy was given a symbolic tensor (\"Cannot convert a symbolic tf.Tensor to a "
                "numpy array\"). Inside tf.function and on keras.Input there are no values yet: use TensorFlow "
                "or keras.ops operations instead of NumPy.") from None
        raise


def outputs_tuple(value: object, n: int, call: str) -> tuple:
    """A tuple (or list) of ``n`` results, or a failure saying what came back instead."""
    if not isinstance(value, (tuple, list)):
        shape = ""
        if isinstance(value, np.ndarray):
            shape = f" of shape {tuple(value.shape)}"
        raise CheckFailed(f"{call} returned one {short_type(value)}{shape}, expected a tuple of {n} tensors "
                          "(return them with `return a, b, c`, not stacked or concatenated).")
    if len(value) != n:
        raise CheckFailed(f"{call} returned {len(value)} values, expected {n}.")
    return tuple(value)


def weight_shapes(layer: Remote, x: np.ndarray, call: str) -> tuple[list[str], list[list[int]]]:
    """Names (last path component) and shapes of the trainable variables, after calling ``layer`` on ``x``."""
    vg = layer.variable_gradient(x)
    names = [str(n).rsplit("/", 1)[-1].split(":")[0] for n in vg.names]
    return names, [list(s) for s in vg.shapes]


def attribute_shape(layer: Remote, name: str) -> list[int] | None:
    """Shape of ``layer.<name>`` when it is a variable or array, else None."""
    try:
        value = getattr(layer, name)
    except StudentCodeError:
        return None
    if isinstance(value, np.ndarray):
        return list(value.shape)
    return None


def order_by_shape(layer: Remote, by_shape: dict[tuple[int, ...], np.ndarray], call: str) -> list:
    """``layer``'s weights in its own order, each taken from ``by_shape`` (shapes must all differ)."""
    current = layer.get_weights()
    shapes = [tuple(np.shape(w)) for w in current]
    if sorted(shapes) != sorted(by_shape):
        raise CheckFailed(f"{call} has weights of shapes {[list(s) for s in shapes]}, expected "
                          f"{[list(s) for s in by_shape]} (kernel [n_inputs, units], bias [units]).")
    return [as_numpy(by_shape[s]) for s in shapes]


def alpha_beta_positions(layer: Remote, d: int) -> tuple[int, int] | None:
    """Positions of alpha and beta in ``layer.get_weights()``, from the variable names, else None."""
    names = layer.variable_gradient(np.zeros((1, d), np.float32)).names
    last = [str(n).rsplit("/", 1)[-1].split(":")[0].lower() for n in names]
    if len(last) == 2 and sorted(last) == ["alpha", "beta"]:
        return last.index("alpha"), last.index("beta")
    return None


def order_alpha_beta(layer: Remote, alpha: np.ndarray, beta: np.ndarray, call: str) -> list:
    """``[alpha, beta]`` in the layer's own weight order.

    Both have the same shape, so the order comes from the variable names
    (alpha, beta), else from the initial values (alpha ones, beta zeros), else
    from the creation order.
    """
    current = [np.asarray(w) for w in layer.get_weights()]
    if len(current) != 2 or any(w.shape != alpha.shape for w in current):
        raise CheckFailed(f"{call} has weights of shapes {[list(w.shape) for w in current]}, expected two "
                          f"weights (alpha, beta) of shape {list(alpha.shape)}.")
    positions = alpha_beta_positions(layer, alpha.shape[0])
    if positions is None:
        ones = [bool(np.all(w == 1)) for w in current]
        zeros = [bool(np.all(w == 0)) for w in current]
        positions = (1, 0) if ones == [False, True] and zeros == [True, False] else (0, 1)
    ordered = [None, None]
    ordered[positions[0]], ordered[positions[1]] = as_numpy(alpha), as_numpy(beta)
    return ordered


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def layer_norm(x: np.ndarray, alpha: np.ndarray, beta: np.ndarray, epsilon: float) -> np.ndarray:
    x = np.asarray(x, np.float64)
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return alpha * (x - mean) / np.sqrt(var + epsilon) + beta


def layer_norm_mistakes(x: np.ndarray, alpha: np.ndarray, beta: np.ndarray, epsilon: float) -> dict[str, np.ndarray]:
    x = np.asarray(x, np.float64)
    mean = x.mean(axis=-1, keepdims=True)
    std = x.std(axis=-1, keepdims=True)
    mean0 = x.mean(axis=0, keepdims=True)
    var0 = x.var(axis=0, keepdims=True)
    return {
        "the denominator should be sqrt(variance + epsilon), not std + epsilon.": alpha * (x - mean) / (std + epsilon) + beta,
        "epsilon looks ignored or hard-coded: use the `epsilon` argument.": layer_norm(x, alpha, beta, 0.001),
        "epsilon is missing from the denominator.": alpha * (x - mean) / std + beta,
        "the mean and variance are taken over the batch (axis 0): layer normalization uses the last axis.":
            alpha * (x - mean0) / np.sqrt(var0 + epsilon) + beta,
        "alpha and beta are swapped.": beta * (x - mean) / np.sqrt(x.var(axis=-1, keepdims=True) + epsilon) + alpha,
        "the variance is unbiased (divides by n - 1): use the plain mean of squared deviations.":
            alpha * (x - mean) / np.sqrt(x.var(axis=-1, ddof=1, keepdims=True) + epsilon) + beta,
    }


def noise_summary(noise: np.ndarray) -> tuple[float, float, float]:
    """Mean, standard deviation and fraction of distinct values of a noise sample."""
    flat = np.asarray(noise, np.float64).ravel()
    return float(flat.mean()), float(flat.std()), float(np.unique(flat).size / flat.size)


def check_noise(noise: np.ndarray, stddev: float, call: str, rel: float = 0.05) -> None:
    """The noise looks like independent N(0, stddev²) samples, one per entry."""
    values = to_array(noise, call)
    n = values.size
    mean, std, distinct = noise_summary(values)
    if not np.isfinite(std):
        raise CheckFailed(f"{call}: the noise is not finite.")
    if std == 0:
        raise CheckFailed(f"{call} returned the inputs unchanged: with training=True it must add noise.")
    hints = []
    if abs(std - np.sqrt(stddev)) < rel * np.sqrt(stddev):
        hints.append("its std is sqrt(stddev): stddev is the standard deviation, not the variance.")
    elif abs(std - stddev**2) < rel * stddev**2:
        hints.append("its std is stddev²: pass stddev as the standard deviation of the normal draw.")
    if abs(std - stddev) > rel * stddev:
        hint = f"\nHint: {hints[0]}" if hints else ""
        raise CheckFailed(f"{call}: the added noise has standard deviation {std:.4g}, expected {stddev:g} "
                          f"(measured over {n} entries, tolerance {rel:.0%}).{hint}")
    if abs(mean) > 6 * stddev / np.sqrt(n):
        raise CheckFailed(f"{call}: the added noise has mean {mean:.4g}, expected 0 (measured over {n} entries): "
                          "the noise must be centred and must not depend on the inputs.")
    if distinct < 0.5:
        raise CheckFailed(f"{call}: only {distinct:.1%} of the noise values are distinct: draw one independent "
                          "sample per entry (noise of the inputs' full shape, e.g. tf.shape(inputs)).")
