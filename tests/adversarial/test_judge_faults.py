"""Faults of the judge itself, through the real CLI: never a silent 0, never a lost batch.

The course is a temporary copy of the bundled ``losses`` assignment with bugs added to its checks:
a check whose hint code raises ``KeyError`` (only for wrong answers, as such bugs hide), then a check
module that cannot be imported. A submission a bug touches is "needs regrading" with the error in its
results; every other check and every other submission is graded as usual; running the same command
again regrades exactly the submissions that need it.

(kill -9 of the grader mid-batch: tests/test_cli.py,
test_kill_9_mid_batch_then_the_same_command_completes_without_loss_or_duplicates.)
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from corpus_tools import ROOT, SAMPLES, Graded, checks_of, run_grade, scores_by_exercise

pytestmark = pytest.mark.xdist_group("judge-faults")  # its module fixture grades once, on one worker

WRONG = ROOT / "tests" / "fixtures" / "submissions" / "losses" / "huber_wrong_missing_half.py"
BUGGY_CHECK = '''"""A check whose hint code has a bug: it fails in the judge, and only for wrong answers."""

import numpy as np
from _huber import huber

from grader.judge import CheckFailed, assert_close, check


@check("huber_fn", kind="value", points=1)
def test_values_with_a_buggy_hint(student, inputs):
    """Values on random inputs (this check's hint code has a bug)"""
    y_true, y_pred = inputs.pair(shape=(8, 1))
    got = student.huber_fn(y_true, y_pred)
    if not np.allclose(np.asarray(got, np.float64), huber(y_true, y_pred), atol=1e-5):
        hints = {"factor 1/2 missing": "the squared part should be e**2/2"}
        raise CheckFailed(hints["missing factor"])  # the bug: a KeyError in the judge
    assert_close(got, huber(y_true, y_pred), call="huber_fn(y_true, y_pred)", dtype="float32")
'''
BROKEN_MODULE = '''"""A check module that cannot be imported (its helper was renamed)."""

from _huber import huber_reference  # noqa: F401

from grader.judge import check


@check("HuberLoss", kind="value", points=1)
def test_never_collected(student):
    """Never runs: the module does not import"""
'''


def buggy_course(root: Path) -> Path:
    """A copy of the bundled course's ``losses`` assignment with the buggy check added."""
    (root / "solutions").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "course.toml", root / "solutions" / "course.toml")
    shutil.copytree(ROOT / "solutions" / "losses", root / "solutions" / "losses",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "assignments" / "losses", root / "assignments" / "losses",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "solutions" / "losses" / "checks" / "test_judge_bug.py").write_text(BUGGY_CHECK)
    return root


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Graded]:
    base = tmp_path_factory.mktemp("judge-faults")
    course = buggy_course(base / "course")
    out = base / "out"
    paths = [str(SAMPLES / "bob.py"), str(WRONG)]

    def grade() -> Graded:
        run = Graded(run_grade(paths, out, cwd=base, jobs=1, extra=("--course", str(course))), out)
        run.extra["attempts"] = Counter(a[0] for a in run.attempts())
        run.extra["results"] = {s: run.results(s) for s in ("bob", "huber_wrong_missing_half")}
        return run

    graded = {"first": grade(), "again": grade()}
    (course / "solutions" / "losses" / "checks" / "test_broken_module.py").write_text(BROKEN_MODULE)
    graded["broken_module"] = grade()
    return graded


def test_every_run_completes(runs):
    for name, run in runs.items():
        assert run.proc.returncode == 0, (name, run.proc.stderr[-3000:])
        assert "Traceback" not in run.proc.stderr, (name, run.proc.stderr[-3000:])


def test_a_check_bug_marks_only_the_submission_it_touches_needs_regrading(runs):
    first = runs["first"]
    bob = first.extra["results"]["bob"]
    assert bob["extra_data"]["status"] == "graded" and not bob["extra_data"]["judge_errors"]
    assert bob["score"] == bob["extra_data"]["max_score"] > 0  # the rest of the batch: graded as usual
    wrong = first.extra["results"]["huber_wrong_missing_half"]
    assert wrong["extra_data"]["status"] == "needs_regrading"
    assert any("KeyError" in e and "missing factor" in e for e in wrong["extra_data"]["judge_errors"]), wrong
    buggy = [t for t in wrong["tests"] if "hint code has a bug" in t["name"]]
    assert len(buggy) == 1 and "needs-regrading" in buggy[0]["tags"]
    assert "a problem in the grader (not in your code)" in buggy[0]["output"]  # not a silent 0: it says why
    assert "KeyError" not in buggy[0]["output"]  # the details are the instructor's (extra_data.judge_errors)
    assert "needs regrading" in first.report("huber_wrong_missing_half")


def test_the_other_checks_of_that_submission_are_graded_as_usual(runs):
    wrong = runs["first"].extra["results"]["huber_wrong_missing_half"]
    scores = scores_by_exercise(wrong)
    for exercise in ("create_huber", "HuberLoss"):
        assert scores[exercise][0] == scores[exercise][1] > 0, exercise
    huber_checks = [t for t in checks_of(wrong, "huber_fn") if "hint code has a bug" not in t["name"]]
    assert any("factor 1/2 is missing" in t["output"] for t in huber_checks)  # the student's real mistake
    assert all("needs-regrading" not in t["tags"] for t in huber_checks)


def test_the_same_command_regrades_only_what_needs_regrading(runs):
    assert runs["first"].extra["attempts"] == {"bob": 1, "huber_wrong_missing_half": 1}
    assert runs["again"].extra["attempts"] == {"bob": 1, "huber_wrong_missing_half": 2}
    assert runs["again"].extra["results"]["huber_wrong_missing_half"]["extra_data"]["status"] == "needs_regrading"


def test_a_check_module_that_cannot_be_imported_is_a_judge_error_for_everyone(runs):
    run = runs["broken_module"]
    assert run.extra["attempts"] == {"bob": 2, "huber_wrong_missing_half": 3}  # the checks changed: regraded
    for student in ("bob", "huber_wrong_missing_half"):
        results = run.extra["results"][student]
        assert results["extra_data"]["status"] == "needs_regrading", student
        errors = " ".join(results["extra_data"]["judge_errors"])
        assert "could not collect" in errors and "test_broken_module.py" in errors, errors[:2000]
        for test in results["tests"]:  # the other modules' checks still ran; a lost point always says why
            assert test["score"] == test["max_score"] or test["output"], (student, test)
        if student == "bob":  # a correct answer loses nothing to the broken module
            assert all(t["score"] == t["max_score"] for t in results["tests"]), results["tests"]
    gradebook = {a[0]: a[3] for a in run.attempts()}
    assert gradebook == {"bob": "needs_regrading", "huber_wrong_missing_half": "needs_regrading"}


def test_judge_error_details_stay_out_of_what_students_read(runs):
    """The instructor gets the judge's error (extra_data.judge_errors); students never see check source or paths."""
    run = runs["broken_module"]
    for student in ("bob", "huber_wrong_missing_half"):
        results = run.extra["results"][student]
        assert "huber_reference" in " ".join(results["extra_data"]["judge_errors"])  # the instructor's copy
        visible = " ".join([results["output"], *(t["output"] for t in results["tests"])])
        report = (run.out / student / "report.html").read_text()
        for secret in ("from _huber import huber_reference", "solutions/losses/checks", "_huber.py"):
            assert secret not in visible, f"{student}'s results.json shows {secret!r}"
            assert secret not in report, f"{student}'s report shows {secret!r}"
