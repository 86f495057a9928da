"""The judge's side of a sandbox: start the zygote, fork sandboxes, talk to them.

`Zygote` owns the warm process; `Sandbox` is one forked sandbox; `Session`
is what grading one submission uses: it loads the student's cells, replays
them into a fresh fork whenever the previous one died, and turns every way a
sandbox can fail into a `SandboxFailure` with a message for the student.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from grader.runtime import ONEDNN, onednn_setting
from grader.sandbox import jail
from grader.sandbox.protocol import DeadlineExceeded, PeerClosed, ProtocolError, recv_message, send_message

SIGNAL_WORDS = {
    signal.SIGSEGV: "crashed with a segmentation fault",
    signal.SIGABRT: "aborted (os.abort() or a failed C-level assertion)",
    signal.SIGBUS: "crashed with a bus error",
    signal.SIGFPE: "crashed with a floating-point exception",
    signal.SIGILL: "crashed with an illegal instruction",
    signal.SIGXCPU: "used up its CPU-time limit",
    signal.SIGXFSZ: "wrote a file larger than the size limit",
    signal.SIGKILL: "was killed",
}


class SandboxFailure(Exception):
    """The sandbox timed out, crashed, ran out of memory or broke the protocol."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # timeout | crash | exit | memory | processes | protocol | start
        self.message = message


@dataclass(frozen=True)
class SandboxLimits:
    memory_bytes: int = 3 << 30
    processes: int = 32  # the sandbox and what it forks, threads not counted: a fork bomb is stopped at once
    cpu_seconds: int = 900
    tmp_bytes: int = 128 << 20
    file_bytes: int = 64 << 20
    start_seconds: float = 30.0


def minimal_env() -> dict[str, str]:
    """What the zygote (and so every sandbox) inherits: nothing secret."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TF_USE_LEGACY_KERAS": "0",
        "OMP_NUM_THREADS": "1",
        ONEDNN: onednn_setting(),  # as the judge's TF runs it, so both sides round alike
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # needed on some CPUs, not secret
        if key in os.environ:
            env[key] = os.environ[key]
    return env


class Zygote:
    """A warm process with TensorFlow imported, forking sandboxes on request.

    Creating one starts the process and returns at once, so that it imports
    TensorFlow while the judge imports its own. The first `fork` (or
    `wait_ready`, or reading `notes`) waits until it is ready.
    """

    def __init__(self, warm_up: bool = True) -> None:
        """``warm_up=False``: a zygote without `grader.sandbox.warmup` (what benchmarks/paired.py compares)."""
        self.process: subprocess.Popen | None = None
        self.warm_up = warm_up
        self._own_directory()
        self._start()

    def _own_directory(self) -> None:
        """A private directory for the socket and the sandboxes' mount point."""
        self.dir = tempfile.mkdtemp(prefix="tfgrader-zygote-")
        os.chmod(self.dir, 0o700)
        self.socket_path = os.path.join(self.dir, "zygote.sock")
        self.root_dir = os.path.join(self.dir, "root")
        os.mkdir(self.root_dir)

    def _start(self) -> None:
        """Start the process; `wait_ready` reads its "ready"."""
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)
        self._ready = False
        self._notes: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader.sandbox.zygote", self.socket_path, str(os.getpid()),
             *([] if self.warm_up else ["--no-warm-up"])],
            cwd=self.dir,
            env=minimal_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def wait_ready(self) -> None:
        """Block until the zygote listens; `RuntimeError` if it died on the way (no TensorFlow...)."""
        if self._ready:
            return
        line = self.process.stdout.readline() if self.process and self.process.stdout else b""
        while line.startswith(b"note: "):
            self._notes.append(line[len(b"note: "):].decode(errors="replace").strip())
            line = self.process.stdout.readline()
        if line.strip() != b"ready":
            if self.process is not None:
                self.process.kill()
                self.process.wait()
            raise RuntimeError("the sandbox zygote did not start (is TensorFlow installed in this environment?)")
        self._ready = True

    @property
    def notes(self) -> list[str]:
        """What the zygote could not warm up (sandboxes start slower, not worse); waits until it is ready."""
        self.wait_ready()
        return self._notes

    @classmethod
    def attach(cls, socket_path: str, root_dir: str) -> Zygote:
        """Use a zygote started, and waited for, by another process (a worker of the same batch)."""
        obj = cls.__new__(cls)
        obj.dir, obj.socket_path, obj.root_dir, obj.process = None, socket_path, root_dir, None
        obj._ready, obj._notes = True, []
        obj.warm_up = True  # if it must start its own (see _replace)
        return obj

    def fork(self, spec: dict, sandbox_fd: int, status_fd: int) -> int:
        try:
            self.wait_ready()
            reply = self._ask(spec, sandbox_fd, status_fd)
        except (OSError, ValueError, RuntimeError):  # it died (OOM killer, kill -9) or hangs: a new one, one more try
            self._replace()
            try:
                reply = self._ask({**spec, "root_dir": self.root_dir}, sandbox_fd, status_fd)
            except (OSError, ValueError) as again:
                raise SandboxFailure("start", f"the sandbox zygote is not answering ({again})") from None
        if "pid" not in reply:
            raise SandboxFailure("start", f"the zygote refused to start a sandbox: {reply.get('error')}")
        return int(reply["pid"])

    def _replace(self) -> None:
        """Start a new zygote in place of a dead one.

        Ours is restarted on the same socket. An attached worker cannot restart
        the batch's zygote (its siblings would race to), so it starts one of its
        own and keeps it for the rest of its life: one more warm process, but
        the batch goes on instead of every later submission needing regrading.
        """
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        if self.dir is None:
            self._own_directory()
            atexit.register(self.close)
        try:
            self._start()
            self.wait_ready()
        except (RuntimeError, OSError) as exc:  # no TensorFlow, no room in /tmp: this sandbox cannot start
            raise SandboxFailure("start", str(exc)) from None

    def _ask(self, spec: dict, sandbox_fd: int, status_fd: int) -> dict:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(30)
            conn.connect(self.socket_path)
            socket.send_fds(conn, [json.dumps(spec).encode()], [sandbox_fd, status_fd])
            return json.loads(conn.recv(4096) or b"{}")

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
        if self.dir:
            for name in ("zygote.sock",):
                try:
                    os.unlink(os.path.join(self.dir, name))
                except OSError:
                    pass
            try:
                os.rmdir(self.root_dir)
                os.rmdir(self.dir)
            except OSError:
                pass


