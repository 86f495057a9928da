"""Report data: plain dicts the templates render (no logic in templates beyond loops)."""

from __future__ import annotations

from grader import __version__
from grader.course import Assignment
from grader.results import SubmissionResult
from grader.scoring import exercise_scores, status_of, total_score

STATUS_WORDS = {
    "graded": "graded",
    "unreadable": "could not be read",
    "needs_regrading": "needs regrading (a grader problem, not yours)",
}


def student_report(result: SubmissionResult, assignment: Assignment) -> dict:
    score, max_score = total_score(result)
    exercises = []
    for ex in exercise_scores(result, assignment):
        checks = [c for c in result.checks if c.exercise == ex.name]
        exercises.append(
            {
                "name": ex.name,
                "title": ex.title,
                "score": ex.score,
                "max_score": ex.max_score,
                "passed": ex.passed,
                "total": ex.total,
                "open": ex.passed < ex.total,
                "checks": [
                    {
                        "name": c.name,
                        "kind": c.kind,
                        "status": c.status,
                        "score": c.score,
                        "max_score": c.max_score,
                        "message": c.message,
                        "traceback": c.details.get("traceback", []) if isinstance(c.details, dict) else [],
                        "rows": c.details.get("rows", []) if isinstance(c.details, dict) else [],
                    }
                    for c in checks
                ],
            }
        )
    load = result.load or {}
    return {
        "student": result.student,
        "assignment_id": assignment.id,
        "assignment_title": assignment.title,
        "score": score,
        "max_score": max_score,
        "status": status_of(result),
        "status_words": STATUS_WORDS[status_of(result)],
        "submitted_at": result.submitted_at,
        "graded_at": result.graded_at,
        "grader_version": __version__,
        "duration": round(result.duration, 2),
        "problems": result.problems,
        "notes": result.notes,
        "load_failure": load.get("failure"),
        "load_errors": [_entry(e, ("cell", "line", "type", "message")) for e in load.get("errors", []) or []],
        "skipped": [_entry(s, ("cell", "line", "what", "code")) for s in load.get("skipped", []) or []],
        "exercises": exercises,
        "stdout": result.stdout,
        "stderr": result.stderr,
        "output_truncated": result.output_truncated,
        "restarts": result.restarts,
    }


def _entry(raw: object, keys: tuple[str, ...]) -> dict:
    """A record from the sandbox side with exactly ``keys``, each a string (whatever arrived)."""
    data = raw if isinstance(raw, dict) else {}
    return {k: str(data.get(k, "")) for k in keys}


def class_index(results: list[SubmissionResult], assignment: Assignment) -> dict:
    rows = []
    per_check: dict[tuple[str, str], list[int]] = {}
    for r in sorted(results, key=lambda r: r.student):
        score, max_score = total_score(r)
        rows.append(
            {
                "student": r.student,
                "score": score,
                "max_score": max_score,
                "status": status_of(r),
                "duration": round(r.duration, 2),
                "report": f"{r.student}/report.html",
            }
        )
        for c in r.checks:
            per_check.setdefault((c.exercise, c.name), []).append(c.status == "passed")
    checks = sorted(
        (
            {"exercise": ex, "name": name, "passed": sum(v), "total": len(v), "rate": round(100 * sum(v) / len(v))}
            for (ex, name), v in per_check.items()
        ),
        key=lambda c: (c["rate"], c["exercise"], c["name"]),
    )
    return {
        "assignment_id": assignment.id,
        "assignment_title": assignment.title,
        "grader_version": __version__,
        "rows": rows,
        "checks": checks,
        "count": len(rows),
        "unreadable": sum(r["status"] == "unreadable" for r in rows),
        "needs_regrading": sum(r["status"] == "needs_regrading" for r in rows),
    }
