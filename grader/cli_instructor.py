"""Instructor commands of ``tfgrader`` (gradebook, exports, deadlines, Gradescope bundle, new courses)."""

from __future__ import annotations

import getpass
import math
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from grader.cli_common import COURSE_OPTION, fail, open_course
from grader.course import Assignment, CourseError


def _read_manifest(ctx: click.Context, param: click.Parameter, value: Path | None):
    """Parse the manifest while the command line is read: a bad one stops everything before grading."""
    if value is None:
        return None
    from grader.deadlines import ManifestError, read_manifest

    try:
        return read_manifest(value)
    except ManifestError as exc:
        fail(f"bad --manifest: {exc}")


MANIFEST_OPTION = click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=_read_manifest,
    default=None,
    help="Submission times for the [deadline] of the assignment: a CSV with the header student,submitted_at "
         "(ISO 8601 times), a JSON {student: time}, Gradescope's submission_metadata.json or the "
         "submission_metadata.yml of a Gradescope export. Students it does not name, or without it: the file's "
         "modification time (a folder: its newest file).",
)

GRADEBOOK_OPTIONS = [
    click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                 help="The output folder of `tfgrader grade` (its gradebook is OUT/gradebook.sqlite)."),
    click.option("--gradebook", "gradebook_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                 help="The gradebook file itself (instead of --out)."),
]


def gradebook_options(command):
    for option in reversed(GRADEBOOK_OPTIONS):
        command = option(command)
    return command


@contextmanager
def open_gradebook(out_dir: Path | None, gradebook_path: Path | None) -> Iterator:
    """The existing gradebook named by --out or --gradebook (never creates one); one-line errors."""
    from grader.gradebook import Gradebook

    if (out_dir is None) == (gradebook_path is None):
        fail("name the gradebook with exactly one of --out DIR (the folder `tfgrader grade` wrote) or --gradebook FILE")
    path = gradebook_path if gradebook_path is not None else out_dir / "gradebook.sqlite"
    if not path.is_file():
        fail(f"there is no gradebook at {path} (grade first with `tfgrader grade ... --out DIR`)")
    try:
        book = Gradebook(path)
    except sqlite3.Error as exc:
        fail(f"{path} is not a tfgrader gradebook: {exc}")
    try:
        yield book
    except sqlite3.Error as exc:
        fail(f"the gradebook {path} cannot be used: {exc}")
    finally:
        book.close()


def _assignment(course_dir: Path | None, assignment_id: str) -> Assignment:
    course = open_course(course_dir)
    try:
        return course.assignment(assignment_id)
    except CourseError as exc:
        fail(str(exc))
        raise  # unreachable


def _rows(book, assignment_id: str):
    from grader.export import ExportError, grade_rows

    try:
        return grade_rows(book, assignment_id)
    except ExportError as exc:
        fail(str(exc))


def _console():
    from rich.console import Console

    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160  # pipes and files get whole rows
    return Console(width=width, highlight=False)


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _late_cell(late: dict | None) -> str:
    if not late:
        return ""
    if late.get("after_cutoff"):
        return "after the cutoff"
    days = late.get("days_late", 0)
    return f"{days} day{'s' if days != 1 else ''}, -{late.get('penalty_percent', 0):g}%"


def _print_class(rows, assignment_id: str) -> None:
    from rich.table import Table

    table = Table(title=f"{assignment_id}: latest attempt per student", title_justify="left")
    for name, justify in (("student", "left"), ("score", "right"), ("max", "right"), ("%", "right"),
                          ("late", "left"), ("override", "left"), ("status", "left"), ("attempts", "right"),
                          ("submitted", "left"), ("graded", "left")):
        table.add_column(name, justify=justify)
    for row in rows:
        override = f"{row.override['score']:g} ({row.override['reason']})" if row.override else ""
        if row.override and (row.result.graded_at or "") > row.override["created_at"]:
            override += " [set before the latest attempt]"
        table.add_row(row.student, _fmt(row.score), _fmt(row.max_score), _fmt(row.percent), _late_cell(row.result.late),
                      override, row.status, str(row.attempts), row.result.submitted_at or "", row.result.graded_at or "")
    console = _console()
    console.print(table)
    mean = sum(row.score for row in rows) / len(rows)
    late = sum(bool(row.result.late) for row in rows)
    overridden = sum(bool(row.override) for row in rows)
    regrade = sum(row.status == "needs_regrading" for row in rows)
    console.print(f"{len(rows)} student(s); mean score {mean:.2f}; {late} late; {overridden} overridden; "
                  f"{regrade} need regrading.")


