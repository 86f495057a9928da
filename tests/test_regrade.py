"""Incremental regrading: what a change to the checks touches, through the real CLI on a copied course."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from grader.course import Course
from grader.regrade import assignment_digests

pytestmark = pytest.mark.xdist_group("regrade")  # its module fixture grades once, on one worker

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "losses"
STUDENTS = {"alice": SAMPLES / "alice.ipynb", "dave": SAMPLES / "dave.py", "ivan": SAMPLES / "ivan.py"}
EXERCISES = ("huber_fn", "create_huber", "HuberLoss")
EXTRA_HELPER = '"""A helper only test_create_huber.py imports."""\n\nTHRESHOLDS = (0.5, 2.0, 3.7)\n'


def copy_course(root: Path) -> Path:
    shutil.copytree(ROOT / "solutions" / "losses", root / "solutions" / "losses",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "solutions" / "course.toml", root / "solutions" / "course.toml")
    return root / "solutions" / "losses"


def add_extra_helper(losses: Path) -> None:
    """``_extra.py``, imported by test_create_huber.py alone: a helper whose change touches one exercise."""
    (losses / "checks" / "_extra.py").write_text(EXTRA_HELPER)
    check_file = losses / "checks" / "test_create_huber.py"
    text = check_file.read_text().replace("from _huber import huber, mistakes\n",
                                          "from _extra import THRESHOLDS\nfrom _huber import huber, mistakes\n")
    check_file.write_text(text.replace('@pytest.mark.parametrize("threshold", [0.5, 2.0, 3.7])',
                                       '@pytest.mark.parametrize("threshold", THRESHOLDS)'))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1))


def grade(root: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "grader.cli", "grade", "losses", *map(str, STUDENTS.values()),
               "--course", str(root), "--out", str(root / "out"), "--jobs", "1", "--no-progress", *extra]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.returncode in (0, 1), proc.stderr
    return proc


def gradescope_tests(root: Path, student: str) -> dict[str, dict]:
    """The student's results.json tests by check name, with the exercise from the tags."""
    data = json.loads((root / "out" / student / "results.json").read_text())
    return {t["name"]: t for t in data["tests"]}


def line_of(proc: subprocess.CompletedProcess, student: str) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.startswith("[") and f" {student} " in line]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def attempts(root: Path, student: str) -> list[dict]:
    db = sqlite3.connect(root / "out" / "gradebook.sqlite")
    rows = db.execute("SELECT result_json FROM attempts WHERE student = ? ORDER BY id", (student,)).fetchall()
    db.close()
    return [json.loads(row[0]) for row in rows]


def checks_by_exercise(result: dict) -> dict[str, dict[str, dict]]:
    grouped: dict[str, dict[str, dict]] = {name: {} for name in EXERCISES}
    for check in result["checks"]:
        grouped[check["exercise"]][check["id"]] = check
    return grouped


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Path:
    """A copied course (with the ``_extra.py`` helper) and its out folder after a first full grade."""
    root = tmp_path_factory.mktemp("baseline")
    add_extra_helper(copy_course(root))
    proc = grade(root)
    for student in STUDENTS:
        assert "regraded" not in line_of(proc, student)
    return root


@pytest.fixture
def course_copy(baseline, tmp_path) -> Path:
    """The baseline course and its graded out folder (gradebook included), for one test to change."""
    shutil.copytree(baseline, tmp_path / "c")
    return tmp_path / "c"


# ---------------------------------------------------------------------------- digests


def test_digests_follow_the_code_not_its_formatting(tmp_path):
    losses = copy_course(tmp_path)
    before = assignment_digests(Course(tmp_path).assignment("losses"))
    assert before == assignment_digests(Course().assignment("losses"))
    check_file = losses / "checks" / "test_huber_fn.py"
    edit(check_file, "def test_edge_inputs(student):", "def test_edge_inputs(student):  # a comment\n\n")
    check_file.write_text("# a new first line\n" + check_file.read_text())
    assert assignment_digests(Course(tmp_path).assignment("losses")) == before
    edit(check_file, "@check(\"huber_fn\", kind=\"value\", points=1)\ndef test_edge_inputs",
         "@check(\"huber_fn\", kind=\"value\", points=2)\ndef test_edge_inputs")
    after = assignment_digests(Course(tmp_path).assignment("losses"))
    assert after.base == before.base
    assert {k for k in before.items if before.items[k] != after.items[k]} == {"test_huber_fn.py::test_edge_inputs"}
    assert after.of("test_huber_fn.py::test_edge_inputs") == after.items["test_huber_fn.py::test_edge_inputs"]
    assert after.of("test_huber_fn.py::test_keeps_dtype[float16]") == before.items["test_huber_fn.py::test_keeps_dtype"]


