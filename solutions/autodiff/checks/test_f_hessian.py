"""Hidden checks of `f_hessian(w1, w2)`: [[6, 2], [2, None]] with nested tapes."""

from _autodiff import NOT_WATCHED, assert_entries, describe_point, items, point, random_point, scalar

from grader.judge import CheckFailed, check

NAMES = [["d²f/dw1²", "d²f/dw1dw2"], ["d²f/dw2dw1", "d²f/dw2²"]]
CONNECTED = [(0, 0), (0, 1), (1, 0)]
EXPECTED = [6.0, 2.0, 2.0]


def returned(student, w1, w2):
    call = f"f_hessian({describe_point(w1, w2)})"
    rows = items(student.f_hessian(w1, w2), 2, call, "a 2×2 nested list [[d²f/dw1², d²f/dw1dw2], [d²f/dw2dw1, d²f/dw2²]]")
    matrix = []
    for i, row in enumerate(rows):
        entries = items(row, 2, f"row {i} of {call}", "a list of 2 second derivatives")
        matrix.append([scalar(e, f"{NAMES[i][j]} from {call}") for j, e in enumerate(entries)])
    return call, matrix


def assert_connected(call, matrix, dtype):
    for i, j in CONNECTED:
        if matrix[i][j] is None:
            raise CheckFailed(
                f"{NAMES[i][j]} (entry [{i}][{j}]) from {call} is None, expected {EXPECTED[CONNECTED.index((i, j))]:g}. "
                "The first derivatives must be computed while the outer (persistent) tape is still recording, "
                f"i.e. inside its `with` block; and {NOT_WATCHED}")
    got = [matrix[i][j] for i, j in CONNECTED]
    assert_entries(got, EXPECTED, f"the entries [0][0], [0][1], [1][0] of {call}", dtype)


def assert_last_is_none(call, matrix):
    last = matrix[1][1]
    if last is None:
        return
    if abs(float(last)) < 1e-12:
        why = ("df/dw2 = 2·w1 does not depend on w2, and TensorFlow says so with None; keep that None instead "
               "of replacing it with 0 (unconnected_gradients=ZERO, a jacobian of stacked inputs, ...).")
    else:
        why = "df/dw2 = 2·w1 does not depend on w2, so no second derivative reaches it."
    raise CheckFailed(f"d²f/dw2² (entry [1][1]) from {call} is {float(last):.6g}, expected None: {why}")


@check("f_hessian", kind="gradient", points=1)
def test_contract_example(student):
    """[[6, 2], [2, None]] at (5, 3)"""
    call, matrix = returned(student, *point(student, 5.0, 3.0))
    assert_connected(call, matrix, "float32")
    assert_last_is_none(call, matrix)


@check("f_hessian", kind="gradient", points=2)
def test_second_derivatives_at_a_random_point(student, inputs):
    """The three non-None second derivatives at a random point (float32)"""
    call, matrix = returned(student, *random_point(student, inputs, "float32"))
    assert_connected(call, matrix, "float32")


@check("f_hessian", kind="api", points=1)
def test_none_where_tensorflow_gives_none(student, inputs):
    """d²f/dw2² is None, as TensorFlow gives it"""
    call, matrix = returned(student, *random_point(student, inputs, "float32"))
    assert_last_is_none(call, matrix)


@check("f_hessian", kind="gradient", points=1)
def test_float64_inputs(student, inputs):
    """Works on float64 scalars"""
    call, matrix = returned(student, *random_point(student, inputs, "float64"))
    assert_connected(call, matrix, "float32")
    assert_last_is_none(call, matrix)
