"""What ``tfgrader grade`` shows while a batch runs, and the summary table at the end.

`BatchProgress` is the callback interface the batch calls: `start` once with
the number of submissions, `warn` for a batch-wide warning, `advance` once per
submission as its result lands, `close` at the end. Two displays implement it:

* `LineProgress`: the batch's line per submission (``[3/40] alice  17.5/28  (2.1 s)``),
  for logs, pipes and tests; the default when stderr is not a terminal;
* `RichProgress`: the same lines scrolling above a live bar with the ETA and
  the running counts of checks passed, failed and errored.

Both end with `summary_table`, a plain table of the batch (status counts,
check counts, scores, time, throughput) that reads the same in a log.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from grader.results import SubmissionResult
from grader.scoring import status_of, total_score


@dataclass
class Tally:
    """Running counts of a batch; `eta` estimates from the submissions graded so far."""

    total: int = 0
    done: int = 0
    graded_here: int = 0  # graded in this run (not reused, not unreadable): the ones that take time
    reused: int = 0
    partly: int = 0  # regraded only on the exercises whose checks changed (grader.regrade)
    statuses: dict[str, int] = field(default_factory=dict)
    checks: dict[str, int] = field(default_factory=lambda: {"passed": 0, "failed": 0, "error": 0})
    scores: list[tuple[float, float]] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def add(self, result: SubmissionResult, reused: bool) -> None:
        self.done += 1
        self.reused += reused
        self.partly += result.regraded is not None and not reused
        status = status_of(result)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        for check in result.checks:
            self.checks[check.status] = self.checks.get(check.status, 0) + 1
        self.scores.append(total_score(result))
        if not reused and status != "unreadable":
            self.graded_here += 1
            self.durations.append(result.duration)

    def eta(self) -> float | None:
        """Seconds left at the pace of this run so far; None before the first graded submission."""
        if not self.graded_here:
            return None
        return (time.monotonic() - self.started) / self.graded_here * (self.total - self.done)


class BatchProgress:
    """The interface `grade_batch` reports to; this base class shows nothing."""

    def start(self, total: int) -> None:
        """The batch has ``total`` submissions (reused and unreadable ones included)."""

    def warn(self, message: str) -> None:
        """A batch-wide warning (e.g. no full isolation)."""

    def advance(self, result: SubmissionResult, reused: bool, line: str) -> None:
        """One submission is done (``reused``: its last grade was kept); ``line`` says so in one line."""

    def close(self) -> None:
        """The batch is over (also called when it stops on an error)."""


class LineProgress(BatchProgress):
    """One line per submission on ``stream`` (stderr by default), then the summary table."""

    def __init__(self, stream: TextIO | None = None, summary: bool = True) -> None:
        self.stream = stream
        self.summary = summary
        self.tally = Tally()

    def _print(self, line: str) -> None:
        print(line, file=self.stream or sys.stderr, flush=True)

    def start(self, total: int) -> None:
        self.tally = Tally(total=total)

    def warn(self, message: str) -> None:
        self._print(f"warning: {message}")

    def advance(self, result: SubmissionResult, reused: bool, line: str) -> None:
        self.tally.add(result, reused)
        self._print(line)

    def close(self) -> None:
        if self.summary and self.tally.done:
            console = Console(file=self.stream or sys.stderr, no_color=True, highlight=False, width=100)
            console.print(summary_table(self.tally))


class _EtaColumn(ProgressColumn):
    """Time left, from the pace of the submissions graded so far (reused ones take no time)."""

    def __init__(self, tally: Tally) -> None:
        super().__init__()
        self.tally = tally

    def render(self, task) -> Text:  # noqa: ANN001 - rich's Task
        eta = self.tally.eta()
        if eta is None:
            return Text("ETA --:--", style="progress.remaining")
        minutes, seconds = divmod(int(eta + 0.5), 60)
        return Text(f"ETA {minutes // 60}:{minutes % 60:02d}:{seconds:02d}", style="progress.remaining")


class _Counts:
    """The line under the bar: checks passed, failed and errored so far, submissions needing a look."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    def __rich__(self) -> Text:
        checks, statuses = self.tally.checks, self.tally.statuses
        text = Text("checks: ")
        text.append(f"{checks.get('passed', 0)} passed", style="green")
        text.append(" · ")
        text.append(f"{checks.get('failed', 0)} failed", style="red")
        text.append(" · ")
        text.append(f"{checks.get('error', 0)} errored", style="yellow")
        trouble = statuses.get("needs_regrading", 0) + statuses.get("unreadable", 0)
        if trouble:
            text.append(f" · {trouble} submission(s) need a look", style="yellow")
        return text


class RichProgress(BatchProgress):
    """A live bar with ETA and counts under the scrolling per-submission lines (for a terminal)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.tally = Tally()
        self.bar: Progress | None = None
        self.live: Live | None = None
        self.task = None

    def start(self, total: int) -> None:
        self.tally = Tally(total=total)
        self.bar = Progress(TextColumn("[bold]grading[/]"), BarColumn(bar_width=30), MofNCompleteColumn(),
                            TimeElapsedColumn(), _EtaColumn(self.tally), console=self.console)
        self.task = self.bar.add_task("grading", total=total)
        self.live = Live(Group(self.bar, _Counts(self.tally)), console=self.console, transient=True,
                         refresh_per_second=4)
        self.live.start()

    def warn(self, message: str) -> None:
        self.console.print(f"[yellow]warning:[/] {message}", highlight=False)

    def advance(self, result: SubmissionResult, reused: bool, line: str) -> None:
        self.tally.add(result, reused)
        self.console.print(line, highlight=False, markup=False)
        if self.bar is not None:
            self.bar.update(self.task, completed=self.tally.done)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
        if self.tally.done:
            self.console.print(summary_table(self.tally))


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


def summary_table(tally: Tally) -> Table:
    """The batch at a glance: submissions by status, checks by outcome, scores, time."""
    table = Table(title="Batch summary", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    statuses = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in sorted(tally.statuses.items()))
    kept = [f"{tally.reused} unchanged since their last grade"] if tally.reused else []
    kept += [f"{tally.partly} regraded only where the checks changed"] if tally.partly else []
    table.add_row("submissions", f"{tally.done}: {statuses}" + (f" ({'; '.join(kept)})" if kept else ""))
    checks = tally.checks
    table.add_row("checks", f"{checks.get('passed', 0)} passed, {checks.get('failed', 0)} failed, "
                            f"{checks.get('error', 0)} errored")
    if tally.scores:
        got = [score for score, _ in tally.scores]
        full = max(max_score for _, max_score in tally.scores)
        table.add_row("score", f"mean {statistics.fmean(got):.2f} / {full:g}, median {statistics.median(got):g}, "
                               f"min {min(got):g}, max {max(got):g}")
    wall = time.monotonic() - tally.started
    if tally.durations:
        rate = tally.graded_here / wall * 60 if wall > 0 else 0.0
        table.add_row("time", f"{_seconds(wall)} wall; {statistics.median(tally.durations):.2f} s median per "
                              f"submission; {rate:.1f} submissions/min")
    else:
        table.add_row("time", f"{_seconds(wall)} wall")
    return table


def batch_display(progress: bool | None = None) -> BatchProgress:
    """The display of ``tfgrader grade``: the live bar when asked, or by default when stderr is a terminal."""
    if progress is None:
        progress = sys.stderr.isatty()
    return RichProgress() if progress else LineProgress()