def test_a_shared_helper_changes_the_checks_of_every_module_importing_it(tmp_path):
    losses = copy_course(tmp_path)
    before = assignment_digests(Course(tmp_path).assignment("losses"))
    edit(losses / "checks" / "_huber.py", "import numpy as np\n", "import numpy as np\n\nUNUSED = 1\n")
    after = assignment_digests(Course(tmp_path).assignment("losses"))
    changed = {k.split("::")[0] for k in before.items if before.items[k] != after.items[k]}
    assert changed == {"test_huber_fn.py", "test_create_huber.py", "test_huber_loss.py"}  # not figures.py
    assert after.base == before.base


@pytest.mark.parametrize("what", ["solution", "conftest", "assignment.toml"])
def test_what_every_check_depends_on_changes_the_base(tmp_path, what):
    losses = copy_course(tmp_path)
    before = assignment_digests(Course(tmp_path).assignment("losses"))
    if what == "solution":
        solution = Course(tmp_path).assignment("losses").solution_path
        solution.write_text(solution.read_text() + "\n")
    elif what == "conftest":
        (losses / "checks" / "conftest.py").write_text("import pytest\n")
    else:
        edit(losses / "assignment.toml", "check_seconds = 10", "check_seconds = 11")
    assert assignment_digests(Course(tmp_path).assignment("losses")).base != before.base


# ---------------------------------------------------------------------------- through the CLI


def test_changing_one_check_regrades_only_its_exercise_and_matches_a_full_regrade(course_copy):
    before = {student: attempts(course_copy, student)[-1] for student in STUDENTS}
    edit(course_copy / "solutions/losses/checks/test_huber_fn.py",
         '@check("huber_fn", kind="value", points=1)\ndef test_edge_inputs',
         '@check("huber_fn", kind="value", points=3)\ndef test_edge_inputs')

    proc = grade(course_copy)
    assert f"{len(STUDENTS)} regraded only where the checks changed" in proc.stdout
    assert f"({len(STUDENTS)} regraded only where the checks changed)" in proc.stderr  # the summary table
    for student in STUDENTS:
        assert "(checks changed: regraded huber_fn)" in line_of(proc, student)
        history = attempts(course_copy, student)
        assert len(history) == 2
        old, new = checks_by_exercise(before[student]), checks_by_exercise(history[-1])
        assert new["create_huber"] == old["create_huber"] and new["HuberLoss"] == old["HuberLoss"]  # kept as is
        assert all(new["huber_fn"][i]["duration"] != old["huber_fn"][i]["duration"] for i in old["huber_fn"])
        assert new["huber_fn"]["test_huber_fn.py::test_edge_inputs"]["max_score"] == 3
        assert history[-1]["regraded"] == ["huber_fn"]
        report = (course_copy / "out" / student / "report.html").read_text()
        assert "huber_fn regraded, the other exercises' results kept" in report
    assert sum(t["max_score"] for t in gradescope_tests(course_copy, "alice").values()) == \
        sum(c["max_score"] for c in before["alice"]["checks"]) + 2

    again = grade(course_copy)
    for student in STUDENTS:
        assert "unchanged since last graded" in line_of(again, student)
        assert len(attempts(course_copy, student)) == 2

    merged = {student: attempts(course_copy, student)[-1] for student in STUDENTS}
    full = grade(course_copy, "--force")
    for student in STUDENTS:
        assert "regraded" not in line_of(full, student)
        fresh = attempts(course_copy, student)[-1]
        assert fresh["regraded"] is None
        assert 'data-testid="regraded"' not in (course_copy / "out" / student / "report.html").read_text()
        verdicts = [(c["id"], c["score"], c["status"], c["message"]) for c in fresh["checks"]]
        assert verdicts == [(c["id"], c["score"], c["status"], c["message"]) for c in merged[student]["checks"]]
        assert [f["exercise"] for f in fresh["figures"]] == [f["exercise"] for f in merged[student]["figures"]]


