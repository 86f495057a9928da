"""The gradebook keeps every attempt whole; results.json follows Gradescope's schema."""

import json

from grader.gradebook import Gradebook
from grader.results import CheckResult, SubmissionResult
from grader.scoring import gradescope_results, status_of


def result(student="alice", scores=(1.0, 0.0), error=False):
    checks = [
        CheckResult(id=f"t.py::c{i}", name=f"check {i}", exercise="huber_fn", kind="value", max_score=1.0,
                    score=s, status="passed" if s else ("error" if error else "failed"),
                    message="" if s else "wrong")
        for i, s in enumerate(scores)
    ]
    return SubmissionResult(student=student, assignment="losses", source_path="x.py", content_hash="abc",
                            checks=checks, duration=1.5)


def test_attempts_and_checks_are_recorded(tmp_path):
    book = Gradebook(tmp_path / "g.sqlite")
    book.record(result(), "h1")
    book.record(result(scores=(1.0, 1.0)), "h1")
    book.record(result("bob", scores=(0.0, 0.0)), "h1")
    latest = {r["student"]: r for r in book.latest("losses")}
    assert latest["alice"]["score"] == 2.0 and latest["bob"]["score"] == 0.0
    assert [a["score"] for a in book.attempts("losses", "alice")] == [1.0, 2.0]
    rows = book.db.execute("SELECT COUNT(*) FROM check_results").fetchone()[0]
    assert rows == 6
    stored = json.loads(book.db.execute("SELECT result_json FROM attempts WHERE id = 1").fetchone()[0])
    assert SubmissionResult.from_dict(stored) == result()
    book.close()


def test_gradescope_schema_and_needs_regrading():
    data = gradescope_results(result())
    assert data["score"] == 1.0
    test = data["tests"][1]
    assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility", "tags"}
    assert test["status"] == "failed" and test["tags"] == ["exercise:huber_fn", "kind:value"]
    broken = result(scores=(1.0, 0.0), error=True)
    assert status_of(broken) == "needs_regrading"
    assert "needs-regrading" in gradescope_results(broken)["tests"][1]["tags"]
