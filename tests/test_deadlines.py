"""Deadlines: the [deadline] table, lateness and penalties, manifests of submission times, file times."""

import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from grader.course import Course, CourseError
from grader.deadlines import (
    DeadlineError,
    ManifestError,
    apply_penalty,
    describe_late,
    file_time,
    lateness,
    manifest_gaps,
    parse_policy,
    read_manifest,
    stamp_lateness,
)
from grader.regrade import assignment_digests
from grader.results import CheckResult, SubmissionResult

TORONTO = ZoneInfo("America/Toronto")
POLICY = {
    "due": "2026-12-04T23:59:00",
    "timezone": "America/Toronto",
    "grace_minutes": 15,
    "penalty_per_day": 10,
    "cutoff": "2026-12-07T23:59:00",
    "extensions": {"alice": "2026-12-06T23:59:00"},
}


def at(text: str) -> datetime:
    """A local time in Toronto."""
    return datetime.fromisoformat(text).replace(tzinfo=TORONTO)


def test_due_is_local_time_in_the_timezone():
    policy = parse_policy(POLICY)
    assert policy.due == at("2026-12-04T23:59:00")
    assert policy.due.utcoffset() == timedelta(hours=-5)
    assert policy.grace == timedelta(minutes=15) and policy.penalty_per_day == 10
    summer = parse_policy({"due": "2026-07-01T12:00:00", "timezone": "America/Toronto"})
    assert summer.due.astimezone(UTC).hour == 16  # daylight saving time: UTC-4


def test_times_with_an_offset_need_no_timezone():
    policy = parse_policy({"due": "2026-12-04T23:59:00+01:00"})
    assert policy.due.utcoffset() == timedelta(hours=1)
    toml_datetime = datetime(2026, 12, 4, 23, 59, tzinfo=UTC)  # what tomllib gives for an unquoted time
    assert parse_policy({"due": toml_datetime}).due == toml_datetime


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"due": "2026-12-04T23:59:00"}, "no UTC offset"),
        ({"due": "next friday", "timezone": "UTC"}, "due = 'next friday' is not an ISO 8601 time"),
        ({"due": "2026-12-04", "timezone": "UTC"}, "has no time of day"),
        ({"due": "2026-12-04T23:59:00", "timezone": "Mars/Olympus"}, "'Mars/Olympus' is not a known time zone"),
        ({"due": "2026-12-04T23:59:00", "timezone": "UTC", "penalty_per_day": 150}, "penalty_per_day must be"),
        ({"due": "2026-12-04T23:59:00", "timezone": "UTC", "grace_minutes": "15"}, "grace_minutes must be"),
        ({"due": "2026-12-04T23:59:00", "timezone": "UTC", "cutoff": "2026-12-01T00:00:00"}, "cutoff"),
        ({"due": "2026-12-04T23:59:00", "timezone": "UTC", "extensions": {"bob": "2026-12-01T00:00:00"}},
         "extensions.bob"),
        ({"due": "2026-12-04T23:59:00", "timezone": "UTC", "penalty": 10}, "unknown key 'penalty'"),
        ({"timezone": "UTC"}, "no due date"),
    ],
)
def test_bad_policies_name_the_key(table, words):
    with pytest.raises(DeadlineError) as info:
        parse_policy(table)
    assert words in str(info.value)


def test_no_table_no_policy():
    assert parse_policy(None) is None


def copy_losses(course: Course, root) -> None:
    shutil.copytree(course.root / "solutions" / "losses", root / "solutions" / "losses")
    shutil.copy(course.root / "solutions" / "course.toml", root / "solutions" / "course.toml")


def test_assignment_carries_the_policy_and_bad_ones_name_the_file(course, tmp_path):
    copy_losses(course, tmp_path)
    toml = tmp_path / "solutions" / "losses" / "assignment.toml"
    original = toml.read_text()
    toml.write_text(original + '\n[deadline]\ndue = 2026-12-04T23:59:00\ntimezone = "Europe/Paris"\n')
    policy = Course(tmp_path).assignment("losses").deadline
    assert policy is not None and policy.due == datetime(2026, 12, 4, 23, 59, tzinfo=ZoneInfo("Europe/Paris"))
    toml.write_text(original + '\n[deadline]\ndue = "2026-12-04T23:59:00"\ntimezone = "Nowhere/Land"\n')
    with pytest.raises(CourseError) as info:
        Course(tmp_path).assignment("losses")
    assert str(toml) in str(info.value) and "[deadline] timezone 'Nowhere/Land'" in str(info.value)
    assert Course().assignment("losses").deadline is None


