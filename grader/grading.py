"""Grading one submission: sandbox session + hidden checks -> `SubmissionResult`.

This is the unit of work every executor runs. It needs a running `Zygote`
and the reference backend of the assignment (built once per worker).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from grader.course import Assignment
from grader.judge.banned import find_uses
from grader.judge.plugin import GraderPlugin, run_checks
from grader.judge.proxy import LocalBackend, SandboxBackend
from grader.results import SubmissionResult, now_iso
from grader.sandbox.client import SandboxLimits, Session, Zygote
from grader.submission import Submission, read_submission


def reference_backend(assignment: Assignment) -> LocalBackend:
    """The reference solution, loaded in this (trusted) process."""
    solution = read_submission(assignment.solution_path)
    if not solution.ok:
        raise RuntimeError(f"the reference solution cannot be read: {'; '.join(solution.problems)}")
    backend = LocalBackend(solution.cells, assignment.exercise_names, name="reference", reuse_models=True)
    if backend.load_report.get("errors"):
        raise RuntimeError(f"the reference solution fails to load: {backend.load_report['errors']}")
    return backend


def limits_for(assignment: Assignment) -> SandboxLimits:
    return SandboxLimits(memory_bytes=int(assignment.memory_gib * (1 << 30)))


@dataclass
class Grader:
    """Grades submissions of one assignment in this process."""

    assignment: Assignment
    zygote: Zygote
    public: bool = False  # run the public checks (no reference) instead of the hidden ones
    reference: LocalBackend | None = field(default=None)
    figures: str = "failing"  # see GraderPlugin: "failing" | "all" | "none"

    def __post_init__(self) -> None:
        if not self.public and self.reference is None:
            self.reference = reference_backend(self.assignment)

    def grade(self, submission: Submission, on_check=None) -> SubmissionResult:
        started = time.monotonic()
        result = SubmissionResult(
            student=submission.student,
            assignment=self.assignment.id,
            source_path=submission.path,
            content_hash=submission.content_hash,
            problems=list(submission.problems),
            notes=list(submission.notes),
            submitted_at=(
                datetime.fromtimestamp(submission.mtime, UTC).isoformat(timespec="seconds")
                if submission.mtime else None
            ),
        )
        if not submission.ok:
            result.graded_at = now_iso()
            result.duration = time.monotonic() - started
            return result
        session = Session(
            self.zygote,
            submission.cells,
            self.assignment.exercise_names,
            limits=limits_for(self.assignment),
            load_seconds=self.assignment.load_seconds,
        )
        try:
            result.load = session.load()
            plugin = GraderPlugin(
                student=SandboxBackend(session, self.assignment.check_seconds),
                reference=self.reference,
                secret=self.assignment.secret,
                assignment=self.assignment.id,
                student_id=submission.student,
                check_seconds=self.assignment.check_seconds,
                on_result=on_check,
                exercise_order=self.assignment.exercise_names,
                figures="none" if self.public else self.figures,
                only_exercises=submission.only_exercises,
            )
            checks_dir = self.assignment.public_checks_dir if self.public else self.assignment.checks_dir
            result.checks = run_checks(str(checks_dir), plugin)
            result.figures, result.figure_errors = plugin.figures, plugin.figure_errors
            result.judge_errors = list(plugin.collect_errors)
            result.judge_errors += [f"{c.name}: {c.details.get('judge_error', c.message)}"
                                    for c in result.checks if c.status == "error"]
            if not result.checks:
                result.judge_errors.append("no checks ran for this submission")
            apply_bans(result, submission, self.assignment)
        finally:
            session.close()
        result.stdout, result.stderr = session.output.stdout, session.output.stderr
        result.output_truncated = session.output.truncated
        result.restarts = session.restarts
        result.graded_at = now_iso()
        result.duration = time.monotonic() - started
        return result


def apply_bans(result: SubmissionResult, submission: Submission, assignment: Assignment) -> None:
    """An exercise that uses a built-in it forbids scores 0 on every check, saying where."""
    for exercise in assignment.exercises:
        if not exercise.banned:
            continue
        uses = find_uses(submission.cells, set(exercise.banned), roots={exercise.name})
        if not uses:
            continue
        where = "; ".join(f"{u.name} at {u.cell}, line {u.line}" for u in uses[:3])
        verdict = (f"{exercise.name} must be written without {', '.join(sorted(set(exercise.banned)))}; "
                   f"your code uses {where}. This exercise scores 0.")
        for check in result.checks:
            if check.exercise == exercise.name:
                check.score, check.status, check.fault = 0.0, "failed", "banned"
                check.message = verdict + (f"\n(The check itself said: {check.message})" if check.message else "")
