"""Shared fixtures: one warm zygote and one losses grader for the whole test session."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader.course import Course
from grader.grading import Grader
from grader.results import SubmissionResult
from grader.sandbox.client import Session, Zygote
from grader.submission import read_submission

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def zygote():
    z = Zygote()
    yield z
    z.close()


@pytest.fixture(scope="session")
def course() -> Course:
    return Course()


@pytest.fixture(scope="session")
def losses(course):
    return course.assignment("losses")


@pytest.fixture(scope="session")
def grader_for(course, zygote):
    """``grader_for("metrics")``: one Grader per assignment for the whole session."""
    graders: dict[str, Grader] = {}

    def get(assignment_id: str) -> Grader:
        if assignment_id not in graders:
            graders[assignment_id] = Grader(course.assignment(assignment_id), zygote)
        return graders[assignment_id]

    return get


@pytest.fixture(scope="session")
def losses_grader(grader_for) -> Grader:
    return grader_for("losses")


@pytest.fixture
def grade_source(losses_grader, tmp_path):
    """Grade a Python source text as the submission of student ``name``."""

    def grade(source: str, name: str = "student") -> SubmissionResult:
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        return losses_grader.grade(read_submission(path))

    return grade


@pytest.fixture
def session(zygote):
    """Start a sandbox session over a source text; closed after the test."""
    sessions: list[Session] = []

    def start(source: str, wanted: tuple[str, ...] = ()) -> Session:
        s = Session(zygote, [{"label": "cell 1", "source": textwrap.dedent(source)}], list(wanted))
        sessions.append(s)
        report = s.load()
        assert not report.get("failure"), report
        return s

    yield start
    for s in sessions:
        s.close()


def by_exercise(result: SubmissionResult) -> dict[str, tuple[float, float]]:
    scores: dict[str, list[float]] = {}
    for c in result.checks:
        got, total = scores.setdefault(c.exercise, [0.0, 0.0])
        scores[c.exercise] = [got + c.score, total + c.max_score]
    return {k: (v[0], v[1]) for k, v in scores.items()}


def full_marks(result: SubmissionResult, exercise: str) -> bool:
    got, total = by_exercise(result)[exercise]
    return got == total and total > 0
