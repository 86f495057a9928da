"""Where grading runs: in this process (``--jobs 1``) or in a pool of judge workers.

(On a Dask cluster: `grader.dask_executor.DaskExecutor`, same interface.)
Every executor has ``warnings()`` (shown before grading) and ``run(submissions)``,
which yields ``(submission, result)`` pairs as they finish; here every judge
worker grades with sandboxes forked from one shared zygote. Only the caller
writes files and the gradebook. A judge worker that dies takes nothing else down: the
submissions it held come back as judge errors ("needs regrading").

Start-up is paid in parallel: `local_executor` starts the zygote and, for a
pool, the judge workers' forkserver (which imports TensorFlow once for all
workers, `grader.judge_preload`) before this process imports TensorFlow
itself (on two cores the first result of 24 `losses` submissions came after
~7.7 s instead of ~12 s). This module imports nothing heavy, so it can be
used before TensorFlow is.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from grader.course import Course
from grader.results import SubmissionResult, now_iso
from grader.runtime import freeze_long_lived
from grader.sandbox.client import Zygote, isolation_warning
from grader.submission import Submission

if TYPE_CHECKING:
    from grader.grading import Grader

_worker_grader: Grader | None = None
PRELOAD = ["grader.judge_preload"]  # what the judge workers' forkserver imports before its first fork


class Executor(Protocol):
    """What `grade_batch` needs from wherever grading runs."""

    def warnings(self) -> list[str]: ...

    def run(self, submissions: list[Submission]) -> Iterator[tuple[Submission, SubmissionResult]]: ...


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask, which containers and ``taskset`` narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _init_worker(course_root: str, assignment_id: str, socket_path: str, root_dir: str, public: bool) -> None:
    global _worker_grader
    from grader.grading import Grader
    from grader.runtime import require_keras3

    require_keras3()  # preloaded by the forkserver: only the check
    assignment = Course(course_root).assignment(assignment_id)
    _worker_grader = Grader(assignment, Zygote.attach(socket_path, root_dir), public=public)
    freeze_long_lived()


def _grade_in_worker(submission: Submission) -> SubmissionResult:
    assert _worker_grader is not None
    return _worker_grader.grade(submission)


def judge_failure(submission: Submission, assignment_id: str, error: BaseException) -> SubmissionResult:
    """A result for a submission the judge itself failed on: never a silent zero."""
    return SubmissionResult(
        student=submission.student,
        assignment=assignment_id,
        source_path=submission.path,
        content_hash=submission.content_hash,
        judge_errors=[f"the grader failed on this submission: {type(error).__name__}: {error}"],
        graded_at=now_iso(),
    )


class LocalExecutor:
    def __init__(self, course: Course, assignment_id: str, zygote: Zygote, jobs: int = 1, public: bool = False) -> None:
        self.course = course
        self.assignment_id = assignment_id
        self.zygote = zygote
        self.jobs = max(1, jobs)
        self.public = public

    def warnings(self) -> list[str]:
        """Batch-wide warnings to show before grading (no full isolation, a zygote that could not warm up)."""
        warning = isolation_warning()
        return ([warning] if warning else []) + list(self.zygote.notes)

    def run(self, submissions: list[Submission]) -> Iterator[tuple[Submission, SubmissionResult]]:
        workers = min(self.jobs, len(submissions))
        if workers <= 1:
            yield from self._run_here(submissions)
        else:
            yield from self._run_pool(submissions, workers)

    def _run_here(self, submissions: list[Submission]) -> Iterator[tuple[Submission, SubmissionResult]]:
        from grader.grading import Grader

        grader = Grader(self.course.assignment(self.assignment_id), self.zygote, public=self.public)
        freeze_long_lived()
        for submission in submissions:
            try:
                result = grader.grade(submission)
            except Exception as exc:  # noqa: BLE001 - one judge failure must not lose the batch
                result = judge_failure(submission, self.assignment_id, exc)
            yield submission, result

    def _run_pool(self, submissions: list[Submission], workers: int) -> Iterator[tuple[Submission, SubmissionResult]]:
        self.zygote.wait_ready()  # before any worker attaches to it
        start_judge_server()  # already running when `local_executor` started it
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=judge_context(),
            initializer=_init_worker,
            initargs=(
                str(Path(self.course.root)),
                self.assignment_id,
                self.zygote.socket_path,
                self.zygote.root_dir,
                self.public,
            ),
        ) as pool:
            pending: dict[Future, Submission] = {pool.submit(_grade_in_worker, s): s for s in submissions}
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    submission = pending.pop(future)
                    try:
                        result = future.result()
                    except Exception as exc:  # noqa: BLE001 - includes a dead worker (BrokenProcessPool)
                        result = judge_failure(submission, self.assignment_id, exc)
                    yield submission, result


def judge_context() -> multiprocessing.context.BaseContext:
    """Where judge workers come from: forks of a server that has imported TensorFlow and the grader.

    Fresh processes (no inherited state of this one, whose threads and TF
    would make a plain fork unsafe), each ~3.5 s of TensorFlow import cheaper
    than a spawned one. The server runs no TensorFlow op, so forking it is safe.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def start_judge_server() -> None:
    """Start the judge workers' forkserver (if not running), so that it imports TensorFlow while this process does.

    It starts as ``python -c ...``, which would put the working directory first
    on its ``sys.path``, and the grader may be run from a student's folder: a
    ``grader.py`` or ``numpy/`` shipped there would be imported by every judge.
    ``PYTHONSAFEPATH`` (``python -P``) leaves it off.
    """
    from multiprocessing import forkserver

    judge_context()
    saved = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        forkserver.ensure_running()
    finally:
        if saved is None:
            del os.environ["PYTHONSAFEPATH"]
        else:
            os.environ["PYTHONSAFEPATH"] = saved


@contextmanager
def local_executor(course: Course, assignment_id: str, jobs: int = 1) -> Iterator[LocalExecutor]:
    """A `LocalExecutor` over a zygote started here and closed on exit.

    Enter it before importing TensorFlow: the zygote (and, for ``jobs`` > 1, the
    workers' forkserver) start at once and import theirs meanwhile.
    """
    zygote = Zygote()
    try:
        if jobs > 1:
            start_judge_server()
        yield LocalExecutor(course, assignment_id, zygote, jobs=jobs)
    finally:
        zygote.close()
