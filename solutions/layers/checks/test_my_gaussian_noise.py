"""Hidden checks of `MyGaussianNoise(stddev, **kwargs)`: noise in training only, fresh at every call."""

import keras
import numpy as np
from _layers import check_noise, symbolic_tensors

from grader.judge import CheckFailed, assert_close, assert_instance_of, assert_traces_at_most, check
from grader.judge.errors import StudentCodeError

STDDEVS = [0.1, 0.3, 0.7, 1.5]


def noisy_input(inputs, shape):
    """Inputs away from 0, so noise proportional to the inputs shows in the statistics."""
    return inputs.uniform(shape, 2.0, 3.0)


def assert_identity(got, x, call):
    try:
        assert_close(got, x, call=call, dtype="float32", rtol=0.0, atol=0.0)
    except CheckFailed as exc:
        raise CheckFailed(exc.message + "\nHint: return the inputs unchanged unless training is True "
                          "(`if training:`), so predict() and evaluate() see no noise.", exc.details) from None


def assert_fresh(first, second, call):
    if np.array_equal(np.asarray(first), np.asarray(second)):
        raise CheckFailed(f"two calls of {call} added exactly the same noise: draw fresh noise at every call with "
                          "a TensorFlow random op (NumPy noise, or a fixed seed, gives the same values each time).")


@check("MyGaussianNoise", kind="api", points=1)
def test_is_a_layer_and_accepts_kwargs(student, inputs):
    """Subclasses keras.layers.Layer and passes **kwargs (name=...) to the base class"""
    layer = student.MyGaussianNoise(0.2, name="noisy")
    layer(inputs.normal((2, 3)))
    assert_instance_of(layer, keras.layers.Layer, call="MyGaussianNoise(0.2, name='noisy')")
    if layer.name != "noisy":
        raise CheckFailed(f"MyGaussianNoise(0.2, name='noisy').name is {layer.name!r}: pass **kwargs to "
                          "super().__init__.")


@check("MyGaussianNoise", kind="value", points=1)
def test_identity_when_not_training(student, inputs):
    """Identity when training is False or None (or not given)"""
    layer = student.MyGaussianNoise(0.5)
    x = inputs.normal((8, 6))
    assert_identity(layer(x, training=False), x, "MyGaussianNoise(0.5)(x, training=False)")
    assert_identity(layer(x, training=None), x, "MyGaussianNoise(0.5)(x, training=None)")
    assert_identity(layer(x), x, "MyGaussianNoise(0.5)(x)")


@check("MyGaussianNoise", kind="value", points=2)
def test_noise_statistics_when_training(student, inputs):
    """With training=True: independent noise of mean 0 and standard deviation stddev"""
    stddev = float(inputs.choice(STDDEVS))
    x = noisy_input(inputs, (400, 250))
    call = f"MyGaussianNoise({stddev})(x, training=True) on float32[400, 250]"
    out = student.MyGaussianNoise(stddev)(x, training=True)
    if np.shape(out) != x.shape:
        raise CheckFailed(f"{call} returned shape {tuple(np.shape(out))}, expected {x.shape}.")
    check_noise(np.asarray(out, np.float64) - x, stddev, call)


@check("MyGaussianNoise", kind="value", points=1)
def test_fresh_noise_at_every_call(student, inputs):
    """Fresh noise at every call (eager)"""
    layer = student.MyGaussianNoise(0.5)
    x = inputs.normal((20, 10))
    call = "MyGaussianNoise(0.5)(x, training=True)"
    first = layer(x, training=True)
    second = layer(x, training=True)
    check_noise(np.asarray(first, np.float64) - x, 0.5, call, rel=0.25)
    assert_fresh(first, second, call)


@check("MyGaussianNoise", kind="graph", points=2)
def test_fresh_noise_inside_tf_function(student, inputs):
    """Inside tf.function: fresh noise at every call of the traced function, traced once"""
    layer = student.MyGaussianNoise(0.5)
    x = inputs.normal((100, 100))
    layer(x, training=False)
    # Keras refuses `training` as a positional argument of layer(...), and trace() passes positional
    # arguments only: trace the layer's call method, which takes (inputs, training).
    call = "layer.call(x, training=True) inside tf.function"
    with symbolic_tensors(call):
        trace = layer.call.trace([(x, True), (x, True)])
    first, second = trace.outputs
    check_noise(np.asarray(first, np.float64) - x, 0.5, call, rel=0.1)
    assert_fresh(first, second, f"the traced {call}")
    assert_traces_at_most(trace, 1, call=call)
    identity = layer.call.trace([(x, False)])
    assert_identity(identity.outputs[0], x, "layer.call(x, training=False) inside tf.function")


@check("MyGaussianNoise", kind="graph", points=1)
def test_in_a_sequential_model(student, inputs):
    """In a Sequential model on keras.Input: no noise at inference, noise with training=True"""
    keras_ = student.module("keras")
    model = keras_.Sequential([keras_.Input((50,)), student.MyGaussianNoise(0.4)])
    x = noisy_input(inputs, (200, 50))
    assert_identity(model(x), x, "Sequential([Input((50,)), MyGaussianNoise(0.4)])(x)")
    noisy = model(x, training=True)
    check_noise(np.asarray(noisy, np.float64) - x, 0.4, "Sequential([Input((50,)), MyGaussianNoise(0.4)])"
                "(x, training=True)", rel=0.1)


@check("MyGaussianNoise", kind="serialization", points=1)
def test_config_holds_stddev(student, inputs):
    """get_config() holds stddev; from_config() rebuilds a layer with the same noise level"""
    layer = student.MyGaussianNoise(0.25)
    x = noisy_input(inputs, (200, 100))
    layer(x, training=False)
    config, clone = layer.config_roundtrip()
    if not isinstance(config, dict) or config.get("stddev") != 0.25:
        got = config.get("stddev", "no 'stddev' key") if isinstance(config, dict) else type(config).__name__
        raise CheckFailed(f"MyGaussianNoise(0.25).get_config()['stddev'] is {got!r}, expected 0.25.")
    check_noise(np.asarray(clone(x, training=True), np.float64) - x, 0.25,
                "MyGaussianNoise.from_config(MyGaussianNoise(0.25).get_config())(x, training=True)", rel=0.1)


@check("MyGaussianNoise", kind="serialization", points=1)
def test_saved_model_reloads(student, inputs):
    """A model using it saves as .keras and reloads with the same stddev"""
    keras_ = student.module("keras")
    model = keras_.Sequential([keras_.Input((100,)), student.MyGaussianNoise(0.6)])
    call = "Sequential([Input((100,)), MyGaussianNoise(0.6)]) saved as .keras and reloaded"
    try:
        reloaded = model.save_reload(custom_objects=["MyGaussianNoise"])
    except StudentCodeError as exc:
        if exc.not_implemented:
            raise
        raise CheckFailed(f"{call} failed: {exc.error_type}: {exc.error_message[:400]}\nHint: keep `**kwargs` in "
                          "__init__, pass them to super().__init__, and return stddev from get_config().") from None
    x = noisy_input(inputs, (200, 100))
    assert_identity(reloaded(x), x, f"the reloaded model of {call}, called on x")
    check_noise(np.asarray(reloaded(x, training=True), np.float64) - x, 0.6,
                f"the reloaded model of {call}, called on x with training=True", rel=0.1)