class UidLease:
    """An unprivileged uid no other live sandbox on this machine is using."""

    BASE = 2_100_000
    COUNT = 4096
    LOCK_DIR = "/tmp/tfgrader-uids"

    def __init__(self) -> None:
        self.fd: int | None = None
        if os.geteuid() != 0:
            self.uid = os.getuid()
            return
        os.makedirs(self.LOCK_DIR, mode=0o700, exist_ok=True)
        start = (os.getpid() * 7) % self.COUNT
        for k in range(self.COUNT):
            uid = self.BASE + (start + k) % self.COUNT
            fd = os.open(os.path.join(self.LOCK_DIR, str(uid)), os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.fd, self.uid = fd, uid
            return
        raise RuntimeError("no free sandbox uid")

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


@dataclass
class ExitInfo:
    reason: str | None = None
    code: int | None = None
    signal: int | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_bytes: int = 0
    stderr_bytes: int = 0


class Sandbox:
    """One forked, confined sandbox process serving the agent protocol."""

    def __init__(self, zygote: Zygote, uid: int, limits: SandboxLimits, wanted: list[str]) -> None:
        self.limits = limits
        self.exit_info: ExitInfo | None = None
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        status_r, status_w = os.pipe()
        spec = {
            "uid": uid,
            "root_dir": zygote.root_dir,
            "memory_bytes": limits.memory_bytes,
            "processes": limits.processes,
            "cpu_seconds": limits.cpu_seconds,
            "tmp_bytes": limits.tmp_bytes,
            "file_bytes": limits.file_bytes,
            "wanted": wanted,
        }
        try:
            self.supervisor_pid = zygote.fork(spec, theirs.fileno(), status_w)
        finally:
            theirs.close()
            os.close(status_w)
        self.status = os.fdopen(status_r, "rb", buffering=0)
        self._status_buf = b""
        started = self._read_status(time.monotonic() + limits.start_seconds)
        if not started or started.get("event") != "started":
            raise SandboxFailure("start", "the sandbox did not start")
        self.pid = int(started["pid"])

    def _read_status(self, deadline: float) -> dict | None:
        while b"\n" not in self._status_buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.status], [], [], remaining)[0]:
                return None
            chunk = os.read(self.status.fileno(), 1 << 16)
            if not chunk:
                return None
            self._status_buf += chunk
            if len(self._status_buf) > 1 << 20:
                return None
        line, self._status_buf = self._status_buf.split(b"\n", 1)
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            return None
        return event if isinstance(event, dict) else None

    def request(self, header: dict, frames: list[bytes], timeout: float) -> tuple[dict, list[bytes]]:
        if self.exit_info is not None:
            raise SandboxFailure("exit", "the sandbox is no longer running")
        try:
            send_message(self.sock, header, frames)
            return recv_message(self.sock, time.monotonic() + timeout)
        except DeadlineExceeded:
            self.kill()
            raise SandboxFailure("timeout", f"timed out after {timeout:g} s") from None
        except PeerClosed:
            raise self._crash() from None
        except (BrokenPipeError, ConnectionResetError):
            raise self._crash() from None
        except ProtocolError as exc:
            self.kill()
            raise SandboxFailure("protocol", f"sent a reply the grader cannot accept: {exc}") from None

    def _crash(self) -> SandboxFailure:
        info = self.wait_exit(timeout=5.0)
        if info.reason == "memory":
            gib = self.limits.memory_bytes / (1 << 30)
            return SandboxFailure("memory", f"used more than {gib:g} GiB of memory and was stopped")
        if info.reason == "processes":
            return SandboxFailure(
                "processes", f"started more than {self.limits.processes} processes (a fork bomb?) and was stopped"
            )
        if info.signal is not None:
            words = SIGNAL_WORDS.get(info.signal, f"was ended by signal {info.signal}")
            return SandboxFailure("crash", f"your code {words} (signal {info.signal})")
        if info.code is not None:
            how = "os._exit(0) or a similar hard exit" if info.code == 0 else f"exit code {info.code}"
            return SandboxFailure("exit", f"your code ended the process ({how})")
        return SandboxFailure("crash", "the sandbox stopped unexpectedly")

    def kill(self) -> None:
        if self.exit_info is None:
            try:
                os.kill(self.pid, signal.SIGKILL)  # PID 1 of its namespace: everything in it dies
            except (ProcessLookupError, PermissionError):
                pass
            self.wait_exit(timeout=5.0)

    def wait_exit(self, timeout: float) -> ExitInfo:
        if self.exit_info is not None:
            return self.exit_info
        deadline = time.monotonic() + timeout
        event = None
        while True:
            event = self._read_status(deadline)
            if event is None or event.get("event") == "exited":
                break
        if event is None:  # the supervisor is gone or stuck: make sure nothing is left
            for pid in (self.pid, self.supervisor_pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            event = {"reason": "lost"}
        self.exit_info = ExitInfo(
            reason=event.get("reason"),
            code=event.get("code"),
            signal=event.get("signal"),
            stdout=str(event.get("stdout", "")),
            stderr=str(event.get("stderr", "")),
            stdout_bytes=int(event.get("stdout_bytes", 0) or 0),
            stderr_bytes=int(event.get("stderr_bytes", 0) or 0),
        )
        self.sock.close()
        self.status.close()
        return self.exit_info

    def close(self) -> ExitInfo:
        if self.exit_info is None:
            try:
                send_message(self.sock, {"op": "shutdown"}, [])
            except OSError:
                pass
            info = self.wait_exit(timeout=5.0)
            if info.reason == "lost":
                self.kill()
        return self.exit_info


@dataclass
class Output:
    stdout: str = ""
    stderr: str = ""
    truncated: bool = False

    def add(self, info: ExitInfo, cap: int = 16 * 1024) -> None:
        self.stdout = (self.stdout + info.stdout)[:cap]
        self.stderr = (self.stderr + info.stderr)[:cap]
        if info.stdout_bytes > len(info.stdout) or info.stderr_bytes > len(info.stderr):
            self.truncated = True


@dataclass
class Session:
    """Everything the judge does with one submission's code."""

    zygote: Zygote
    cells: list[dict]
    wanted: list[str]
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    load_seconds: float = 60.0
    sandbox: Sandbox | None = None
    lease: UidLease | None = None
    load_report: dict | None = None
    load_failure: SandboxFailure | None = None
    output: Output = field(default_factory=Output)
    restarts: int = 0

    def _ensure(self) -> Sandbox:
        if self.load_failure is not None:
            raise self.load_failure
        if self.sandbox is not None and self.sandbox.exit_info is None:
            return self.sandbox
        if self.sandbox is not None:
            self.output.add(self.sandbox.exit_info)
            self.restarts += 1
        if self.lease is None:
            self.lease = UidLease()
        self.sandbox = Sandbox(self.zygote, self.lease.uid, self.limits, self.wanted)
        try:
            reply, _ = self.sandbox.request({"op": "load", "cells": self.cells}, [], self.load_seconds)
        except SandboxFailure as exc:
            self.load_failure = SandboxFailure(exc.kind, f"loading your code: {exc.message}")
            raise self.load_failure from None
        if self.load_report is None:
            self.load_report = reply.get("value") if reply.get("ok") else {"errors": [reply.get("error")]}
        return self.sandbox

    def load(self) -> dict:
        try:
            self._ensure()
        except SandboxFailure as exc:
            return {"defined": [], "skipped": [], "errors": [], "failure": exc.message}
        return self.load_report or {}

    def request(self, header: dict, frames: list[bytes], timeout: float) -> tuple[dict, list[bytes]]:
        return self._ensure().request(header, frames, timeout)

    def fresh(self) -> None:
        """End the current sandbox (keeping its output); the next request loads the code in a new one.

        Called between exercises, so that what one exercise's code did to its
        process (global TF state, threads, a full /tmp) cannot cost another.
        """
        if self.sandbox is not None:
            if self.sandbox.exit_info is None:
                self.sandbox.close()
            self.output.add(self.sandbox.exit_info)
            self.sandbox = None

    def close(self) -> None:
        if self.sandbox is not None:
            if self.sandbox.exit_info is None:
                self.sandbox.close()
            self.output.add(self.sandbox.exit_info)
            self.sandbox = None
        if self.lease is not None:
            self.lease.release()
            self.lease = None


def isolation_warning() -> str | None:
    if jail.isolation_level() == "full":
        return None
    return (
        f"{jail.isolation_reason()}: sandboxes get rlimits and a memory watchdog, but no private network, "
        "filesystem view or uid. Grade untrusted submissions as root on a machine (or a container with "
        "CAP_SYS_ADMIN, e.g. docker run --cap-add SYS_ADMIN) that allows namespaces."
    )
