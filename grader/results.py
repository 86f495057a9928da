"""The records every stage shares: one check's result, one submission's result."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

KINDS = ("value", "gradient", "graph", "serialization", "api", "training")


def now_iso() -> str:
    """The time now, as results record it (UTC, to the second)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class CheckResult:
    """One hidden (or public) check run on one submission."""

    id: str  # stable id: "test_huber_fn.py::test_values[float16]"
    name: str  # what the student reads
    exercise: str
    kind: str
    max_score: float
    score: float = 0.0
    status: str = "failed"  # passed | failed | error (a judge-side problem: needs regrading)
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    fault: str | None = None  # mismatch | exception | not_implemented | timeout | crash | memory | processes | ...
    duration: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass
class SubmissionResult:
    """Everything grading one submission produced (before scoring)."""

    student: str
    assignment: str
    source_path: str
    content_hash: str
    checks: list[CheckResult] = field(default_factory=list)
    load: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # reading errors: nothing could be graded
    notes: list[str] = field(default_factory=list)  # what the reader skipped or ignored
    stdout: str = ""
    stderr: str = ""
    output_truncated: bool = False
    restarts: int = 0
    duration: float = 0.0
    judge_errors: list[str] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)  # grader.judge.figures panels, for exercises that lost points
    figure_errors: list[str] = field(default_factory=list)  # a figure function's own bug (judge side, not scored)
    submitted_at: str | None = None
    graded_at: str | None = None
    late: dict | None = None  # grader.deadlines.lateness record; None when on time or without a deadline
    base_digest: str = ""  # what the result was graded under: grader.regrade.Digests
    check_digests: dict[str, str] = field(default_factory=dict)
    regraded: list[str] | None = None  # an incremental regrade: the exercises rerun (the rest kept); else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["checks"] = [c.to_dict() for c in self.checks]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionResult:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        fields["checks"] = [CheckResult.from_dict(c) for c in data.get("checks", [])]
        return cls(**fields)
