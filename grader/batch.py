"""Grading a batch: read every submission, grade, write each result as it lands.

For each student, ``OUT/<student>/results.json`` (Gradescope schema) and
``OUT/<student>/report.html`` are written atomically the moment that student is
graded, and the attempt goes to the gradebook in one transaction; ``OUT/index.html``
is rewritten at the end. A bad submission is one bad row, never a lost batch.
"""

from __future__ import annotations

import hashlib
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.course import Assignment, Course
from grader.deadlines import Manifest, manifest_gaps, stamp_lateness
from grader.executors import Executor, local_executor
from grader.gradebook import Gradebook
from grader.judge.plugin import JUDGE_ERROR, collect_items
from grader.progress import BatchProgress, LineProgress
from grader.regrade import Plan, assignment_digests, merge, plan, stamp
from grader.report.build import student_report
from grader.report.dashboard import CSV_NAME, RESERVED_NAMES, SCRIPT_NAME, class_index, grades_csv
from grader.report.render import TEMPLATES, render, write_atomic, write_json
from grader.results import CheckResult, SubmissionResult, now_iso
from grader.scoring import gradescope_results, status_of, total_score
from grader.submission import Submission, read_submission


@dataclass
class BatchSummary:
    results: list[SubmissionResult] = field(default_factory=list)
    reused: int = 0  # unchanged since their last grade: not regraded
    partly: int = 0  # regraded only on the exercises whose checks changed
    out_dir: Path = Path(".")
    gradebook: Path = Path(".")


def read_all(paths: list[str]) -> list[Submission]:
    """Read submissions; a repeated student id is a problem of the later one."""
    seen: dict[str, str] = {}
    submissions = []
    for path in paths:
        sub = read_submission(path)
        if sub.student in RESERVED_NAMES:
            sub.problems.append(f"the student id {sub.student!r} is a name tfgrader uses for its own files; "
                                "rename the submission")
            sub.student = f"{sub.student}~reserved"
        if sub.student in seen:
            sub.problems.append(
                f"another submission in this batch ({seen[sub.student]}) has the same student id {sub.student!r}; "
                "this one was not graded."
            )
            sub.student = f"{sub.student}~duplicate{len(submissions)}"
        else:
            seen[sub.student] = path
        submissions.append(sub)
    return submissions


def unreadable_hash(sub: Submission) -> str:
    """Identifies an unreadable submission's state, so an unchanged one is not recorded twice."""
    return "unreadable:" + hashlib.sha256("\n".join(sub.problems).encode()).hexdigest()


def unreadable_result(sub: Submission, assignment_id: str, checks: list[CheckResult]) -> SubmissionResult:
    """Every check scores 0 and says why: the submission could not be read."""
    why = "not run: your submission could not be read (" + "; ".join(sub.problems) + ")"
    return SubmissionResult(
        student=sub.student,
        assignment=assignment_id,
        source_path=sub.path,
        content_hash=unreadable_hash(sub),
        checks=[replace(c, message=why, fault="unreadable") for c in checks],
        problems=list(sub.problems),
        notes=list(sub.notes),
        graded_at=now_iso(),
    )


def fill_missing_checks(result: SubmissionResult, checks: list[CheckResult]) -> None:
    """A judge failure still lists every check, as an error: never a silent zero."""
    if result.checks or not result.judge_errors:
        return
    why = JUDGE_ERROR  # the details (extra_data.judge_errors) may quote hidden checks: instructors only
    result.checks = [replace(c, status="error", message=why, fault="judge") for c in checks]


def write_student(out_dir: Path, result: SubmissionResult, assignment: Assignment) -> None:
    folder = out_dir / result.student
    write_json(folder / "results.json", gradescope_results(result))
    write_atomic(folder / "report.html", render("report.html", student_report(result, assignment)))


def write_dashboard(out_dir: Path, results: list[SubmissionResult], assignment: Assignment) -> None:
    """``index.html``, the ``grades.csv`` it offers for download and the one script it loads."""
    write_atomic(out_dir / CSV_NAME, grades_csv(results, assignment))
    write_atomic(out_dir / SCRIPT_NAME, (TEMPLATES / SCRIPT_NAME).read_text(encoding="utf-8"))
    write_atomic(out_dir / "index.html", render("index.html", class_index(results, assignment)))


