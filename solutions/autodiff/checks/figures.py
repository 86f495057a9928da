"""Report figures of autodiff: the student's curves over the reference's.

Drawn only for an exercise that lost points (see grader.judge.figures), on
fixed plotting inputs of their own. `f_hessian` has none: its second
derivatives are constants, which the check's table already shows best.
"""

import numpy as np
from _autodiff import items, point, scalar

from grader.judge import figure, gradient_values, note_missing, values_of

Z = np.linspace(-100.0, 100.0, 201, dtype=np.float32)  # wide, so overflow (inf, NaN) shows; holds 0 exactly
W1 = np.linspace(-3.0, 3.0, 13)
W2 = 2.0


def not_finite_note(yours: np.ndarray) -> str:
    """`` (yours: inf/NaN for z in [89, 100])``: such points draw nothing, so the title says where."""
    where = Z[~np.isfinite(yours)]
    if where.size == 0:
        return ""
    span = f"z = {where[0]:g}" if where.size == 1 else f"z in [{where.min():g}, {where.max():g}]"
    return f" (yours: inf/NaN for {span})"


def gradients_along_w1(side, fn_name: str) -> tuple[np.ndarray, list[bool]]:
    """``[df/dw1, df/dw2]`` returned at (w1, W2) for each w1 of `W1`: shape [2, len(W1)] (NaN for None)."""
    values = np.full((2, W1.size), np.nan)
    missing = [False, False]
    for j, w1 in enumerate(W1):
        entries = items(getattr(side, fn_name)(*point(side, w1, W2)), 2, fn_name, "[df/dw1, df/dw2]")
        for i, entry in enumerate(entries):
            number = scalar(entry, fn_name)
            if number is None:
                missing[i] = True
            else:
                values[i, j] = float(number)
    return values, missing


def gradients_figure(plot, student, reference, fn_name: str) -> None:
    """Two panels: each returned derivative along w1 (w2 fixed), yours over the reference's."""
    yours, yours_none = gradients_along_w1(student, fn_name)
    expected, expected_none = gradients_along_w1(reference, fn_name)
    for i, name in enumerate(["df/dw1", "df/dw2"]):
        title = note_missing(name, "None" if yours_none[i] else "", "None" if expected_none[i] else "")
        plot.curves(W1, {"expected": expected[i], "yours": yours[i]}, title=title, xlabel="w1",
                    ylabel=name)


@figure("f_gradients", title="f_gradients(w1, 2.0) along w1: [df/dw1, df/dw2]")
def figure_f_gradients(student, reference, plot):
    gradients_figure(plot, student, reference, "f_gradients")


@figure("f_gradients_stopped", title="f_gradients_stopped(w1, 2.0) along w1: [df/dw1, df/dw2]")
def figure_f_gradients_stopped(student, reference, plot):
    gradients_figure(plot, student, reference, "f_gradients_stopped")


@figure("my_softplus_stable", title="my_softplus_stable(z) and its gradient over a wide range")
def figure_my_softplus_stable(student, reference, plot):
    yours = values_of(student.my_softplus_stable(Z), Z.size)
    plot.curves(Z, {"expected": reference.my_softplus_stable(Z), "yours": yours}, xlabel="z", ylabel="softplus(z)",
                title="value (float32)" + not_finite_note(yours))
    yours, yours_missing = gradient_values(student.my_softplus_stable, Z)
    expected, expected_missing = gradient_values(reference.my_softplus_stable, Z)
    plot.curves(Z, {"expected": expected, "yours": yours}, xlabel="z", ylabel="gradient",
                title=note_missing("gradient", yours_missing, expected_missing)
                + ("" if yours_missing else not_finite_note(yours)))
