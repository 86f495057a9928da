"""The report figures of the seven other assignments, on real fixtures in real sandboxes.

For each assignment: a wrong fixture gets a figure for the exercise it loses
on, whose "yours" and "expected" series differ the way that mistake predicts;
a correct fixture gets none. (`tfgrader validate <id>` draws every figure on
the reference.)
"""

from pathlib import Path

import numpy as np
import pytest

from grader.submission import read_submission

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "submissions"


def series(panel: dict, name: str) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in panel["series"][name]], np.float64)


def at(panel: dict, x: float, name: str) -> float:
    """The value of series ``name`` at the point ``x`` of a curves panel."""
    return float(series(panel, name)[int(np.argmin(np.abs(np.array(panel["x"]) - x)))])


def grade(grader_for, assignment: str, fixture: str):
    result = grader_for(assignment).grade(read_submission(CORPUS / assignment / f"{fixture}.py"))
    assert not result.judge_errors and not result.figure_errors, (result.judge_errors, result.figure_errors)
    return result


def figure_of(result, exercise: str) -> list[dict]:
    figures = [f for f in result.figures if f["exercise"] == exercise]
    assert len(figures) == 1, [f["exercise"] for f in result.figures]
    for panel in figures[0]["panels"]:
        assert set(panel["series"]) == {"expected", "yours"}
    return figures[0]["panels"]


def l1_without_abs(panels):
    (penalty,) = panels
    assert at(penalty, -3.0, "expected") == pytest.approx(0.6, rel=1e-5)  # 0.01 · 20 · |-3|
    assert at(penalty, -3.0, "yours") == pytest.approx(-0.6, rel=1e-5)  # the sum of the signed weights
    assert at(penalty, 3.0, "yours") == pytest.approx(at(penalty, 3.0, "expected"), rel=1e-5)


def gradients_swapped(panels):
    dw1, dw2 = panels  # along w1 with w2 = 2: df/dw1 = 6·w1 + 4, df/dw2 = 2·w1
    assert at(dw1, 1.0, "expected") == pytest.approx(10.0) and at(dw1, 1.0, "yours") == pytest.approx(2.0)
    assert at(dw2, 1.0, "expected") == pytest.approx(2.0) and at(dw2, 1.0, "yours") == pytest.approx(10.0)


def division_swapped(panels):
    plus, times, divided = panels  # x2 = 1.5
    assert np.array_equal(series(plus, "yours"), series(plus, "expected"))
    assert np.array_equal(series(times, "yours"), series(times, "expected"))
    assert at(divided, 3.0, "expected") == pytest.approx(2.0) and at(divided, 3.0, "yours") == pytest.approx(0.5)


def count_frozen_in_graph(panels):
    eager, graph = panels  # a Python float count: right eagerly, frozen once update_state is traced
    assert np.allclose(series(eager, "yours"), series(eager, "expected"), rtol=1e-5)
    yours, expected = series(graph, "yours"), series(graph, "expected")
    assert yours[0] == pytest.approx(expected[0], rel=1e-5)
    assert yours[-1] > 3 * expected[-1]  # the total grows, the count stays at one batch


def optimizers_swapped(panels):
    returned, after = panels
    assert series(returned, "yours")[0] == pytest.approx(series(returned, "expected")[0], rel=1e-5)  # same start
    assert series(after, "yours")[-1] > 1.5 * series(after, "expected")[-1]  # lower's tiny rate on upper trains slowly


def cube_times_three(panels):
    values, ops = panels
    assert at(values, 2.0, "expected") == pytest.approx(8.0) and at(values, 2.0, "yours") == pytest.approx(6.0)
    present = {name: {c for c, v in zip(ops["categories"], ops["series"][name], strict=True) if v} for name in
               ("expected", "yours")}
    assert "Pow" in present["expected"] and "Mul" not in present["expected"]
    assert "Mul" in present["yours"] and "Pow" not in present["yours"]


def relu_on_the_output(panels):
    (prediction,) = panels
    yours, expected = series(prediction, "yours"), series(prediction, "expected")
    assert (yours >= 0).all() and (expected < 0).any()
    assert np.allclose(yours, np.maximum(expected, 0.0), atol=1e-5)


CASES = [
    ("custom_functions", "l1_wrong_missing_abs", "my_l1_regularizer", l1_without_abs, "all_correct_keras_ops"),
    ("autodiff", "f_gradients_wrong_swapped_order", "f_gradients", gradients_swapped, "autodiff_correct_keras_ops"),
    ("layers", "multi_wrong_swapped_division", "MyMultiLayer", division_swapped, "correct_keras_ops"),
    ("metrics", "huber_metric_wrong_python_float_count", "HuberMetric", count_frozen_in_graph,
     "huber_metric_correct_inner_mean"),
    ("training", "two_optimizers_wrong_swapped", "train_step_two_optimizers", optimizers_swapped,
     "training_correct_book_style"),
    ("tf_functions", "tf_cube_wrong_times_three", "tf_cube", cube_times_three, "tf_functions_correct_keras_ops"),
    ("models", "residual_regressor_wrong_relu_output", "ResidualRegressor", relu_on_the_output,
     "reconstructing_correct_keras_ops_mse"),
]


@pytest.mark.parametrize(("assignment", "wrong", "exercise", "shows", "correct"), CASES, ids=[c[0] for c in CASES])
def test_a_mistake_is_drawn_and_a_correct_answer_is_not(grader_for, assignment, wrong, exercise, shows, correct):
    result = grade(grader_for, assignment, wrong)
    assert [f["exercise"] for f in result.figures] == [exercise]  # only the exercise that lost points
    shows(figure_of(result, exercise))
    assert grade(grader_for, assignment, correct).figures == []


def test_a_missing_gradient_is_named_and_drawn_as_nothing(grader_for):
    """NumPy on the values: the value panel matches, the gradient panel says why "yours" has no curve."""
    values, gradient = figure_of(grade(grader_for, "custom_functions", "softplus_wrong_numpy"), "my_softplus")
    assert np.allclose(series(values, "yours"), series(values, "expected"), rtol=1e-5)
    assert gradient["title"] == "gradient w.r.t. z (yours: no gradient)"
    assert np.isnan(series(gradient, "yours")).all() and np.isfinite(series(gradient, "expected")).all()


def test_figures_use_their_own_fixed_inputs(grader_for, tmp_path):
    """Two students with the same (random) initializer get the same figure: not the checks' per-student seeds."""
    source = (CORPUS / "custom_functions" / "glorot_wrong_uniform_same_stddev.py").read_text()
    panels = []
    for student in ("ada", "grace"):
        path = tmp_path / f"{student}.py"
        path.write_text(source)
        result = grader_for("custom_functions").grade(read_submission(path))
        panels.append(figure_of(result, "my_glorot_initializer"))
    assert panels[0] == panels[1]
    (quantiles,) = panels[0]
    # uniform samples with the right spread fall short of the normal line in the tails
    assert abs(series(quantiles, "yours")[0]) < 0.8 * abs(series(quantiles, "expected")[0])
