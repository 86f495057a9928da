"""The command line, run as a user runs it: real processes, the bundled sample class."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("cli")  # its module fixture grades once, on one worker

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "losses"
TFGRADER = [sys.executable, "-m", "grader.cli"]


def run(*args, cwd=None, timeout=600):
    return subprocess.run([*TFGRADER, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    out = tmp_path_factory.mktemp("class") / "out"
    paths = sorted(str(p) for p in SAMPLES.iterdir())
    proc = run("grade", "losses", *paths, "--out", str(out), "--jobs", "2", cwd=tmp_path_factory.getbasetemp())
    return proc, out


def results(out: Path, student: str) -> dict:
    return json.loads((out / student / "results.json").read_text())


def test_grading_the_sample_class_writes_every_report(graded_class):
    proc, out = graded_class
    assert proc.returncode == 0, proc.stderr
    students = {p.stem if p.is_file() else p.name for p in SAMPLES.iterdir()}
    for student in students:
        assert (out / student / "results.json").is_file()
        assert (out / student / "report.html").is_file()
    index = (out / "index.html").read_text()
    for student in students:
        assert f'href="{student}/report.html"' in index
    assert "Graded 11 submission(s)" in proc.stdout


def test_sample_scores(graded_class):
    _, out = graded_class
    full = results(out, "alice")["extra_data"]["max_score"]
    assert full > 0
    for student in ("alice", "bob", "heidi"):
        assert results(out, student)["score"] == full, student
    assert results(out, "ivan")["score"] == 0
    assert all("not implemented" in t["output"] for t in results(out, "ivan")["tests"])
    for student in ("carol", "dave", "frank", "grace", "judy", "ken"):
        assert 0 < results(out, student)["score"] < full, student


def test_unreadable_notebook_is_one_clear_row(graded_class):
    _, out = graded_class
    erin = results(out, "erin")
    assert erin["score"] == 0 and erin["extra_data"]["status"] == "unreadable"
    assert "JSON is broken" in erin["tests"][0]["output"]
    assert "could not be graded" in (out / "erin" / "report.html").read_text()


def test_infinite_loop_and_crashes_cost_only_their_exercise(graded_class):
    _, out = graded_class
    grace = results(out, "grace")
    outputs = [t["output"] for t in grace["tests"] if "exercise:create_huber" in t["tags"]]
    assert any("timed out after 10 s" in o for o in outputs)
    assert all(t["score"] == t["max_score"] for t in grace["tests"] if "exercise:huber_fn" in t["tags"])
    judy = results(out, "judy")
    messages = " ".join(t["output"] for t in judy["tests"])
    assert "segmentation fault" in messages and "os._exit(0)" in messages


def test_results_follow_the_gradescope_schema(graded_class):
    _, out = graded_class
    data = results(out, "carol")
    assert isinstance(data["score"], float) and isinstance(data["tests"], list)
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility", "tags"}
        assert test["status"] in {"passed", "failed"}
        assert any(tag.startswith("exercise:") for tag in test["tags"])
        assert any(tag.startswith("kind:") for tag in test["tags"])
    assert data["score"] == sum(t["score"] for t in data["tests"])


def test_gradebook_holds_one_attempt_per_student(graded_class):
    _, out = graded_class
    db = sqlite3.connect(out / "gradebook.sqlite")
    rows = db.execute("SELECT student, score, status FROM attempts").fetchall()
    assert len(rows) == 11 and len({r[0] for r in rows}) == 11
    carol_checks = db.execute(
        "SELECT COUNT(*) FROM check_results JOIN attempts ON attempts.id = attempt_id WHERE student = 'carol'"
    ).fetchone()[0]
    assert carol_checks == len(results(out, "carol")["tests"])


def test_reports_never_show_hidden_check_source_or_course_paths(graded_class):
    _, out = graded_class
    for report in out.glob("*/report.html"):
        html = report.read_text()
        assert "def test_" not in html and "solutions/" not in html and "assert_close" not in html
        assert "Content-Security-Policy" in html


def test_unknown_assignment_fails_clearly(tmp_path):
    proc = run("grade", "nope", str(SAMPLES / "bob.py"), "--out", str(tmp_path / "o"))
    assert proc.returncode == 1
    assert "unknown assignment 'nope'" in proc.stderr and "losses" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreadable_course_fails_clearly(tmp_path):
    proc = run("grade", "losses", str(SAMPLES / "bob.py"), "--out", str(tmp_path / "o"), "--course", str(tmp_path))
    assert proc.returncode == 1 and "not a tfgrader course" in proc.stderr and "Traceback" not in proc.stderr


def test_check_prints_a_summary_and_says_hidden_checks_test_more(tmp_path):
    proc = run("check", "losses", str(SAMPLES / "carol.ipynb"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "public checks passed" in proc.stdout and "hidden checks test much more" in proc.stdout
    assert "✗" in proc.stdout and "factor 1/2" not in proc.stdout  # public checks give no hidden hints
    good = run("check", "losses", str(SAMPLES / "bob.py"), cwd=tmp_path)
    assert good.returncode == 0 and "4 of 4 public checks passed" in good.stdout


def test_validate_losses():
    proc = run("validate", "losses")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "reference solution:" in proc.stdout and "losses is valid" in proc.stdout
    assert "stub losses.py: 0 /" in proc.stdout and "stub losses.ipynb: 0 /" in proc.stdout


def test_generate_check_reports_current_stubs():
    proc = run("generate", "losses", "--check")
    assert proc.returncode == 0, proc.stdout


def test_keras_2_is_refused(tmp_path):
    proc = subprocess.run([*TFGRADER, "check", "losses", str(SAMPLES / "bob.py")], capture_output=True, text=True,
                          env={**os.environ, "TF_USE_LEGACY_KERAS": "1"}, timeout=120)
    assert proc.returncode == 1 and "Keras 3" in proc.stderr


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_9_mid_batch_then_the_same_command_completes_without_loss_or_duplicates(tmp_path):
    import signal
    import time

    out = tmp_path / "out"
    paths = [str(SAMPLES / name) for name in ("bob.py", "ivan.py", "carol.ipynb", "dave.py", "alice.ipynb")]
    command = [*TFGRADER, "grade", "losses", *paths, "--out", str(out), "--jobs", "1"]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    finished = []
    for line in proc.stderr:
        if line.startswith("["):
            finished.append(line.split()[1])
        if len(finished) == 2:
            break
    zygotes = [p for p in _children(proc.pid) if "grader.sandbox.zygote" in Path(f"/proc/{p}/cmdline").read_text()]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(z) for z in zygotes) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert zygotes and not any(_alive(z) for z in zygotes), "the zygote outlived the killed grader"

    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    for student in finished:
        assert f"{student}" in again.stderr and "unchanged since last graded" in again.stderr
    db = sqlite3.connect(out / "gradebook.sqlite")
    rows = db.execute("SELECT student, COUNT(*) FROM attempts GROUP BY student").fetchall()
    assert sorted(rows) == sorted((Path(p).stem, 1) for p in paths)
    for student in ("bob", "ivan", "carol", "dave", "alice"):
        assert (out / student / "results.json").is_file()


def test_a_students_copy_of_the_course_can_check_but_not_grade(tmp_path):
    """Students get assignments/ only (stubs, public checks, assignment.toml): no solutions, no secret."""
    shutil.copytree(ROOT / "assignments" / "losses", tmp_path / "course" / "assignments" / "losses")
    course = str(tmp_path / "course")
    checked = run("check", "losses", str(SAMPLES / "alice.ipynb"), "--course", course)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "public checks passed" in checked.stdout
    graded = run("grade", "losses", str(SAMPLES / "alice.ipynb"), "--out", str(tmp_path / "out"), "--course", course)
    assert graded.returncode == 1 and "student's copy of the course" in graded.stderr
    assert "Traceback" not in graded.stderr
