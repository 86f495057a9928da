"""Figures for the report: data a `@figure` function collects, drawn later by the report.

A figure function lives beside the checks and runs only for an exercise that
lost points (and never in public mode: it needs the reference)::

    @figure("huber_fn", title="huber_fn(0, x) and its gradient")
    def plot_huber(student, reference, plot):
        x = np.linspace(-3, 3, 121, dtype=np.float32)
        zeros = np.zeros_like(x)
        plot.curves(x, {"yours": student.huber_fn(zeros, x), "expected": reference.huber_fn(zeros, x)},
                    xlabel="y_pred - y_true", ylabel="loss")

It scores nothing: when the student's code fails inside it the figure is just
left out. Only plain numbers leave this module (lists of floats, NaN/Inf as
None), capped in size, so a figure can never carry more than a picture.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from grader.judge.asserts import to_array
from grader.judge.errors import CheckFailed, StudentCodeError

FIGURE_MARK = "tfgrader_figure"
MAX_PANELS = 4
MAX_SERIES = 6
MAX_POINTS = 400
MAX_LABEL = 80


def figure(exercise: str, title: str) -> Callable:
    """Mark a function as the figure of ``exercise`` (fixtures: ``student``, ``reference``, ``plot``)."""

    def decorate(fn: Callable) -> Callable:
        return pytest.mark.tfgrader_figure(exercise=exercise, title=title)(fn)

    return decorate


def _label(text: Any) -> str:
    return str(text)[:MAX_LABEL]


def _numbers(values: Any, limit: int = MAX_POINTS) -> list[float | None]:
    """A flat list of at most ``limit`` floats; NaN and infinities become None (a gap in the curve)."""
    array = np.asarray(values, dtype=np.float64).reshape(-1)[:limit]
    return [float(v) if math.isfinite(v) else None for v in array.tolist()]


def values_of(value: Any, n: int, what: str = "the result") -> np.ndarray:
    """``n`` numbers from a returned array, flat float64; `CheckFailed` (the figure is left out) for another size."""
    array = to_array(value, what)
    if array.size != n:
        raise CheckFailed(f"{what} has {array.size} values, expected {n}")
    return array.astype(np.float64).reshape(-1)


def gradient_values(fn: Any, x: np.ndarray) -> tuple[np.ndarray, str]:
    """The gradient of sum(fn(x)) w.r.t. ``x``, or NaNs and why there is no curve ("None", "no gradient").

    ``fn`` is a student or reference callable (``fn.gradient(x, wrt=(0,))``). A
    stub still raises: an exercise not implemented gets no figure at all, while
    a gradient that fails leaves the value panel worth showing.
    """
    try:
        gradient = fn.gradient(x, wrt=(0,)).gradients[0]
    except StudentCodeError as exc:
        if exc.not_implemented:
            raise
        return np.full(x.size, np.nan), "no gradient"
    if gradient is None:
        return np.full(x.size, np.nan), "None"
    return values_of(gradient, x.size, "the gradient"), ""


def note_missing(title: str, yours_missing: str = "", expected_missing: str = "") -> str:
    """``title`` naming the series that have no curve: ``gradient (yours: None)`` (a missing curve draws nothing)."""
    notes = [f"{who}: {why}" for who, why in (("yours", yours_missing), ("expected", expected_missing)) if why]
    return f"{title} ({', '.join(notes)})" if notes else title


class Plot:
    """Collects the panels of one figure (side by side in the report)."""

    def __init__(self) -> None:
        self.panels: list[dict] = []

    def _add(self, panel: dict) -> None:
        if len(self.panels) >= MAX_PANELS:
            raise ValueError(f"a figure has at most {MAX_PANELS} panels")
        self.panels.append(panel)

    def curves(self, x: Sequence[float], series: Mapping[str, Any], *, xlabel: str = "", ylabel: str = "",
               title: str = "") -> None:
        """Line plot: each series (``yours``, ``expected``, ...) has one y per ``x``."""
        xs = _numbers(x)
        self._add({
            "type": "curves",
            "title": _label(title),
            "xlabel": _label(xlabel),
            "ylabel": _label(ylabel),
            "x": xs,
            "series": {_label(k): _numbers(v, len(xs)) for k, v in list(series.items())[:MAX_SERIES]},
        })

    def bars(self, categories: Sequence[str], series: Mapping[str, Sequence[float]], *, xlabel: str = "",
             ylabel: str = "", title: str = "") -> None:
        """Grouped bars: one bar per category and series (e.g. op type counts, yours vs expected)."""
        names = [_label(c) for c in list(categories)[:60]]
        self._add({
            "type": "bars",
            "title": _label(title),
            "xlabel": _label(xlabel),
            "ylabel": _label(ylabel),
            "categories": names,
            "series": {_label(k): _numbers(v, len(names)) for k, v in list(series.items())[:MAX_SERIES]},
        })
