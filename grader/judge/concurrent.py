"""``side_by_side``: the same call on the student's object and the reference's, both at once.

The student's code runs in its sandbox and the reference in the judge: two
processes. A check that calls one and then the other leaves one idle while the
other works. Training a compiled Keras model and saving and reloading it is
mostly single-threaded Python (building, tracing), 0.15-0.3 s a side; side by
side, such a check takes about as long as the slower side instead of the sum::

    got, expected = side_by_side(student.huber_fn, reference.huber_fn).in_compiled_model(x, y, weights, ...)

The student's call runs in a thread of the judge that only waits on the
sandbox's socket; the reference's runs in the check's own thread. When the
student's code runs in this process too (the floor benchmark, in-notebook
checks), the two run one after the other: TensorFlow and Keras state (seeds,
name counters) is per process, so two calls in one process must not interleave.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from grader.judge.proxy import Namespace, Remote, SandboxBackend

T = TypeVar("T", Namespace, Remote)

_waiter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tfgrader-student-call")
serial = False  # True: always one after the other (what benchmarks/paired.py compares against)


class side_by_side:  # noqa: N801 - reads as a call in checks
    """``side_by_side(student_obj, reference_obj).method(*args, **kwargs)`` -> ``(got, expected)``.

    Both get the same arguments (arrays, not handles: a handle belongs to one
    side). Exceptions come as in the serial order, student first: the reference's
    is raised only once the student's call has returned, so a check never ends
    with its sandbox still serving a call.
    """

    def __init__(self, student: Remote, reference: Remote) -> None:
        self._student, self._reference = student, reference

    def __call__(self, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        """Call both objects: ``side_by_side(student.f, reference.f)(x)``."""
        return self._both(lambda side: side(*args, **kwargs))

    def __getattr__(self, method: str) -> Callable[..., tuple[Any, Any]]:
        """A method of both (the proxy's own, such as ``in_compiled_model``, or the object's)."""
        if method.startswith("_"):
            raise AttributeError(method)
        return lambda *args, **kwargs: self._both(lambda side: getattr(side, method)(*args, **kwargs))

    def _both(self, call: Callable[[Remote], Any]) -> tuple[Any, Any]:
        return both_sides(call, self._student, self._reference)


def both_sides(fn: Callable[[T], Any], student: T, reference: T) -> tuple[Any, Any]:
    """``(fn(student), fn(reference))``, at the same time when the student's code is in a sandbox.

    For a sequence of calls on each side (build a model, train it, read it back)::

        got, expected = both_sides(lambda ns: train_one_step(ns, dense_model(ns, ...), x, y), student, reference)

    ``student`` and ``reference``: the fixtures (`Namespace`) or objects of theirs (`Remote`).
    Exceptions as in `side_by_side`.
    """
    sandboxed = isinstance(student.backend if isinstance(student, Namespace) else student._backend, SandboxBackend)
    if serial or not sandboxed:
        got = fn(student)  # one process: one after the other
        return got, fn(reference)
    student_future = _waiter.submit(fn, student)
    try:
        expected = fn(reference)
    except KeyboardInterrupt:
        raise  # stop now: the grader closes the session on the way out, which ends the student's call
    except BaseException:
        student_future.result()  # the student's exception first, as the serial order would raise it
        raise
    return student_future.result(), expected
