"""What ``tfgrader grade`` shows while grading: per-submission lines, the live bar on a terminal, the summary."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from grader.progress import LineProgress, RichProgress, Tally, batch_display
from grader.results import CheckResult, SubmissionResult

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "losses"


def result(student: str, statuses: list[str], problems: list[str] | None = None,
           duration: float = 2.0) -> SubmissionResult:
    checks = [CheckResult(id=f"c{i}", name=f"check {i}", exercise="huber_fn", kind="value", max_score=1.0,
                          score=1.0 if status == "passed" else 0.0, status=status)
              for i, status in enumerate(statuses)]
    return SubmissionResult(student=student, assignment="losses", source_path=f"{student}.py", content_hash="x",
                            checks=checks, problems=problems or [], duration=duration)


def feed(progress) -> None:
    progress.start(3)
    progress.warn("no full isolation")
    progress.advance(result("ann", ["passed", "passed"]), True, "[1/3] ann line")
    progress.advance(result("bea", ["failed", "failed"], problems=["not JSON"], duration=0.0), False,
                     "[2/3] bea line")
    progress.advance(result("cid", ["passed", "failed", "error"]), False, "[3/3] cid line")
    progress.close()


def test_line_progress_prints_the_batch_lines_then_a_summary_table():
    stream = io.StringIO()
    feed(LineProgress(stream))
    lines = stream.getvalue().splitlines()
    assert lines[:4] == ["warning: no full isolation", "[1/3] ann line", "[2/3] bea line", "[3/3] cid line"]
    summary = "\n".join(lines[4:])
    assert "Batch summary" in summary
    assert "3: 1 graded, 1 needs regrading, 1 unreadable (1 unchanged since their last grade)" in summary
    assert "3 passed, 3 failed, 1 errored" in summary
    assert "mean 1.00 / 3, median 1, min 0, max 2" in summary
    assert "submissions/min" in summary  # one submission was graded in this run: a rate is known


def test_rich_progress_draws_bar_eta_and_live_counts_on_a_terminal():
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=120, color_system=None)
    feed(RichProgress(console))
    text = stream.getvalue()
    for expected in ("grading", "ETA", "checks: 3 passed · 3 failed · 1 errored", "2 submission(s) need a look",
                     "[1/3] ann line", "[3/3] cid line", "Batch summary"):
        assert expected in text, expected


def test_eta_counts_only_submissions_graded_in_this_run():
    tally = Tally(total=4, started=time.monotonic() - 10.0)
    tally.add(result("ann", ["passed"]), reused=True)
    assert tally.eta() is None  # reused results take no time: no pace yet
    tally.add(result("bea", ["passed"]), reused=False)
    eta = tally.eta()
    assert eta is not None and 18.0 <= eta <= 22.0  # 10 s for one graded submission, two left


def test_default_display_follows_whether_stderr_is_a_terminal():
    assert isinstance(batch_display(True), RichProgress)
    assert isinstance(batch_display(False), LineProgress)
    assert isinstance(batch_display(None), RichProgress if sys.stderr.isatty() else LineProgress)


def run_on_a_terminal(*args: str) -> tuple[int, str, str]:
    """Run ``tfgrader grade`` with stderr on a pseudo-terminal; (exit status, stdout, terminal output)."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "grader.cli", "grade", "losses", *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=terminal,
                            env={**os.environ, "PYTHONWARNINGS": "ignore", "COLUMNS": "120", "TERM": "xterm"})
    os.close(terminal)
    seen = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if select.select([controller], [], [], 0.5)[0]:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed: the command is done
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    os.close(controller)
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    return proc.wait(timeout=60), stdout, seen.decode(errors="replace")


def test_grade_on_a_terminal_shows_the_live_bar_and_still_one_line_per_submission(tmp_path):
    code, stdout, terminal = run_on_a_terminal(str(SAMPLES / "bob.py"), str(SAMPLES / "erin.ipynb"),
                                               "--out", str(tmp_path / "out"), "--jobs", "1")
    assert code == 0, terminal
    assert "grading" in terminal and "ETA" in terminal and "checks:" in terminal
    assert "erin" in terminal and "[unreadable]" in terminal and "bob" in terminal
    assert "Batch summary" in terminal
    assert "Graded 2 submission(s)" in stdout


def test_no_progress_on_a_terminal_prints_lines_only(tmp_path):
    code, _, terminal = run_on_a_terminal(str(SAMPLES / "erin.ipynb"), "--out", str(tmp_path / "out"),
                                          "--no-progress")
    assert code == 0, terminal
    assert "[1/1] erin" in terminal and "Batch summary" in terminal
    assert "ETA" not in terminal and "checks:" not in terminal
