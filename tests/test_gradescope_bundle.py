"""The Gradescope autograder zip, unpacked into a temporary /autograder and run on real submissions."""

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from grader.course import Course

pytestmark = pytest.mark.xdist_group("gradescope-bundle")  # its module fixture grades once, on one worker

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "losses"
VENV_BIN = str(Path(sys.executable).parent)


def tfgrader(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    proc = tfgrader("gradescope", "losses", "-o", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "Wrote" in proc.stdout
    return path


def autograder_root(bundle: Path, tmp_path: Path, submission: dict[str, bytes]) -> Path:
    """/autograder as Gradescope lays it out: source/ (the unzipped bundle), submission/, results/."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path / "source")
    (tmp_path / "submission").mkdir()
    for name, data in submission.items():
        (tmp_path / "submission" / name).write_bytes(data)
    return tmp_path


def run_autograder(root: Path, path: str, extra_env: dict | None = None) -> tuple[dict, str]:
    """Run the bundle's run_autograder; (results.json, what it printed: the log instructors see)."""
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": path, "PYTHONWARNINGS": "ignore", **(extra_env or {})}
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], capture_output=True, text=True, env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    results = root / "results" / "results.json"
    assert results.is_file(), proc.stdout + proc.stderr
    return json.loads(results.read_text()), proc.stdout + proc.stderr


def assert_gradescope_schema(data: dict) -> None:
    assert isinstance(data["score"], int | float)
    assert isinstance(data["tests"], list)
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "status", "output", "visibility"}
        assert test["status"] in {"passed", "failed"}


def test_the_zip_holds_scripts_wheel_and_one_assignment(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        setup = archive.read("setup.sh").decode()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        bundled_toml = tomllib.loads(archive.read("course/solutions/course.toml").decode())
    wheels = [n for n in names if n.endswith(".whl")]
    assert len(wheels) == 1 and wheels[0].startswith("tfgrader-")
    assert wheels[0] in setup and "python3.11 -m venv" in setup
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert "course/solutions/losses/checks/test_huber_fn.py" in names
    assert "course/solutions/losses/losses.py" in names and "course/assignments/losses/checks/test_public.py" in names
    assert not any(n.startswith("course/solutions/metrics") for n in names)  # only this assignment
    assert not any("__pycache__" in n for n in names)
    assert bundled_toml["secret"] == Course().secret  # the same seeds as grading locally


def test_scripts_parse(bundle, tmp_path):
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path)
    for script in ("setup.sh", "run_autograder"):
        proc = subprocess.run(["bash", "-n", str(tmp_path / script)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


def test_run_autograder_grades_the_submission(bundle, tmp_path):
    root = autograder_root(bundle, tmp_path, {"alice.ipynb": (SAMPLES / "alice.ipynb").read_bytes()})
    data, _ = run_autograder(root, f"{VENV_BIN}:{os.environ['PATH']}")
    assert_gradescope_schema(data)
    assert data["extra_data"]["status"] == "graded" and data["extra_data"]["assignment"] == "losses"
    assert data["score"] == data["extra_data"]["max_score"] == sum(t["max_score"] for t in data["tests"]) > 20


def test_gradescope_submission_time_drives_the_deadline(bundle, tmp_path):
    root = autograder_root(bundle, tmp_path, {"bob.py": (SAMPLES / "bob.py").read_bytes()})
    toml = root / "source" / "course" / "solutions" / "losses" / "assignment.toml"
    toml.write_text(toml.read_text() + '\n[deadline]\ndue = "2026-12-04T23:59:00"\ntimezone = "UTC"\n'
                                       "penalty_per_day = 25\n")
    (root / "submission_metadata.json").write_text(json.dumps({"created_at": "2026-12-05T08:00:00+00:00", "users": []}))
    data, _ = run_autograder(root, f"{VENV_BIN}:{os.environ['PATH']}")
    assert data["extra_data"]["late"]["days_late"] == 1 and data["extra_data"]["late"]["source"] == "manifest"
    assert data["score"] == data["extra_data"]["max_score"] * 0.75


def test_an_unreadable_submission_gets_a_results_json_saying_so(bundle, tmp_path):
    root = autograder_root(bundle, tmp_path, {"losses.py": b"\x00\x01binary\x00" * 10})
    data, _ = run_autograder(root, f"{VENV_BIN}:{os.environ['PATH']}")
    assert_gradescope_schema(data)
    assert data["score"] == 0 and data["extra_data"]["status"] == "unreadable"
    assert data["tests"][0]["name"] == "Submission could not be read" and "binary file" in data["tests"][0]["output"]


def test_a_broken_autograder_still_writes_results_json(bundle, tmp_path):
    root = autograder_root(bundle, tmp_path, {"bob.py": (SAMPLES / "bob.py").read_bytes()})
    system_path = "/usr/local/bin:/usr/bin:/bin"
    assert shutil.which("tfgrader", path=system_path) is None
    data, _ = run_autograder(root, system_path)  # setup.sh never ran: no venv, no tfgrader
    assert_gradescope_schema(data)
    assert data["score"] == 0 and "could not grade this submission" in data["output"]
    assert data["extra_data"]["status"] == "autograder_error"


def test_the_bundled_wheel_installs_and_grades(bundle, tmp_path):
    """What setup.sh installs on Gradescope (minus the dependencies, taken from this venv) grades on its own."""
    root = autograder_root(bundle, tmp_path / "ag", {"bob.py": (SAMPLES / "bob.py").read_bytes()})
    wheel = next((root / "source").glob("tfgrader-*.whl"))
    target = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", "--target",
                           str(target), str(wheel)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    data, log = run_autograder(root, f"{target / 'bin'}:{VENV_BIN}:{os.environ['PATH']}", {"PYTHONPATH": str(target)})
    assert data["extra_data"]["status"] == "graded", log
    assert data["score"] == data["extra_data"]["max_score"]


def test_bad_input_is_one_clear_line(tmp_path):
    unknown = tfgrader("gradescope", "nope", "-o", str(tmp_path / "a.zip"))
    assert unknown.returncode == 1 and "unknown assignment 'nope'" in unknown.stderr
    not_a_wheel = tmp_path / "x.txt"
    not_a_wheel.write_text("no")
    proc = tfgrader("gradescope", "losses", "-o", str(tmp_path / "a.zip"), "--wheel", str(not_a_wheel))
    assert proc.returncode == 1 and "is not a wheel file" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "a.zip").exists()
