"""What can go wrong in a check, and whose fault it is.

`StudentFault` and `CheckFailed` cost the student the check, with a message
written for them. Anything else raised by a check is a judge error: the
submission is marked "needs regrading" instead of silently losing points.
"""

from __future__ import annotations

import re

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def plain(text: str) -> str:
    """Without terminal colour codes (Keras bolds parts of its messages)."""
    return ANSI.sub("", text)


class StudentFault(Exception):
    """The student's code misbehaved; ``message`` says how, in plain words."""

    kind = "error"

    def __init__(self, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class StudentCodeError(StudentFault):
    """The student's code raised an exception inside the sandbox."""

    def __init__(self, call: str, error: dict) -> None:
        self.error_type = plain(str(error.get("type", "Error")))
        self.error_message = plain(str(error.get("message", "")))
        self.traceback = [f for f in error.get("traceback", []) if isinstance(f, dict)]
        self.not_implemented = bool(error.get("not_implemented"))
        if self.not_implemented:
            message = f"{call} is not implemented yet (it raises NotImplementedError)."
        elif self.error_type == "Problem":
            message = f"{call}: {self.error_message}"
        else:
            message = f"{call} raised {self.error_type}: {self.error_message}"
        super().__init__(message, {"traceback": self.traceback, "call": call})
        self.kind = "not_implemented" if self.not_implemented else "exception"


class SandboxProblem(StudentFault):
    """The sandbox timed out, crashed, ran out of memory or broke the protocol."""

    def __init__(self, call: str, failure_kind: str, message: str) -> None:
        super().__init__(f"{call}: {message}" if call else message, {"call": call})
        self.kind = failure_kind


class CheckFailed(AssertionError):
    """A comparison failed; ``details`` holds the table the report shows."""

    def __init__(self, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class JudgeFailure(Exception):
    """The grader's machinery failed (no sandbox could start): the submission needs regrading."""


class ReferenceError_(Exception):
    """The reference solution itself failed: a bug in the assignment, not the student's fault."""
