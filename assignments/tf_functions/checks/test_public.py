"""Public checks of the `tf_functions` assignment: what students run before submitting.

They use fixed inputs and the values of the assignment text. The hidden checks
test much more: other inputs and dtypes, tracing counts, the graphs' operations,
the input signature, side effects.
"""

import numpy as np

from grader.judge import CheckFailed, as_numpy, assert_close, check


def tensor(student, value, dtype="float32"):
    """``tf.constant(value)`` made next to the student's code, so it arrives there as a tf.Tensor."""
    return student.module("tensorflow").constant(as_numpy(np.asarray(value, dtype)))


@check("tf_cube", kind="value")
def test_tf_cube_of_two(student):
    """tf_cube(tf.constant(2.0)) is 8.0"""
    assert_close(student.tf_cube(tensor(student, 2.0)), np.float32(8.0), call="tf_cube(tf.constant(2.0))",
                 dtype="float32")


@check("add_10", kind="value")
def test_add_10_of_five(student):
    """add_10(tf.constant(5.0)) is 15.0"""
    assert_close(student.add_10(tensor(student, 5.0)), np.float32(15.0), call="add_10(tf.constant(5.0))",
                 dtype="float32")


@check("shrink", kind="value")
def test_shrink_shape(student):
    """shrink on two 28×28 images returns two 14×14 images"""
    images = np.arange(2 * 28 * 28, dtype=np.float32).reshape(2, 28, 28)
    assert_close(student.shrink(tensor(student, images)), images[:, ::2, ::2],
                 call="shrink(float32[2, 28, 28])", dtype="float32")


@check("count_above", kind="value")
def test_count_above_example(student):
    """count_above([0.1, 0.6, 0.9], 0.5) is 2"""
    got = student.count_above(tensor(student, [0.1, 0.6, 0.9]), tensor(student, 0.5))
    assert_close(got, np.int32(2), call="count_above(tf.constant([0.1, 0.6, 0.9]), tf.constant(0.5))",
                 dtype="float64")


@check("Counter", kind="value")
def test_counter_counts_to_three(student):
    """Counter().increment() returns 1, 2, 3"""
    counter = student.Counter()
    got = [int(np.asarray(counter.increment())) for _ in range(3)]
    if got != [1, 2, 3]:
        raise CheckFailed(f"three calls of Counter().increment() returned {got}, expected [1, 2, 3].")
