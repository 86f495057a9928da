"""Hidden checks of `my_glorot_initializer(shape, dtype=tf.float32)`.

The samples are random, so the checks test their shape, dtype and statistics
(mean ~ 0, standard deviation ~ sqrt(2 / (fan_in + fan_out)), normal shape) on
large shapes, with the sandbox's random generators seeded from the check's
inputs so that a regrade draws the same samples. Keras calls an initializer
as ``initializer(shape, dtype="float32")`` (a dtype name), so do the checks.
"""

import numpy as np
from _custom import assert_glorot_moments, assert_normal_shape, dense_model, samples, seed_sandbox

from grader.judge import CheckFailed, check
from grader.judge.errors import StudentCodeError


def draw(student, shape, dtype=None):
    """Call the initializer; explain the usual float64 failure (a float32 stddev)."""
    call = f"my_glorot_initializer({tuple(shape)}" + (f", dtype={dtype!r})" if dtype else ")")
    try:
        if dtype is None:
            return student.my_glorot_initializer(tuple(shape)), call
        return student.my_glorot_initializer(tuple(shape), dtype=dtype), call
    except StudentCodeError as exc:
        if dtype == "float64" and "float32" in exc.error_message and not exc.not_implemented:
            raise CheckFailed(exc.message + "\nHint: a float32 tensor reached a float64 computation: compute the "
                              "standard deviation as a Python float or cast it to `dtype`.", exc.details) from None
        raise


@check("my_glorot_initializer", kind="value", points=1)
def test_shape_and_default_dtype(student, inputs):
    """Returns float32 samples of the requested shape by default"""
    seed_sandbox(student, inputs)
    for shape in [(3, 5), (1, 1), (64, 10)]:
        got, call = draw(student, shape)
        samples(got, shape, "float32", call)


@check("my_glorot_initializer", kind="value", points=2)
def test_mean_and_standard_deviation(student, inputs):
    """Mean 0 and standard deviation sqrt(2 / (fan_in + fan_out)) on a large kernel"""
    seed_sandbox(student, inputs)
    shape = (800, 400)
    got, call = draw(student, shape)
    assert_glorot_moments(samples(got, shape, "float32", call), shape, call)


@check("my_glorot_initializer", kind="value", points=1)
def test_samples_are_normal(student, inputs):
    """The samples are normally distributed (not uniform or truncated)"""
    seed_sandbox(student, inputs)
    shape = (600, 500)
    got, call = draw(student, shape)
    assert_normal_shape(samples(got, shape, "float32", call), call)


@check("my_glorot_initializer", kind="value", points=1)
def test_float64_requested(student, inputs):
    """Returns float64 samples with the right statistics when dtype="float64" is requested"""
    seed_sandbox(student, inputs)
    shape = (300, 500)
    got, call = draw(student, shape, dtype="float64")
    assert_glorot_moments(samples(got, shape, "float64", call), shape, call, std_rtol=0.02)


@check("my_glorot_initializer", kind="graph", points=1)
def test_as_kernel_initializer(student, inputs):
    """Works as the kernel_initializer of a Dense layer in a Keras model"""
    seed_sandbox(student, inputs)
    model, layer = dense_model(student, 500, 300, kernel_initializer=student.lookup("my_glorot_initializer"))
    call = "Dense(300, kernel_initializer=my_glorot_initializer) on 500 inputs: the kernel"
    kernel = samples(layer.kernel, (500, 300), "float32", call)
    assert_glorot_moments(kernel, (500, 300), call, std_rtol=0.02)
    out = model.predict(inputs.normal((8, 500)), verbose=0)
    if not np.isfinite(np.asarray(out)).all():
        raise CheckFailed("the model with kernel_initializer=my_glorot_initializer predicted non-finite values.")


@check("my_glorot_initializer", kind="graph", points=1)
def test_as_kernel_initializer_of_a_float64_layer(student, inputs):
    """Works as the kernel_initializer of a float64 Dense layer (Keras asks for dtype "float64")"""
    seed_sandbox(student, inputs)
    try:
        _, layer = dense_model(student, 400, 200, dtype="float64",
                               kernel_initializer=student.lookup("my_glorot_initializer"))
    except StudentCodeError as exc:
        if "float32" in exc.error_message and not exc.not_implemented:
            raise CheckFailed(exc.message + "\nHint: the initializer must return samples in the dtype Keras "
                              "asks for; a float32 standard deviation or result does not fit a float64 layer.",
                              exc.details) from None
        raise
    call = 'Dense(200, kernel_initializer=my_glorot_initializer, dtype="float64") on 400 inputs: the kernel'
    assert_glorot_moments(samples(layer.kernel, (400, 200), "float64", call), (400, 200), call, std_rtol=0.025)
