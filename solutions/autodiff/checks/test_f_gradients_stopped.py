"""Hidden checks of `f_gradients_stopped(w1, w2)`: gradients of 3·w1² + tf.stop_gradient(2·w1·w2), i.e. [6·w1, None]."""

import pytest
from _autodiff import NOT_WATCHED, assert_entries, describe_point, items, point, random_point, scalar

from grader.judge import CheckFailed, check


def call_of(w1, w2):
    return f"f_gradients_stopped({describe_point(w1, w2)})"


def returned(student, w1, w2):
    call = call_of(w1, w2)
    entries = items(student.f_gradients_stopped(w1, w2), 2, call, "a list [dg/dw1, dg/dw2]")
    return [scalar(e, f"{name} from {call}") for name, e in zip(("dg/dw1", "dg/dw2"), entries, strict=True)]


def assert_first(got, w1, w2, dtype):
    call = f"dg/dw1 from {call_of(w1, w2)}"
    if got is None:
        raise CheckFailed(f"{call} is None, expected 6·w1. Only 2·w1·w2 goes inside tf.stop_gradient, not the "
                          f"whole expression; and {NOT_WATCHED}")
    a, b = float(w1), float(w2)
    assert_entries([got], [6 * a], call, dtype, {
        "dg/dw1 is 6·w1 + 2·w2, the gradient of f without any stop: put 2·w1·w2 inside tf.stop_gradient.": [6 * a + 2 * b],
        "dg/dw1 is 2·w2: the gradient was stopped on 3·w1² instead of on 2·w1·w2.": [2 * b],
    })


def assert_second_is_none(got, w1, w2):
    call = f"dg/dw2 from {call_of(w1, w2)}"
    if got is None:
        return
    value, a = float(got), float(w1)
    if abs(value) < 1e-12:
        why = ("TensorFlow gives None there (no path from w2 to the result); keep that None instead of "
               "replacing it with 0 (unconnected_gradients=ZERO, zeros_like, ...).")
    elif abs(value - 2 * a) <= 1e-4 * max(1.0, abs(2 * a)):
        why = "it is 2·w1, so w2 still reaches the result: the whole term 2·w1·w2 must be inside tf.stop_gradient."
    else:
        why = "w2 should only appear inside tf.stop_gradient(2·w1·w2), so no gradient reaches it."
    raise CheckFailed(f"{call} is {value:.6g}, expected None: {why}")


@check("f_gradients_stopped", kind="gradient", points=1)
def test_contract_example(student):
    """[30, None] at (5, 3)"""
    w1, w2 = point(student, 5.0, 3.0)
    first, second = returned(student, w1, w2)
    assert_first(first, w1, w2, "float32")
    assert_second_is_none(second, w1, w2)


@pytest.mark.parametrize("point", range(2))
@check("f_gradients_stopped", kind="gradient", points=1)
def test_first_gradient_at_random_points(student, inputs, point):
    """dg/dw1 = 6·w1 at a random point (float32)"""
    w1, w2 = random_point(student, inputs, "float32")
    assert_first(returned(student, w1, w2)[0], w1, w2, "float32")


@check("f_gradients_stopped", kind="api", points=1)
def test_second_gradient_is_none(student, inputs):
    """dg/dw2 is None: no gradient flows through tf.stop_gradient"""
    w1, w2 = random_point(student, inputs, "float32")
    assert_second_is_none(returned(student, w1, w2)[1], w1, w2)


@check("f_gradients_stopped", kind="gradient", points=1)
def test_float64_inputs(student, inputs):
    """Works on float64 scalars"""
    w1, w2 = random_point(student, inputs, "float64")
    first, second = returned(student, w1, w2)
    assert_first(first, w1, w2, "float32")
    assert_second_is_none(second, w1, w2)
