"""Instructor commands, run as an instructor runs them: a course with a deadline, a manifest, real grading."""

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.xdist_group("cli-instructor")  # its module fixture grades once, on one worker

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "losses"
TFGRADER = [sys.executable, "-m", "grader.cli"]
DEADLINE = """
[deadline]
due = "2026-12-04T23:59:00"
timezone = "America/Toronto"
grace_minutes = 15
penalty_per_day = 10
cutoff = "2026-12-07T23:59:00"
"""


def run(*args, cwd=None, timeout=600):
    return subprocess.run([*TFGRADER, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={**os.environ, "PYTHONWARNINGS": "ignore", "USER": "prof", "COLUMNS": "200"})


def make_course(root: Path) -> Path:
    """The bundled losses assignment in a course of its own, with a deadline."""
    for part in ("solutions/losses", "assignments/losses"):
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "solutions" / "course.toml", root / "solutions" / "course.toml")
    toml = root / "solutions" / "losses" / "assignment.toml"
    toml.write_text(toml.read_text() + DEADLINE)
    return root


def results(out: Path, student: str) -> dict:
    return json.loads((out / student / "results.json").read_text())


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """bob on time and carol 2 days late by the manifest; ivan's time is his file's (on time)."""
    base = tmp_path_factory.mktemp("instructor")
    course = make_course(base / "course")
    subs = base / "subs"
    subs.mkdir()
    for name in ("bob.py", "carol.ipynb", "ivan.py"):
        shutil.copy(SAMPLES / name, subs / name)
    stamp = datetime(2026, 12, 3, 12, 0, tzinfo=ZoneInfo("America/Toronto")).timestamp()
    os.utime(subs / "ivan.py", (stamp, stamp))
    manifest = base / "times.csv"
    manifest.write_text("student,submitted_at\nbob,2026-12-04T20:00:00\ncarol,2026-12-06T09:00:00-05:00\n")
    out = base / "out"
    proc = run("grade", "losses", *sorted(str(p) for p in subs.iterdir()), "--course", str(course), "--out", str(out),
               "--jobs", "1", "--manifest", str(manifest))
    assert proc.returncode == 0, proc.stderr
    return {"base": base, "course": course, "subs": subs, "manifest": manifest, "out": out, "proc": proc}


def test_grade_applies_the_late_penalty(graded):
    out = graded["out"]
    assert "1 submission(s) are not in the manifest" in graded["proc"].stderr and "ivan" in graded["proc"].stderr
    carol = results(out, "carol")
    late = carol["extra_data"]["late"]
    assert late["days_late"] == 2 and late["penalty_percent"] == 20.0 and late["source"] == "manifest"
    assert 0 < carol["extra_data"]["raw_score"] < carol["extra_data"]["max_score"]
    assert carol["score"] == round(carol["extra_data"]["raw_score"] * 0.8, 4)
    assert carol["output"].startswith("Submitted 2026-12-06T09:00:00-05:00 (manifest), 2 days late")
    bob = results(out, "bob")
    assert bob["extra_data"]["late"] is None and bob["score"] == bob["extra_data"]["max_score"]
    db = sqlite3.connect(out / "gradebook.sqlite")
    stored = dict(db.execute("SELECT student, submitted_at FROM attempts").fetchall())
    assert stored == {"bob": "2026-12-04T20:00:00-05:00", "carol": "2026-12-06T09:00:00-05:00",
                      "ivan": "2026-12-03T12:00:00-05:00"}  # ivan: his file's time
    assert db.execute("SELECT score FROM attempts WHERE student = 'carol'").fetchone()[0] == carol["score"]


def test_grades_table_and_student_history(graded):
    proc = run("grades", "losses", "--out", str(graded["out"]))
    assert proc.returncode == 0, proc.stderr
    lines = {line.split("│")[1].strip(): line for line in proc.stdout.splitlines() if line.startswith("│")}
    assert set(lines) == {"bob", "carol", "ivan"}
    assert "2 days, -20%" in lines["carol"] and "graded" in lines["carol"]
    assert "3 student(s)" in proc.stdout and "1 late" in proc.stdout
    history = run("grades", "losses", "--out", str(graded["out"]), "--student", "carol")
    assert history.returncode == 0, history.stderr
    carol = results(graded["out"], "carol")
    assert carol["extra_data"]["content_hash"][:12] in history.stdout and "No overrides." in history.stdout


