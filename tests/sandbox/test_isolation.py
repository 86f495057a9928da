"""The sandbox, for real: forked, confined, and replaced when the student's code kills it.

These run as the grader runs: as root, with namespaces, a private root and
an unprivileged uid. Where the machine is not root they check the weaker mode.
"""

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from grader.judge.errors import SandboxProblem, StudentCodeError
from grader.judge.proxy import Namespace, SandboxBackend
from grader.sandbox import jail

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="full isolation needs root (CI and graders run as root)")

PROBES = """
import os, socket, sys, time, signal

def whoami():
    return {"uid": os.getuid(), "gid": os.getgid(), "pid": os.getpid(), "groups": os.getgroups()}

def read(path):
    with open(path, "rb") as fh:
        return fh.read(200).decode("latin-1")

def listdir(path):
    return sorted(os.listdir(path))

def connect(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return "connected"
    except OSError as exc:
        return type(exc).__name__

def interfaces():
    with open("/proc/net/dev") as fh:
        return sorted(line.split(":")[0].strip() for line in fh.readlines()[2:])

def environment():
    return dict(os.environ)

def hard_exit():
    os._exit(0)

def polite_exit():
    sys.exit(0)

def interrupt():
    raise KeyboardInterrupt

def segfault():
    import ctypes
    ctypes.string_at(0)

def stubborn_loop():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        pass

def escape_by_double_fork():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(600)
        os._exit(0)
    return "forked"

def hog_memory():
    blocks = []
    while True:
        blocks.append(bytearray(256 * 1024 * 1024))

def hog_memory_in_a_child():
    if os.fork() == 0:
        hog_memory()
    os.wait()

def share_memory_with_children(megabytes, children):
    shared = bytearray(megabytes << 20)  # written (zeroed), so resident
    for _ in range(children):
        if os.fork() == 0:
            time.sleep(600)
    time.sleep(1)  # several rounds of the supervisor's watch
    return len(shared) >> 20

def start_sleepers(count):
    for _ in range(count):
        if os.fork() == 0:
            time.sleep(600)
    time.sleep(2)  # the supervisor's watch comes round
    return "still here"

def ping():
    return "pong"

def lazy_imports():
    import importlib
    for name in ("numpy.random", "h5py", "keras.src.saving.saving_lib", "json.tool", "matplotlib"):
        importlib.import_module(name)
    return "imported"
"""


@pytest.fixture
def student(session):
    s = session(PROBES)
    return s, Namespace(SandboxBackend(s, timeout=10))


@ROOT_ONLY
def test_runs_as_its_own_unprivileged_uid_in_its_own_pid_namespace(student):
    _, ns = student
    me = ns.whoami()
    assert me["uid"] >= 1000 and me["uid"] == me["gid"] and me["groups"] == []
    assert me["pid"] == 2  # under a tiny init (PID 1) of its own namespace


@ROOT_ONLY
def test_abort_is_reported_as_an_abort_not_a_segfault(session):
    """As PID 1 the kernel would ignore SIGABRT and glibc would fall back to a segfault: the init prevents it."""
    s = session("import os\ndef boom():\n    os.abort()\n")
    with pytest.raises(SandboxProblem) as info:
        Namespace(SandboxBackend(s)).boom()
    assert info.value.kind == "crash" and "abort" in info.value.message.lower(), info.value.message


@ROOT_ONLY
def test_sees_no_course_no_judge_and_no_secrets(student, losses):
    _, ns = student
    for secret_file in (losses.checks_dir / "test_huber_fn.py", losses.solution_path,
                        losses.course_root / "solutions" / "course.toml", "/etc/passwd", "/root/.bashrc"):
        with pytest.raises(StudentCodeError, match="FileNotFoundError|PermissionError"):
            ns.read(str(secret_file))
    assert ns.listdir("/proc") == sorted(ns.listdir("/proc"))
    assert [p for p in ns.listdir("/proc") if p.isdigit()] == ["1", "2"]  # its init and itself: no judge, no other sandbox
    with pytest.raises(StudentCodeError, match="PermissionError"):
        ns.read("/proc/1/environ")  # the init is root's: its environment is not readable
    with pytest.raises(StudentCodeError):
        ns.read(f"/proc/{os.getpid()}/environ")
    env = ns.environment()
    assert "TFGRADER_SECRET" not in env and set(env) <= {"HOME", "TMPDIR", "PATH", "LANG", "MPLCONFIGDIR",
                                                         "TF_CPP_MIN_LOG_LEVEL"}