def test_changing_the_deadline_does_not_change_the_checks_digest(course, tmp_path):
    copy_losses(course, tmp_path)
    toml = tmp_path / "solutions" / "losses" / "assignment.toml"
    before = assignment_digests(Course(tmp_path).assignment("losses")).overall()
    toml.write_text(toml.read_text() + '\n[deadline]\ndue = "2026-12-04T23:59:00"\ntimezone = "UTC"\n')
    assert assignment_digests(Course(tmp_path).assignment("losses")).overall() == before
    toml.write_text(toml.read_text().replace("check_seconds = 10", "check_seconds = 11"))
    assert assignment_digests(Course(tmp_path).assignment("losses")).overall() != before


@pytest.mark.parametrize(
    ("submitted", "days", "penalty"),
    [
        ("2026-12-04T23:59:00", None, None),  # on the dot
        ("2026-12-05T00:14:00", None, None),  # inside the grace period
        ("2026-12-05T00:14:30", 1, 10.0),  # just past the grace: one started day
        ("2026-12-06T00:14:00", 1, 10.0),  # exactly one day past the grace
        ("2026-12-06T00:15:00", 2, 20.0),
        ("2026-12-08T00:14:00", 3, 30.0),  # past the cutoff but inside its grace
    ],
)
def test_days_late_count_started_days_after_the_grace(submitted, days, penalty):
    policy = parse_policy(POLICY)
    late = lateness(policy, "bob", at(submitted), "manifest", 8.0)
    if days is None:
        assert late is None
        return
    assert late["days_late"] == days and late["penalty_percent"] == penalty and not late["after_cutoff"]
    assert late["raw_score"] == 8.0 and late["source"] == "manifest" and late["extension"] is False
    assert late["due"] == "2026-12-04T23:59:00-05:00" and late["submitted_at"] == f"{submitted}-05:00"
    assert apply_penalty(8.0, late) == round(8.0 * (1 - penalty / 100), 4)


def test_after_the_cutoff_the_score_is_zero():
    late = lateness(parse_policy(POLICY), "bob", at("2026-12-08T00:15:00"), "file time", 8.0)
    assert late["after_cutoff"] and late["penalty_percent"] == 100.0
    assert apply_penalty(8.0, late) == 0.0
    assert "after the cutoff 2026-12-07T23:59:00-05:00" in describe_late(late) and "instead of 8" in describe_late(late)


def test_the_penalty_is_capped_at_the_whole_score():
    policy = parse_policy({"due": "2026-12-04T23:59:00", "timezone": "America/Toronto", "penalty_per_day": 40})
    late = lateness(policy, "bob", at("2026-12-09T00:00:00"), "manifest", 5.0)
    assert late["days_late"] == 5 and late["penalty_percent"] == 100.0 and apply_penalty(5.0, late) == 0.0


def test_an_extension_moves_the_due_date_and_the_cutoff():
    policy = parse_policy(POLICY)
    assert lateness(policy, "alice", at("2026-12-06T12:00:00"), "manifest", 8.0) is None
    late = lateness(policy, "alice", at("2026-12-08T12:00:00"), "manifest", 8.0)  # bob would be after the cutoff
    assert late["extension"] and late["days_late"] == 2 and not late["after_cutoff"]
    assert late["due"] == "2026-12-06T23:59:00-05:00" and late["cutoff"] == "2026-12-09T23:59:00-05:00"
    assert apply_penalty(8.0, late) == 6.4
    text = describe_late(late)
    assert "2 days late" in text and "with your extension" in text and "-20% (8 → 6.4)" in text


