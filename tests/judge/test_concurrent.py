"""``side_by_side``: a real sandbox and the in-process reference serving one call at the same time.

Overlap is shown by order, not by speed: each side returns the interval it ran
in (CLOCK_MONOTONIC is one clock for every process of the machine, PID
namespaces included), and two intervals overlap only if the calls ran at once.
"""

import time

import pytest

from grader.judge import both_sides, side_by_side
from grader.judge.errors import ReferenceError_, StudentCodeError
from grader.judge.proxy import LocalBackend, Namespace, SandboxBackend

SPAN = """
import time

ended = None

def span(seconds, fail=()):
    global ended
    started = time.monotonic()
    time.sleep(seconds)
    ended = time.monotonic()
    if SIDE in fail:
        raise ValueError(f"the {SIDE} failed on purpose")
    return [started, ended]

def last_end():
    return ended
"""


def cells(side: str) -> list[dict]:
    return [{"label": "cell 1", "source": SPAN + f"\nSIDE = {side!r}\n"}]


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@pytest.fixture
def sides(session):
    student = Namespace(SandboxBackend(session(SPAN + "\nSIDE = 'student'\n"), timeout=30))
    reference = Namespace(LocalBackend(cells("reference"), ["span"]))
    return student, reference


def test_the_sandbox_and_the_reference_run_at_once_and_each_result_stays_its_own(sides):
    student, reference = sides
    got, expected = side_by_side(student.span, reference.span)(0.4)
    assert overlap(got, expected)
    assert got != expected  # not one result twice: each side ran its own call


def test_a_method_of_the_proxy_runs_on_both_sides(sides):
    student, reference = sides
    got, expected = side_by_side(student.span, reference.span).trace([(0.01,)])  # Remote.trace: tf.function
    assert len(got.outputs) == len(expected.outputs) == 1


def test_a_sequence_of_calls_runs_on_both_sides_at_once(sides):
    student, reference = sides
    got, expected = both_sides(lambda ns: [ns.span(0.2), ns.span(0.2)], student, reference)
    assert overlap([got[0][0], got[1][1]], [expected[0][0], expected[1][1]])


def test_two_calls_in_this_process_run_one_after_the_other():
    """The floor and in-notebook checks: Keras and TensorFlow state is per process, calls must not interleave."""
    student = Namespace(LocalBackend(cells("student"), ["span"], name="student"))
    reference = Namespace(LocalBackend(cells("reference"), ["span"]))
    got, expected = side_by_side(student.span, reference.span)(0.2)
    assert got[1] <= expected[0]


def test_the_students_error_is_raised_even_when_the_reference_succeeds(sides):
    student, reference = sides
    with pytest.raises(StudentCodeError, match="the student failed on purpose"):
        side_by_side(student.span, reference.span)(0.1, fail=("student",))


def test_the_reference_error_is_raised_once_the_student_call_has_ended(sides):
    student, reference = sides
    with pytest.raises(ReferenceError_, match="the reference failed on purpose"):
        side_by_side(student.span, reference.span)(0.5, fail=("reference",))
    raised_at = time.monotonic()
    assert student.last_end() <= raised_at  # the sandbox was not left serving a call


def test_when_both_fail_the_students_error_wins_as_in_the_serial_order(sides):
    student, reference = sides
    with pytest.raises(StudentCodeError, match="the student failed on purpose"):
        side_by_side(student.span, reference.span)(0.1, fail=("student", "reference"))
