"""``from grader import check``: the public checks, run from a student's own notebook or script.

``check("huber_fn")`` runs the public checks of that exercise against the
objects defined in the caller's namespace (the notebook's globals) and shows a
compact summary: HTML inline in Jupyter, plain text elsewhere. ``check()`` runs
every exercise of the assignment the namespace looks like. It is the student's
own code in the student's own process: no sandbox, no root, no time limit, and
never the hidden checks or the reference solution.
"""

from __future__ import annotations

import inspect
import linecache
import os
import sys
import sysconfig
import types
from pathlib import Path
from typing import Any

from grader.course import Assignment, Course, CourseError
from grader.judge.plugin import GraderPlugin, run_checks
from grader.judge.proxy import LocalBackend
from grader.results import SubmissionResult
from grader.summary import all_passed, as_html, as_text, summary_lines

LIBRARY_DIRS = tuple({sysconfig.get_paths()[k] for k in ("stdlib", "purelib", "platlib")} | {
    str(Path(__file__).resolve().parent)})


class _UserSources(dict):
    """The student's code in tracebacks: any file that is not the standard library, a package or tfgrader."""

    def __contains__(self, filename: object) -> bool:
        return isinstance(filename, str) and not filename.startswith(LIBRARY_DIRS) and bool(linecache.getlines(filename))

    def __getitem__(self, filename: str) -> list[str]:
        return linecache.getlines(filename)


class NamespaceBackend(LocalBackend):
    """The student's live objects (a notebook's globals) behind the same proxy the graders use."""

    def __init__(self, namespace: dict[str, Any], wanted: list[str]) -> None:
        super().__init__([], wanted, name="student")
        module = types.ModuleType("notebook")
        module.__dict__.update({k: v for k, v in namespace.items() if not k.startswith("__")})
        self.agent.module = module
        self.agent.sources = _UserSources()


class CheckSummary:
    """What ``check()`` returns: shows itself as HTML in Jupyter and as text anywhere else."""

    def __init__(self, result: SubmissionResult, assignment: Assignment, exercises: list[str] | None) -> None:
        self.result = result
        self.passed = all_passed(result, exercises)
        self._lines = summary_lines(result, assignment, "your notebook", exercises)

    def __repr__(self) -> str:
        return as_text(self._lines)

    def _repr_html_(self) -> str:
        return as_html(self._lines)

    def __bool__(self) -> bool:
        return self.passed


def _course(course: str | os.PathLike | None) -> Course:
    return Course(course or os.environ.get("TFGRADER_COURSE") or None)


def _find_assignment(course: Course, exercise: str | None, assignment: str | None,
                     namespace: dict[str, Any]) -> Assignment:
    """The assignment named, else the one that has ``exercise``, else the one the namespace defines most of."""
    if assignment:
        return course.assignment(assignment)
    candidates = [course.assignment(a) for a in course.assignment_ids()]
    if exercise:
        owners = [a for a in candidates if exercise in a.exercise_names]
        if not owners:
            known = ", ".join(n for a in candidates for n in a.exercise_names)
            raise CourseError(f"no assignment has an exercise named {exercise!r}; exercises: {known}")
        return owners[0]
    best = max(candidates, key=lambda a: sum(name in namespace for name in a.exercise_names), default=None)
    if best is None or not any(name in namespace for name in best.exercise_names):
        raise CourseError("none of the course's exercises is defined here yet: define one, or name the assignment "
                          "with check(assignment=...)")
    return best


def check(exercise: str | None = None, *, assignment: str | None = None, course: str | None = None,
          namespace: dict[str, Any] | None = None) -> CheckSummary:
    """Run the public checks of ``exercise`` (or of every exercise) on what this notebook defines.

    ``namespace`` defaults to the caller's globals. Returns a summary that
    displays itself; it is truthy when every public check that ran passed.
    """
    if namespace is None:
        caller = inspect.currentframe().f_back  # type: ignore[union-attr]
        namespace = caller.f_globals if caller is not None else {}
    the_course = _course(course)
    spec = _find_assignment(the_course, exercise, assignment, namespace)
    if exercise is not None and exercise not in spec.exercise_names:
        raise CourseError(f"{spec.id} has no exercise {exercise!r}; it has: {', '.join(spec.exercise_names)}")
    exercises = [exercise] if exercise else None
    backend = NamespaceBackend(namespace, spec.exercise_names)
    plugin = GraderPlugin(student=backend, reference=None, secret=spec.secret, assignment=spec.id,
                          student_id="notebook", check_seconds=spec.check_seconds,
                          exercise_order=spec.exercise_names, only_exercises=exercises)
    result = SubmissionResult(student="notebook", assignment=spec.id, source_path="notebook", content_hash="")
    # -p no:capture: the student's prints show in the notebook as they happen
    result.checks = run_checks(str(spec.public_checks_dir), plugin, extra=["-p", "no:capture"])
    result.judge_errors = list(plugin.collect_errors)
    summary = CheckSummary(result, spec, exercises)
    if "ipykernel" not in sys.modules and not hasattr(sys, "ps1"):  # a script: print, as `tfgrader check` does
        print(repr(summary))
    return summary
