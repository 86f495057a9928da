"""The gradebook: an SQLite file of attempts and per-check results.

One row in ``attempts`` per graded submission (score, status, timings,
grader version, content hash and checks digest (grader.regrade), the full result as JSON) and one
row per check in ``check_results``. Each attempt is written in one
transaction, so an interrupted batch never leaves half an attempt.
``overrides`` keeps instructors' score overrides (who, when, why); a cleared
or superseded one stays, with ``cleared_at``, as history.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from grader import __version__
from grader.results import SubmissionResult
from grader.scoring import status_of, total_score

SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    assignment TEXT NOT NULL,
    student TEXT NOT NULL,
    source_path TEXT,
    content_hash TEXT,
    checks_hash TEXT,
    grader_version TEXT,
    submitted_at TEXT,
    graded_at TEXT,
    duration REAL,
    score REAL,
    max_score REAL,
    status TEXT,
    result_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_student ON attempts (assignment, student);
CREATE TABLE IF NOT EXISTS check_results (
    attempt_id INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    check_id TEXT NOT NULL,
    name TEXT,
    exercise TEXT,
    kind TEXT,
    status TEXT,
    score REAL,
    max_score REAL,
    fault TEXT,
    message TEXT,
    duration REAL
);
CREATE INDEX IF NOT EXISTS check_results_by_attempt ON check_results (attempt_id);
CREATE TABLE IF NOT EXISTS overrides (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    assignment TEXT NOT NULL,
    student TEXT NOT NULL,
    score REAL NOT NULL,
    reason TEXT NOT NULL,
    who TEXT,
    created_at TEXT NOT NULL,
    cleared_at TEXT,
    cleared_by TEXT
);
CREATE INDEX IF NOT EXISTS overrides_by_student ON overrides (assignment, student);
"""
OVERRIDE_KEYS = ("id", "student", "score", "reason", "who", "created_at", "cleared_at", "cleared_by")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Gradebook:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)

    def record(self, result: SubmissionResult, checks_digest: str) -> int:
        score, max_score = total_score(result)
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO attempts (assignment, student, source_path, content_hash, checks_hash, grader_version,"
                " submitted_at, graded_at, duration, score, max_score, status, result_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    result.assignment,
                    result.student,
                    result.source_path,
                    result.content_hash,
                    checks_digest,
                    __version__,
                    result.submitted_at,
                    result.graded_at,
                    result.duration,
                    score,
                    max_score,
                    status_of(result),
                    json.dumps(result.to_dict()),
                ),
            )
            attempt_id = int(cursor.lastrowid)
            self.db.executemany(
                "INSERT INTO check_results (attempt_id, check_id, name, exercise, kind, status, score, max_score,"
                " fault, message, duration) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (attempt_id, c.id, c.name, c.exercise, c.kind, c.status, c.score, c.max_score, c.fault,
                     c.message, c.duration)
                    for c in result.checks
                ],
            )
        return attempt_id

    def last_clean(self, assignment: str, student: str, content_hash: str) -> tuple[str, SubmissionResult] | None:
        """(checks digest, result) of the student's latest attempt if it graded this same content cleanly.

        The checks digest is what the attempt was graded under (grader.regrade:
        ``Digests.overall()``, which includes the grader version); None when the
        latest attempt is of other content or needs regrading.
        """
        row = self.db.execute(
            "SELECT content_hash, checks_hash, status, result_json FROM attempts"
            " WHERE assignment = ? AND student = ? ORDER BY id DESC LIMIT 1",
            (assignment, student),
        ).fetchone()
        if row is None or row[0] != content_hash or row[2] not in ("graded", "unreadable"):
            return None
        return row[1], SubmissionResult.from_dict(json.loads(row[3]))

    def latest(self, assignment: str) -> list[dict]:
        rows = self.db.execute(
            "SELECT student, score, max_score, status, graded_at, id FROM attempts a WHERE assignment = ? AND id ="
            " (SELECT MAX(id) FROM attempts b WHERE b.assignment = a.assignment AND b.student = a.student)"
            " ORDER BY student",
            (assignment,),
        ).fetchall()
        keys = ("student", "score", "max_score", "status", "graded_at", "attempt_id")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def attempts(self, assignment: str, student: str) -> list[dict]:
        rows = self.db.execute(
            "SELECT id, score, max_score, status, graded_at, content_hash FROM attempts"
            " WHERE assignment = ? AND student = ? ORDER BY id",
            (assignment, student),
        ).fetchall()
        keys = ("attempt_id", "score", "max_score", "status", "graded_at", "content_hash")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def restamp(self, result: SubmissionResult) -> None:
        """Rewrite the submission time and lateness of the student's latest attempt (a deadline changed)."""
        with self.db:
            self.db.execute(
                "UPDATE attempts SET submitted_at = ?, score = ?, result_json = ? WHERE id ="
                " (SELECT MAX(id) FROM attempts WHERE assignment = ? AND student = ?) AND content_hash = ?",
                (result.submitted_at, total_score(result)[0], json.dumps(result.to_dict()), result.assignment,
                 result.student, result.content_hash),
            )

    def assignments(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT DISTINCT assignment FROM attempts ORDER BY assignment")]

    def latest_results(self, assignment: str) -> list[tuple[SubmissionResult, int]]:
        """(result of the latest attempt, number of attempts) per student, by student id."""
        rows = self.db.execute(
            "SELECT result_json, (SELECT COUNT(*) FROM attempts b WHERE b.assignment = a.assignment"
            " AND b.student = a.student) FROM attempts a WHERE assignment = ? AND id ="
            " (SELECT MAX(id) FROM attempts b WHERE b.assignment = a.assignment AND b.student = a.student)"
            " ORDER BY student",
            (assignment,),
        ).fetchall()
        return [(SubmissionResult.from_dict(json.loads(row[0])), int(row[1])) for row in rows]

    def history(self, assignment: str, student: str) -> list[SubmissionResult]:
        """Every attempt of one student, oldest first."""
        rows = self.db.execute(
            "SELECT result_json FROM attempts WHERE assignment = ? AND student = ? ORDER BY id", (assignment, student)
        ).fetchall()
        return [SubmissionResult.from_dict(json.loads(row[0])) for row in rows]

    def set_override(self, assignment: str, student: str, score: float, reason: str, who: str) -> int:
        """Store an override; the student's previous active override, if any, is superseded (kept as history)."""
        now = _now()
        with self.db:
            self.db.execute(
                "UPDATE overrides SET cleared_at = ?, cleared_by = ? WHERE assignment = ? AND student = ?"
                " AND cleared_at IS NULL", (now, f"{who} (superseded)", assignment, student),
            )
            cursor = self.db.execute(
                "INSERT INTO overrides (assignment, student, score, reason, who, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (assignment, student, score, reason, who, now),
            )
        return int(cursor.lastrowid)

    def clear_override(self, assignment: str, student: str, who: str) -> bool:
        """Clear the student's active override; False when there was none."""
        with self.db:
            cursor = self.db.execute(
                "UPDATE overrides SET cleared_at = ?, cleared_by = ? WHERE assignment = ? AND student = ?"
                " AND cleared_at IS NULL", (_now(), who, assignment, student),
            )
        return cursor.rowcount > 0

    def overrides(self, assignment: str, student: str | None = None, active: bool = True) -> list[dict]:
        """Overrides of an assignment (of one student), oldest first; only the active ones unless ``active=False``."""
        query = f"SELECT {', '.join(OVERRIDE_KEYS)} FROM overrides WHERE assignment = ?"
        params: list = [assignment]
        if student is not None:
            query, params = query + " AND student = ?", [*params, student]
        if active:
            query += " AND cleared_at IS NULL"
        rows = self.db.execute(query + " ORDER BY id", params).fetchall()
        return [dict(zip(OVERRIDE_KEYS, row, strict=True)) for row in rows]

    def close(self) -> None:
        self.db.close()
