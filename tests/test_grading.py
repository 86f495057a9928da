"""`Grader` ahead of the checks (a core to spare) grades exactly as it does without."""

from pathlib import Path

import pytest

from grader.grading import Grader
from grader.sandbox.client import Session
from grader.submission import read_submission

LOSSES = Path(__file__).resolve().parent / "fixtures" / "submissions" / "losses"


def verdicts(result) -> list[tuple]:
    return [(c.id, c.status, c.score, c.fault, c.message) for c in result.checks]


@pytest.mark.parametrize("fixture", ["huber_correct_keras_ops", "huber_wrong_missing_half",
                                     "huber_loss_wrong_no_get_config"])
def test_grading_ahead_gives_the_same_verdicts_and_starts_each_next_exercise_early(
        losses, losses_grader, zygote, monkeypatch, fixture):
    submission = read_submission(LOSSES / f"{fixture}.py")
    expected = losses_grader.grade(submission)
    prefetched: list[Session] = []
    real_prefetch = Session.prefetch

    def prefetch(session: Session) -> None:
        real_prefetch(session)
        prefetched.append(session.spare)

    monkeypatch.setattr(Session, "prefetch", prefetch)
    ahead = Grader(losses, zygote, reference=losses_grader.reference, ahead=True).grade(submission)
    assert verdicts(ahead) == verdicts(expected)
    assert (ahead.stdout, ahead.stderr, ahead.judge_errors, ahead.restarts) == (
        expected.stdout, expected.stderr, expected.judge_errors, expected.restarts)
    exercises = list(dict.fromkeys(c.exercise for c in expected.checks))
    assert len(prefetched) == len(exercises) - 1 and None not in prefetched  # none for the last exercise
