"""Public checks of the `autodiff` assignment: what students run before submitting.

They use fixed inputs and the values of the assignment text. The hidden checks
test much more: random points, float64, gradients through models, tf.function.
"""

import numpy as np

from grader.judge import CheckFailed, as_numpy, assert_close, check

AT = "(tf.constant(5.0), tf.constant(3.0))"


def tensor(student, value):
    """``tf.constant(value)`` made next to the student's code, so it arrives there as a tf.Tensor."""
    return student.module("tensorflow").constant(as_numpy(np.asarray(value, np.float32)))


def point(student):
    return tensor(student, 5.0), tensor(student, 3.0)


def entries(value, call):
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise CheckFailed(f"{call} should return a list of two items, got {type(value).__name__}.")
    return list(value)


def number(value, call):
    if value is None:
        raise CheckFailed(f"{call} is None: watch w1 and w2 (tape.watch or tf.Variable) and compute inside the tape.")
    return float(np.asarray(value))


@check("f_gradients", kind="gradient")
def test_f_gradients_example(student):
    """f_gradients(5., 3.) is [36, 10]"""
    call = f"f_gradients{AT}"
    got = [number(g, f"an entry of {call}") for g in entries(student.f_gradients(*point(student)), call)]
    assert_close(np.array(got), np.array([36.0, 10.0]), call=call, dtype="float32")


@check("f_gradients_stopped", kind="gradient")
def test_f_gradients_stopped_example(student):
    """f_gradients_stopped(5., 3.) is [30, None]"""
    call = f"f_gradients_stopped{AT}"
    first, second = entries(student.f_gradients_stopped(*point(student)), call)
    assert_close(np.array(number(first, f"dg/dw1 from {call}")), np.array(30.0), call=f"dg/dw1 from {call}",
                 dtype="float32")
    if second is not None:
        raise CheckFailed(f"dg/dw2 from {call} should be None (no gradient flows through tf.stop_gradient).")


@check("f_hessian", kind="gradient")
def test_f_hessian_example(student):
    """f_hessian(5., 3.) is [[6, 2], [2, None]]"""
    call = f"f_hessian{AT}"
    rows = [entries(row, f"a row of {call}") for row in entries(student.f_hessian(*point(student)), call)]
    got = [number(rows[i][j], f"entry [{i}][{j}] of {call}") for i, j in [(0, 0), (0, 1), (1, 0)]]
    assert_close(np.array(got), np.array([6.0, 2.0, 2.0]), call=f"entries [0][0], [0][1], [1][0] of {call}",
                 dtype="float32")
    if rows[1][1] is not None:
        raise CheckFailed(f"entry [1][1] of {call} should be None, as TensorFlow gives it.")


@check("my_softplus_stable", kind="value")
def test_my_softplus_stable_values(student):
    """my_softplus_stable([0., 1000., -1000.]) is [log 2, 1000, 0]"""
    z = tensor(student, [0.0, 1000.0, -1000.0])
    assert_close(student.my_softplus_stable(z), np.array([np.log(2.0), 1000.0, 0.0], np.float32),
                 call="my_softplus_stable([0., 1000., -1000.])", dtype="float32")


@check("my_softplus_stable", kind="gradient")
def test_my_softplus_stable_gradient(student):
    """The gradient of my_softplus_stable at [0., 1000., -1000.] is [0.5, 1, 0]"""
    z = tensor(student, [0.0, 1000.0, -1000.0])
    grad = student.my_softplus_stable.gradient(z, wrt=(0,)).gradients[0]
    if grad is None:
        raise CheckFailed("the gradient of my_softplus_stable(z) w.r.t. z is None.")
    assert_close(grad, np.array([0.5, 1.0, 0.0], np.float32),
                 call="the gradient of my_softplus_stable([0., 1000., -1000.])", dtype="float32")
