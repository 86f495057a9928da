"""Grades out of the gradebook: one row per student, as a table or as files for other systems.

A student's row is their latest attempt with the late penalty applied, and
their active override, if any, in place of that score ("the score that
counts"). Formats:

* ``csv``: student, score, max_score, percent, raw_score, late_penalty,
  days_late, override, override_reason, status, submitted_at, graded_at,
  attempts, then one column of (raw) points per exercise;
* ``canvas``: a Canvas gradebook import (Student, ID, SIS User ID, SIS Login
  ID, Section, then "<title> (<id>)"; the first data row is Points Possible);
  a roster CSV fills the Canvas columns, else the student id goes in SIS Login ID;
* ``gradescope``: one Gradescope ``results.json`` per student, in a folder or a ``.zip``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.course import Assignment
from grader.gradebook import Gradebook
from grader.report.render import write_atomic
from grader.results import SubmissionResult
from grader.scoring import exercise_scores, gradescope_results, raw_score, status_of, total_score

FORMATS = ("csv", "canvas", "gradescope")
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportError(Exception):
    """Nothing sensible can be exported; the message says why."""


@dataclass
class GradeRow:
    """One student's grade: the latest attempt, how many there were, the active override."""

    result: SubmissionResult
    attempts: int
    override: dict | None = None

    @property
    def student(self) -> str:
        return self.result.student

    @property
    def max_score(self) -> float:
        return total_score(self.result)[1]

    @property
    def score(self) -> float:
        """The score that counts: the override, else the earned score less the late penalty."""
        return float(self.override["score"]) if self.override else total_score(self.result)[0]

    @property
    def percent(self) -> float | None:
        return round(100 * self.score / self.max_score, 2) if self.max_score else None

    @property
    def status(self) -> str:
        return status_of(self.result)


def grade_rows(gradebook: Gradebook, assignment_id: str) -> list[GradeRow]:
    """Every student's row, by student id. Raises ExportError when the gradebook has no attempt of the assignment."""
    latest = gradebook.latest_results(assignment_id)
    if not latest:
        held = ", ".join(gradebook.assignments()) or "nothing yet"
        raise ExportError(f"the gradebook {gradebook.path} has no attempt of {assignment_id!r} (it holds: {held})")
    overrides = {o["student"]: o for o in gradebook.overrides(assignment_id)}
    return [GradeRow(result, count, overrides.get(result.student)) for result, count in latest]


def safe_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula is prefixed with a quote ("=cmd|..." opens as text)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


def _csv_text(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[safe_cell(v) for v in row] for row in rows])
    return buffer.getvalue()


def write_csv(rows: list[GradeRow], assignment: Assignment, path: Path) -> None:
    names = assignment.exercise_names
    header = ["student", "score", "max_score", "percent", "raw_score", "late_penalty", "days_late", "override",
              "override_reason", "status", "submitted_at", "graded_at", "attempts", *names]
    lines = []
    for row in rows:
        late = row.result.late or {}
        by_exercise = {e.name: e.score for e in exercise_scores(row.result, assignment)}
        lines.append([
            row.student, row.score, row.max_score, row.percent, raw_score(row.result),
            late.get("penalty_percent"), late.get("days_late"),
            row.override["score"] if row.override else None, row.override["reason"] if row.override else None,
            row.status, row.result.submitted_at, row.result.graded_at, row.attempts,
            *[by_exercise.get(name) for name in names],
        ])
    write_atomic(path, _csv_text(header, lines))


def read_roster(path: Path) -> dict[str, dict[str, str]]:
    """Canvas fields by student id, from a CSV with a ``tfgrader_id`` or a ``SIS Login ID`` column.

    A Canvas gradebook export works as is (its SIS Login ID is matched to the
    student ids); any of the Canvas columns it lacks stay blank.
    """
    from grader.submission import STUDENT_ID

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportError(f"the roster {path} cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
    reader = csv.DictReader(text.splitlines())
    fields = [f.strip() for f in reader.fieldnames or []]
    key = next((k for k in ("tfgrader_id", "SIS Login ID") if k in fields), None)
    if key is None:
        raise ExportError(f"the roster {path} needs a tfgrader_id or a SIS Login ID column (it has: {', '.join(fields)})")
    roster: dict[str, dict[str, str]] = {}
    for raw in reader:
        entry = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        if entry.get("Student", "").endswith("Points Possible") or not entry.get(key):
            continue
        student = STUDENT_ID.sub("_", entry[key]).lstrip(".")[:100]
        roster[student] = {c: entry.get(c, "") for c in CANVAS_COLUMNS}
    return roster


def write_canvas(rows: list[GradeRow], assignment: Assignment, path: Path,
                 roster: dict[str, dict[str, str]] | None = None) -> list[str]:
    """Write the Canvas import; return warnings (students missing from either side)."""
    by_student = {row.student: row for row in rows}
    max_score = max((row.max_score for row in rows), default=0.0)
    header = [*CANVAS_COLUMNS, f"{assignment.title} ({assignment.id})"]
    lines: list[list] = [["Points Possible", "", "", "", "", max_score]]
    warnings = []
    if roster is None:
        lines += [["", "", "", row.student, "", row.score] for row in rows]
    else:
        for student, fields in sorted(roster.items()):
            row = by_student.get(student)
            lines.append([*(fields[c] for c in CANVAS_COLUMNS), row.score if row else ""])
        unlisted = sorted(set(by_student) - set(roster))
        lines += [["", "", "", student, "", by_student[student].score] for student in unlisted]
        absent = sorted(set(roster) - set(by_student))
        if unlisted:
            warnings.append(f"{len(unlisted)} graded student(s) are not in the roster (SIS Login ID = tfgrader id): "
                            + ", ".join(unlisted[:10]))
        if absent:
            warnings.append(f"{len(absent)} roster student(s) have no attempt (left blank): " + ", ".join(absent[:10]))
    write_atomic(path, _csv_text(header, lines))
    return warnings


def write_gradescope(rows: list[GradeRow], path: Path) -> None:
    """One ``<student>/results.json`` per student, in the folder ``path`` or in a zip when it ends in .zip."""
    files = {f"{row.student}/results.json": json.dumps(gradescope_results(row.result, override=row.override), indent=2)
             for row in rows}
    if path.suffix.lower() == ".zip":
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in files.items():
                archive.writestr(name, text)
        os.replace(tmp, path)
        return
    for name, text in files.items():
        write_atomic(path / name, text)


def warnings_for(rows: list[GradeRow]) -> list[str]:
    """What an instructor must know before uploading: students whose grade is not final."""
    regrade = [row.student for row in rows if row.status == "needs_regrading"]
    if not regrade:
        return []
    return [f"{len(regrade)} student(s) need regrading (a grader problem, not theirs): " + ", ".join(regrade[:10])]
