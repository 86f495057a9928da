"""The ``tfgrader`` command line: parse, call the stage, print. Nothing else lives here."""

from __future__ import annotations

import sqlite3
import sys
from contextlib import ExitStack, closing
from pathlib import Path

import click

from grader import __version__, cli_instructor
from grader.cli_common import COURSE_OPTION, fail, open_course, ready_or_fail, start_runtime
from grader.course import CourseError
from grader.runtime import configure_tensorflow


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tfgrader")
def main() -> None:
    """tfgrader grades custom-TensorFlow assignments (Hands-On ML, chapter 12, on TF 2.21 / Keras 3).

    Student code runs in a sandbox (own process, uid, network and filesystem
    view); hidden checks run in the trusted judge and only data crosses.

    \b
    Typical use:
      tfgrader grade losses submissions/* --out out    # grade a class
      tfgrader check losses my_losses.ipynb            # a student's pre-submission check
      tfgrader validate losses                         # prove an assignment's checks
    """
    configure_tensorflow()


@main.command()
@click.argument("assignment")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder: <student>/results.json, <student>/report.html, index.html.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Submissions graded in parallel (default: the number of CPU cores this process may use).")
@click.option("--gradebook", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite gradebook file (default: OUT/gradebook.sqlite).")
@click.option("--force", is_flag=True,
              help="Regrade every submission, even those unchanged since their last grade (same content, "
                   "checks, reference and grader version).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
              help="Grade on a Dask cluster (each worker with its own sandboxes); results and the gradebook are "
                   "still written here. --jobs is then ignored: the workers set the parallelism.")
@click.option("--progress/--no-progress", "progress", default=None,
              help="Live progress bar with ETA (default: on when stderr is a terminal). One line per "
                   "submission is printed either way, then a summary table.")
@cli_instructor.MANIFEST_OPTION
@COURSE_OPTION
def grade(assignment: str, paths: tuple[str, ...], out_dir: Path, jobs: int | None, gradebook: Path | None,
          force: bool, scheduler: str | None, progress: bool | None, course_dir: Path | None, manifest=None) -> None:
    """Grade submissions of ASSIGNMENT.

    Each PATH is a .py file, a .ipynb notebook, or a folder holding exactly one
    of them; the student id is the file stem or the folder name. Exit status is
    0 whenever grading ran, whatever the scores; 1 when the grader could not
    run (unknown assignment, unreadable course).

    Results are written as each submission finishes. A submission unchanged
    since its last grade in the gradebook is not regraded (use --force), so a
    batch interrupted for any reason completes by running the same command again.
    When only some checks changed, an unchanged submission is regraded on the
    exercises those checks belong to and keeps its other results.
    """
    course = open_course(course_dir)
    try:
        course.assignment(assignment)
    except CourseError as exc:
        fail(str(exc))
    remote = None
    if scheduler:
        from grader.dask_executor import DaskExecutor, SchedulerError

        try:
            remote = DaskExecutor.connect(scheduler, course, assignment)
        except SchedulerError as exc:
            fail(str(exc))
    with ExitStack() as stack:
        executor = remote
        if remote is None:  # started before TensorFlow is imported here: the zygote imports its own meanwhile
            from grader.executors import local_executor, usable_cores

            workers = min(jobs or usable_cores(), len(paths))
            executor = stack.enter_context(local_executor(course, assignment, workers))
        else:
            stack.callback(remote.close)
        start_runtime()
        if remote is None:
            ready_or_fail(executor.zygote)
        from grader.batch import grade_batch
        from grader.progress import batch_display

        display = stack.enter_context(closing(batch_display(progress)))
        try:
            summary = grade_batch(course, assignment, list(paths), out_dir, gradebook_path=gradebook, force=force,
                                  manifest=manifest, progress=display, executor=executor)
        except OSError as exc:
            fail(f"cannot write the results: {exc.strerror or exc} ({exc.filename or out_dir})")
        except sqlite3.Error as exc:
            fail(f"the gradebook cannot be used: {exc}")
    from grader.scoring import status_of, total_score

    graded = sum(status_of(r) == "graded" for r in summary.results)
    points = [total_score(r) for r in summary.results]
    mean = sum(p[0] for p in points) / len(points) if points else 0.0
    reused = f", {summary.reused} unchanged since their last grade" if summary.reused else ""
    reused += f", {summary.partly} regraded only where the checks changed" if summary.partly else ""
    click.echo(
        f"Graded {len(summary.results)} submission(s) ({graded} cleanly{reused}); mean score {mean:.2f}. "
        f"Reports: {out_dir / 'index.html'}  Gradebook: {summary.gradebook}"
    )


@main.command()
@click.argument("assignment")
@click.argument("file", type=click.Path(path_type=str))
@COURSE_OPTION
def check(assignment: str, file: str, course_dir: Path | None) -> None:
    """Run the public checks of ASSIGNMENT on FILE (.py, .ipynb or a folder).

    What students run before submitting. Exit status: 0 when every public check
    passes, 1 when some fail, 2 when the file cannot be checked.
    """
    from grader.submission import read_submission

    course = open_course(course_dir, solutions=False)
    try:
        spec = course.assignment(assignment)
    except CourseError as exc:
        fail(str(exc), 2)
    submission = read_submission(file)
    if not submission.ok:
        fail("; ".join(submission.problems), 2)
    from grader.sandbox.client import Zygote

    zygote = Zygote()  # imports TensorFlow while this process does
    try:
        start_runtime()
        from grader.grading import Grader

        grader = Grader(spec, zygote, public=True)
        ready_or_fail(zygote, 2)
        result = grader.grade(submission)
    finally:
        zygote.close()
    from grader.cli_output import print_check_summary

    sys.exit(print_check_summary(result, spec, file))


@main.command()
@click.argument("assignment")
@COURSE_OPTION
def validate(assignment: str, course_dir: Path | None) -> None:
    """Prove ASSIGNMENT: the reference solution scores full marks, the stubs score 0
    with "not implemented" feedback, and the stubs are up to date."""
    course = open_course(course_dir)
    try:
        spec = course.assignment(assignment)
    except CourseError as exc:
        fail(str(exc))
    from grader.sandbox.client import Zygote

    zygote = Zygote()  # imports TensorFlow while this process does
    try:
        start_runtime()
        from grader.validate import validate_assignment

        ready_or_fail(zygote)
        problems = validate_assignment(spec, zygote, echo=click.echo)
    finally:
        zygote.close()
    if problems:
        for problem in problems:
            click.echo(click.style("✗ ", fg="red") + problem)
        sys.exit(1)
    click.echo(click.style("✓ ", fg="green") + f"{assignment} is valid.")


@main.command()
@click.argument("assignment")
@click.option("--check", "check_only", is_flag=True, help="Only report stubs that are out of date (exit 1 if any).")
@COURSE_OPTION
def generate(assignment: str, check_only: bool, course_dir: Path | None) -> None:
    """Write the student stubs of ASSIGNMENT (.py and .ipynb) from the solution markers."""
    from grader.generate import MarkerError, outdated_stubs, write_stubs

    course = open_course(course_dir)
    try:
        spec = course.assignment(assignment)
        if check_only:
            stale = outdated_stubs(spec)
            for path in stale:
                click.echo(f"out of date: {path}")
            sys.exit(1 if stale else 0)
        for path in write_stubs(spec):
            click.echo(f"wrote {path}")
    except (CourseError, MarkerError, OSError) as exc:
        fail(str(exc))


cli_instructor.register(main)

if __name__ == "__main__":
    main()
