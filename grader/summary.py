"""The summary of a public-checks run, as styled lines: one text for the terminal, the notebook and HTML.

``tfgrader check`` and the in-notebook ``check()`` print the same words; only
the rendering differs (click colours, plain text, or escaped HTML).
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass

from grader.course import Assignment
from grader.results import SubmissionResult

HIDDEN_NOTE = (
    "The hidden checks test much more (other inputs, dtypes, gradients, tf.function, saving): "
    "passing the public checks does not guarantee full marks."
)


@dataclass(frozen=True)
class Line:
    text: str
    style: str = ""  # "" | "title" | "ok" | "bad" | "warn" | "detail"


def summary_lines(result: SubmissionResult, assignment: Assignment, source: str,
                  exercises: list[str] | None = None) -> list[Line]:
    """What passed and what did not, each failing check with its message, then the hidden-checks note."""
    lines = [Line(f"Public checks of {assignment.title!r} ({assignment.id}) on {source}", "title")]
    load = result.load or {}
    if load.get("failure"):
        lines.append(Line(f"  loading your code failed: {load['failure']}", "bad"))
    for err in load.get("errors", []) or []:
        if isinstance(err, dict):
            lines.append(Line(f"  {err.get('cell')}, line {err.get('line')}: {err.get('type')}: {err.get('message')}",
                              "bad"))
    if load.get("skipped"):
        lines.append(Line(f"  note: {len(load['skipped'])} top-level statement(s) not run "
                          "(only definitions are graded)", "warn"))
    order = {name: i for i, name in enumerate(assignment.exercise_names)}
    checks = [c for c in result.checks if exercises is None or c.exercise in exercises]
    for check in sorted(checks, key=lambda c: order.get(c.exercise, len(order))):
        ok = check.status == "passed"
        lines.append(Line(f"  {'✓' if ok else '✗'} {check.exercise:<16} {check.name}", "ok" if ok else "bad"))
        if not ok and check.message:
            lines.append(Line(textwrap.indent(check.message, "      "), "detail"))
    passed = sum(c.status == "passed" for c in checks)
    if not checks:
        lines.append(Line("No public checks matched.", "bad"))
    else:
        lines.append(Line(f"{passed} of {len(checks)} public checks passed.",
                          "ok" if passed == len(checks) else "bad"))
    for error in result.judge_errors:
        lines.append(Line(f"  grader problem (not yours): {error}", "warn"))
    lines.append(Line(HIDDEN_NOTE))
    return lines


def all_passed(result: SubmissionResult, exercises: list[str] | None = None) -> bool:
    checks = [c for c in result.checks if exercises is None or c.exercise in exercises]
    return bool(checks) and all(c.status == "passed" for c in checks) and not result.judge_errors


def as_text(lines: list[Line]) -> str:
    return "\n".join(line.text for line in lines)


HTML_STYLE = {"title": "font-weight:bold", "ok": "color:#1a7f37", "bad": "color:#b42318", "warn": "color:#9a6700",
              "detail": "color:#57606a"}


def as_html(lines: list[Line]) -> str:
    """Escaped HTML for a notebook output cell (no script, inline styles only)."""
    body = "\n".join(f'<span style="{HTML_STYLE.get(line.style, "")}">{html.escape(line.text)}</span>'
                     for line in lines)
    return f'<pre style="white-space:pre-wrap;font-size:13px">{body}</pre>'
