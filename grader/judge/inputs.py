"""Seeded inputs for checks.

The seed of each check is ``HMAC-SHA256(course secret, assignment / student /
check)``: inputs differ between students (hard-coding a classmate's outputs
does not work) and between checks, yet reproduce exactly on a regrade. The seed
never leaves the judge.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np


def derive_seed(secret: str, *parts: str) -> int:
    digest = hmac.new(secret.encode(), "\x1f".join(parts).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "little")


class Inputs:
    """Random arrays from one seeded generator; every method takes a NumPy dtype name."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def normal(self, shape: tuple[int, ...], scale: float = 1.0, dtype: str = "float32") -> np.ndarray:
        return (self.rng.standard_normal(shape) * scale).astype(dtype)

    def uniform(self, shape: tuple[int, ...], low: float = -1.0, high: float = 1.0, dtype: str = "float32") -> np.ndarray:
        return self.rng.uniform(low, high, shape).astype(dtype)

    def pair(self, shape: tuple[int, ...], spread: float = 3.0, dtype: str = "float32") -> tuple[np.ndarray, np.ndarray]:
        """``(y_true, y_pred)`` whose differences spread over ±``spread``: both sides of a threshold."""
        y_true = self.rng.standard_normal(shape)
        y_pred = y_true + self.rng.uniform(-spread, spread, shape)
        return y_true.astype(dtype), y_pred.astype(dtype)

    def pair_away_from(
        self, shape: tuple[int, ...], kinks: tuple[float, ...], margin: float = 0.05, spread: float = 3.0,
        dtype: str = "float64",
    ) -> tuple[np.ndarray, np.ndarray]:
        """A pair whose |y_true - y_pred| stays ``margin`` away from each kink (for finite differences)."""
        y_true = self.rng.standard_normal(shape)
        error = self.rng.uniform(-spread, spread, shape)
        for kink in kinks:
            close = np.abs(np.abs(error) - kink) < margin
            error = np.where(close, np.sign(error) * (kink + 2 * margin), error)
        return y_true.astype(dtype), (y_true + error).astype(dtype)

    def choice(self, options: list) -> object:
        return options[int(self.rng.integers(len(options)))]
