"""The pytest side of the judge: the ``@check`` decorator, fixtures and result capture.

Checks are ordinary pytest tests, marked with `check`. The plugin supplies

* ``student`` -- a `Namespace` over the sandboxed submission;
* ``reference`` -- the same proxy type over the reference solution, in process;
* ``inputs`` -- an `Inputs` generator seeded per (course secret, student, check);
* ``plot`` -- a `Plot` for `@figure` functions (see grader.judge.figures);

and turns each test's outcome into a `CheckResult` the moment it ends. A
failure caused by the student (`CheckFailed`, `StudentFault`) costs the check's
points with the student-facing message; anything else a check raises is a judge
error, reported as such ("needs regrading"), never as the student's zero.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import NamedTuple

import pytest

from grader.judge.errors import CheckFailed, ReferenceError_, SandboxProblem, StudentCodeError, StudentFault
from grader.judge.figures import FIGURE_MARK, Plot
from grader.judge.inputs import Inputs, derive_seed
from grader.judge.proxy import Backend, Namespace
from grader.results import KINDS, CheckResult

MARK = "tfgrader"
JUDGE_ERROR = ("not graded: a problem in the grader (not in your code) stopped this check; "
               "it will be regraded, and your instructor has the details.")


def check(exercise: str, kind: str, points: float = 1.0, timeout: float | None = None) -> Callable:
    """Mark a test as a graded check of ``exercise`` of ``kind`` worth ``points``."""
    if kind not in KINDS:
        raise ValueError(f"unknown check kind {kind!r}; use one of {', '.join(KINDS)}")

    def decorate(fn: Callable) -> Callable:
        return pytest.mark.tfgrader(exercise=exercise, kind=kind, points=points, timeout=timeout)(fn)

    return decorate


def check_title(item: pytest.Item) -> str:
    fn = getattr(item, "function", None)
    doc = (fn.__doc__ or "").strip().splitlines() if fn is not None else []
    title = doc[0].rstrip(".") if doc else item.originalname.removeprefix("test_").replace("_", " ")
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.id:
        title += f" [{callspec.id}]"
    return title


class GraderPlugin:
    def __init__(
        self,
        student: Backend | None,
        reference: Backend | None,
        secret: str,
        assignment: str,
        student_id: str,
        check_seconds: float,
        on_result: Callable[[CheckResult], None] | None = None,
        exercise_order: list[str] | None = None,
        figures: str = "failing",
        only_exercises: list[str] | None = None,
    ) -> None:
        """``figures``: run `@figure` functions for exercises that lost points ("failing"), for all ("all",
        as `validate` does to prove them) or never ("none"). They need the reference, so never without it."""
        self._student = student
        self._reference = reference
        self._secret = secret
        self._assignment = assignment
        self._student_id = student_id
        self._check_seconds = check_seconds
        self._on_result = on_result
        self.results: list[CheckResult] = []
        self.items: list[CheckResult] = []  # what was collected, in run order
        self.figure_items: dict[str, str] = {}  # the figures collected: id -> exercise
        self.collect_errors: list[str] = []
        self._poisoned: dict[str, str] = {}  # exercise -> why its remaining checks are not run
        self._started: dict[str, float] = {}
        self._order = {name: i for i, name in enumerate(exercise_order or [])}
        self._figures = figures if reference is not None else "none"
        self._only = set(only_exercises) if only_exercises is not None else None  # run just these exercises
        self._current: str | None = None  # the exercise whose checks (or figure) the sandbox last served
        self._plots: dict[str, Plot] = {}
        self.figures: list[dict] = []
        self.figure_errors: list[str] = []

    # ------------------------------------------------------------------ fixtures
    @pytest.fixture
    def student(self, request: pytest.FixtureRequest) -> Namespace:
        if self._student is None:
            raise ReferenceError_("this check needs a student backend")
        mark = request.node.get_closest_marker(MARK) or request.node.get_closest_marker(FIGURE_MARK)
        exercise = mark.kwargs["exercise"] if mark else ""
        if exercise in self._poisoned:
            raise SandboxProblem("", "skipped", self._poisoned[exercise])
        self._student.timeout = float((mark.kwargs.get("timeout") if mark else None) or self._check_seconds)
        return Namespace(self._student)

    @pytest.fixture
    def reference(self) -> Namespace:
        if self._reference is None:
            raise ReferenceError_("the reference solution is not available here (public checks cannot use it)")
        return Namespace(self._reference)

    @pytest.fixture
    def inputs(self, request: pytest.FixtureRequest) -> Inputs:
        return Inputs(derive_seed(self._secret, self._assignment, self._student_id, request.node.nodeid))

    @pytest.fixture
    def plot(self, request: pytest.FixtureRequest) -> Plot:
        self._plots[request.node.nodeid] = Plot()
        return self._plots[request.node.nodeid]

    # ------------------------------------------------------------------ hooks
    def collected(self, items: list[pytest.Item]) -> list[CheckResult]:
        return [
            CheckResult(
                id=item.nodeid.split("/")[-1],
                name=check_title(item),
                exercise=item.get_closest_marker(MARK).kwargs["exercise"],
                kind=item.get_closest_marker(MARK).kwargs["kind"],
                max_score=float(item.get_closest_marker(MARK).kwargs.get("points", 1.0)),
            )
            for item in items
        ]

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        kept = [item for item in items if item.get_closest_marker(MARK) is not None
                and (self._only is None or item.get_closest_marker(MARK).kwargs["exercise"] in self._only)]
        figures = [item for item in items if item.get_closest_marker(FIGURE_MARK) is not None
                   and (self._only is None or item.get_closest_marker(FIGURE_MARK).kwargs["exercise"] in self._only)]
        for item in items:
            if item.get_closest_marker(MARK) is None and item.get_closest_marker(FIGURE_MARK) is None:
                self.collect_errors.append(f"{item.nodeid} is not marked with @check and was not run")
        last = len(self._order)
        kept.sort(key=lambda item: self._order.get(item.get_closest_marker(MARK).kwargs["exercise"], last))
        self.items = self.collected(kept)
        self.figure_items = {item.nodeid.split("/")[-1]: item.get_closest_marker(FIGURE_MARK).kwargs["exercise"]
                             for item in figures}
        items[:] = kept + (figures if self._figures != "none" else [])  # figures last: they need the verdicts

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        figure = item.get_closest_marker(FIGURE_MARK)
        exercise = (figure or item.get_closest_marker(MARK)).kwargs["exercise"]
        if figure is not None:
            lost = any(r.exercise == exercise and r.status != "passed" for r in self.results)
            if exercise in self._poisoned or (self._figures == "failing" and not lost):
                pytest.skip("no figure needed")  # internal: a figure is never a graded outcome
        if exercise != self._current:
            if self._current is not None and self._student is not None:
                self._student.fresh()  # each exercise starts from a clean process: one cannot spoil another
            self._current = exercise

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(f"could not collect {report.nodeid}: {report.longreprtext[-2000:]}")

    def pytest_runtest_logstart(self, nodeid: str, location: tuple) -> None:
        self._started[nodeid] = time.monotonic()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        report = outcome.get_result()
        if call.when == "call" or (call.when == "setup" and report.outcome != "passed"):
            if item.get_closest_marker(FIGURE_MARK) is not None:
                self._record_figure(item, call, report)
            else:
                self._record(item, call, report)

    def _record_figure(self, item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport) -> None:
        """Keep the figure's data; a student fault just leaves it out; a bug of the figure is noted."""
        mark = item.get_closest_marker(FIGURE_MARK)
        exc = call.excinfo.value if call.excinfo is not None else None
        plot = self._plots.pop(item.nodeid, None)
        if report.skipped or isinstance(exc, StudentFault | AssertionError):
            return
        if exc is not None:
            self.figure_errors.append(f"figure {item.nodeid.split('/')[-1]}: {type(exc).__name__}: {exc}")
        elif plot is not None and plot.panels:
            self.figures.append({"exercise": mark.kwargs["exercise"], "title": mark.kwargs["title"],
                                 "panels": plot.panels})

    def _record(self, item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport) -> None:
        mark = item.get_closest_marker(MARK)
        exercise, kind = mark.kwargs["exercise"], mark.kwargs["kind"]
        points = float(mark.kwargs.get("points", 1.0))
        result = CheckResult(
            id=item.nodeid.split("/")[-1],
            name=check_title(item),
            exercise=exercise,
            kind=kind,
            max_score=points,
            duration=time.monotonic() - self._started.get(item.nodeid, time.monotonic()),
        )
        exc = call.excinfo.value if call.excinfo is not None else None
        if report.outcome == "passed" and exc is None:
            result.status, result.score = "passed", points
        elif isinstance(exc, CheckFailed):
            result.message, result.details, result.fault = exc.message, exc.details, "mismatch"
        elif isinstance(exc, StudentFault):
            result.message, result.details, result.fault = exc.message, exc.details, exc.kind
            if isinstance(exc, SandboxProblem) and exc.kind in {"timeout", "memory", "processes"}:
                self._poisoned.setdefault(
                    exercise, f"not run: an earlier check of {exercise} stopped ({exc.message})"
                )
            if isinstance(exc, StudentCodeError) and exc.not_implemented:
                result.fault = "not_implemented"
        elif isinstance(exc, AssertionError):  # a plain assert in a check: its message only
            result.message, result.fault = str(exc) or "the check's condition was not met", "mismatch"
        else:  # the check's own bug: its details (which may quote hidden code) are for the instructor only
            result.status, result.message, result.fault = "error", JUDGE_ERROR, "judge"
            why = f"the check ended as {report.outcome}" if exc is None else f"{type(exc).__name__}: {exc}"
            result.details = {"judge_error": why}
        self.results.append(result)
        if self._on_result is not None:
            self._on_result(result)


