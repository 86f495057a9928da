"""What a check author imports: the decorator, the assertion helpers, `as_numpy`, `side_by_side` and `both_sides`."""

from grader.judge.asserts import (
    assert_close,
    assert_dtype,
    assert_gradients_close,
    assert_instance_of,
    assert_matches_finite_differences,
    assert_traces_at_most,
    to_array,
)
from grader.judge.concurrent import both_sides, side_by_side
from grader.judge.errors import CheckFailed, SandboxProblem, StudentCodeError, StudentFault
from grader.judge.figures import figure, gradient_values, note_missing, values_of
from grader.judge.plugin import check
from grader.judge.proxy import as_numpy

__all__ = [
    "CheckFailed",
    "SandboxProblem",
    "StudentCodeError",
    "StudentFault",
    "as_numpy",
    "assert_close",
    "assert_dtype",
    "assert_gradients_close",
    "assert_instance_of",
    "assert_matches_finite_differences",
    "assert_traces_at_most",
    "both_sides",
    "check",
    "figure",
    "gradient_values",
    "note_missing",
    "side_by_side",
    "to_array",
    "values_of",
]