def test_csv_manifest(tmp_path):
    path = tmp_path / "times.csv"
    path.write_text("\ufeffstudent,submitted_at,comment\nalice,2026-12-05T10:00:00,re-upload\n"
                    "Bob Smith,2026-12-04T20:00:00Z,\n\n")
    manifest = read_manifest(path)
    assert manifest.time_for("alice") == datetime(2026, 12, 5, 10, 0)  # naive: the deadline's zone decides
    assert manifest.time_for("Bob_Smith") == datetime(2026, 12, 4, 20, 0, tzinfo=UTC)  # cleaned like folder names
    assert manifest.time_for("carol") is None
    assert manifest_gaps(manifest, ["alice", "carol"]).startswith("1 submission(s) are not in the manifest")
    assert manifest_gaps(manifest, ["alice"]) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name,time\nalice,2026-12-05T10:00:00\n", "the first line must be the header student,submitted_at"),
        ("student,submitted_at\nalice,yesterday\n", "line 2: 'yesterday' is not an ISO 8601 date and time"),
        ("student,submitted_at\nalice,2026-12-05\n", "line 2: '2026-12-05' is not an ISO 8601 date and time"),
        ("student,submitted_at\nalice,2026-12-05T10:00:00\nalice,2026-12-06T10:00:00\n", "line 3: 'alice' appears twice"),
        ("student,submitted_at\n,2026-12-05T10:00:00\n", "line 2: the student is empty"),
        ("student,submitted_at\nalice\n", "line 2: expected 2 columns, found 1"),
    ],
)
def test_bad_csv_manifests_name_the_line(tmp_path, text, words):
    path = tmp_path / "times.csv"
    path.write_text(text)
    with pytest.raises(ManifestError) as info:
        read_manifest(path)
    assert str(path) in str(info.value) and words in str(info.value)


def test_json_manifests_and_gradescope_metadata(tmp_path):
    plain = tmp_path / "times.json"
    plain.write_text(json.dumps({"alice": "2026-12-05T10:00:00-05:00"}))
    assert read_manifest(plain).time_for("alice") == at("2026-12-05T10:00:00")
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([{"student": "bob", "submitted_at": "2026-12-05T11:00:00+00:00"}]))
    assert read_manifest(listed).time_for("bob") == datetime(2026, 12, 5, 11, 0, tzinfo=UTC)
    metadata = tmp_path / "submission_metadata.json"  # what Gradescope puts beside /autograder/submission
    metadata.write_text(json.dumps({"id": 1, "created_at": "2026-12-05T10:22:32.365935-05:00", "users": []}))
    manifest = read_manifest(metadata)
    assert manifest.time_for("submission") == manifest.time_for("anyone") == datetime(
        2026, 12, 5, 10, 22, 32, 365935, tzinfo=TORONTO).astimezone(manifest.default.tzinfo)
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ManifestError, match="is not valid JSON"):
        read_manifest(broken)
    with pytest.raises(ManifestError, match="does not exist"):
        read_manifest(tmp_path / "missing.csv")


def test_gradescope_export_yaml(tmp_path):
    path = tmp_path / "submission_metadata.yml"
    path.write_text(
        "submission_101:\n"
        "  :submitters:\n  - :name: Alice\n    :sid: '1'\n"
        "  :created_at: 2026-12-05 10:00:00.123456000 -05:00\n"
        "  :score: 8.0\n"
        "submission_102:\n"
        "  :created_at: '2026-12-04T12:00:00+00:00'\n"
    )
    manifest = read_manifest(path)
    assert manifest.time_for("submission_101").astimezone(UTC) == datetime(2026, 12, 5, 15, 0, 0, 123456, tzinfo=UTC)
    assert manifest.time_for("submission_102") == datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def test_file_time_of_a_file_and_of_a_folder(tmp_path):
    file = tmp_path / "alice.py"
    file.write_text("x = 1\n")
    os.utime(file, (1_800_000_000, 1_800_000_000))
    assert file_time(file) == datetime.fromtimestamp(1_800_000_000, UTC)
    folder = tmp_path / "bob"
    (folder / "data").mkdir(parents=True)
    (folder / "bob.ipynb").write_text("{}")
    (folder / "data" / "notes.txt").write_text("late edit")
    os.utime(folder / "bob.ipynb", (1_800_000_000, 1_800_000_000))
    os.utime(folder / "data" / "notes.txt", (1_800_000_500, 1_800_000_500))
    assert file_time(folder) == datetime.fromtimestamp(1_800_000_500, UTC)  # the newest file inside
    assert file_time(tmp_path / "nobody.py") is None


