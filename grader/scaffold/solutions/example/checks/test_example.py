"""Hidden checks of the example assignment: what decides the grade.

Each check is a pytest test marked with its exercise, kind and points. The
`student` fixture runs calls in the sandbox; `reference` runs the reference
solution here; `inputs` draws random inputs seeded per student and check.
"""

import keras
import numpy as np
import pytest

from grader.judge import (
    CheckFailed,
    assert_close,
    assert_dtype,
    assert_gradients_close,
    assert_instance_of,
    assert_traces_at_most,
    check,
)


def away_from_zero(x):
    """Move entries off the kink at 0, where a gradient has no single right answer."""
    return np.where(np.abs(x) < 0.1, np.sign(x) * 0.1 + 0.1 * (x == 0), x).astype(x.dtype)


@check("leaky_relu", kind="value", points=2)
def test_values(student, reference, inputs):
    """Values on random inputs of both signs"""
    x = inputs.normal((64,), scale=3.0)
    assert_close(student.leaky_relu(x), reference.leaky_relu(x), call="leaky_relu(x) on float32[64]",
                 mistakes={"negative inputs should be multiplied by alpha, not set to 0.": np.maximum(x, 0)})


@check("leaky_relu", kind="value", points=1)
def test_alpha_argument(student, reference, inputs):
    """Uses its alpha argument"""
    x = inputs.normal((8, 4), scale=3.0)
    assert_close(student.leaky_relu(x, alpha=0.05), reference.leaky_relu(x, alpha=0.05),
                 call="leaky_relu(x, alpha=0.05) on float32[8, 4]")


@pytest.mark.parametrize("dtype", ["float16", "float64"])
@check("leaky_relu", kind="value", points=0.5)
def test_keeps_dtype(student, reference, inputs, dtype):
    """Keeps the input dtype"""
    x = inputs.normal((16,), scale=3.0, dtype=dtype)
    got = student.leaky_relu(x)
    assert_close(got, reference.leaky_relu(x), call=f"leaky_relu on {dtype}[16]", dtype=dtype)
    assert_dtype(got, dtype, call=f"leaky_relu on {dtype}[16]")


@check("leaky_relu", kind="gradient", points=1)
def test_gradient(student, reference, inputs):
    """Gradient matches the reference"""
    x = away_from_zero(inputs.normal((32,), scale=2.0))
    assert_gradients_close(student.leaky_relu, reference.leaky_relu, (x,), wrt=(0,))


@check("leaky_relu", kind="graph", points=1)
def test_inside_tf_function(student, reference, inputs):
    """Works inside tf.function, traced once for inputs of one shape"""
    arg_sets = [(inputs.normal((16,), scale=3.0),) for _ in range(3)]
    trace = student.leaky_relu.trace(arg_sets)
    for (x,), out in zip(arg_sets, trace.outputs, strict=True):
        assert_close(out, reference.leaky_relu(x), call="leaky_relu(x) inside tf.function")
    assert_traces_at_most(trace, 1, call="leaky_relu(x) inside tf.function")


@check("ScaleLayer", kind="api", points=1)
def test_one_scalar_weight(student, inputs):
    """A keras Layer with one trainable scalar weight named scale"""
    layer = student.ScaleLayer()
    assert_instance_of(layer, keras.layers.Layer, call="ScaleLayer()")
    layer(inputs.normal((4, 3)))
    weights = layer.describe_variables("trainable_weights")
    if [(w["shape"], w["name"]) for w in weights] != [([], "scale")]:
        found = [(w["name"], w["shape"]) for w in weights]
        raise CheckFailed(f"after a call, ScaleLayer() has trainable weights {found}; expected one scalar "
                          "named scale (self.add_weight(name='scale', shape=(), ...)).")


@check("ScaleLayer", kind="gradient", points=1)
def test_values_and_gradient(student, reference, inputs):
    """Output and gradient w.r.t. scale match the reference"""
    x = inputs.normal((5, 3))
    got = student.ScaleLayer().variable_gradient(x)
    expected = reference.ScaleLayer().variable_gradient(x)
    assert_close(got.value, expected.value, call="ScaleLayer()(x) on float32[5, 3]")
    assert_close(got.gradients[0], expected.gradients[0], call="the gradient of sum(ScaleLayer()(x)) w.r.t. scale")


@check("ScaleLayer", kind="serialization", points=1)
def test_config_roundtrip(student, inputs):
    """A clone made from get_config() works"""
    x = inputs.normal((2, 3))
    _, clone = student.ScaleLayer(name="scaler").config_roundtrip()
    assert_close(clone(x), x, call="ScaleLayer.from_config(layer.get_config())(x) (scale starts at 1)")