def test_the_runtime_can_still_import_what_it_needs(student):
    _, ns = student
    assert ns.lazy_imports() == "imported"


@ROOT_ONLY
def test_has_no_network_but_loopback(student):
    _, ns = student
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    try:
        assert ns.connect(server.getsockname()[1]) != "connected"
        assert ns.interfaces() == ["lo"]
        assert accepted == []
    finally:
        server.close()


def test_timeout_kills_even_code_that_ignores_signals(student):
    session, ns = student
    ns._backend.timeout = 2
    with pytest.raises(SandboxProblem, match="timed out after 2 s") as info:
        ns.stubborn_loop()
    assert info.value.kind == "timeout"
    ns._backend.timeout = 10
    assert ns.ping() == "pong" and session.restarts == 1


@pytest.mark.parametrize(
    "probe, kind, words",
    [
        ("hard_exit", "exit", "os._exit"),
        ("segfault", "crash", "segmentation fault"),
    ],
)
def test_crashes_fail_the_call_and_a_fresh_sandbox_takes_over(student, probe, kind, words):
    session, ns = student
    with pytest.raises(SandboxProblem, match=words) as info:
        getattr(ns, probe)()
    assert info.value.kind == kind
    assert ns.ping() == "pong" and session.restarts == 1


@pytest.mark.parametrize("probe, error", [("polite_exit", "SystemExit"), ("interrupt", "KeyboardInterrupt")])
def test_exit_and_interrupt_are_errors_of_the_call(student, probe, error):
    _, ns = student
    with pytest.raises(StudentCodeError, match=error):
        getattr(ns, probe)()
    assert ns.ping() == "pong"


def test_memory_hog_is_stopped(session, zygote):
    from grader.sandbox.client import SandboxLimits, Session

    s = Session(zygote, [{"label": "cell 1", "source": PROBES}], [], limits=SandboxLimits(memory_bytes=1 << 30))
    try:
        ns = Namespace(SandboxBackend(s, timeout=30))
        with pytest.raises(SandboxProblem, match="memory") as info:
            ns.hog_memory()
        assert info.value.kind == "memory"
        assert ns.ping() == "pong"
    finally:
        s.close()


def test_memory_hog_in_a_forked_child_is_stopped(session, zygote):
    from grader.sandbox.client import SandboxLimits, Session

    s = Session(zygote, [{"label": "cell 1", "source": PROBES}], [], limits=SandboxLimits(memory_bytes=1 << 30))
    try:
        with pytest.raises(SandboxProblem, match="memory"):
            Namespace(SandboxBackend(s, timeout=30)).hog_memory_in_a_child()
    finally:
        s.close()


def test_pages_shared_by_forked_children_count_once(session, zygote):
    """Five processes sharing one 300 MiB block hold ~0.3 GiB, not the 5 x (0.3 GiB + TF) their RSS adds up to."""
    from grader.sandbox.client import SandboxLimits, Session

    s = Session(zygote, [{"label": "cell 1", "source": PROBES}], [], limits=SandboxLimits(memory_bytes=2 << 30))
    try:
        ns = Namespace(SandboxBackend(s, timeout=30))
        assert ns.share_memory_with_children(300, 4) == 300
        assert ns.ping() == "pong"
    finally:
        s.close()


def test_too_many_processes_are_stopped_and_a_few_are_not(session, zygote):
    from grader.sandbox.client import SandboxLimits, Session

    s = Session(zygote, [{"label": "cell 1", "source": PROBES}], [], limits=SandboxLimits(processes=16))
    try:
        ns = Namespace(SandboxBackend(s, timeout=30))
        assert ns.start_sleepers(8) == "still here"
        with pytest.raises(SandboxProblem, match="more than 16 processes") as info:
            ns.start_sleepers(12)
        assert info.value.kind == "processes"
        assert ns.ping() == "pong"
    finally:
        s.close()