def grade_batch(
    course: Course,
    assignment_id: str,
    paths: list[str],
    out_dir: Path,
    jobs: int = 1,
    gradebook_path: Path | None = None,
    force: bool = False,
    progress: BatchProgress | None = None,
    executor: Executor | None = None,
    manifest: Manifest | None = None,
) -> BatchSummary:
    assignment = course.assignment(assignment_id)  # fails early for an unknown assignment
    out_dir.mkdir(parents=True, exist_ok=True)
    gradebook_path = gradebook_path or out_dir / "gradebook.sqlite"
    gradebook = Gradebook(gradebook_path)
    digests = assignment_digests(assignment)
    overall = digests.overall()
    submissions = read_all(paths)
    progress = progress or LineProgress(summary=False)  # the caller that passes one closes it
    progress.start(len(submissions))
    paths_by_student = {sub.student: sub.path for sub in submissions}  # submission times: grader.deadlines
    gaps = manifest_gaps(manifest, list(paths_by_student))
    if gaps:
        progress.warn(gaps)
    summary = BatchSummary(out_dir=out_dir, gradebook=gradebook_path)
    total = len(submissions)
    done = 0

    def finish(result: SubmissionResult, reused: bool = False) -> None:
        nonlocal done
        done += 1
        late_changed = stamp_lateness(result, assignment.deadline, manifest, paths_by_student.get(result.student))
        try:
            write_student(out_dir, result, assignment)
        except Exception as exc:  # noqa: BLE001 - one student's report must not stop the batch
            result.judge_errors.append(f"the report could not be written: {type(exc).__name__}: {exc}")
            write_json(out_dir / result.student / "results.json", gradescope_results(result))
        if not reused:
            stamp(result, digests, checks, figures)
            gradebook.record(result, overall)
        elif late_changed:
            gradebook.restamp(result)
        summary.results.append(result)
        summary.reused += reused
        summary.partly += result.regraded is not None and not reused
        score, max_score = total_score(result)
        status = status_of(result)
        tail = "" if status == "graded" else f"  [{status}]"
        tail += "  (unchanged since last graded)" if reused else ""
        if result.regraded is not None and not reused:
            tail += f"  (checks changed: regraded {', '.join(result.regraded)})" if result.regraded else \
                "  (checks changed: nothing to rerun)"
        tail += f"  [late: -{result.late['penalty_percent']:g}%]" if result.late else ""
        line = f"[{done}/{total}] {result.student:<24} {score:g}/{max_score:g}  ({result.duration:.1f} s){tail}"
        progress.advance(result, reused, line)

    checks, figures, collect_errors = collect_items(str(assignment.checks_dir), assignment.exercise_names)
    readable = []
    partial: dict[str, tuple[SubmissionResult, Plan]] = {}  # student -> (last grade, what to rerun)
    for sub in submissions:
        fingerprint = sub.content_hash if sub.ok else unreadable_hash(sub)
        last = None if force else gradebook.last_clean(assignment_id, sub.student, fingerprint)
        if last is not None and last[0] == overall:
            finish(last[1], reused=True)
            continue
        if not sub.ok:
            finish(unreadable_result(sub, assignment_id, checks))
            continue
        # A module that does not collect hides which exercises its checks belong to: regrade it all.
        todo = plan(last[1], digests, checks, figures) if last is not None and not collect_errors else Plan("full")
        if last is not None and todo.action == "reuse":  # e.g. only a check removed: a new attempt, no run
            finish(merge(last[1], None, todo, checks))
        else:
            if last is not None and todo.action == "partial":
                sub.only_exercises = todo.exercises
                partial[sub.student] = (last[1], todo)
            readable.append(sub)
    if readable:  # on the given executor (a Dask cluster), else here with a zygote of our own
        where = nullcontext(executor) if executor is not None else local_executor(course, assignment_id, jobs)
        with where as running:
            for warning in running.warnings():
                progress.warn(warning)
            for sub, result in running.run(readable):
                if sub.student in partial:
                    previous, todo = partial[sub.student]
                    result = merge(previous, result, todo, checks)
                else:
                    fill_missing_checks(result, checks)
                finish(result)
    write_dashboard(out_dir, summary.results, assignment)
    gradebook.close()
    return summary