def _print_student(book, assignment_id: str, student: str) -> None:
    from rich.table import Table

    from grader.scoring import raw_score, status_of, total_score

    attempts = book.history(assignment_id, student)
    overrides = book.overrides(assignment_id, student, active=False)
    if not attempts and not overrides:
        fail(f"the gradebook {book.path} has no attempt of {student!r} for {assignment_id!r}")
    console = _console()
    table = Table(title=f"{assignment_id} / {student}: attempts", title_justify="left")
    for name in ("#", "graded", "submitted", "score", "raw", "max", "late", "status", "content"):
        table.add_column(name, justify="right" if name in ("#", "score", "raw", "max") else "left")
    for number, result in enumerate(attempts, start=1):
        score, max_score = total_score(result)
        table.add_row(str(number), result.graded_at or "", result.submitted_at or "", _fmt(score),
                      _fmt(raw_score(result)), _fmt(max_score), _late_cell(result.late), status_of(result),
                      (result.content_hash or "")[:12])
    console.print(table)
    if not overrides:
        console.print("No overrides.")
        return
    table = Table(title="overrides", title_justify="left")
    for name in ("set", "by", "score", "reason", "cleared"):
        table.add_column(name)
    for o in overrides:
        cleared = f"{o['cleared_at']} by {o['cleared_by']}" if o["cleared_at"] else "active"
        table.add_row(o["created_at"], o["who"] or "", _fmt(o["score"]), o["reason"], cleared)
    console.print(table)