class Collected(NamedTuple):
    """What the checks folder holds, collected without running anything."""

    checks: list[CheckResult]
    figures: dict[str, str]  # report figure id -> its exercise
    errors: list[str]  # modules pytest could not collect: their checks are unknown


def collect_items(checks_dir: str, exercise_order: list[str] | None = None) -> Collected:
    """The checks in ``checks_dir`` (not run), its report figures and its collection errors."""
    plugin = GraderPlugin(None, None, "", "", "", 0, exercise_order=exercise_order)
    run_checks(checks_dir, plugin, extra=["--collect-only"])
    return Collected(plugin.items, plugin.figure_items, list(plugin.collect_errors))


def run_checks(checks_dir: str, plugin: GraderPlugin, extra: list[str] | None = None) -> list[CheckResult]:
    """Run the checks in ``checks_dir`` with ``plugin``; pytest sees nothing of the submission."""

    with tempfile.TemporaryDirectory(prefix="tfgrader-pytest-") as tmp:
        ini = os.path.join(tmp, "pytest.ini")
        with open(ini, "w") as fh:
            fh.write(f"[pytest]\nmarkers =\n    {MARK}: a graded tfgrader check\n    {FIGURE_MARK}: a report figure\n"
                     "python_files = test_*.py figures.py\npython_functions = test_* figure_*\n")
        args = [
            checks_dir,
            "-c", ini,
            "--rootdir", checks_dir,
            "--import-mode=importlib",
            "--assert=plain",
            "-p", "no:cacheprovider",
            "-p", "no:terminal",
            "-p", "no:stepwise",
            "-p", "no:warnings",
            "-p", "no:unraisableexception",  # its unconfigure runs gc.collect() five times: ~0.25 s a submission
            "-p", "no:threadexception",
            "--continue-on-collection-errors",  # one broken check module must not stop the others
        ]
        args += extra or []
        previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        sys.path.insert(0, checks_dir)  # checks may share helper modules beside them
        try:
            code = pytest.main(args, plugins=[plugin])
            if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED):
                plugin.collect_errors.append(f"pytest could not run the checks (exit status {int(code)})")
        finally:
            sys.path.remove(checks_dir)
            for name, module in list(sys.modules.items()):
                if (getattr(module, "__file__", None) or "").startswith(checks_dir + os.sep):
                    del sys.modules[name]
            if previous is None:
                os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
            else:
                os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous
    return plugin.results

