"""Every assignment's checks on its fixture corpus: mistakes lose points, correct answers never do.

Each file in tests/fixtures/submissions/<assignment>/ starts with a line such as
``# expect: huber_fn=full create_huber=lose HuberLoss=full``.
"""

import re
from pathlib import Path

import pytest
from conftest import by_exercise

from grader.course import Course
from grader.submission import read_submission

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "submissions"
FIXTURES = CORPUS / "losses"
ALL_FIXTURES = sorted(p for a in Course().assignment_ids() for p in (CORPUS / a).glob("*.py"))


def expectations(path: Path) -> dict[str, str]:
    first = path.read_text().splitlines()[0]
    match = re.match(r"#\s*expect:\s*(.*)", first)
    assert match, f"{path.name} has no '# expect:' line"
    return dict(pair.split("=") for pair in match.group(1).split())


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_scores_as_expected(grader_for, path):
    result = grader_for(path.parent.name).grade(read_submission(path))
    assert not result.judge_errors, result.judge_errors
    scores = by_exercise(result)
    for exercise, verdict in expectations(path).items():
        got, total = scores[exercise]
        failing = [f"{c.name}: {c.message[:300]}" for c in result.checks if c.exercise == exercise and c.score < c.max_score]
        if verdict == "full":
            assert got == total, f"{exercise} should get full marks but lost points on {failing}"
        else:
            assert got < total, f"{exercise} should lose points but got {got}/{total}"


@pytest.mark.parametrize("assignment_id", Course().assignment_ids())
def test_there_are_wrong_and_right_answers_for_every_exercise(course, assignment_id):
    verdicts = [expectations(p) for p in (CORPUS / assignment_id).glob("*.py")]
    for exercise in course.assignment(assignment_id).exercise_names:
        assert sum(v.get(exercise) == "lose" for v in verdicts) >= 3, exercise
        assert sum(v.get(exercise) == "full" for v in verdicts) >= 2, exercise


def test_missing_half_gets_the_hint(losses_grader):
    result = losses_grader.grade(read_submission(FIXTURES / "huber_wrong_missing_half.py"))
    assert any("factor 1/2 is missing" in c.message for c in result.checks)


def test_banned_builtin_scores_zero_with_where_it_is_used(losses_grader):
    result = losses_grader.grade(read_submission(FIXTURES / "huber_wrong_calls_banned_keras_huber.py"))
    huber = [c for c in result.checks if c.exercise == "huber_fn"]
    assert all(c.score == 0 and c.fault == "banned" for c in huber)
    assert "must be written without" in huber[0].message and "line" in huber[0].message
