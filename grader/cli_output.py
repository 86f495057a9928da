"""Terminal rendering of a check summary (colour via click, plain when piped)."""

from __future__ import annotations

import click

from grader.course import Assignment
from grader.results import SubmissionResult
from grader.summary import all_passed, summary_lines

COLOURS = {"title": {"bold": True}, "ok": {"fg": "green"}, "bad": {"fg": "red"}, "warn": {"fg": "yellow"}}


def print_check_summary(result: SubmissionResult, assignment: Assignment, file: str) -> int:
    """Print what passed and what did not; returns the exit status (0 all passed, 1 otherwise)."""
    for line in summary_lines(result, assignment, file):
        click.echo(click.style(line.text, **COLOURS.get(line.style, {})))
    return 0 if all_passed(result) else 1
