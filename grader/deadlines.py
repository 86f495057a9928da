"""Deadlines and late penalties: the ``[deadline]`` table of ``assignment.toml`` and submission times.

::

    [deadline]
    due = "2026-12-04T23:59:00"      # local time in `timezone`, or an ISO 8601 time with a UTC offset
    timezone = "America/Toronto"     # IANA zone name; required when a time has no offset
    grace_minutes = 15               # added to the due date, every extension and the cutoff
    penalty_per_day = 10             # percent of the earned score per started day late (after the grace)
    cutoff = "2026-12-07T23:59:00"   # optional: submitted later, the score is 0
    [deadline.extensions]            # per-student due dates; an extension moves the cutoff by as much
    alice = "2026-12-06T23:59:00"

A submission's time comes from a manifest (``tfgrader grade --manifest FILE``:
a CSV ``student,submitted_at``, a JSON ``{"student": "time"}``, Gradescope's
``submission_metadata.json`` or the ``submission_metadata.yml`` of a Gradescope
export) or, for students the manifest does not name, from the file's
modification time (for a folder: its newest file). Lateness is computed after
grading, from the current policy, so changing a deadline never needs a regrade.

The ``late`` record of a result (``None`` when on time or without a policy)::

    {"due": iso, "cutoff": iso | None, "submitted_at": iso, "source": "manifest" | "file time",
     "days_late": int, "grace_minutes": float, "penalty_percent": float, "extension": bool,
     "after_cutoff": bool, "raw_score": float}
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grader.results import SubmissionResult

DAY = timedelta(days=1)
SOURCES = ("manifest", "file time")


class DeadlineError(ValueError):
    """The ``[deadline]`` table is malformed; the message names the key."""


class ManifestError(ValueError):
    """A manifest of submission times cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class LatePolicy:
    """When an assignment is due and what lateness costs. All times are timezone-aware."""

    due: datetime
    tz: tzinfo
    grace: timedelta = timedelta(0)
    penalty_per_day: float = 0.0  # percent of the earned score per started day late
    cutoff: datetime | None = None
    extensions: dict[str, datetime] = field(default_factory=dict, hash=False)

    def due_for(self, student: str) -> datetime:
        return self.extensions.get(student, self.due)

    def cutoff_for(self, student: str) -> datetime | None:
        """The cutoff moves with a student's extension, so an extension never lands after it."""
        if self.cutoff is None:
            return None
        return self.cutoff + (self.due_for(student) - self.due)