def test_comments_and_formatting_in_the_checks_regrade_nothing(course_copy):
    check_file = course_copy / "solutions/losses/checks/test_huber_loss.py"
    check_file.write_text("# reviewed\n" + check_file.read_text().replace("\n\n\n", "\n\n\n# --\n"))
    proc = grade(course_copy)
    for student in STUDENTS:
        assert "unchanged since last graded" in line_of(proc, student)
        assert len(attempts(course_copy, student)) == 1


def test_a_helper_change_regrades_the_exercises_whose_checks_import_it(course_copy):
    edit(course_copy / "solutions/losses/checks/_extra.py", "(0.5, 2.0, 3.7)", "(0.5, 2.0, 4.2)")
    proc = grade(course_copy)
    for student in STUDENTS:
        assert "(checks changed: regraded create_huber)" in line_of(proc, student)
    ids = {c["id"] for c in attempts(course_copy, "alice")[-1]["checks"]}
    assert "test_create_huber.py::test_values_for_a_threshold[4.2]" in ids
    assert "test_create_huber.py::test_values_for_a_threshold[3.7]" not in ids


def test_a_removed_check_leaves_the_result_without_running_anything(course_copy):
    check_file = course_copy / "solutions/losses/checks/test_huber_fn.py"
    text = check_file.read_text()
    start = text.index('@check("huber_fn", kind="value", points=1)\ndef test_nan_propagates')
    end = text.index("@pytest.mark.parametrize", start)
    check_file.write_text(text[:start] + text[end:])
    before = {student: attempts(course_copy, student)[-1] for student in STUDENTS}
    proc = grade(course_copy)
    for student in STUDENTS:
        assert "(checks changed: nothing to rerun)" in line_of(proc, student)
        last = attempts(course_copy, student)[-1]
        assert [c["id"] for c in last["checks"]] == [c["id"] for c in before[student]["checks"]
                                                     if c["id"] != "test_huber_fn.py::test_nan_propagates"]
        assert last["regraded"] == []
        assert last["duration"] == before[student]["duration"]  # nothing ran
    again = grade(course_copy)
    assert all("unchanged since last graded" in line_of(again, student) for student in STUDENTS)


def test_a_changed_figure_regrades_its_exercise_only_where_it_is_drawn(course_copy):
    last = {student: attempts(course_copy, student)[-1] for student in STUDENTS}
    lost = {student: {c["exercise"] for c in last[student]["checks"] if c["status"] != "passed"} for student in STUDENTS}
    drawn = {student: {f["exercise"] for f in last[student]["figures"]} for student in STUDENTS}
    assert not lost["alice"] and "huber_fn" in lost["ivan"]
    edit(course_copy / "solutions/losses/checks/figures.py",
         'title="huber_fn over the error, and its gradient"', 'title="huber_fn and its gradient"')
    proc = grade(course_copy)
    for student in STUDENTS:
        line = line_of(proc, student)
        if "huber_fn" in lost[student]:
            assert "(checks changed: regraded huber_fn)" in line
            titles = [f["title"] for f in attempts(course_copy, student)[-1]["figures"]]
            assert ("huber_fn and its gradient" in titles) == ("huber_fn" in drawn[student])
        else:
            assert "(checks changed: nothing to rerun)" in line  # no figure due: digests restamped, nothing run
    again = grade(course_copy)
    assert all("unchanged since last graded" in line_of(again, student) for student in STUDENTS)


def test_a_reference_change_regrades_everything(course_copy):
    solution = Course(course_copy).assignment("losses").solution_path
    solution.write_text(solution.read_text() + "\n# reviewed\n")
    proc = grade(course_copy)
    for student in STUDENTS:
        line = line_of(proc, student)
        assert "regraded" not in line and "unchanged" not in line
        assert attempts(course_copy, student)[-1]["regraded"] is None
        assert len(attempts(course_copy, student)) == 2
