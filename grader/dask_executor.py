"""Grading on a Dask distributed cluster: ``tfgrader grade ... --scheduler tcp://HOST:PORT``.

The client (the machine running ``tfgrader grade``) reads the submissions,
sends each one as a task, and alone writes results, reports and the gradebook.
Every Dask worker process grades with its own warm `Zygote` and sandboxes and
keeps one `Grader` per assignment, created on its first task and reused for
every later one. Workers need tfgrader installed (same version) and root for
full isolation, but no shared filesystem: the assignment's course files
(``solutions/course.toml``, ``solutions/<id>/``, the public checks) travel to
the workers once per batch as a `CourseBundle`, together with the course
secret. Dask pickles tasks and results between client and workers, which are
all trusted judge processes; nothing from a sandbox is ever unpickled (results
cross as plain dicts).

A worker that dies mid-submission is replaced by Dask and the task retried
(Dask's ``allowed-failures``); a submission that keeps losing its worker, or
finds no worker left for `LOST_AFTER` seconds, comes back as a judge error
("needs regrading") and the batch completes.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import tempfile
import threading
import time
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.course import Course
from grader.executors import judge_failure
from grader.results import SubmissionResult
from grader.runtime import freeze_long_lived
from grader.submission import Submission

CONNECT_SECONDS = 10.0
WORKERS_SECONDS = 60.0  # how long to wait for a first worker to join the scheduler
LOST_AFTER = 120.0  # no worker at all for this long: the submissions still pending are judge errors
MAX_BUNDLE_BYTES = 64 << 20
POLL_SECONDS = 0.2
PLACEHOLDER_SECRET = "shipped-with-the-task"  # the real secret stays in memory, never on a worker's disk


class SchedulerError(Exception):
    """The Dask scheduler cannot be used; the message says why, in one line."""


@dataclass(frozen=True)
class CourseBundle:
    """The files one assignment needs to be graded, keyed by path relative to the course root."""

    assignment_id: str
    secret: str = field(repr=False)
    files: dict[str, bytes] = field(repr=False)
    digest: str = ""


def bundle_course(course: Course, assignment_id: str) -> CourseBundle:
    """Collect what a worker needs to grade ``assignment_id``: course.toml, solutions/<id>/, public checks."""
    root = course.root
    sources = [root / "solutions" / assignment_id, root / "assignments" / assignment_id / "checks"]
    files: dict[str, bytes] = {}
    for folder in sources:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file() and "__pycache__" not in path.parts:
                files[str(path.relative_to(root))] = path.read_bytes()
    config = (root / "solutions" / "course.toml").read_bytes()
    if "secret" not in tomllib.loads(config.decode()):  # the secret came from TFGRADER_SECRET
        config = f'secret = "{PLACEHOLDER_SECRET}"\n'.encode() + config
    files["solutions/course.toml"] = config
    size = sum(len(data) for data in files.values())
    if size > MAX_BUNDLE_BYTES:
        raise SchedulerError(f"the course files of {assignment_id} are {size >> 20} MiB, more than the "
                             f"{MAX_BUNDLE_BYTES >> 20} MiB sent to Dask workers")
    digest = hashlib.sha256(course.secret.encode())
    for name, data in sorted(files.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return CourseBundle(assignment_id, course.secret, files, digest.hexdigest()[:16])


# --------------------------------------------------------------------------- worker side


class _WorkerState:
    """Per worker process: unpacked courses, one zygote, one Grader per (course, assignment, public)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # the judge (pytest) is not thread-safe: one submission at a time
        self.dirs: dict[str, str] = {}
        self.graders: dict[tuple[str, bool], object] = {}
        self.zygote = None

    def grader(self, bundle: CourseBundle, public: bool):
        from grader.grading import Grader
        from grader.runtime import require_keras3
        from grader.sandbox.client import Zygote

        key = (bundle.digest, public)
        if key not in self.graders:
            require_keras3()
            if bundle.digest not in self.dirs:
                self.dirs[bundle.digest] = unpack(bundle)
            assignment = Course(self.dirs[bundle.digest]).assignment(bundle.assignment_id)
            if self.zygote is None:
                self.zygote = Zygote()
            self.graders[key] = Grader(replace(assignment, secret=bundle.secret), self.zygote, public=public)
            freeze_long_lived()
        return self.graders[key]

    def close(self) -> None:
        with self.lock:
            if self.zygote is not None:
                self.zygote.close()
                self.zygote = None
            self.graders.clear()
            for folder in self.dirs.values():
                shutil.rmtree(folder, ignore_errors=True)
            self.dirs.clear()


_state = _WorkerState()


def unpack(bundle: CourseBundle) -> str:
    """Write the bundle's files under a fresh private folder; returns the course root."""
    root = tempfile.mkdtemp(prefix=f"tfgrader-course-{bundle.digest}-")
    os.chmod(root, 0o700)
    for name, data in bundle.files.items():
        relative = Path(name)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"unexpected path in the course bundle: {name!r}")
        path = Path(root) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def grade_on_worker(bundle: CourseBundle, submission: Submission, public: bool = False) -> dict:
    """The task a Dask worker runs: grade one submission, return `SubmissionResult.to_dict()`."""
    with _state.lock:
        grader = _state.grader(bundle, public)
        try:
            result = grader.grade(submission)
        except Exception as exc:  # noqa: BLE001 - one judge failure must not fail the task (no retry storm)
            result = judge_failure(submission, bundle.assignment_id, exc)
    return result.to_dict()


