"""Drawing figure data as self-contained SVG images with alt text that says what they show."""

import base64
import math
import re

from grader.report.figures import draw


def _svg(drawn: dict) -> str:
    prefix = "data:image/svg+xml;base64,"
    assert drawn["src"].startswith(prefix)
    return base64.b64decode(drawn["src"][len(prefix):]).decode()


def test_curves_become_an_svg_image_with_words_for_the_gap():
    x = [i / 10 for i in range(-30, 31)]
    drawn = draw({"exercise": "huber_fn", "title": "huber_fn over the error", "panels": [{
        "type": "curves", "title": "huber_fn", "xlabel": "error", "ylabel": "loss", "x": x,
        "series": {"expected": [abs(v) for v in x], "yours": [v * v for v in x]},
    }]})
    svg = _svg(drawn)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "<script" not in svg
    assert not re.search(r"""(href|src)=["']?(https?|file):""", svg)  # links nothing: namespaces only
    assert "largest gap is 6 at error = 3" in drawn["alt"] or "largest gap is 6 at error = -3" in drawn["alt"]
    assert drawn["alt"].startswith("Figure: huber_fn over the error.")


def test_non_finite_values_are_gaps_and_the_alt_text_says_so():
    drawn = draw({"title": "t", "panels": [{"type": "curves", "x": [0, 1, 2],
                                            "series": {"expected": [0, 1, 2], "yours": [0, None, 2]}}]})
    assert "not finite" in drawn["alt"]


def test_bars_and_hostile_labels_are_only_text_in_the_svg():
    drawn = draw({"title": "<script>alert(1)</script>", "panels": [{
        "type": "bars", "title": "op types", "xlabel": "op", "ylabel": "count",
        "categories": ["MatMul", "</text><script>alert(1)</script>"],
        "series": {"expected": [1, 0], "yours": [2, math.inf]},
    }]})
    svg = _svg(drawn)
    assert "<script>" not in svg  # matplotlib escapes text; and an <img> never runs script anyway
    assert "MatMul 1" in drawn["alt"] and "MatMul 2" in drawn["alt"]


def test_the_same_data_draws_the_same_bytes():
    figure = {"title": "t", "panels": [{"type": "curves", "x": [0, 1], "series": {"yours": [0, 1]}}]}
    assert draw(figure)["src"] == draw(figure)["src"]
