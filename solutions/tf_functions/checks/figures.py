"""Report figures of tf_functions: the op types of the traced graph, the student's beside the reference's.

Drawn only for an exercise that lost points (see grader.judge.figures), on
fixed inputs of their own. A trace reports which op types the graph holds, not
how many of each: a bar is 1 when the type is in the graph. Placeholder,
Identity and NoOp, the plumbing of every graph, are left out. How many times a
function traced is not shown: the reference's functions live as long as the
grader, so their caches are warm (the checks' tables say it in words).
"""

import numpy as np
from _tf_functions import tensor

from grader.judge import CheckFailed, StudentCodeError, figure, to_array

PLUMBING = {"Placeholder", "Identity", "NoOp"}
_rng = np.random.default_rng(5)
CUBE_X = np.linspace(-2.0, 2.0, 81, dtype=np.float32)
VECTORS = [_rng.normal(size=13).astype(np.float32) for _ in range(3)]  # float32[13]: a shape of the figures only
BATCHES = [_rng.uniform(0.0, 1.0, (n, 28, 28)).astype(np.float32) for n in (1, 5, 9)]
MATRICES = [(_rng.normal(size=(6, 9)).astype(np.float32), np.float32(t)) for t in (-0.5, 0.0, 0.8)]
N_INCREMENTS = 8


def trace_of(side, fn, arg_sets) -> tuple[list[str], list] | None:
    """(op types, outputs) of ``fn`` traced on ``arg_sets`` (made into tensors on ``side``), or None when it cannot
    be traced."""
    args = [tuple(tensor(side, a, np.asarray(a).dtype.name) for a in arg_set) for arg_set in arg_sets]
    try:
        trace = fn.trace(args)
    except StudentCodeError as exc:
        if exc.not_implemented:  # a stub: no figure at all
            raise
        return None
    return [op for op in trace.op_types if op not in PLUMBING], trace.outputs


def number(value, call: str) -> float:
    array = to_array(value, call)
    if array.size != 1:
        raise CheckFailed(f"{call} returned {array.size} values, expected one")
    return float(array.reshape(()))


def op_types_panel(plot, yours, expected) -> None:
    """Bars of the op types in either graph (yours None: it could not be traced)."""
    if expected is None:
        raise CheckFailed("the reference could not be traced")  # never: validate proves every figure
    yours_ops = yours[0] if yours is not None else []
    categories = sorted(set(yours_ops) | set(expected[0]))
    plot.bars(categories, {"expected": [float(op in expected[0]) for op in categories],
                           "yours": [float(op in yours_ops) for op in categories]},
              title="op types of the graph" + (" (yours fails to trace)" if yours is None else ""),
              xlabel="op type", ylabel="in the graph (1 = yes)")


@figure("tf_cube", title="tf_cube: values, and the op types of its graph")
def figure_tf_cube(student, reference, plot):
    title = "tf_cube(x)"
    try:
        yours = to_array(student.tf_cube(CUBE_X), "tf_cube(x)").astype(np.float64).reshape(-1)
    except StudentCodeError as exc:  # the op types panel is still worth showing
        if exc.not_implemented:  # a stub: no figure at all
            raise
        yours, title = np.full(CUBE_X.size, np.nan), title + " (yours fails)"
    if yours.size != CUBE_X.size:
        raise CheckFailed(f"tf_cube(x) returned {yours.size} values for {CUBE_X.size}")
    plot.curves(CUBE_X, {"expected": reference.tf_cube(CUBE_X), "yours": yours}, title=title, xlabel="x",
                ylabel="output")
    op_types_panel(plot, trace_of(student, student.tf_cube, [(v,) for v in VECTORS]),
                   trace_of(reference, reference.tf_cube, [(v,) for v in VECTORS]))


@figure("add_10", title="add_10: the op types of its graph (a loop holds a While op)")
def figure_add_10(student, reference, plot):
    op_types_panel(plot, trace_of(student, student.add_10, [(v,) for v in VECTORS]),
                   trace_of(reference, reference.add_10, [(v,) for v in VECTORS]))


@figure("shrink", title="shrink: the op types of its graph")
def figure_shrink(student, reference, plot):
    op_types_panel(plot, trace_of(student, student.shrink, [(b,) for b in BATCHES]),
                   trace_of(reference, reference.shrink, [(b,) for b in BATCHES]))


@figure("count_above", title="count_above: the op types of its graph")
def figure_count_above(student, reference, plot):
    op_types_panel(plot, trace_of(student, student.count_above, MATRICES),
                   trace_of(reference, reference.count_above, MATRICES))


@figure("Counter", title="Counter().increment(): the counts it returns, and the op types of its graph")
def figure_counter(student, reference, plot):
    yours = trace_of(student, student.Counter().increment, [()] * N_INCREMENTS)
    expected = trace_of(reference, reference.Counter().increment, [()] * N_INCREMENTS)
    calls = np.arange(1, N_INCREMENTS + 1)
    counts = [number(v, "increment()") for v in yours[1]] if yours is not None else [np.nan] * N_INCREMENTS
    plot.curves(calls, {"expected": [number(v, "increment()") for v in expected[1]], "yours": counts},
                title="returned count" + ("" if yours is not None else " (yours fails)"), xlabel="call",
                ylabel="increment()")
    op_types_panel(plot, yours, expected)
