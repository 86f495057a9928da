"""Helpers of the adversarial tests: run the real CLI, read what it wrote, look for leftover processes.

The corpus is in ``submissions/``: one hostile submission per case, each starting with a header::

    # attack: huber_fn
    # expect: huber_fn=0 create_huber=full HuberLoss=full
    # says: timed out
    # what: one line saying what the attack does

``expect`` is ``0`` (every check of that exercise scores 0), ``full`` or ``lose`` (some points lost);
``says`` lists, separated by ``|``, words of which every attacked check's message must contain one.
Files a folder submission holds that would be live in this repository (``conftest.py``, ``__init__.py``)
are stored as ``<name>.inert`` and get their real name back when the corpus is copied for a run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "submissions"
SAMPLES = ROOT / "samples" / "losses"
SANDBOX_UID_BASE = 2_100_000  # grader.sandbox.client.UidLease.BASE
INERT = ".inert"


def tfgrader_command() -> list[str]:
    """The installed ``tfgrader`` script next to this interpreter (what a user runs)."""
    script = Path(sys.executable).with_name("tfgrader")
    assert script.is_file(), f"{script} is missing: install the project with pip install -e '.[test]'"
    return [str(script)]


def run_grade(paths: list[str], out: Path, *, cwd: Path, env: dict[str, str] | None = None, jobs: int = 2,
              extra: tuple[str, ...] = (), prefix: list[str] | tuple[str, ...] = (),
              timeout: float = 900) -> subprocess.CompletedProcess:
    """``tfgrader grade losses PATHS --out OUT --jobs N`` as a real process, in its own session.

    Its own session: a submission that signals its process group reaches the grader, never pytest.
    ``prefix`` runs the command under another (``unshare ... setpriv ...``).
    """
    command = [*prefix, *tfgrader_command(), "grade", "losses", *paths, "--out", str(out), "--jobs", str(jobs),
               *extra]
    environment = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=environment, timeout=timeout,
                          start_new_session=True)


def copy_corpus(target: Path) -> Path:
    """Copy ``submissions/`` to ``target``, giving ``*.inert`` files their real names back."""
    shutil.copytree(CORPUS, target)
    for path in sorted(target.rglob(f"*{INERT}")):
        path.rename(path.with_name(path.name.removesuffix(INERT)))
    return target


def student_id(path: Path) -> str:
    return path.name if path.is_dir() else path.stem


def graded_file(path: Path) -> Path:
    """The file of a submission the grader reads: the path itself, or the notebook / .py a folder holds."""
    if not path.is_dir():
        return path
    notebooks = sorted(path.glob("*.ipynb"))
    return notebooks[0] if notebooks else next(p for p in sorted(path.glob("*.py")) if p.name == "losses.py")


def header_text(path: Path) -> str:
    path = graded_file(path)
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        first = next(c for c in cells if c["cell_type"] == "code")
        return "".join(first["source"])
    return path.read_text()


@dataclass
class Header:
    attack: str
    expect: dict[str, str]
    says: list[str]
    what: str
    status: str = "graded"


def parse_header(path: Path) -> Header:
    fields: dict[str, str] = {}
    for line in header_text(path).splitlines():
        match = re.match(r"#\s*(attack|expect|says|what|status):\s*(.*)", line)
        if match:
            fields[match.group(1)] = match.group(2).strip()
        elif not line.startswith("#"):
            break
    assert {"attack", "expect", "what"} <= set(fields), f"{path.name}: header needs attack, expect, what: {fields}"
    expect = dict(pair.split("=") for pair in fields["expect"].split())
    says = [w.strip() for w in fields.get("says", "").split("|") if w.strip()]
    return Header(fields["attack"], expect, says, fields["what"], fields.get("status", "graded"))


@dataclass
class Graded:
    """What one run of ``tfgrader grade`` left behind."""

    proc: subprocess.CompletedProcess
    out: Path
    extra: dict = field(default_factory=dict)

    def results(self, student: str) -> dict:
        return json.loads((self.out / student / "results.json").read_text())

    def report(self, student: str) -> str:
        return (self.out / student / "report.html").read_text()

    def attempts(self) -> list[tuple]:
        """``(student, score, max_score, status, result_json)`` of every attempt in the gradebook."""
        with sqlite3.connect(self.out / "gradebook.sqlite") as db:
            return db.execute("SELECT student, score, max_score, status, result_json FROM attempts ORDER BY id").fetchall()

    def stored_result(self, student: str) -> dict:
        """The latest full result the gradebook holds for ``student`` (stdout, stderr, checks...)."""
        with sqlite3.connect(self.out / "gradebook.sqlite") as db:
            row = db.execute("SELECT result_json FROM attempts WHERE student = ? ORDER BY id DESC LIMIT 1",
                             (student,)).fetchone()
        assert row is not None, f"no attempt of {student} in the gradebook"
        return json.loads(row[0])


def scores_by_exercise(results: dict) -> dict[str, tuple[float, float]]:
    scores: dict[str, list[float]] = {}
    for test in results["tests"]:
        exercise = next((t.split(":", 1)[1] for t in test["tags"] if t.startswith("exercise:")), None)
        if exercise is None:
            continue
        got, total = scores.setdefault(exercise, [0.0, 0.0])
        scores[exercise] = [got + test["score"], total + test["max_score"]]
    return {k: (v[0], v[1]) for k, v in scores.items()}


def checks_of(results: dict, exercise: str) -> list[dict]:
    return [t for t in results["tests"] if f"exercise:{exercise}" in t["tags"]]


def uids_in(text: str) -> set[int]:
    """The sandbox uids an attack printed (``sandbox uid 2100123``)."""
    return {int(m) for m in re.findall(r"sandbox uid (\d+)", text)}


def live_processes_of(uids: set[int], wait: float = 5.0) -> list[tuple[int, int, str]]:
    """``(pid, uid, command)`` of live (non-zombie) processes whose real uid is in ``uids``, after up to ``wait`` s."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                status = Path(f"/proc/{entry}/status").read_text()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            uid = int(fields.get("Uid", "-1").split()[0])
            if uid in uids and not fields.get("State", "").strip().startswith("Z"):
                found.append((int(entry), uid, cmdline[:200]))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
