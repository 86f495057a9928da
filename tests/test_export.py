"""Exports and overrides from a real gradebook file: CSV, Canvas import, Gradescope results, override history."""

import csv
import json
import zipfile

import pytest

from grader.export import ExportError, grade_rows, read_roster, write_canvas, write_csv, write_gradescope
from grader.gradebook import Gradebook
from grader.results import CheckResult, SubmissionResult

LATE = {"due": "2026-12-04T23:59:00-05:00", "cutoff": None, "submitted_at": "2026-12-06T09:00:00-05:00",
        "source": "manifest", "days_late": 2, "grace_minutes": 0.0, "penalty_percent": 20.0, "extension": False,
        "after_cutoff": False, "raw_score": 3.0}


def result(student: str, huber: float, create: float, late: dict | None = None, content: str = "c1",
           error: bool = False) -> SubmissionResult:
    checks = [
        CheckResult(id=f"t::{ex}", name=ex, exercise=ex, kind="value", max_score=2.0, score=score,
                    status="error" if error else ("passed" if score == 2.0 else "failed"))
        for ex, score in (("huber_fn", huber), ("create_huber", create))
    ]
    return SubmissionResult(student=student, assignment="losses", source_path=f"{student}.py", content_hash=content,
                            checks=checks, graded_at="2026-12-08T10:00:00+00:00", late=late,
                            submitted_at=late["submitted_at"] if late else "2026-12-03T10:00:00-05:00")


@pytest.fixture
def book(tmp_path):
    gradebook = Gradebook(tmp_path / "gradebook.sqlite")
    gradebook.record(result("alice", 1.0, 0.0, content="old"), "digest")
    gradebook.record(result("alice", 2.0, 2.0), "digest")  # her second attempt counts
    gradebook.record(result("bob", 2.0, 1.0, late=LATE), "digest")
    gradebook.record(result("=cmd", 0.0, 0.0), "digest")  # a hostile id must not become a spreadsheet formula
    gradebook.record(result("carol", 1.0, 1.0, error=True), "digest")
    gradebook.set_override("losses", "carol", 3.5, "regraded by hand after a grader bug", "prof")
    yield gradebook
    gradebook.close()


def test_rows_hold_the_score_that_counts(book):
    rows = {row.student: row for row in grade_rows(book, "losses")}
    assert sorted(rows) == ["=cmd", "alice", "bob", "carol"]
    assert rows["alice"].score == 4.0 and rows["alice"].attempts == 2 and rows["alice"].percent == 100.0
    assert rows["bob"].score == 2.4 and rows["bob"].max_score == 4.0  # 3 earned, 20 % late penalty
    assert rows["carol"].score == 3.5 and rows["carol"].override["who"] == "prof"
    assert rows["carol"].status == "needs_regrading"


def test_unknown_assignment_is_a_clear_error(book):
    with pytest.raises(ExportError) as info:
        grade_rows(book, "metrics")
    assert "has no attempt of 'metrics'" in str(info.value) and "it holds: losses" in str(info.value)


def test_csv_export(book, losses, tmp_path):
    path = tmp_path / "grades.csv"
    write_csv(grade_rows(book, "losses"), losses, path)
    rows = {r["student"]: r for r in csv.DictReader(path.open())}
    assert list(next(csv.reader(path.open()))[:8]) == ["student", "score", "max_score", "percent", "raw_score",
                                                         "late_penalty", "days_late", "override"]
    bob = rows["bob"]
    assert (bob["score"], bob["raw_score"], bob["late_penalty"], bob["days_late"]) == ("2.4", "3.0", "20.0", "2")
    assert (bob["huber_fn"], bob["create_huber"], bob["HuberLoss"]) == ("2.0", "1.0", "")
    assert rows["carol"]["override"] == "3.5" and rows["carol"]["override_reason"].startswith("regraded by hand")
    assert rows["alice"]["attempts"] == "2" and rows["alice"]["submitted_at"] == "2026-12-03T10:00:00-05:00"
    assert "'=cmd" in rows  # quoted: a spreadsheet shows it as text