def _who() -> str:
    try:
        return os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def register(main: click.Group) -> None:
    """Add the instructor commands to the ``tfgrader`` group."""

    @main.command()
    @click.argument("assignment")
    @gradebook_options
    @click.option("--student", default=None, help="Show this student's attempt history and overrides instead.")
    def grades(assignment: str, out_dir: Path | None, gradebook_path: Path | None, student: str | None) -> None:
        """Show the gradebook of ASSIGNMENT: the latest attempt of each student.

        The score is the one that counts: an override when there is one, else
        the earned score less the late penalty. With --student S, every attempt
        of S (time, score, status, content hash) and every override, cleared
        ones included.
        """
        with open_gradebook(out_dir, gradebook_path) as book:
            if student is not None:
                _print_student(book, assignment, student)
            else:
                _print_class(_rows(book, assignment), assignment)

    @main.command()
    @click.argument("assignment")
    @click.option("--format", "fmt", type=click.Choice(["csv", "canvas", "gradescope"]), required=True,
                  help="csv: one row per student with per-exercise points; canvas: a Canvas gradebook import; "
                       "gradescope: one results.json per student (a folder, or a zip when -o ends in .zip).")
    @click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="File (or folder) to write.")
    @click.option("--roster", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
                  help="canvas: a CSV with Canvas's columns (Student, ID, SIS User ID, SIS Login ID, Section) and "
                       "the tfgrader student id in tfgrader_id or SIS Login ID (a Canvas gradebook export works).")
    @gradebook_options
    @COURSE_OPTION
    def export(assignment: str, fmt: str, output: Path, roster: Path | None, out_dir: Path | None,
               gradebook_path: Path | None, course_dir: Path | None) -> None:
        """Export the grades of ASSIGNMENT from the gradebook (latest attempt, late penalty, overrides)."""
        from grader.export import ExportError, read_roster, warnings_for, write_canvas, write_csv, write_gradescope

        spec = _assignment(course_dir, assignment)
        if roster is not None and fmt != "canvas":
            fail("--roster is for --format canvas")
        with open_gradebook(out_dir, gradebook_path) as book:
            rows = _rows(book, assignment)
        warnings = warnings_for(rows)
        try:
            if fmt == "csv":
                write_csv(rows, spec, output)
            elif fmt == "canvas":
                warnings += write_canvas(rows, spec, output, read_roster(roster) if roster else None)
            else:
                write_gradescope(rows, output)
        except ExportError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"cannot write {exc.filename or output}: {exc.strerror or exc}")
        for warning in warnings:
            click.echo(click.style("warning: ", fg="yellow") + warning, err=True)
        click.echo(f"Wrote {fmt} grades of {len(rows)} student(s) to {output}")

    @main.command()
    @click.argument("assignment")
    @click.argument("student")
    @click.argument("score", type=float, required=False)
    @click.option("--reason", default=None, help="Why (required to set an override; kept in the history).")
    @click.option("--clear", is_flag=True, help="Remove STUDENT's override (it stays in the history as cleared).")
    @gradebook_options
    def override(assignment: str, student: str, score: float | None, reason: str | None, clear: bool,
                 out_dir: Path | None, gradebook_path: Path | None) -> None:
        """Set STUDENT's score on ASSIGNMENT to SCORE, with a --reason (or --clear it).

        The override replaces the graded score (late penalty included) in
        `tfgrader grades` and every export, until cleared; a new override
        replaces the previous one. Who (from $USER) and when are recorded.
        """
        with open_gradebook(out_dir, gradebook_path) as book:
            attempts = book.history(assignment, student)
            if clear:
                if score is not None:
                    fail("--clear takes no SCORE")
                if not book.clear_override(assignment, student, _who()):
                    fail(f"{student!r} has no override on {assignment!r}")
                click.echo(f"Cleared the override of {student} on {assignment}.")
                return
            if score is None:
                fail("give the SCORE (or --clear)")
            if not reason or not reason.strip():
                fail("an override needs a --reason")
            if not attempts:
                held = ", ".join(sorted({r.student for r, _ in book.latest_results(assignment)})[:10]) or "none"
                fail(f"{student!r} has no attempt of {assignment!r} in {book.path} (students there: {held})")
            if not math.isfinite(score) or score < 0:
                fail(f"the score must be a number ≥ 0, not {score:g}")
            from grader.scoring import total_score

            max_score = total_score(attempts[-1])[1]
            book.set_override(assignment, student, score, reason.strip(), _who())
            extra = f" (above the maximum {max_score:g})" if score > max_score else ""
            click.echo(f"{student} on {assignment}: {score:g} / {max_score:g}{extra}, set by {_who()}: {reason.strip()}")

    @main.command()
    @click.argument("assignment")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
                  help="The zip to write (upload it as the Gradescope autograder).")
    @click.option("--wheel", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
                  help="A tfgrader wheel to put in the bundle (default: built from this source checkout).")
    @COURSE_OPTION
    def gradescope(assignment: str, output: Path, wheel: Path | None, course_dir: Path | None) -> None:
        """Build a Gradescope autograder zip for ASSIGNMENT.

        The zip holds setup.sh (Python 3.11 venv + the tfgrader wheel),
        run_autograder (grades /autograder/submission into
        /autograder/results/results.json) and the course files of this one
        assignment, hidden checks and course secret included: keep it private.
        """
        from grader.gradescope_bundle import BundleError, build_bundle

        course = open_course(course_dir)
        try:
            spec = course.assignment(assignment)
            path = build_bundle(course, spec, output, wheel)
        except (CourseError, BundleError) as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"cannot write {exc.filename or output}: {exc.strerror or exc}")
        click.echo(f"Wrote {path}: upload it as the autograder of {assignment} (Ubuntu 22.04 base image).")

    @main.command()
    @click.argument("directory", type=click.Path(path_type=Path))
    @click.option("--title", default=None, help="Course title (default: the folder name).")
    def init(directory: Path, title: str | None) -> None:
        """Create a new course in DIRECTORY (new or empty) with one example assignment.

        Writes solutions/course.toml (fresh random secret), solutions/example/
        (assignment.toml, reference solution with solution markers, hidden
        checks), assignments/example/ (public checks, generated stubs).
        """
        from grader.generate import MarkerError
        from grader.scaffold import ScaffoldError, create_course

        try:
            written = create_course(directory, title)
        except (ScaffoldError, CourseError, MarkerError) as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"cannot write {exc.filename or directory}: {exc.strerror or exc}")
        click.echo(f"Created a course in {directory} ({len(written)} files). Next:")
        click.echo(f"  tfgrader validate example --course {directory}")
        click.echo(f"  tfgrader grade example SUBMISSIONS... --course {directory} --out out")
