"""Hidden checks of `f_gradients(w1, w2)`: [df/dw1, df/dw2] of f = 3·w1² + 2·w1·w2 with a GradientTape."""

import pytest
from _autodiff import NOT_WATCHED, assert_entries, describe_point, items, point, random_point, scalar

from grader.judge import CheckFailed, check

NAMES = ("df/dw1", "df/dw2")


def expected(w1, w2):
    w1, w2 = float(w1), float(w2)
    return [6 * w1 + 2 * w2, 2 * w1]


def mistakes(w1, w2):
    w1, w2 = float(w1), float(w2)
    return {
        "the two gradients are in the wrong order: return [df/dw1, df/dw2].": [2 * w1, 6 * w1 + 2 * w2],
        "df/dw1 should be 6·w1 + 2·w2: the 2·w2 from the second term is missing.": [6 * w1, 2 * w1],
        "these are the partial derivatives of 3·w1² + w1·w2 (or of f/2): the 2 of 2·w1·w2 got lost.": [6 * w1 + w2, w1],
    }


def assert_gradients(student, w1, w2, dtype):
    call = f"f_gradients({describe_point(w1, w2)})"
    got = [scalar(g, f"{name} from {call}") for name, g in
           zip(NAMES, items(student.f_gradients(w1, w2), 2, call, "a list [df/dw1, df/dw2]"), strict=True)]
    for name, g in zip(NAMES, got, strict=True):
        if g is None:
            raise CheckFailed(f"{name} from {call} is None: {NOT_WATCHED}")
    assert_entries(got, expected(w1, w2), call, dtype, mistakes(w1, w2))


@check("f_gradients", kind="gradient", points=1)
def test_contract_example(student):
    """[36, 10] at (5, 3)"""
    assert_gradients(student, *point(student, 5.0, 3.0), "float32")


@pytest.mark.parametrize("point", range(3))
@check("f_gradients", kind="gradient", points=1)
def test_random_points(student, inputs, point):
    """Both partial derivatives at a random point (float32)"""
    w1, w2 = random_point(student, inputs, "float32")
    assert_gradients(student, w1, w2, "float32")


@check("f_gradients", kind="gradient", points=1)
def test_float64_inputs(student, inputs):
    """Works on float64 scalars"""
    w1, w2 = random_point(student, inputs, "float64")
    assert_gradients(student, w1, w2, "float32")
