"""What every ``tfgrader`` command shares: the --course option, one-line errors, the stack check."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grader.course import Course, CourseError

if TYPE_CHECKING:
    from grader.sandbox.client import Zygote

COURSE_OPTION = click.option(
    "--course",
    "course_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Course folder holding assignments/ and solutions/ (default: the bundled Chapter 12 course).",
)


def fail(message: str, code: int = 1) -> None:
    click.echo(click.style("tfgrader: error: ", fg="red", bold=True) + message, err=True)
    sys.exit(code)


def open_course(course_dir: Path | None, solutions: bool = True) -> Course:
    """The course, or a one-line error; ``solutions``: the command needs the instructor's copy."""
    try:
        course = Course(course_dir)
    except CourseError as exc:
        fail(str(exc))
        raise  # unreachable
    if solutions and course.public_only:
        fail(f"{course.root} is a student's copy of the course (no solutions/): only `tfgrader check` works here")
    return course


def start_runtime() -> None:
    """Assert the pinned stack (Keras 3) before anything is graded."""
    from grader.runtime import StackError, require_keras3

    try:
        require_keras3()
    except StackError as exc:
        fail(str(exc))


def ready_or_fail(zygote: Zygote, code: int = 1) -> None:
    """Wait for the sandbox zygote; a one-line error (exit ``code``) if it could not start."""
    try:
        zygote.wait_ready()
    except RuntimeError as exc:
        fail(str(exc), code)
