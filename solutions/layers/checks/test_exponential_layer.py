"""Hidden checks of `exponential_layer()`: a weightless layer computing exp(x) that saves as .keras."""

import keras
import numpy as np
from _layers import short_type, symbolic_tensors

from grader.judge import CheckFailed, assert_close, assert_instance_of, assert_traces_at_most, check
from grader.judge.errors import StudentCodeError

CALL = "exponential_layer()(x)"


def mistakes(x):
    x = np.asarray(x, np.float64)
    return {
        "this is exp(x) - 1 (expm1), not exp(x).": np.expm1(x),
        "this is softplus, log(1 + exp(x)), not exp(x).": np.log1p(np.exp(x)),
        "this is the identity: the layer does not apply exp.": x,
    }


@check("exponential_layer", kind="api", points=1)
def test_returns_a_keras_layer(student):
    """exponential_layer() returns a keras.layers.Layer instance"""
    layer = student.exponential_layer()
    assert_instance_of(layer, keras.layers.Layer, call="exponential_layer()")


@check("exponential_layer", kind="value", points=2)
def test_values_on_random_inputs(student, inputs):
    """exp(x) element-wise on random inputs"""
    x = inputs.uniform((16, 8), -4.0, 4.0)
    assert_close(student.exponential_layer()(x), np.exp(x.astype(np.float64)), call=f"{CALL} on float32[16, 8]",
                 dtype="float32", mistakes=mistakes(x))


@check("exponential_layer", kind="value", points=1)
def test_shapes_and_edge_values(student, inputs):
    """Any input shape; exp(0) = 1, tiny values for very negative inputs"""
    layer = student.exponential_layer()
    edge = np.array([[0.0, 1.0, -1.0, -30.0, 10.0]], np.float32)
    assert_close(layer(edge), np.exp(edge.astype(np.float64)), call=f"{CALL} on [[0, 1, -1, -30, 10]]",
                 dtype="float32", mistakes=mistakes(edge))
    for shape in [(3, 4, 2), (2, 1, 3, 2), (1, 1)]:
        x = inputs.uniform(shape, -3.0, 3.0)
        assert_close(layer(x), np.exp(x.astype(np.float64)), call=f"{CALL} on float32{list(shape)}", dtype="float32",
                     mistakes=mistakes(x))


@check("exponential_layer", kind="gradient", points=1)
def test_gradient_is_exp(student, inputs):
    """Gradient w.r.t. the input is exp(x)"""
    x = inputs.uniform((8, 5), -3.0, 3.0)
    grad = student.exponential_layer().gradient(x, wrt=(0,)).gradients[0]
    call = "the gradient of sum(exponential_layer()(x)) w.r.t. x"
    if grad is None:
        raise CheckFailed(f"{call} is None: compute exp with TensorFlow or keras.ops, not NumPy, so gradients flow.")
    assert_close(grad, np.exp(x.astype(np.float64)), call=call, dtype="float32")


@check("exponential_layer", kind="graph", points=1)
def test_in_a_sequential_model(student, inputs):
    """Works as the last layer of a Sequential model built on keras.Input"""
    keras_ = student.module("keras")
    dense = keras_.layers.Dense(3)
    with symbolic_tensors("Sequential([Input((4,)), Dense(3), exponential_layer()])"):
        model = keras_.Sequential([keras_.Input((4,)), dense, student.exponential_layer()])
    kernel, bias = inputs.normal((4, 3), scale=0.5), inputs.normal((3,), scale=0.5)
    dense.set_weights([kernel, bias])
    x = inputs.normal((10, 4))
    z = x.astype(np.float64) @ kernel + bias
    assert_close(model(x), np.exp(z), call="Sequential([Input((4,)), Dense(3), exponential_layer()])(x)",
                 dtype="float32", mistakes=mistakes(z))


@check("exponential_layer", kind="graph", points=1)
def test_inside_tf_function(student, inputs):
    """Works inside tf.function, traced once for inputs of one shape"""
    xs = [inputs.uniform((6, 3), -3.0, 3.0) for _ in range(3)]
    with symbolic_tensors(f"{CALL} inside tf.function"):
        trace = student.exponential_layer().trace([(x,) for x in xs])
    for x, out in zip(xs, trace.outputs, strict=True):
        assert_close(out, np.exp(x.astype(np.float64)), call=f"{CALL} inside tf.function", dtype="float32",
                     mistakes=mistakes(x))
    assert_traces_at_most(trace, 1, call=f"{CALL} inside tf.function")


def _reload_hint(layer) -> str:
    if short_type(layer) == "Lambda":
        return ("\nHint: a keras.layers.Lambda holds Python code, which Keras 3 refuses to load unless the caller "
                "passes safe_mode=False (or cannot find at all for a function such as tf.exp). Subclass "
                "keras.layers.Layer instead.")
    return ("\nHint: the layer must be rebuilt from its get_config(): keep `**kwargs` in __init__ and pass them to "
            "super().__init__.")


@check("exponential_layer", kind="serialization", points=2)
def test_saved_model_reloads_safely(student, inputs):
    """A Sequential model using it saves as .keras and reloads without safe_mode=False"""
    keras_ = student.module("keras")
    layer = student.exponential_layer()
    model = keras_.Sequential([keras_.Input((5,)), layer])
    x = inputs.uniform((7, 5), -3.0, 3.0)
    before = model(x)
    call = "Sequential([Input((5,)), exponential_layer()]) saved as .keras and reloaded (safe_mode on)"
    try:
        reloaded = model.save_reload(custom_objects=[short_type(layer)])
    except StudentCodeError as exc:
        if exc.not_implemented:
            raise
        raise CheckFailed(f"{call} failed: {exc.error_type}: {exc.error_message[:400]}{_reload_hint(layer)}") from None
    assert_close(reloaded(x), np.exp(x.astype(np.float64)), call=f"the reloaded model of {call}", dtype="float32",
                 mistakes=mistakes(x))
    assert_close(reloaded(x), before, call=f"the reloaded model of {call} vs before saving", dtype="float32")


@check("exponential_layer", kind="serialization", points=1)
def test_config_round_trip(student, inputs):
    """get_config() / from_config() gives an equal layer"""
    layer = student.exponential_layer()
    x = inputs.uniform((4, 3), -3.0, 3.0)
    layer(x)
    call = "type(layer).from_config(layer.get_config())"
    try:
        _, clone = layer.config_roundtrip()
    except StudentCodeError as exc:
        if exc.not_implemented:
            raise
        raise CheckFailed(f"{call} failed: {exc.error_type}: {exc.error_message[:400]}{_reload_hint(layer)}") from None
    assert_close(clone(x), np.exp(x.astype(np.float64)), call=f"{call}(x)", dtype="float32", mistakes=mistakes(x))
