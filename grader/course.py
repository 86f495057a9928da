"""A course on disk: ``assignments/<id>/`` for students, ``solutions/<id>/`` for instructors.

``solutions/course.toml`` holds the course title and the secret that seeds
every student's inputs (override with ``TFGRADER_SECRET``).
``solutions/<id>/assignment.toml`` describes one assignment::

    title = "Custom losses"
    solution = "losses.py"          # reference solution, with solution markers
    [limits]
    check_seconds = 10              # deadline of each remote call in a check
    load_seconds = 60               # deadline for running the definitions
    memory_gib = 3
    [[exercises]]
    name = "huber_fn"
    title = "The Huber loss as a function"
    banned = ["keras.losses.Huber"] # calls the exercise must not make
    [deadline]                      # optional: due date, grace, late penalty (see grader.deadlines)
    due = "2026-12-04T23:59:00"
    timezone = "America/Toronto"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from grader.deadlines import DeadlineError, LatePolicy, parse_policy

BUNDLED_COURSE = Path(__file__).resolve().parent.parent


class CourseError(Exception):
    """The course or assignment cannot be used; the message says why."""


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    banned: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assignment:
    id: str
    title: str
    course_root: Path
    exercises: tuple[Exercise, ...]
    solution_file: str
    check_seconds: float = 10.0
    load_seconds: float = 60.0
    memory_gib: float = 3.0
    secret: str = field(default="", repr=False)
    deadline: LatePolicy | None = None  # None: no late policy

    @property
    def solution_dir(self) -> Path:
        return self.course_root / "solutions" / self.id

    @property
    def solution_path(self) -> Path:
        return self.solution_dir / self.solution_file

    @property
    def checks_dir(self) -> Path:
        return self.solution_dir / "checks"

    @property
    def student_dir(self) -> Path:
        return self.course_root / "assignments" / self.id

    @property
    def public_checks_dir(self) -> Path:
        return self.student_dir / "checks"

    @property
    def stub_py(self) -> Path:
        return self.student_dir / self.solution_file

    @property
    def stub_notebook(self) -> Path:
        return self.student_dir / (Path(self.solution_file).stem + ".ipynb")

    @property
    def exercise_names(self) -> list[str]:
        return [e.name for e in self.exercises]


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise CourseError(f"{path} is missing") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CourseError(f"cannot read {path}: {exc}") from None


class Course:
    """A course folder. Without ``solutions/`` it is a student's copy: public checks only (``public_only``)."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root).resolve() if root is not None else BUNDLED_COURSE
        self.public_only = not (self.root / "solutions").is_dir() and (self.root / "assignments").is_dir()
        if self.public_only:  # what students get: assignments/<id>/ with stubs, public checks, assignment.toml
            self.title, self.secret = self.root.name, ""
            return
        if not (self.root / "solutions").is_dir():
            raise CourseError(f"{self.root} is not a tfgrader course (no solutions/ or assignments/ folder)")
        config = _read_toml(self.root / "solutions" / "course.toml")
        self.title = str(config.get("title", self.root.name))
        self.secret = os.environ.get("TFGRADER_SECRET") or str(config.get("secret", ""))
        if not self.secret:
            raise CourseError(f"{self.root / 'solutions' / 'course.toml'} has no secret (it seeds the inputs)")

    @property
    def _specs(self) -> Path:
        """Where the assignment.toml files are read: the solutions, or the students' copies."""
        return self.root / ("assignments" if self.public_only else "solutions")

    def assignment_ids(self) -> list[str]:
        return sorted(p.parent.name for p in self._specs.glob("*/assignment.toml"))

    def assignment(self, assignment_id: str) -> Assignment:
        path = self._specs / assignment_id / "assignment.toml"
        if "/" in assignment_id or assignment_id.startswith(".") or not path.is_file():
            known = ", ".join(self.assignment_ids()) or "none"
            raise CourseError(f"unknown assignment {assignment_id!r}; this course has: {known}")
        config = _read_toml(path)
        limits = config.get("limits", {})
        try:
            deadline = parse_policy(config.get("deadline"))
        except DeadlineError as exc:
            raise CourseError(f"{path}: [deadline] {exc}") from None
        try:
            exercises = tuple(
                Exercise(str(e["name"]), str(e.get("title", e["name"])), tuple(e.get("banned", ())))
                for e in config.get("exercises", [])
            )
            return Assignment(
                id=assignment_id,
                title=str(config.get("title", assignment_id)),
                course_root=self.root,
                exercises=exercises,
                solution_file=str(config.get("solution", f"{assignment_id}.py")),
                check_seconds=float(limits.get("check_seconds", 10)),
                load_seconds=float(limits.get("load_seconds", 60)),
                memory_gib=float(limits.get("memory_gib", 3)),
                secret=self.secret,
                deadline=deadline,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CourseError(f"{path} is malformed: {exc}") from None
