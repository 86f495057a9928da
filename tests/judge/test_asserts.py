"""Assertion helpers: shape before values, NaN before closeness, messages that teach."""

import numpy as np
import pytest

from grader.judge.asserts import assert_close, assert_dtype, finite_difference_gradient, tolerance_for
from grader.judge.errors import CheckFailed
from grader.sandbox.protocol import ArrayValue


def test_equal_within_dtype_tolerance_passes():
    expected = np.linspace(-3, 3, 50).astype(np.float32)
    assert_close(expected * (1 + 5e-6), expected, call="f(x)")
    with pytest.raises(CheckFailed):
        assert_close(expected * (1 + 5e-6), expected.astype(np.float64), call="f(x)")


def test_shape_is_checked_before_values_even_when_broadcasting_would_hide_it():
    with pytest.raises(CheckFailed, match=r"returned shape \(\), expected \(4, 1\).*without mean or sum"):
        assert_close(np.float32(1.0), np.ones((4, 1)), call="huber_fn(y_true, y_pred)")
    with pytest.raises(CheckFailed, match=r"shape \(4,\), expected \(4, 1\)"):
        assert_close(np.ones(4), np.ones((4, 1)), call="f")


def test_nan_where_a_finite_value_was_expected_is_named():
    got = np.array([1.0, np.nan, 3.0])
    with pytest.raises(CheckFailed, match=r"returned nan at index \[1\] where a finite value was expected"):
        assert_close(got, np.array([1.0, 2.0, 3.0]), call="f(x)")
    assert_close(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), call="f(x)")  # NaN expected: NaN is right


def test_message_has_table_errors_tolerance_and_recognised_mistake():
    e = np.array([0.5, 0.2, 3.0])
    expected = np.where(np.abs(e) < 1, e**2 / 2, np.abs(e) - 0.5)
    got = np.where(np.abs(e) < 1, e**2, np.abs(e) - 0.5)
    with pytest.raises(CheckFailed) as info:
        assert_close(got, expected, call="huber_fn(y_true, y_pred)", dtype="float32",
                     mistakes={"the factor 1/2 is missing.": got})
    message = info.value.message
    assert "wrong values at 2 of 3 entries" in message
    assert "[0]" in message and "0.25" in message and "0.125" in message
    assert "max abs error" in message and "rtol=0.0001" in message
    assert "Hint: the factor 1/2 is missing." in message
    assert info.value.details["rows"][0] == {"index": [0], "got": "0.25", "expected": "0.125"}


def test_a_non_array_result_fails_plainly():
    with pytest.raises(CheckFailed, match="returned str"):
        assert_close("7.0", 7.0, call="f")
    with pytest.raises(CheckFailed, match="returned dict"):
        assert_close({"value": 1}, 1.0, call="f")


def test_dtype_assertion():
    value = np.zeros(3, np.float32).view(ArrayValue)
    assert_dtype(value, "float32", call="f")
    with pytest.raises(CheckFailed, match="dtype float32, expected float16"):
        assert_dtype(value, "float16", call="f")


def test_tolerances_grow_with_lower_precision():
    assert tolerance_for("float16")[0] > tolerance_for("float32")[0] > tolerance_for("float64")[0]


def test_finite_differences_of_an_elementwise_function():
    x = np.array([0.3, -1.2, 2.0])
    grad = finite_difference_gradient(lambda a: a[0] ** 3, [x], 0)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-6)


def test_terminal_colour_codes_never_reach_a_student():
    from grader.judge.errors import StudentCodeError

    error = StudentCodeError("model(x)", {"type": "ValueError", "message": "\x1b[1mYou cannot add\x1b[0m state"})
    assert error.message == "model(x) raised ValueError: You cannot add state"
