"""Proof that an assignment is sound: reference full marks, stubs zero, stubs current."""

from __future__ import annotations

from collections.abc import Callable

from grader.course import Assignment
from grader.generate import outdated_stubs
from grader.grading import Grader
from grader.results import SubmissionResult
from grader.sandbox.client import Zygote
from grader.scoring import total_score
from grader.submission import read_submission


def _describe_failures(result: SubmissionResult) -> list[str]:
    return [f"{c.exercise}: {c.name}: {c.message.splitlines()[0] if c.message else c.status}"
            for c in result.checks if c.status != "passed"]


def validate_assignment(assignment: Assignment, zygote: Zygote, echo: Callable[[str], None] = print) -> list[str]:
    """Return the problems found (empty when the assignment is valid); sandboxes come from ``zygote``."""
    problems = [f"stub out of date (run `tfgrader generate {assignment.id}`): {p}" for p in outdated_stubs(assignment)]
    grader = Grader(assignment, zygote, figures="all")  # the reference draws every figure: proves them
    reference = grader.grade(read_submission(assignment.solution_path))
    grader.figures = "failing"
    score, max_score = total_score(reference)
    echo(f"reference solution: {score:g} / {max_score:g} in {reference.duration:.1f} s"
         f" ({len(reference.figures)} report figure(s) drawn)")
    problems += [f"report figure fails on the reference: {e}" for e in reference.figure_errors]
    if not reference.checks:
        problems.append("no hidden checks were collected")
    if score != max_score or reference.judge_errors:
        problems += [f"reference loses points: {d}" for d in _describe_failures(reference)]
        problems += [f"judge error: {e}" for e in reference.judge_errors]
    for stub_path in (assignment.stub_py, assignment.stub_notebook):
        if not stub_path.is_file():
            continue
        stub = grader.grade(read_submission(stub_path))
        stub_score, _ = total_score(stub)
        echo(f"stub {stub_path.name}: {stub_score:g} / {max_score:g}")
        if stub.problems:
            problems += [f"stub {stub_path.name} cannot be read: {p}" for p in stub.problems]
        if stub_score != 0:
            problems.append(f"stub {stub_path.name} scores {stub_score:g}, expected 0")
        if stub.judge_errors:
            problems += [f"stub {stub_path.name}: judge error: {e}" for e in stub.judge_errors]
        unexplained = [c for c in stub.checks if c.status == "failed" and c.fault != "not_implemented"]
        for c in unexplained:
            problems.append(f"stub {stub_path.name}: {c.exercise}: {c.name} fails without saying "
                            f"'not implemented': {c.message.splitlines()[0] if c.message else ''}")
    return problems
