"""The reports in a real browser: Debian's chromium driven by Playwright, pages opened from file:// URLs.

Screenshots land in ``test-artifacts/screenshots/`` (override with TFGRADER_ARTIFACTS).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from grader.course import Course
from grader.report.build import student_report
from grader.report.render import render
from grader.results import CheckResult, SubmissionResult

pytestmark = pytest.mark.xdist_group("browser")  # its module fixture grades once, on one worker

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("TFGRADER_ARTIFACTS", ROOT / "test-artifacts")) / "screenshots"
FLAGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
         "--disable-sync", "--no-first-run", "--disable-gpu"]


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "the browser tests need Debian's chromium: apt-get install -y chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """The bundled sample class, graded by the real CLI."""
    out = tmp_path_factory.mktemp("browser") / "out"
    samples = sorted(str(p) for p in (ROOT / "samples" / "losses").iterdir())
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "grade", "losses", *samples, "--out", str(out),
                           "--jobs", "2"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


class Watched:
    """A page that records console errors, failed requests and script dialogs."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))
        page.on("dialog", lambda d: (self.errors.append(f"a script opened a dialog: {d.message}"), d.dismiss()))


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_dashboard_to_a_failing_report_with_its_figure(browser, graded_class):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    watched = Watched(page)
    page.goto((graded_class / "index.html").as_uri())
    assert page.locator("[data-testid=histogram]").is_visible()
    shot(page, "dashboard")

    page.get_by_role("link", name="carol", exact=True).first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/carol/report.html")
    expected = json.loads((graded_class / "carol" / "results.json").read_text())
    score, max_score = expected["score"], expected["extra_data"]["max_score"]
    assert page.get_by_test_id("score").inner_text().strip() == f"{score:g} / {max_score:g}"

    section = page.locator("section[data-exercise=huber_fn]")
    details = section.locator("details").first
    section.locator("summary").first.click()  # a failing exercise opens by default: close it, then open again
    assert details.get_attribute("open") is None
    section.locator("summary").first.click()
    assert details.get_attribute("open") is not None
    figure = section.get_by_test_id("figure").first
    figure.scroll_into_view_if_needed()
    assert figure.is_visible()
    assert figure.evaluate("img => img.complete && img.naturalWidth > 100")  # the SVG decoded under the CSP
    assert "Figure:" in figure.get_attribute("alt")
    shot(page, "report-carol")
    assert watched.errors == []


def test_the_students_table_sorts_by_score(browser, graded_class):
    page = browser.new_page()
    watched = Watched(page)
    page.goto((graded_class / "index.html").as_uri())
    table = page.get_by_test_id("students")
    table.get_by_role("button", name="Score").click()
    scores = [float(v) for v in table.locator("tbody tr td:nth-child(2)").evaluate_all(
        "cells => cells.map(c => c.getAttribute('data-sort'))")]
    assert scores == sorted(scores) and scores[0] < scores[-1]
    table.get_by_role("button", name="Score").click()
    again = [float(v) for v in table.locator("tbody tr td:nth-child(2)").evaluate_all(
        "cells => cells.map(c => c.getAttribute('data-sort'))")]
    assert again == sorted(scores, reverse=True)
    assert watched.errors == []


def test_csv_download_matches_the_table(browser, graded_class):
    lines = (graded_class / "grades.csv").read_text().splitlines()
    assert lines[0].startswith("student,score,max_score,percent,status,huber_fn,create_huber,HuberLoss")
    rows = {line.split(",")[0]: line.split(",") for line in lines[1:]}
    alice = json.loads((graded_class / "alice" / "results.json").read_text())
    assert float(rows["alice"][1]) == alice["score"]
    page = browser.new_page()
    page.goto((graded_class / "index.html").as_uri())
    assert page.get_by_role("link", name="Download the grades (CSV)").get_attribute("href") == "grades.csv"


def test_pages_fit_a_phone(browser, graded_class):
    page = browser.new_page(viewport={"width": 375, "height": 740}, device_scale_factor=2)
    for path, name in ((graded_class / "index.html", "phone-dashboard"),
                       (graded_class / "carol" / "report.html", "phone-report-carol")):
        page.goto(path.as_uri())
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} is {overflow}px wider than a phone screen"
        shot(page, name)


PAYLOAD = '</pre></td></table><script>alert(document.domain)</script><img src=x onerror=alert(1)>'


def _hostile_result() -> SubmissionResult:
    """A payload in every field a submission can influence."""
    check = CheckResult(
        id="test_huber_fn.py::test_values", name="Values " + PAYLOAD, exercise="huber_fn", kind="value",
        max_score=1, message=f"huber_fn raised ValueError: {PAYLOAD}",
        details={"traceback": [{"file": PAYLOAD, "line": 1, "name": PAYLOAD, "code": PAYLOAD}]},
        fault="exception",
    )
    mismatch = CheckResult(
        id="test_huber_fn.py::test_more", name="More", exercise="huber_fn", kind="value", max_score=1,
        message=f"{PAYLOAD} returned wrong values at 1 of 1 entries.\n  index got expected\n"
                f"max abs error 1, max rel error 1 (tolerance {PAYLOAD}).\nHint: {PAYLOAD}",
        details={"rows": [{"index": PAYLOAD, "got": PAYLOAD, "expected": "1"}], "mismatches": 2},
        fault="mismatch",
    )
    return SubmissionResult(
        student="eve", assignment="losses", source_path=PAYLOAD, content_hash="x", checks=[check, mismatch],
        load={"failure": PAYLOAD, "errors": [{"cell": PAYLOAD, "line": 1, "type": PAYLOAD, "message": PAYLOAD}],
              "skipped": [{"cell": PAYLOAD, "line": 2, "what": PAYLOAD, "code": PAYLOAD}]},
        notes=[PAYLOAD], stdout=PAYLOAD, stderr=PAYLOAD, judge_errors=[PAYLOAD],
        figures=[{"exercise": "huber_fn", "title": PAYLOAD, "panels": [
            {"type": "curves", "title": PAYLOAD, "xlabel": PAYLOAD, "x": [0, 1], "series": {PAYLOAD: [0, 1]}}]}],
    )


def test_payloads_in_every_field_never_run(browser, tmp_path):
    html = render("report.html", student_report(_hostile_result(), Course().assignment("losses")))
    assert "<script>alert" not in html and "<img src=x" not in html
    path = tmp_path / "eve" / "report.html"
    path.parent.mkdir()
    path.write_text(html)
    page = browser.new_page()
    watched = Watched(page)
    page.goto(path.as_uri())
    assert page.evaluate("document.scripts.length") == 0
    assert page.locator("img[src=x]").count() == 0
    assert PAYLOAD in page.locator("body").inner_text()  # shown as text, whole
    assert not [e for e in watched.errors if "dialog" in e]
