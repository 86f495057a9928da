"""The class dashboard's data (``OUT/index.html``) and the grades CSV beside it.

What an instructor with 300 reports wants first: the score distribution, what
most of the class fails (exercises and checks, hardest first), who errored or
timed out, who was slowest, and a table of everyone linking to their report.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from urllib.parse import quote

from grader import __version__
from grader.course import Assignment
from grader.export import safe_cell
from grader.report.figures import draw_histogram
from grader.results import SubmissionResult
from grader.scoring import exercise_scores, status_of, total_score

SANDBOX_FAULTS = {
    "timeout": "timed out",
    "crash": "crashed",
    "memory": "ran out of memory",
    "processes": "started too many processes",
    "exit": "ended the process",
    "protocol": "sent what cannot be accepted",
}
CSV_NAME = "grades.csv"
SCRIPT_NAME = "tfgrader-table.js"  # beside index.html: the only script, allowed by the CSP's script-src 'self'
RESERVED_NAMES = {"index.html", CSV_NAME, SCRIPT_NAME}


def report_link(student: str) -> str:
    return quote(student) + "/report.html"


def _trouble(result: SubmissionResult) -> str:
    """Why a submission needs a look, in words; "" when it graded without errors or sandbox faults."""
    status = status_of(result)
    if status == "unreadable":
        return "could not be read: " + "; ".join(result.problems)
    reasons = []
    if status == "needs_regrading":
        reasons.append("needs regrading (grader error: " + "; ".join(result.judge_errors[:1]) + ")")
    if (result.load or {}).get("failure"):
        reasons.append(f"loading failed: {result.load['failure']}")
    faults = Counter(c.fault for c in result.checks if c.fault in SANDBOX_FAULTS)
    reasons += [f"{SANDBOX_FAULTS[f]} in {n} check(s)" for f, n in faults.most_common()]
    return "; ".join(reasons)


def _exercise_rates(results: list[SubmissionResult], assignment: Assignment) -> list[dict]:
    table: dict[str, dict] = {}
    for r in results:
        if status_of(r) == "unreadable":
            continue
        for ex in exercise_scores(r, assignment):
            row = table.setdefault(ex.name, {"name": ex.name, "title": ex.title, "max_score": ex.max_score,
                                             "full": 0, "points": [], "total": 0})
            row["total"] += 1
            row["full"] += ex.score == ex.max_score
            row["points"].append(ex.score)
    rows = []
    for row in table.values():
        mean = statistics.fmean(row.pop("points"))
        row["mean"] = round(mean, 2)
        row["rate"] = round(100 * mean / row["max_score"]) if row["max_score"] else 100
        rows.append(row)
    return sorted(rows, key=lambda r: (r["rate"], r["name"]))


def _check_rates(results: list[SubmissionResult]) -> list[dict]:
    per_check: dict[tuple[str, str], list[bool]] = {}
    for r in results:
        if status_of(r) == "unreadable":
            continue
        for c in r.checks:
            per_check.setdefault((c.exercise, c.name), []).append(c.status == "passed")
    return sorted(
        ({"exercise": ex, "name": name, "passed": sum(v), "total": len(v), "rate": round(100 * sum(v) / len(v))}
         for (ex, name), v in per_check.items()),
        key=lambda c: (c["rate"], c["exercise"], c["name"]),
    )


def class_index(results: list[SubmissionResult], assignment: Assignment) -> dict:
    rows = []
    for r in sorted(results, key=lambda r: r.student):
        score, max_score = total_score(r)
        rows.append({
            "student": r.student,
            "score": score,
            "max_score": max_score,
            "percent": round(100 * score / max_score) if max_score else 0,
            "status": status_of(r),
            "duration": round(r.duration, 2),
            "report": report_link(r.student),
            "trouble": _trouble(r),
            "graded_at": r.graded_at or "",
            "late": f"-{r.late['penalty_percent']:g}%" if isinstance(r.late, dict) and not r.late.get("after_cutoff")
            else ("after cutoff" if isinstance(r.late, dict) else ""),
        })
    scores = [row["score"] for row in rows if row["status"] != "unreadable"]
    max_score = max((row["max_score"] for row in rows), default=0.0)
    return {
        "assignment_id": assignment.id,
        "assignment_title": assignment.title,
        "grader_version": __version__,
        "rows": rows,
        "count": len(rows),
        "mean": round(statistics.fmean(scores), 2) if scores else None,
        "median": round(statistics.median(scores), 2) if scores else None,
        "max_score": max_score,
        "histogram": draw_histogram(scores, max_score) if scores else None,
        "exercises": _exercise_rates(results, assignment),
        "checks": _check_rates(results),
        "trouble": [row for row in rows if row["trouble"]],
        "slowest": sorted((row for row in rows if row["status"] != "unreadable"), key=lambda row: -row["duration"])[:5],
        "unreadable": sum(row["status"] == "unreadable" for row in rows),
        "needs_regrading": sum(row["status"] == "needs_regrading" for row in rows),
        "csv_name": CSV_NAME,
        "script_name": SCRIPT_NAME,
    }


def grades_csv(results: list[SubmissionResult], assignment: Assignment) -> str:
    """One row per student: total, percent, status, then points per exercise (the dashboard's download)."""
    names = assignment.exercise_names
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", "percent", "status", *names, "graded_at"])
    for r in sorted(results, key=lambda r: r.student):
        score, max_score = total_score(r)
        per_exercise = {e.name: e.score for e in exercise_scores(r, assignment)}
        writer.writerow([
            safe_cell(r.student), f"{score:g}", f"{max_score:g}",
            f"{100 * score / max_score:.1f}" if max_score else "0.0", status_of(r),
            *[f"{per_exercise.get(n, 0):g}" for n in names], r.graded_at or "",
        ])
    return buffer.getvalue()
