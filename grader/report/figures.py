"""Draws the figures of a result (grader.judge.figures data) as self-contained SVG images.

Each figure becomes a ``data:image/svg+xml;base64,...`` URI for an ``<img>``
(allowed by the reports' CSP ``img-src data:``; an SVG shown as an image can
never run script) and an alt text that says in words what the picture shows.
Data arrives from the gradebook, so every field is re-validated here.
"""

from __future__ import annotations

import base64
import io
import math
import warnings
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display, and no GUI toolkit import in a grading server

from matplotlib import rc_context  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

STYLE = {
    "svg.fonttype": "none",  # text stays text: small files, readable by screen readers and search
    "svg.hashsalt": "tfgrader",  # stable element ids: the same result draws the same bytes
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# "yours" and "expected" keep their colours and styles in every figure, so a student learns them once.
LOOK = {
    "expected": {"color": "#1b7837", "linewidth": 3.0, "alpha": 0.45},
    "yours": {"color": "#b2182b", "linewidth": 1.4, "linestyle": "--"},
}
OTHER_COLOURS = ["#2166ac", "#e08214", "#762a83", "#4d4d4d"]


def _floats(values: Any) -> list[float]:
    return [float(v) if isinstance(v, int | float) and math.isfinite(v) else math.nan for v in values or []]


def _style(name: str, i: int) -> dict:
    return LOOK.get(name, {"color": OTHER_COLOURS[i % len(OTHER_COLOURS)], "linewidth": 1.4})


def _draw_curves(ax, panel: dict) -> str:
    x = _floats(panel.get("x"))
    described = []
    for i, (name, ys) in enumerate((panel.get("series") or {}).items()):
        y = _floats(ys)[: len(x)]
        ax.plot(x[: len(y)], y, label=str(name), **_style(str(name), i))
        gaps = sum(math.isnan(v) for v in y)
        described.append(f"{name}{f' ({gaps} points not finite)' if gaps else ''}")
    difference = _max_difference(panel, x)
    words = f"curves of {', '.join(described)} over {panel.get('xlabel') or 'x'}"
    if x:
        words += f" from {min(x):g} to {max(x):g}"
    return words + difference


def _max_difference(panel: dict, x: list[float]) -> str:
    series = panel.get("series") or {}
    if "yours" not in series or "expected" not in series:
        return ""
    worst, where = 0.0, None
    for xi, a, b in zip(x, _floats(series["yours"]), _floats(series["expected"]), strict=False):
        if math.isnan(a) != math.isnan(b):
            which = "yours" if math.isnan(a) else "the expected value"
            return f"; {which} is not finite (or missing) at {panel.get('xlabel') or 'x'} = {xi:g}"
        if not math.isnan(a) and abs(a - b) > worst:
            worst, where = abs(a - b), xi
    if where is None or worst == 0:
        return "; the curves agree"
    return f"; the largest gap is {worst:.3g} at {panel.get('xlabel') or 'x'} = {where:g}"


def _draw_bars(ax, panel: dict) -> str:
    categories = [str(c) for c in panel.get("categories") or []]
    series = list((panel.get("series") or {}).items())
    width = 0.8 / max(1, len(series))
    positions = range(len(categories))
    for i, (name, values) in enumerate(series):
        heights = [0.0 if math.isnan(v) else v for v in _floats(values)][: len(categories)]
        look = _style(str(name), i)
        ax.bar([p + (i - (len(series) - 1) / 2) * width for p in positions][: len(heights)], heights, width,
               label=str(name), color=look["color"], alpha=0.8)
    ax.set_xticks(list(positions), categories, rotation=60 if len(categories) > 4 else 0,
                  ha="right" if len(categories) > 4 else "center")
    ax.yaxis.get_major_locator().set_params(integer=True)  # counts
    counts = "; ".join(
        f"{name}: " + ", ".join(f"{c} {v:g}" for c, v in zip(categories, _floats(values), strict=False)
                                if not math.isnan(v) and v)
        for name, values in series
    )
    return f"bars of {panel.get('ylabel') or 'value'} per {panel.get('xlabel') or 'category'} ({counts})"


def draw(figure: dict) -> dict:
    """``{"title", "alt", "src"}`` for an ``<img>``; ``src`` is a data URI of the SVG."""
    panels = [p for p in figure.get("panels") or [] if isinstance(p, dict)][:4]
    title = str(figure.get("title", ""))[:120]
    with rc_context(STYLE), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # long labels may defeat the layout; the image still draws
        fig = Figure(figsize=(4.2 * max(1, len(panels)), 3.1), layout="constrained")
        axes = fig.subplots(1, max(1, len(panels)), squeeze=False)[0]
        words = []
        for ax, panel in zip(axes, panels, strict=False):
            text = _draw_bars(ax, panel) if panel.get("type") == "bars" else _draw_curves(ax, panel)
            ax.set_title(str(panel.get("title", "")))
            ax.set_xlabel(str(panel.get("xlabel", "")))
            ax.set_ylabel(str(panel.get("ylabel", "")))
            ax.grid(alpha=0.3)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(frameon=False)
            words.append(f"{panel.get('title') or 'panel'}: {text}")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    src = "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"title": title, "alt": f"Figure: {title}. " + ". ".join(words) + ".", "src": src}


def draw_histogram(scores: list[float], max_score: float) -> dict:
    """The class's score distribution as an image (``{"title", "alt", "src"}``), bins of 10 % of ``max_score``."""
    top = max_score or max(scores, default=1.0) or 1.0
    edges = [top * i / 10 for i in range(11)]
    counts = [0] * 10
    for s in scores:
        counts[min(9, max(0, int(10 * s / top)))] += 1  # a full score falls in the last bin
    with rc_context(STYLE):
        fig = Figure(figsize=(6.4, 2.6), layout="constrained")
        ax = fig.subplots()
        ax.bar([(a + b) / 2 for a, b in zip(edges, edges[1:], strict=False)], counts, width=top / 10 * 0.92,
               color=LOOK["expected"]["color"])
        ax.set_xlim(0, top)
        ax.set_xlabel(f"score (out of {top:g})")
        ax.set_ylabel("students")
        ax.yaxis.get_major_locator().set_params(integer=True)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    bins = ", ".join(f"{edges[i]:g}–{edges[i + 1]:g}: {n}" for i, n in enumerate(counts) if n)
    return {
        "title": "Score distribution",
        "alt": f"Histogram of {len(scores)} scores out of {top:g} in bins of {top / 10:g} points ({bins}).",
        "src": "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"),
    }