def worker_facts() -> dict:
    """What the client checks on each worker before sending work (and what it holds: graders, a zygote)."""
    from grader import __version__
    from grader.sandbox.client import isolation_warning

    zygote = _state.zygote.process if _state.zygote is not None else None
    return {"version": __version__, "isolation_warning": isolation_warning(), "graders": len(_state.graders),
            "zygote_pid": zygote.pid if zygote is not None else None}


try:
    from distributed import WorkerPlugin
except ImportError:  # pragma: no cover - distributed is a declared dependency
    WorkerPlugin = object  # type: ignore[misc,assignment]


class ZygoteTeardown(WorkerPlugin):
    """Closes the worker's zygote and removes the unpacked courses when the worker shuts down."""

    name = "tfgrader-zygote-teardown"

    def teardown(self, worker) -> None:  # noqa: ANN001 - distributed.Worker
        from distributed.core import Status

        # Each batch registers this plugin again, which tears the previous one down on a running
        # worker: keep the warm zygote and graders then, for this batch and the next assignments.
        if worker.status in (Status.closing, Status.closed, Status.failed):
            _state.close()


# --------------------------------------------------------------------------- client side


class DaskExecutor:
    """Sends submissions to a Dask cluster; yields ``(submission, result)`` as results come back."""

    def __init__(self, client, course: Course, assignment_id: str, public: bool = False) -> None:
        self.client = client
        self.course = course
        self.assignment_id = assignment_id
        self.public = public
        self.bundle = bundle_course(course, assignment_id)
        self._warnings: list[str] = []

    @classmethod
    def connect(cls, address: str, course: Course, assignment_id: str, public: bool = False,
                workers_seconds: float = WORKERS_SECONDS) -> DaskExecutor:
        """Connect to the scheduler at ``address`` and wait for a worker; `SchedulerError` if either fails."""
        from distributed import Client

        check_address(address)
        try:
            client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except Exception as exc:  # noqa: BLE001 - any failure to connect is the same one-line error
            raise SchedulerError(f"cannot reach the Dask scheduler at {address}: {one_line(exc)}") from None
        try:
            try:
                client.wait_for_workers(1, timeout=workers_seconds)
            except Exception:  # noqa: BLE001 - a TimeoutError, whatever its module
                raise SchedulerError(f"the Dask scheduler at {address} has no worker "
                                     f"(waited {workers_seconds:g} s); start one with: dask worker {address}") from None
            client.register_plugin(ZygoteTeardown(), name=ZygoteTeardown.name)
            executor = cls(client, course, assignment_id, public=public)
            executor._check_workers()
        except BaseException:
            client.close()
            raise
        return executor

    def _check_workers(self) -> None:
        from grader import __version__

        facts = self.client.run(worker_facts)
        versions = sorted({f["version"] for f in facts.values()} - {__version__})
        if versions:
            self._warnings.append(f"some Dask workers run tfgrader {', '.join(versions)}, this client "
                                  f"{__version__}: install the same version everywhere")
        exposed = [address for address, f in facts.items() if f["isolation_warning"]]
        if exposed:
            self._warnings.append(f"{len(exposed)} of {len(facts)} Dask worker(s) do not run as root: their "
                                  "sandboxes get rlimits and a memory watchdog only, not full isolation")

    def warnings(self) -> list[str]:
        return list(self._warnings)

    def run(self, submissions: list[Submission]) -> Iterator[tuple[Submission, SubmissionResult]]:
        bundle = self.client.scatter(self.bundle, broadcast=True, hash=False)
        pending = {
            self.client.submit(grade_on_worker, bundle, s, self.public, pure=False,
                               key=f"tfgrader-{self.assignment_id}-{s.student}-{uuid.uuid4().hex[:8]}"): s
            for s in submissions
        }
        no_worker_since: float | None = None
        try:
            while pending:
                done = [future for future in pending if future.done()]
                for future in done:
                    submission = pending.pop(future)
                    yield submission, self._result(future, submission)
                if done:
                    continue
                time.sleep(POLL_SECONDS)
                if self._workers():
                    no_worker_since = None
                    continue
                no_worker_since = no_worker_since or time.monotonic()
                if time.monotonic() - no_worker_since > LOST_AFTER:
                    lost = RuntimeError(f"no Dask worker was left to grade it for {LOST_AFTER:g} s")
                    for future, submission in list(pending.items()):
                        future.cancel()
                        yield submission, judge_failure(submission, self.assignment_id, lost)
                    pending.clear()
        finally:
            for future in pending:
                future.cancel()

    def _workers(self) -> int:
        """Worker threads the scheduler knows of; 0 when the scheduler cannot be asked."""
        try:
            return sum(self.client.nthreads().values())
        except Exception:  # noqa: BLE001 - the scheduler is gone: the same as no worker
            return 0

    def _result(self, future, submission: Submission) -> SubmissionResult:  # noqa: ANN001 - a Dask future
        try:
            return SubmissionResult.from_dict(future.result())
        except (Exception, asyncio.CancelledError) as exc:  # noqa: BLE001 - a dead worker (KilledWorker), a lost scheduler
            return judge_failure(submission, self.assignment_id, exc)

    def close(self) -> None:
        self.client.close()


def check_address(address: str) -> None:
    """`SchedulerError` unless ``address`` reads as a scheduler address (``tcp://HOST:PORT``)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        host, _ = parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise SchedulerError(f"{address!r} is not a Dask scheduler address ({one_line(exc)}); "
                             "write it as tcp://HOST:PORT") from None
    if scheme not in ("tcp", "tls", "ws", "wss", "ucx") or not host:
        raise SchedulerError(f"{address!r} is not a Dask scheduler address; write it as tcp://HOST:PORT")


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
