"""What the student report says: the late penalty, mismatch tables, traceback lines."""

from grader.course import Course
from grader.report.build import student_report
from grader.report.render import render
from grader.results import CheckResult, SubmissionResult

LOSSES = Course().assignment("losses")


def _result(**fields) -> SubmissionResult:
    check = CheckResult(
        id="test_huber_fn.py::test_values", name="Values", exercise="huber_fn", kind="value", max_score=2, score=0,
        message="huber_fn(y_true, y_pred) on float32[4, 1] returned wrong values at 2 of 4 entries.\n"
                "  index got expected\n  [0, 0] 0.5 0.25\nmax abs error 0.25, max rel error 1 (tolerance rtol=0.0001,"
                " atol=1e-05 for float32).\nHint: the squared part should be e²/2: the factor 1/2 is missing.",
        details={"rows": [{"index": [0, 0], "got": "0.5", "expected": "0.25"}], "mismatches": 2},
        fault="mismatch",
    )
    passed = CheckResult(id="test_huber_fn.py::test_edge", name="Edge", exercise="huber_fn", kind="value",
                         max_score=1, score=1, status="passed")
    return SubmissionResult(student="zoe", assignment="losses", source_path="zoe.py", content_hash="h",
                            checks=[check, passed], **fields)


def test_a_late_submission_says_when_and_what_it_cost():
    late = {"due": "2026-12-04T23:59:00-05:00", "cutoff": None, "submitted_at": "2026-12-06T10:00:00-05:00",
            "source": "manifest", "days_late": 2, "grace_minutes": 0, "penalty_percent": 20, "extension": False,
            "after_cutoff": False, "raw_score": 1.0}
    html = render("report.html", student_report(_result(late=late), LOSSES))
    assert 'data-testid="late"' in html and "2 days late" in html and "-20% (1 → 0.8)" in html
    assert "0.8 / 3" in html  # the score that counts is after the penalty


def test_on_time_says_nothing_about_lateness():
    html = render("report.html", student_report(_result(), LOSSES))
    assert 'data-testid="late"' not in html and "1 / 3" in html


def test_a_mismatch_is_a_table_with_the_hint_first():
    html = render("report.html", student_report(_result(), LOSSES))
    assert '<table class="mismatch">' in html and "<td class=\"num\">0.25</td>" in html
    assert "… and 1 more" in html
    assert html.index("factor 1/2 is missing") < html.index('<table class="mismatch">')
