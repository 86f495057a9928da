"""Report data: plain dicts the templates render (no logic in templates beyond loops)."""

from __future__ import annotations

from grader import __version__
from grader.course import Assignment
from grader.deadlines import describe_late
from grader.report.figures import draw
from grader.results import SubmissionResult
from grader.scoring import exercise_scores, status_of, total_score

STATUS_WORDS = {
    "graded": "graded",
    "unreadable": "could not be read",
    "needs_regrading": "needs regrading (a grader problem, not yours)",
}


def _figures_of(result: SubmissionResult, exercise: str) -> list[dict]:
    """Drawn figures of one exercise; one that cannot be drawn is left out, never the report."""
    drawn = []
    for figure in result.figures:
        if isinstance(figure, dict) and figure.get("exercise") == exercise:
            try:
                drawn.append(draw(figure))
            except Exception:  # noqa: BLE001, S112 - a picture is a bonus; the words below say the same
                continue
    return drawn


def _mismatch(message: str, details: object) -> dict | None:
    """A value mismatch split for an HTML table: lead line, rows, what follows the table (errors, hint)."""
    if not isinstance(details, dict) or not isinstance(details.get("rows"), list) or not details["rows"]:
        return None
    lines = message.splitlines()
    tail = next((i for i, line in enumerate(lines) if line.startswith("max abs error")), None)
    if not lines or tail is None:
        return None
    rows = [r for r in details["rows"] if isinstance(r, dict)]
    more = details.get("mismatches", len(rows))
    return {
        "lead": lines[0],
        "rows": [{"index": str(r.get("index", "")), "got": str(r.get("got", "")),
                  "expected": str(r.get("expected", ""))} for r in rows],
        "more": max(0, int(more) - len(rows)) if isinstance(more, int) else 0,
        "after": "\n".join(line for line in lines[tail:] if not line.startswith("Hint:")),
        "hint": next((line for line in lines[tail:] if line.startswith("Hint:")), ""),
    }


def student_report(result: SubmissionResult, assignment: Assignment) -> dict:
    score, max_score = total_score(result)
    exercises = []
    for ex in exercise_scores(result, assignment):
        checks = [c for c in result.checks if c.exercise == ex.name]
        first_failure = next((c.id for c in checks if c.status != "passed"), None)
        exercises.append(
            {
                "name": ex.name,
                "title": ex.title,
                "score": ex.score,
                "max_score": ex.max_score,
                "passed": ex.passed,
                "total": ex.total,
                "open": ex.passed < ex.total,
                "figures": _figures_of(result, ex.name) if ex.passed < ex.total else [],
                "checks": [
                    {
                        "name": c.name,
                        "kind": c.kind,
                        "status": c.status,
                        "score": c.score,
                        "max_score": c.max_score,
                        "message": c.message,
                        "mismatch": _mismatch(c.message, c.details),
                        "first_failure": c.id == first_failure,
                        "traceback": c.details.get("traceback", []) if isinstance(c.details, dict) else [],
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
        "late": describe_late(result.late) if isinstance(result.late, dict) else None,
        "graded_at": result.graded_at,
        "regraded": result.regraded,
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