def test_canvas_export_without_and_with_a_roster(book, losses, tmp_path):
    rows = grade_rows(book, "losses")
    path = tmp_path / "canvas.csv"
    assert write_canvas(rows, losses, path) == []
    lines = list(csv.reader(path.open()))
    assert lines[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Custom loss functions (losses)"]
    assert lines[1] == ["Points Possible", "", "", "", "", "4.0"]
    assert ["", "", "", "bob", "", "2.4"] in lines and ["", "", "", "carol", "", "3.5"] in lines

    roster = tmp_path / "roster.csv"  # a Canvas gradebook export, as downloaded
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Custom loss functions (losses)\n"
        "    Points Possible,,,,,4\n"
        "\"Liddell, Alice\",101,S1,alice,L01,\n"
        "\"Builder, Bob\",102,S2,bob,L02,\n"
        "\"Nobody, Ned\",103,S3,ned,L01,\n"
    )
    warnings = write_canvas(rows, losses, path, read_roster(roster))
    lines = list(csv.reader(path.open()))
    assert ["Liddell, Alice", "101", "S1", "alice", "L01", "4.0"] in lines
    assert ["Builder, Bob", "102", "S2", "bob", "L02", "2.4"] in lines
    assert ["Nobody, Ned", "103", "S3", "ned", "L01", ""] in lines  # no attempt: left blank, not zeroed
    assert any("not in the roster" in w and "carol" in w for w in warnings)
    assert any("have no attempt" in w and "ned" in w for w in warnings)
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nA,a@x\n")
    with pytest.raises(ExportError, match="needs a tfgrader_id or a SIS Login ID column"):
        read_roster(bad)


def test_gradescope_export_as_folder_and_zip(book, tmp_path):
    rows = grade_rows(book, "losses")
    write_gradescope(rows, tmp_path / "gs")
    carol = json.loads((tmp_path / "gs" / "carol" / "results.json").read_text())
    assert carol["score"] == 3.5 and carol["extra_data"]["override"]["reason"].startswith("regraded")
    bob = json.loads((tmp_path / "gs" / "bob" / "results.json").read_text())
    assert bob["score"] == 2.4 and bob["extra_data"]["late"]["days_late"] == 2 and "2 days late" in bob["output"]
    for test in bob["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility", "tags"}
    write_gradescope(rows, tmp_path / "gs.zip")
    with zipfile.ZipFile(tmp_path / "gs.zip") as archive:
        assert sorted(archive.namelist()) == sorted(f"{s}/results.json" for s in ("=cmd", "alice", "bob", "carol"))
        assert json.loads(archive.read("alice/results.json"))["score"] == 4.0


def test_overrides_supersede_clear_and_stay_in_the_history(book):
    book.set_override("losses", "alice", 3.0, "copied exercise 2", "ta1")
    book.set_override("losses", "alice", 3.5, "appeal accepted", "prof")
    assert [o["score"] for o in book.overrides("losses", "alice")] == [3.5]
    history = book.overrides("losses", "alice", active=False)
    assert [(o["score"], o["who"]) for o in history] == [(3.0, "ta1"), (3.5, "prof")]
    assert history[0]["cleared_by"] == "prof (superseded)" and history[1]["cleared_at"] is None
    assert {row.student: row.score for row in grade_rows(book, "losses")}["alice"] == 3.5
    assert book.clear_override("losses", "alice", "prof")
    assert not book.clear_override("losses", "alice", "prof")  # nothing left to clear
    assert {row.student: row.score for row in grade_rows(book, "losses")}["alice"] == 4.0
    assert len(book.overrides("losses", "alice", active=False)) == 2


def test_restamp_rewrites_lateness_of_the_latest_attempt_only(book):
    latest = book.history("losses", "bob")[-1]
    latest.late = None
    latest.submitted_at = "2026-12-04T12:00:00-05:00"
    book.restamp(latest)
    assert book.history("losses", "bob")[-1].late is None
    row = book.db.execute("SELECT score, submitted_at FROM attempts WHERE student = 'bob'").fetchone()
    assert row == (3.0, "2026-12-04T12:00:00-05:00")
    assert len(book.history("losses", "bob")) == 1  # no new attempt
