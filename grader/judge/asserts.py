"""Assertions that explain themselves to a student.

Every helper checks, in order: that the result is data (not some object), its
shape (no silent broadcasting), its finiteness, then closeness with a
tolerance chosen by dtype. A failure raises `CheckFailed` whose message says
what was called, with which shapes and dtypes, where the first mismatches are
(expected vs got), the largest errors and the tolerance, plus a hint when the
wrong values match a known mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from grader.judge.concurrent import side_by_side
from grader.judge.errors import CheckFailed
from grader.judge.proxy import Remote, Trace, describe_call

# (rtol, atol) per dtype: loose enough for a different but equivalent formula
TOLERANCES = {
    "float16": (1e-2, 1e-2),
    "bfloat16": (2e-2, 2e-2),
    "float32": (1e-4, 1e-5),
    "float64": (1e-9, 1e-11),
}
MAX_ROWS = 5


def tolerance_for(dtype: Any) -> tuple[float, float]:
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    return TOLERANCES.get(name, TOLERANCES["float32"])


def to_array(value: Any, call: str) -> np.ndarray:
    """The returned value as an ndarray, or a failure saying what came back instead."""
    if isinstance(value, Remote):
        raise CheckFailed(f"{call} returned a {value.type_name.rsplit('.', 1)[-1]} object, not a tensor or array.")
    if isinstance(value, (np.ndarray, bool, int, float, np.generic)):
        return np.asarray(value)
    if isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value)
        except (ValueError, TypeError):
            array = None
        if array is not None and array.dtype.kind in "biuf":
            return array
    raise CheckFailed(f"{call} returned {type(value).__name__} {_short(value)}, not a tensor or array.")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fmt(x: float) -> str:
    if np.isnan(x):
        return "nan"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.6g}"


def assert_close(
    got: Any,
    expected: Any,
    *,
    call: str,
    dtype: Any = None,
    rtol: float | None = None,
    atol: float | None = None,
    mistakes: dict[str, np.ndarray] | None = None,
) -> None:
    """``got`` equals ``expected`` within the tolerance of ``dtype`` (default: expected's dtype)."""
    got_a = to_array(got, call)
    exp_a = np.asarray(expected)
    if got_a.shape != exp_a.shape:
        hint = ""
        if got_a.size == 1 and exp_a.size > 1:
            hint = " It looks reduced to one number: return the element-wise values, without mean or sum."
        elif got_a.size == exp_a.size:
            hint = " Same number of values, different arrangement: check reshapes and transposes."
        raise CheckFailed(
            f"{call} returned shape {tuple(got_a.shape)}, expected {tuple(exp_a.shape)}.{hint}",
            {"call": call, "got_shape": list(got_a.shape), "expected_shape": list(exp_a.shape)},
        )
    dt = dtype if dtype is not None else (exp_a.dtype if exp_a.dtype.kind == "f" else "float64")
    d_rtol, d_atol = tolerance_for(dt)
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol
    g = got_a.astype(np.float64) if got_a.dtype.kind != "c" else got_a
    e = exp_a.astype(np.float64)
    both_nan = np.isnan(g) & np.isnan(e)
    same_inf = np.isinf(g) & np.isinf(e) & (np.sign(g) == np.sign(e))
    with np.errstate(invalid="ignore", over="ignore"):
        bad = ~(both_nan | same_inf | (np.abs(g - e) <= atol + rtol * np.abs(e)))
    if not bad.any():
        return
    details = _mismatch_details(call, g, e, bad, rtol, atol)
    nonfinite = bad & ~np.isfinite(g) & np.isfinite(e)
    if nonfinite.any():
        first = tuple(int(i) for i in np.argwhere(nonfinite)[0])
        lead = f"{call} returned {_fmt(g[first])} at index {list(first)} where a finite value was expected"
    else:
        lead = f"{call} returned wrong values at {int(bad.sum())} of {bad.size} entries"
    hint = _recognise(g, mistakes, rtol, atol)
    if hint:
        details["hint"] = hint
    message = (
        f"{lead}.\n{_table(details)}\nmax abs error {_fmt(details['max_abs'])}, max rel error "
        f"{_fmt(details['max_rel'])} (tolerance rtol={rtol:g}, atol={atol:g} for {np.dtype(dt).name})."
    )
    if hint:
        message += f"\nHint: {hint}"
    raise CheckFailed(message, details)


def _mismatch_details(call: str, g: np.ndarray, e: np.ndarray, bad: np.ndarray, rtol: float, atol: float) -> dict:
    rows = []
    for index in np.argwhere(bad)[:MAX_ROWS]:
        idx = tuple(int(i) for i in index)
        rows.append({"index": list(idx), "got": _fmt(g[idx]), "expected": _fmt(e[idx])})
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        diff = np.abs(g - e)
        finite = np.isfinite(diff)
        max_abs = float(diff[finite].max()) if finite.any() else float("inf")
        rel = diff / np.maximum(np.abs(e), 1e-300)
        max_rel = float(rel[finite].max()) if finite.any() else float("inf")
    return {
        "call": call,
        "mismatches": int(bad.sum()),
        "total": int(bad.size),
        "rows": rows,
        "max_abs": max_abs,
        "max_rel": max_rel,
        "rtol": rtol,
        "atol": atol,
    }


def _table(details: dict) -> str:
    lines = [f"  {'index':<12}{'got':>14}{'expected':>14}"]
    for row in details["rows"]:
        lines.append(f"  {str(row['index']):<12}{row['got']:>14}{row['expected']:>14}")
    if details["mismatches"] > len(details["rows"]):
        lines.append(f"  ... and {details['mismatches'] - len(details['rows'])} more")
    return "\n".join(lines)


def _recognise(got: np.ndarray, mistakes: dict[str, np.ndarray] | None, rtol: float, atol: float) -> str | None:
    for hint, candidate in (mistakes or {}).items():
        c = np.asarray(candidate, dtype=np.float64)
        if c.shape == got.shape and np.allclose(got, c, rtol=max(rtol, 1e-4), atol=max(atol, 1e-5), equal_nan=True):
            return hint
    return None


def assert_dtype(got: Any, expected: Any, *, call: str) -> None:
    """The result keeps the expected dtype (``float16`` in, ``float16`` out)."""
    array = to_array(got, call)
    want = np.dtype(expected).name
    if array.dtype.name != want:
        raise CheckFailed(
            f"{call} returned dtype {array.dtype.name}, expected {want}: keep the input's dtype "
            "(avoid Python/NumPy float64 constants mixed in, or casts).",
            {"call": call, "got_dtype": array.dtype.name, "expected_dtype": want},
        )


def assert_gradients_close(
    student_fn: Remote, reference_fn: Remote, args: Sequence[Any], *, wrt: Sequence[int] = (0,),
    mistakes: dict[str, np.ndarray] | None = None,
) -> None:
    """The tape gradients of sum(f(*args)) w.r.t. ``args[i]`` match the reference's."""
    wrt = tuple(wrt)
    got, expected = side_by_side(student_fn, reference_fn).gradient(*args, wrt=wrt)
    for position, g, e in zip(wrt, got.gradients, expected.gradients, strict=True):
        call = f"the gradient of {describe_call(student_fn._label, tuple(args), {})} w.r.t. argument {position + 1}"
        if g is None:
            raise CheckFailed(
                f"{call} is None: the result is not connected to that input for TensorFlow. "
                "Use TensorFlow ops on tensors (not NumPy, .numpy() or Python floats) between input and output.",
                {"call": call},
            )
        dtype = np.asarray(args[position]).dtype if isinstance(args[position], np.ndarray) else None
        assert_close(g, e, call=call, dtype=dtype, mistakes=mistakes)


def finite_difference_gradient(fn: Callable[[list], np.ndarray], args: list[np.ndarray], position: int,
                               eps: float = 1e-6) -> np.ndarray:
    """Central differences of an element-wise ``fn``: (f(x + eps) - f(x - eps)) / 2 eps per element."""
    plus = [np.array(a, dtype=np.float64) for a in args]
    minus = [np.array(a, dtype=np.float64) for a in args]
    plus[position] = plus[position] + eps
    minus[position] = minus[position] - eps
    return (np.asarray(fn(plus), np.float64) - np.asarray(fn(minus), np.float64)) / (2 * eps)


def assert_matches_finite_differences(fn: Remote, args: Sequence[np.ndarray], *, wrt: int, eps: float = 1e-6,
                                      rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """For an element-wise function: tape gradient (float64) == central finite differences.

    The differences are computed here, in the judge, from values the student's
    function returned; the tape gradient comes from the sandbox.
    """
    args64 = [np.asarray(a, np.float64) for a in args]
    tape = fn.gradient(*args64, wrt=(wrt,)).gradients[0]
    call = f"the gradient of {describe_call(fn._label, tuple(args64), {})} w.r.t. argument {wrt + 1}"
    if tape is None:
        raise CheckFailed(f"{call} is None: the result is not connected to that input for TensorFlow.", {"call": call})
    numeric = finite_difference_gradient(lambda a: to_array(fn(*a), call), args64, wrt, eps)
    try:
        assert_close(tape, numeric, call=call + " (vs finite differences)", dtype="float64", rtol=rtol, atol=atol)
    except CheckFailed as exc:
        raise CheckFailed(
            exc.message + "\nYour gradient disagrees with how your own function's values change: "
            "check any custom gradient or stop_gradient.", exc.details
        ) from None


def assert_traces_at_most(trace: Trace, limit: int, *, call: str) -> None:
    if trace.tracing_count > limit:
        raise CheckFailed(
            f"{call} was traced {trace.tracing_count} times for inputs of one shape and dtype (at most {limit} "
            "expected). Python values or side effects in the function make tf.function retrace.",
            {"call": call, "tracing_count": trace.tracing_count, "limit": limit},
        )


def assert_instance_of(obj: Any, cls: type, *, call: str) -> None:
    if not isinstance(obj, Remote):
        raise CheckFailed(f"{call} returned {type(obj).__name__}, expected a {public_name(cls)}.")
    if not obj.is_instance_of(cls):
        public = public_name(cls)
        raise CheckFailed(
            f"{call} is a {obj.type_name.rsplit('.', 1)[-1]}, which does not subclass {public}.",
            {"call": call, "bases": list(obj.bases)[:8]},
        )


def public_name(cls: type) -> str:
    """``keras.src.losses.loss.Loss`` -> ``keras.losses.Loss``."""
    parts = cls.__module__.split(".")
    if len(parts) > 2 and parts[1] == "src":
        return f"{parts[0]}.{parts[2]}.{cls.__qualname__}"
    return f"{cls.__module__}.{cls.__qualname__}"