@ROOT_ONLY
def test_nothing_outlives_the_sandbox_not_even_a_setsid_grandchild(student):
    session, ns = student
    uid = ns.whoami()["uid"]
    assert ns.escape_by_double_fork() == "forked"
    assert _processes_of(uid, wait=0)  # the grandchild is alive while the sandbox is
    session.close()
    assert _processes_of(uid, wait=5) == []


def _processes_of(uid: int, wait: float) -> list[int]:
    """Live processes of ``uid``, waiting up to ``wait`` seconds for there to be none."""
    import time

    deadline = time.monotonic() + wait
    while True:
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as fh:
                        state = fh.read().rsplit(")", 1)[1].split()[0]
                    if os.stat(f"/proc/{entry}").st_uid == uid and state != "Z":  # zombies are dead
                        pids.append(int(entry))
                except (OSError, IndexError):
                    pass
        if not pids or time.monotonic() > deadline:
            return pids
        time.sleep(0.1)


def test_isolation_level_matches_privileges():
    assert jail.isolation_level() == ("full" if os.geteuid() == 0 else "weak")


@ROOT_ONLY
def test_root_without_cap_sys_admin_grades_with_weak_isolation_and_says_so_once(tmp_path):
    """As in a default Docker container: root, but no namespaces or mounts. Grading still works."""
    root = Path(__file__).resolve().parents[2]
    command = (f"{sys.executable} -m grader.cli grade losses {root / 'samples' / 'losses' / 'bob.py'} "
               f"--out {tmp_path / 'out'} --jobs 2")
    proc = subprocess.run(["capsh", "--drop=cap_sys_admin", "--", "-c", command], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr.count("may not create namespaces") == 1, proc.stderr
    results = json.loads((tmp_path / "out" / "bob" / "results.json").read_text())
    assert results["score"] == results["extra_data"]["max_score"] > 0


def assert_a_sandbox_answers(zygote) -> None:
    """A sandbox forked from ``zygote`` loads the probes and answers."""
    from grader.sandbox.client import Session

    s = Session(zygote, [{"label": "cell 1", "source": PROBES}], [])
    try:
        assert Namespace(SandboxBackend(s)).ping() == "pong"
    finally:
        s.close()


def test_a_zygote_imports_tensorflow_in_the_background_and_says_when_it_cannot_start(capsys):
    """Creating a zygote does not wait for it (the judge imports its own TF meanwhile); one that dies says so."""
    from grader.cli_common import ready_or_fail
    from grader.sandbox.client import Zygote

    zygote = Zygote()
    try:
        assert not os.path.exists(zygote.socket_path)  # still importing TensorFlow: the constructor returned
        zygote.wait_ready()
        assert os.path.exists(zygote.socket_path)
        assert_a_sandbox_answers(zygote)
    finally:
        zygote.close()

    doomed = Zygote()
    try:
        doomed.process.kill()  # e.g. the OOM killer, while it imports TensorFlow
        with pytest.raises(SystemExit) as stop:
            ready_or_fail(doomed, 2)
        assert stop.value.code == 2
        assert "the sandbox zygote did not start" in capsys.readouterr().err
    finally:
        doomed.close()


def test_a_dead_zygote_is_replaced():
    from grader.sandbox.client import Zygote

    zygote = Zygote()
    try:
        zygote.process.kill()
        zygote.process.wait()
        assert_a_sandbox_answers(zygote)
    finally:
        zygote.close()



def test_a_worker_whose_batch_zygote_died_starts_its_own():
    """A `--jobs N` worker is attached to the batch's zygote; that one gone, the worker's next sandbox still starts."""
    from grader.sandbox.client import Zygote

    batch = Zygote()
    worker = Zygote.attach(batch.socket_path, batch.root_dir)
    try:
        batch.process.kill()
        batch.process.wait()
        assert_a_sandbox_answers(worker)
        assert worker.process is not None and worker.process.poll() is None  # its own, alive
        assert worker.socket_path != batch.socket_path
    finally:
        worker.close()
        batch.close()
    assert not os.path.exists(worker.dir)
