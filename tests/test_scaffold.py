"""`tfgrader init`: a new course that validates and grades exactly like the bundled one."""

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("scaffold")  # its module fixture grades once, on one worker

TFGRADER = [sys.executable, "-m", "grader.cli"]


def run(*args, cwd=None, timeout=600):
    return subprocess.run([*TFGRADER, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("init") / "deep_learning-101"
    proc = run("init", str(root))
    assert proc.returncode == 0, proc.stderr
    assert f"tfgrader validate example --course {root}" in proc.stdout
    return root


def test_init_writes_the_course_files(course):
    for part in ("solutions/course.toml", "solutions/example/assignment.toml", "solutions/example/example.py",
                 "solutions/example/checks/test_example.py", "assignments/example/checks/test_public.py",
                 "assignments/example/example.py", "assignments/example/example.ipynb", "README.md", ".gitignore"):
        assert (course / part).is_file(), part
    config = tomllib.loads((course / "solutions" / "course.toml").read_text())
    assert config["title"] == "deep learning 101" and len(config["secret"]) >= 40
    assert "# BEGIN SOLUTION" in (course / "solutions/example/example.py").read_text()
    stub = (course / "assignments/example/example.py").read_text()
    assert "BEGIN SOLUTION" not in stub and "raise NotImplementedError" in stub and "tf.where" not in stub
    assert "# deep learning 101" in (course / "README.md").read_text()


def test_every_course_gets_its_own_secret(course, tmp_path):
    proc = run("init", str(tmp_path / "other"), "--title", 'Course "B"')
    assert proc.returncode == 0, proc.stderr
    config = tomllib.loads((tmp_path / "other" / "solutions" / "course.toml").read_text())
    assert config["title"] == 'Course "B"'
    assert config["secret"] != tomllib.loads((course / "solutions" / "course.toml").read_text())["secret"]


def test_init_refuses_a_non_empty_folder_or_a_file(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    proc = run("init", str(tmp_path))
    assert proc.returncode == 1 and "is not empty" in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    proc = run("init", str(tmp_path / "notes.txt"))
    assert proc.returncode == 1 and "is not a folder" in proc.stderr


def test_the_example_validates_and_its_stubs_are_current(course):
    proc = run("validate", "example", "--course", str(course))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "example is valid" in proc.stdout and "stub example.ipynb: 0 /" in proc.stdout
    assert run("generate", "example", "--check", "--course", str(course)).returncode == 0


def test_grading_the_reference_as_a_student_gives_full_marks(course, tmp_path):
    shutil.copy(course / "solutions" / "example" / "example.py", tmp_path / "alice.py")
    shutil.copy(course / "assignments" / "example" / "example.ipynb", tmp_path / "bob.ipynb")
    out = tmp_path / "out"
    proc = run("grade", "example", str(tmp_path / "alice.py"), str(tmp_path / "bob.ipynb"), "--course", str(course),
               "--out", str(out), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    alice = json.loads((out / "alice" / "results.json").read_text())
    assert alice["score"] == alice["extra_data"]["max_score"] > 0
    assert {t["tags"][0] for t in alice["tests"]} == {"exercise:leaky_relu", "exercise:ScaleLayer"}
    bob = json.loads((out / "bob" / "results.json").read_text())
    assert bob["score"] == 0 and all("not implemented" in t["output"] for t in bob["tests"])
    assert (out / "alice" / "report.html").is_file()
    public = run("check", "example", str(tmp_path / "alice.py"), "--course", str(course))
    assert public.returncode == 0, public.stdout + public.stderr


def test_a_banned_call_costs_its_exercise(course, tmp_path):
    source = (course / "solutions" / "example" / "example.py").read_text()
    cheat = source.replace("return tf.where(x >= 0, x, alpha * x)", "return tf.nn.leaky_relu(x, alpha)")
    assert cheat != source
    (tmp_path / "mallory.py").write_text(cheat)
    proc = run("grade", "example", str(tmp_path / "mallory.py"), "--course", str(course), "--out",
               str(tmp_path / "out"), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "out" / "mallory" / "results.json").read_text())
    leaky = [t for t in data["tests"] if "exercise:leaky_relu" in t["tags"]]
    assert leaky and all(t["score"] == 0 and "tf.nn.leaky_relu" in t["output"] for t in leaky)
    assert all(t["score"] == t["max_score"] for t in data["tests"] if "exercise:ScaleLayer" in t["tags"])
