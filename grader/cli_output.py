"""Terminal summaries of check results (colour via click, plain when piped)."""

from __future__ import annotations

import textwrap

import click

from grader.course import Assignment
from grader.results import SubmissionResult

HIDDEN_NOTE = (
    "The hidden checks test much more (other inputs, dtypes, gradients, tf.function, saving): "
    "passing the public checks does not guarantee full marks."
)


def print_check_summary(result: SubmissionResult, assignment: Assignment, file: str) -> int:
    """Print what passed and what did not; returns the exit status (0 all passed, 1 otherwise)."""
    click.echo(click.style(f"Public checks of {assignment.title!r} ({assignment.id}) on {file}", bold=True))
    load = result.load or {}
    if load.get("failure"):
        click.echo(click.style(f"  loading your code failed: {load['failure']}", fg="red"))
    for err in load.get("errors", []) or []:
        if isinstance(err, dict):
            click.echo(click.style(f"  {err.get('cell')}, line {err.get('line')}: {err.get('type')}: "
                                   f"{err.get('message')}", fg="red"))
    if load.get("skipped"):
        click.echo(click.style(f"  note: {len(load['skipped'])} top-level statement(s) not run "
                               "(only definitions are graded)", fg="yellow"))
    order = {name: i for i, name in enumerate(assignment.exercise_names)}
    for check in sorted(result.checks, key=lambda c: order.get(c.exercise, len(order))):
        ok = check.status == "passed"
        mark = click.style("✓", fg="green") if ok else click.style("✗", fg="red")
        click.echo(f"  {mark} {check.exercise:<16} {check.name}")
        if not ok and check.message:
            click.echo(textwrap.indent(check.message, "      "))
    passed = sum(c.status == "passed" for c in result.checks)
    total = len(result.checks)
    colour = "green" if passed == total and total else "red"
    click.echo(click.style(f"{passed} of {total} public checks passed.", fg=colour, bold=True))
    click.echo(HIDDEN_NOTE)
    return 0 if passed == total and total and not result.judge_errors else 1
