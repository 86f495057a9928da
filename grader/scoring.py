"""Points per exercise and the Gradescope-schema ``results.json``.

The score of a submission is the sum of its checks' scores. A submission that
could not be read scores 0 with one test entry saying why. A judge-side error
(a bug in a check) marks the submission ``needs_regrading`` rather than
pretending the student lost the point. A late submission's score is the
earned score less its late penalty (``result.late``, see grader.deadlines):
``total_score`` is the score that counts, ``raw_score`` the one before it.
An instructor's override (grader.gradebook) replaces the score in exports.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader import __version__
from grader.course import Assignment
from grader.deadlines import apply_penalty, describe_late
from grader.results import SubmissionResult


@dataclass
class ExerciseScore:
    name: str
    title: str
    score: float
    max_score: float
    passed: int
    total: int


def exercise_scores(result: SubmissionResult, assignment: Assignment) -> list[ExerciseScore]:
    titles = {e.name: e.title for e in assignment.exercises}
    order = [e.name for e in assignment.exercises]
    order += sorted({c.exercise for c in result.checks} - set(order))
    scores = []
    for name in order:
        checks = [c for c in result.checks if c.exercise == name]
        if not checks:
            continue
        scores.append(
            ExerciseScore(
                name=name,
                title=titles.get(name, name),
                score=round(sum(c.score for c in checks), 4),
                max_score=round(sum(c.max_score for c in checks), 4),
                passed=sum(c.status == "passed" for c in checks),
                total=len(checks),
            )
        )
    return scores


def raw_score(result: SubmissionResult) -> float:
    """What the checks earned, before any late penalty."""
    return round(sum(c.score for c in result.checks), 4)


def total_score(result: SubmissionResult) -> tuple[float, float]:
    """(score that counts, max score): the late penalty is applied; overrides are not (see gradebook)."""
    return apply_penalty(raw_score(result), result.late), round(sum(c.max_score for c in result.checks), 4)


def status_of(result: SubmissionResult) -> str:
    """graded | unreadable | needs_regrading"""
    if result.problems:
        return "unreadable"
    if result.judge_errors or any(c.status == "error" for c in result.checks):
        return "needs_regrading"
    return "graded"


def gradescope_results(result: SubmissionResult, max_points: float | None = None,
                       override: dict | None = None) -> dict:
    """The result in Gradescope's autograder schema (uploadable unchanged).

    ``override`` (a gradebook override: ``score``, ``reason``) replaces the score.
    """
    score, max_score = total_score(result)
    if max_points is not None and not result.checks:
        max_score = max_points
    tests = []
    for c in result.checks:
        tags = [f"exercise:{c.exercise}", f"kind:{c.kind}"]
        if c.status == "error":
            tags.append("needs-regrading")
        tests.append(
            {
                "name": f"{c.exercise}: {c.name}",
                "score": c.score,
                "max_score": c.max_score,
                "status": "passed" if c.status == "passed" else "failed",
                "output": c.message if c.status != "passed" else "",
                "visibility": "visible",
                "tags": tags,
            }
        )
    if result.problems:
        tests.insert(
            0,
            {
                "name": "Submission could not be read",
                "score": 0,
                "max_score": max_score,
                "status": "failed",
                "output": "\n".join(result.problems),
                "visibility": "visible",
                "tags": ["submission"],
            },
        )
    output = []
    if result.load.get("failure"):
        output.append(f"Loading your code failed: {result.load['failure']}")
    for err in result.load.get("errors", []) or []:
        if isinstance(err, dict):
            output.append(f"{err.get('cell')}, line {err.get('line')}: {err.get('type')}: {err.get('message')}")
    skipped = result.load.get("skipped", []) or []
    if skipped:
        output.append(f"{len(skipped)} top-level statement(s) were not run (only definitions are graded).")
    if result.late:
        output.insert(0, describe_late(result.late))
    if override is not None:
        score = float(override["score"])
        output.insert(0, f"Score set to {score:g} by the instructor.")  # the reason stays in extra_data
    return {
        "score": score,
        "execution_time": round(result.duration, 3),
        "output": "\n".join(output + result.notes),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "student": result.student,
            "assignment": result.assignment,
            "max_score": max_score,
            "status": status_of(result),
            "grader_version": __version__,
            "content_hash": result.content_hash,
            "graded_at": result.graded_at,
            "judge_errors": result.judge_errors,
            "raw_score": raw_score(result),
            "late": result.late,
            "override": override,
        },
    }