def _zone(name: Any) -> tzinfo:
    if not isinstance(name, str) or not name:
        raise DeadlineError(f"timezone must be a zone name such as \"America/Toronto\", not {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DeadlineError(f"timezone {name!r} is not a known time zone (use a name such as \"Europe/Paris\")") from None


def parse_time(value: Any, tz: tzinfo | None, key: str) -> datetime:
    """A TOML datetime or an ISO 8601 string; one without a UTC offset is local time in ``tz``."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise DeadlineError(f"{key} = {text!r} is not an ISO 8601 time such as \"2026-12-04T23:59:00\"") from None
        if len(text) <= 10:  # fromisoformat reads "2026-12-04" as midnight: almost surely not what was meant
            raise DeadlineError(f"{key} = {text!r} has no time of day: write e.g. \"{text}T23:59:00\"")
    if isinstance(value, date) and not isinstance(value, datetime):
        raise DeadlineError(f"{key} = {value} has no time of day: write e.g. \"{value}T23:59:00\"")
    if not isinstance(value, datetime):
        raise DeadlineError(f"{key} must be a date and time such as \"2026-12-04T23:59:00\", not {value!r}")
    if value.tzinfo is None:
        if tz is None:
            raise DeadlineError(f"{key} has no UTC offset: set [deadline] timezone or write e.g. \"{value.isoformat()}-05:00\"")
        value = value.replace(tzinfo=tz)
    return value


def _number(table: dict, key: str, low: float, high: float) -> float:
    value = table.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise DeadlineError(f"{key} must be a number from {low:g} to {high:g}, not {value!r}")
    return float(value)


def parse_policy(table: Any) -> LatePolicy | None:
    """The late policy of a ``[deadline]`` table (``None`` for no table). Raises DeadlineError naming the key."""
    if table is None:
        return None
    if not isinstance(table, dict):
        raise DeadlineError("must be a table")
    known = {"due", "timezone", "grace_minutes", "penalty_per_day", "cutoff", "extensions"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise DeadlineError(f"unknown key {unknown[0]!r} in [deadline] (known: {', '.join(sorted(known))})")
    if "due" not in table:
        raise DeadlineError("has no due date (due = \"2026-12-04T23:59:00\")")
    tz = _zone(table["timezone"]) if "timezone" in table else None
    due = parse_time(table["due"], tz, "due")
    tz = tz or due.tzinfo
    assert tz is not None
    grace = timedelta(minutes=_number(table, "grace_minutes", 0, 7 * 24 * 60))
    penalty = _number(table, "penalty_per_day", 0, 100)
    cutoff = parse_time(table["cutoff"], tz, "cutoff") if "cutoff" in table else None
    if cutoff is not None and cutoff < due:
        raise DeadlineError(f"cutoff ({cutoff.isoformat()}) is before due ({due.isoformat()})")
    raw_extensions = table.get("extensions", {})
    if not isinstance(raw_extensions, dict):
        raise DeadlineError("extensions must be a table of student = \"new due date\" ([deadline.extensions])")
    from grader.submission import STUDENT_ID  # ids are cleaned as when taken from file names ("Bob Smith")

    extensions = {}
    for student, when in raw_extensions.items():
        new_due = parse_time(when, tz, f"extensions.{student}")
        if new_due < due:
            raise DeadlineError(f"extensions.{student} ({new_due.isoformat()}) is before due")
        extensions[STUDENT_ID.sub("_", str(student)).lstrip(".")[:100]] = new_due
    return LatePolicy(due=due, tz=tz, grace=grace, penalty_per_day=penalty, cutoff=cutoff, extensions=extensions)


def _iso(when: datetime, tz: tzinfo) -> str:
    return when.astimezone(tz).isoformat(timespec="seconds")


def lateness(policy: LatePolicy, student: str, submitted: datetime, source: str, raw_score: float) -> dict | None:
    """The ``late`` record of a submission made at ``submitted`` (aware), or None when it is on time.

    Days late are started days after the (extended) due date plus the grace
    period: 1 minute past the grace is one day late, 24 h 1 min is two.
    """
    due = policy.due_for(student)
    cutoff = policy.cutoff_for(student)
    overdue = submitted - (due + policy.grace)
    if overdue <= timedelta(0):
        return None
    after_cutoff = cutoff is not None and submitted > cutoff + policy.grace
    days_late = math.ceil(overdue / DAY)
    penalty = 100.0 if after_cutoff else min(100.0, days_late * policy.penalty_per_day)
    return {
        "due": _iso(due, policy.tz),
        "cutoff": _iso(cutoff, policy.tz) if cutoff is not None else None,
        "submitted_at": _iso(submitted, policy.tz),
        "source": source,
        "days_late": days_late,
        "grace_minutes": policy.grace / timedelta(minutes=1),
        "penalty_percent": round(penalty, 4),
        "extension": student in policy.extensions,
        "after_cutoff": after_cutoff,
        "raw_score": round(raw_score, 4),
    }


def apply_penalty(raw_score: float, late: dict | None) -> float:
    """The score that counts: the earned score less the late penalty (0 after the cutoff)."""
    if not late:
        return raw_score
    if late.get("after_cutoff"):
        return 0.0
    return round(raw_score * (1 - float(late.get("penalty_percent", 0)) / 100), 4)


def describe_late(late: dict) -> str:
    """One sentence for the student and the instructor: when, how late, what it cost."""
    raw = float(late.get("raw_score", 0))
    due = f"due {late['due']}" + (" with your extension" if late.get("extension") else "")
    grace = float(late.get("grace_minutes") or 0)
    if grace:
        due += f", {grace:g}-minute grace period"
    when = f"Submitted {late['submitted_at']} ({late.get('source', 'file time')})"
    if late.get("after_cutoff"):
        return f"{when}, after the cutoff {late.get('cutoff')} ({due}): the score is 0 instead of {raw:g}."
    days = int(late.get("days_late", 0))
    percent = float(late.get("penalty_percent", 0))
    cost = f"-{percent:g}% ({raw:g} → {apply_penalty(raw, late):g})" if percent else "no penalty"
    return f"{when}, {days} day{'s' if days != 1 else ''} late ({due}): {cost}."


# --- submission times ---------------------------------------------------------------------------------------------


@dataclass
class Manifest:
    """Submission times by student id; ``default`` applies to students not named (Gradescope's metadata)."""

    path: str
    times: dict[str, datetime] = field(default_factory=dict)  # naive = local time of the deadline's zone
    default: datetime | None = None

    def time_for(self, student: str) -> datetime | None:
        return self.times.get(student, self.default)


def _manifest_time(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        return value
    text = str(value).strip() if value is not None else ""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or len(text) <= 10:
        raise ManifestError(f"{where}: {text!r} is not an ISO 8601 date and time such as 2026-12-04T23:59:00-05:00")
    return when


def _student_key(raw: Any, where: str) -> str:
    from grader.submission import STUDENT_ID  # the same cleaning as student ids taken from file names

    name = str(raw if raw is not None else "").strip()
    if not name:
        raise ManifestError(f"{where}: the student is empty")
    return STUDENT_ID.sub("_", name).lstrip(".")[:100] or "unnamed"


def _add(times: dict[str, datetime], student: str, when: datetime, where: str) -> None:
    if student in times and times[student] != when:
        raise ManifestError(f"{where}: {student!r} appears twice with different times")
    times[student] = when


def _read_csv(path: Path, text: str) -> Manifest:
    rows = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(rows, [])]
    if "student" not in header or "submitted_at" not in header:
        raise ManifestError(f"{path}: the first line must be the header student,submitted_at (got {','.join(header)!r})")
    s_col, t_col = header.index("student"), header.index("submitted_at")
    times: dict[str, datetime] = {}
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{path} line {number}"
        if len(row) <= max(s_col, t_col):
            raise ManifestError(f"{where}: expected {len(header)} columns, found {len(row)}")
        _add(times, _student_key(row[s_col], where), _manifest_time(row[t_col], where), where)
    return Manifest(str(path), times)


def _read_json(path: Path, text: str) -> Manifest:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if isinstance(data, dict) and "created_at" in data:  # Gradescope's /autograder/submission_metadata.json
        return Manifest(str(path), default=_manifest_time(data["created_at"], f"{path}: created_at"))
    if isinstance(data, dict):
        pairs = list(data.items())
    elif isinstance(data, list) and all(isinstance(e, dict) for e in data):
        pairs = [(e.get("student"), e.get("submitted_at")) for e in data]
    else:
        raise ManifestError(f"{path}: expected {{\"student\": \"time\", ...}} or [{{\"student\": ..., \"submitted_at\": ...}}]")
    times: dict[str, datetime] = {}
    for index, (student, when) in enumerate(pairs, start=1):
        where = f"{path} entry {index}"
        _add(times, _student_key(student, where), _manifest_time(when, where), where)
    return Manifest(str(path), times)


def _read_yaml(path: Path, text: str) -> Manifest:
    """The ``submission_metadata.yml`` of a Gradescope export: ``submission_<id>: {":created_at": ...}``."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ManifestError(f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: expected a mapping of submission folder names to their metadata")
    times: dict[str, datetime] = {}
    for folder, meta in data.items():
        where = f"{path} entry {folder!r}"
        if not isinstance(meta, dict):
            raise ManifestError(f"{where}: expected a mapping with :created_at")
        created = meta.get(":created_at", meta.get("created_at"))
        if created is None:
            raise ManifestError(f"{where}: no :created_at")
        _add(times, _student_key(folder, where), _manifest_time(created, where), where)
    return Manifest(str(path), times)


def read_manifest(path: str | os.PathLike) -> Manifest:
    """Read a manifest of submission times (CSV, JSON or Gradescope YAML, by extension). Raises ManifestError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ManifestError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path} cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _read_json(path, text)
    if suffix in (".yml", ".yaml"):
        return _read_yaml(path, text)
    return _read_csv(path, text)


def file_time(path: str | os.PathLike) -> datetime | None:
    """Modification time (UTC) of a submission file, or of the newest file in a submission folder."""
    path = Path(path)
    try:
        if not path.is_dir() or path.is_symlink():
            return datetime.fromtimestamp(os.lstat(path).st_mtime, UTC)
        newest = None
        for folder, _, files in os.walk(path):
            for name in files:
                info = os.lstat(os.path.join(folder, name))
                newest = info.st_mtime if newest is None else max(newest, info.st_mtime)
        return datetime.fromtimestamp(newest, UTC) if newest is not None else None
    except OSError:
        return None


def stamp_lateness(result: SubmissionResult, policy: LatePolicy | None, manifest: Manifest | None,
                   path: str | os.PathLike | None) -> bool:
    """Set ``result.submitted_at`` and ``result.late`` from the manifest or the file time; True when they changed."""
    before = (result.submitted_at, result.late)
    when = manifest.time_for(result.student) if manifest else None
    source = "manifest"
    if when is None and path is not None:
        when, source = file_time(path), "file time"
    tz = policy.tz if policy else UTC
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    if when is not None:
        result.submitted_at = _iso(when, tz)
    raw = round(sum(c.score for c in result.checks), 4)
    result.late = lateness(policy, result.student, when, source, raw) if policy and when else None
    return (result.submitted_at, result.late) != before


def manifest_gaps(manifest: Manifest | None, students: list[str]) -> str | None:
    """A warning naming the batch's students the manifest does not cover (their file time is used)."""
    if manifest is None or manifest.default is not None:
        return None
    missing = [s for s in students if s not in manifest.times]
    if not missing:
        return None
    names = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
    return f"{len(missing)} submission(s) are not in the manifest {manifest.path}; their file time is used: {names}"