def graded(student: str, score: float = 6.0) -> SubmissionResult:
    checks = [CheckResult(id="t::a", name="a", exercise="huber_fn", kind="value", max_score=8.0, score=score,
                          status="passed" if score == 8 else "failed")]
    return SubmissionResult(student=student, assignment="losses", source_path=f"{student}.py", content_hash="h",
                            checks=checks)


def test_stamp_uses_the_manifest_then_the_file_time(tmp_path):
    policy = parse_policy(POLICY)
    manifest_path = tmp_path / "times.csv"
    manifest_path.write_text("student,submitted_at\nbob,2026-12-06T09:00:00\n")
    manifest = read_manifest(manifest_path)
    carol_file = tmp_path / "carol.py"
    carol_file.write_text("x = 1\n")
    late_stamp = datetime(2026, 12, 5, 12, 0, tzinfo=TORONTO).timestamp()
    os.utime(carol_file, (late_stamp, late_stamp))

    bob = graded("bob")
    assert stamp_lateness(bob, policy, manifest, tmp_path / "bob.py")
    assert bob.submitted_at == "2026-12-06T09:00:00-05:00"  # a naive manifest time is local to the deadline
    assert bob.late["source"] == "manifest" and bob.late["days_late"] == 2 and bob.late["raw_score"] == 6.0
    assert not stamp_lateness(bob, policy, manifest, tmp_path / "bob.py")  # nothing changed the second time

    carol = graded("carol")
    stamp_lateness(carol, policy, manifest, carol_file)
    assert carol.late["source"] == "file time" and carol.late["days_late"] == 1
    assert carol.submitted_at == "2026-12-05T12:00:00-05:00"

    on_time = graded("dave")
    early = tmp_path / "dave.py"
    early.write_text("x = 1\n")
    stamp = datetime(2026, 12, 1, tzinfo=TORONTO).timestamp()
    os.utime(early, (stamp, stamp))
    stamp_lateness(on_time, policy, None, early)
    assert on_time.late is None and on_time.submitted_at == "2026-12-01T00:00:00-05:00"

    no_policy = graded("erin")
    stamp_lateness(no_policy, None, manifest, early)
    assert no_policy.late is None and no_policy.submitted_at == "2026-12-01T05:00:00+00:00"  # UTC without a policy


def test_score_that_counts_and_gradescope_output_include_the_penalty():
    from grader.scoring import gradescope_results, raw_score, total_score

    result = graded("bob")
    stamp_lateness(result, parse_policy(POLICY), None, None)  # no time known: nothing to judge
    assert result.late is None
    result.late = lateness(parse_policy(POLICY), "bob", at("2026-12-06T09:00:00"), "manifest", 6.0)
    assert raw_score(result) == 6.0 and total_score(result) == (4.8, 8.0)
    data = gradescope_results(result)
    assert data["score"] == 4.8 and data["extra_data"]["raw_score"] == 6.0 and data["extra_data"]["late"]["days_late"] == 2
    assert data["output"].startswith("Submitted 2026-12-06T09:00:00-05:00 (manifest), 2 days late")
    overridden = gradescope_results(result, override={"score": 7.5, "reason": "hardware failure"})
    assert overridden["score"] == 7.5 and "Score set to 7.5 by the instructor" in overridden["output"]
    assert "hardware failure" not in overridden["output"]  # the reason is the instructor's record
    assert SubmissionResult.from_dict(result.to_dict()).late == result.late


def test_cutoff_only_policy_and_extension_ids_cleaned_like_file_names():
    policy = parse_policy({"due": "2026-12-04T23:59:00", "timezone": "UTC", "cutoff": "2026-12-06T00:00:00",
                           "extensions": {"Bob Smith": "2026-12-05T23:59:00"}})
    assert lateness(policy, "Bob_Smith", datetime(2026, 12, 5, 12, tzinfo=UTC), "manifest", 5.0) is None
    late = lateness(policy, "carol", datetime(2026, 12, 5, 1, tzinfo=UTC), "manifest", 5.0)
    assert late["penalty_percent"] == 0.0 and apply_penalty(5.0, late) == 5.0 and describe_late(late).endswith(
        "1 day late (due 2026-12-04T23:59:00+00:00): no penalty.")
    assert lateness(policy, "carol", datetime(2026, 12, 6, 1, tzinfo=UTC), "manifest", 5.0)["after_cutoff"]
