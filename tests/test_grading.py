"""Grading one submission: the reference's side, kept warm across the batch."""

from conftest import ROOT

from grader.grading import Grader
from grader.submission import read_submission


def test_the_reference_reuses_its_compiled_models_across_submissions(course, zygote):
    grader = Grader(course.assignment("losses"), zygote)
    models = grader.reference.agent.loss_models
    for student in ("bob.py", "alice.ipynb"):
        result = grader.grade(read_submission(ROOT / "samples" / "losses" / student))
        assert all(c.status == "passed" for c in result.checks), [c.message for c in result.checks if c.message]
        # huber_fn, create_huber(2.0) and HuberLoss(2.0): one model each, the second student reuses them
        assert len(models._models) == 3