def test_override_set_show_export_and_clear(graded, tmp_path):
    book = tmp_path / "gradebook.sqlite"
    shutil.copy(graded["out"] / "gradebook.sqlite", book)
    no_reason = run("override", "losses", "ivan", "5", "--gradebook", str(book))
    assert no_reason.returncode == 1 and "needs a --reason" in no_reason.stderr
    stranger = run("override", "losses", "zed", "5", "--reason", "x", "--gradebook", str(book))
    assert stranger.returncode == 1 and "'zed' has no attempt" in stranger.stderr and "ivan" in stranger.stderr
    negative = run("override", "--reason", "x", "--gradebook", str(book), "losses", "ivan", "--", "-1")
    assert negative.returncode == 1 and "≥ 0" in negative.stderr

    done = run("override", "losses", "ivan", "12.5", "--reason", "submitted the wrong file; graded the right one",
               "--gradebook", str(book))
    assert done.returncode == 0, done.stderr
    assert "ivan on losses: 12.5 / 28.5, set by prof" in done.stdout
    table = run("grades", "losses", "--gradebook", str(book))
    ivan = next(line for line in table.stdout.splitlines() if line.startswith("│ ivan"))
    assert "12.5" in ivan and "submitted the wrong file" in ivan

    exported = tmp_path / "grades.csv"
    proc = run("export", "losses", "--format", "csv", "--gradebook", str(book), "-o", str(exported),
               "--course", str(graded["course"]))
    assert proc.returncode == 0, proc.stderr
    rows = {r["student"]: r for r in csv.DictReader(exported.open())}
    assert rows["ivan"]["score"] == "12.5" and rows["ivan"]["override"] == "12.5" and rows["ivan"]["raw_score"] == "0.0"
    assert rows["carol"]["late_penalty"] == "20.0"

    cleared = run("override", "losses", "ivan", "--clear", "--gradebook", str(book))
    assert cleared.returncode == 0 and "Cleared" in cleared.stdout
    again = run("override", "losses", "ivan", "--clear", "--gradebook", str(book))
    assert again.returncode == 1 and "has no override" in again.stderr
    history = run("grades", "losses", "--gradebook", str(book), "--student", "ivan")
    assert "submitted the wrong file" in history.stdout and "by prof" in history.stdout


def test_exports_canvas_and_gradescope(graded, tmp_path):
    canvas = tmp_path / "canvas.csv"
    proc = run("export", "losses", "--format", "canvas", "--out", str(graded["out"]), "-o", str(canvas),
               "--course", str(graded["course"]))
    assert proc.returncode == 0, proc.stderr
    lines = list(csv.reader(canvas.open()))
    assert lines[0][-1] == "Custom loss functions (losses)" and lines[1][0] == "Points Possible"
    carol = results(graded["out"], "carol")
    assert ["", "", "", "carol", "", str(carol["score"])] in lines
    bundle = tmp_path / "gs.zip"
    proc = run("export", "losses", "--format", "gradescope", "--out", str(graded["out"]), "-o", str(bundle),
               "--course", str(graded["course"]))
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(bundle) as archive:
        assert json.loads(archive.read("carol/results.json"))["score"] == carol["score"]


def test_bad_input_is_one_clear_line(graded, tmp_path):
    checks = [
        (run("grades", "losses", "--out", str(tmp_path)), "there is no gradebook at"),
        (run("grades", "losses"), "exactly one of --out DIR"),
        (run("grades", "metrics", "--out", str(graded["out"])), "has no attempt of 'metrics' (it holds: losses)"),
        (run("grades", "losses", "--out", str(graded["out"]), "--student", "zed"), "no attempt of 'zed'"),
        (run("export", "nope", "--format", "csv", "--out", str(graded["out"]), "-o", str(tmp_path / "x.csv")),
         "unknown assignment 'nope'"),
    ]
    not_a_db = tmp_path / "notes.sqlite"
    not_a_db.write_text("these are not grades\n" * 100)
    checks.append((run("grades", "losses", "--gradebook", str(not_a_db)), "is not a tfgrader gradebook"))
    bad_manifest = tmp_path / "times.csv"
    bad_manifest.write_text("student,submitted_at\nalice,tomorrow\n")
    out = tmp_path / "never"
    checks.append((run("grade", "losses", str(SAMPLES / "bob.py"), "--out", str(out), "--manifest", str(bad_manifest)),
                   "line 2: 'tomorrow' is not an ISO 8601 date and time"))
    for proc, words in checks:
        assert proc.returncode == 1, (proc.args, proc.stdout)
        assert words in proc.stderr, (words, proc.stderr)
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not out.exists()  # the bad manifest stopped everything before grading


def test_an_extension_changes_lateness_without_regrading(graded, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(graded["course"], course)
    out = tmp_path / "out"
    shutil.copytree(graded["out"], out)
    toml = course / "solutions" / "losses" / "assignment.toml"
    toml.write_text(toml.read_text() + '\n[deadline.extensions]\ncarol = "2026-12-06T23:59:00"\n')
    proc = run("grade", "losses", *sorted(str(p) for p in graded["subs"].iterdir()), "--course", str(course),
               "--out", str(out), "--jobs", "1", "--manifest", str(graded["manifest"]))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("unchanged since last graded") == 3
    carol = results(out, "carol")
    assert carol["extra_data"]["late"] is None and carol["score"] == carol["extra_data"]["raw_score"]
    db = sqlite3.connect(out / "gradebook.sqlite")
    assert db.execute("SELECT COUNT(*), MAX(score) FROM attempts WHERE student = 'carol'").fetchone() == (1, carol["score"])
    table = run("grades", "losses", "--out", str(out))
    assert "0 late" in table.stdout
