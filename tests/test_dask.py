"""``tfgrader grade --scheduler``: a real Dask cluster on loopback grades exactly like a local run.

The cluster is a `LocalCluster` in this process (scheduler) with two worker
processes, one thread each; each worker starts its own zygote and sandboxes.
The scheduler allows no retry of a task whose worker died, so killing a busy
worker shows the documented outcome: its submission comes back as "needs
regrading", every other one is graded, and rerunning the command regrades
only that one.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster

from grader.dask_executor import worker_facts

pytestmark = pytest.mark.xdist_group("dask")  # its module cluster starts once, on one worker

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "losses"
CLASS = ["alice.ipynb", "bob.py", "carol.ipynb", "dave.py", "ivan.py", "judy.py"]  # judy: segfault, os._exit
TFGRADER = [sys.executable, "-m", "grader.cli"]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


@pytest.fixture(scope="module")
def cluster():
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                               scheduler_port=0, dashboard_address=None)
    try:
        yield cluster
    finally:
        cluster.close()


def grade(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*TFGRADER, "grade", "losses", *args, "--no-progress"], capture_output=True, text=True,
                          env=ENV, timeout=600)


def outcomes(out: Path) -> dict[str, dict]:
    """Per student: the score and each check's (score, status), from results.json."""
    table = {}
    for folder in sorted(p for p in out.iterdir() if (p / "results.json").is_file()):
        data = json.loads((folder / "results.json").read_text())
        table[folder.name] = {
            "score": data["score"],
            "status": data["extra_data"]["status"],
            "tests": [(t["name"], t["score"], t["status"]) for t in data["tests"]],
        }
    return table


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("local") / "out"
    proc = grade(*(str(SAMPLES / name) for name in CLASS), "--out", str(out), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    return outcomes(out)


def test_cluster_grades_like_a_local_run(cluster, local_run, tmp_path):
    out = tmp_path / "out"
    proc = grade(*(str(SAMPLES / name) for name in CLASS), "--out", str(out), "--scheduler", cluster.scheduler_address)
    assert proc.returncode == 0, proc.stderr
    assert f"Graded {len(CLASS)} submission(s) ({len(CLASS)} cleanly)" in proc.stdout
    assert outcomes(out) == local_run
    assert 0 < local_run["judy"]["score"] < local_run["alice"]["score"]  # crashes cost only their checks
    assert local_run["ivan"]["score"] == 0
    with Client(cluster.scheduler_address) as client:  # both workers took part, each with its own zygote
        facts = client.run(worker_facts)
    assert [f["graders"] for f in facts.values()] == [1, 1]
    assert len({f["zygote_pid"] for f in facts.values()} - {None}) == 2
    lines = [line for line in proc.stderr.splitlines() if line.startswith("[")]
    assert len(lines) == len(CLASS)  # one line per submission, as a local run prints


def test_a_worker_killed_mid_submission_costs_only_that_submission(cluster, local_run, tmp_path):
    out = tmp_path / "out"
    command = [*TFGRADER, "grade", "losses", *(str(SAMPLES / n) for n in CLASS), "--out", str(out),
               "--scheduler", cluster.scheduler_address, "--no-progress"]
    with Client(cluster.scheduler_address) as client:
        warm = {address: f["zygote_pid"] for address, f in client.run(worker_facts).items()}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        with Client(cluster.scheduler_address) as client:
            deadline = time.monotonic() + 300
            busy = {}
            while not busy and time.monotonic() < deadline and proc.poll() is None:
                busy = {w: keys for w, keys in client.processing().items() if keys}
                time.sleep(0.1)
            assert busy, "no worker ever held a submission"
            worker = next(iter(busy))
            pid = client.run(os.getpid, workers=[worker])[worker]
            os.kill(pid, signal.SIGKILL)
            stdout, stderr = proc.communicate(timeout=600)
            survivors = {address: f["zygote_pid"] for address, f in client.run(worker_facts).items()}
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    graded = outcomes(out)
    assert sorted(graded) == sorted(local_run)  # every submission has a result
    lost = [s for s, r in graded.items() if r["status"] == "needs_regrading"]
    assert len(lost) >= 1, stderr
    for student in lost:
        data = json.loads((out / student / "results.json").read_text())
        assert all("needs-regrading" in t["tags"] for t in data["tests"])
        assert "KilledWorker" in " ".join(data["extra_data"]["judge_errors"])  # for the instructor
    for student in set(graded) - set(lost):
        assert graded[student] == local_run[student], student
    kept = [a for a in warm if a != worker and a in survivors]
    assert kept and all(survivors[a] == warm[a] for a in kept)  # the other worker kept its warm zygote
    again = subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"{len(CLASS) - len(lost)} unchanged since their last grade" in again.stdout
    assert outcomes(out) == local_run


def test_unreachable_scheduler_is_one_clear_error(tmp_path):
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = tmp_path / "out"
    proc = grade(str(SAMPLES / "bob.py"), "--out", str(out), "--scheduler", f"tcp://127.0.0.1:{port}")
    assert proc.returncode == 1
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (out / "bob").exists()  # nothing was graded
    bad = grade(str(SAMPLES / "bob.py"), "--out", str(out), "--scheduler", "not-an-address")
    assert bad.returncode == 1 and "write it as tcp://HOST:PORT" in bad.stderr and "Traceback" not in bad.stderr
