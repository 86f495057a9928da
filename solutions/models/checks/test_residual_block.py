"""Hidden checks of `ResidualBlock(n_layers, n_neurons)`: Dense layers in turn plus a skip connection.

A block's weights may be listed in any order, so the value checks give all its
kernels one value and all its biases another ("tied"), or try every order of
distinct kernels, before computing the expected output in NumPy.
"""

from itertools import permutations

import keras
import numpy as np
import pytest
from _models import (
    block,
    block_mistakes,
    check_he_normal,
    compare_variable_gradients,
    expect_shapes,
    shapes_of,
    tie_by_shape,
    trainable_shapes,
)

from grader.judge import (
    CheckFailed,
    as_numpy,
    assert_close,
    assert_gradients_close,
    assert_instance_of,
    both_sides,
    check,
    to_array,
)
from grader.judge.asserts import tolerance_for


def block_inputs(inputs, n_neurons, batch=32):
    """The input and the tied (w, b) of a block: drawn once, for both sides."""
    x = inputs.normal((batch, n_neurons))
    w = inputs.normal((n_neurons, n_neurons), scale=np.sqrt(1.0 / n_neurons)).astype(np.float64)
    b = inputs.normal((n_neurons,), scale=0.1).astype(np.float64)
    return x, w, b


def build_tied_block(side, x, w, b, n_layers, label=None):
    """A block of ``side`` built on ``x``, every kernel set to ``w`` and every bias to ``b``."""
    n_neurons = x.shape[1]
    layer = side.ResidualBlock(n_layers, n_neurons)
    layer(x)
    table = {(n_neurons, n_neurons): w, (n_neurons,): b}
    tie_by_shape(layer, table, label or f"ResidualBlock({n_layers}, {n_neurons})")
    return layer


def tied_block(side, inputs, n_layers, n_neurons, batch=32):
    """A built block of ``side`` with tied weights, its input and its (w, b)."""
    x, w, b = block_inputs(inputs, n_neurons, batch)
    return build_tied_block(side, x, w, b, n_layers), x, w, b


@check("ResidualBlock", kind="api", points=1)
def test_is_a_layer_with_one_dense_per_layer(student, inputs):
    """Subclasses keras.layers.Layer; n_layers Dense layers, each with its own kernel and bias"""
    layer = student.ResidualBlock(3, 16)
    assert_instance_of(layer, keras.layers.Layer, call="ResidualBlock(3, 16)")
    x = inputs.normal((8, 16))
    call = "ResidualBlock(3, 16) called on float32[8, 16]"
    out = to_array(layer(x), call)
    if out.shape != (8, 16):
        raise CheckFailed(f"{call} returned shape {out.shape}, expected (8, 16) (input + output keeps the shape).")
    expect_shapes(trainable_shapes(layer), [(16, 16)] * 3 + [(16,)] * 3, f"after {call}, the block",
                  hint="Create n_layers separate Dense(n_neurons) layers (a list comprehension), and apply each once.")


@check("ResidualBlock", kind="api", points=1)
def test_dense_layers_start_he_normal(student, inputs):
    """The Dense layers start from he_normal kernels"""
    layer = student.ResidualBlock(2, 64)
    layer(inputs.normal((4, 64)))
    kernels = [w for w in layer.get_weights() if np.shape(w) == (64, 64)]
    if not kernels:
        raise CheckFailed("ResidualBlock(2, 64) has no [64, 64] kernels after a call on float32[4, 64].")
    check_he_normal(kernels, "ResidualBlock(2, 64)")


@pytest.mark.parametrize("n_layers", [1, 2, 3])
@check("ResidualBlock", kind="value", points=1)
def test_values_with_tied_weights(student, inputs, n_layers):
    """Output is input + the Dense layers applied in turn (known weights)"""
    layer, x, w, b = tied_block(student, inputs, n_layers, 16)
    expected = block(x, w, b, n_layers)
    assert_close(layer(x), expected, call=f"ResidualBlock({n_layers}, 16)(x) on float32[32, 16] with known weights",
                 dtype="float32", mistakes=block_mistakes(x, w, b, n_layers))


@check("ResidualBlock", kind="value", points=1)
def test_values_with_distinct_weights(student, inputs):
    """Each Dense layer uses its own weights (distinct kernels, batch of 1)"""
    n_layers, n = 3, 8
    layer = student.ResidualBlock(n_layers, n)
    x = inputs.normal((1, n))
    layer(x)
    shapes = shapes_of(layer)
    expect_shapes(shapes, [(n, n)] * n_layers + [(n,)] * n_layers, "ResidualBlock(3, 8)")
    b = inputs.normal((n,), scale=0.1).astype(np.float64)
    kernels = [inputs.normal((n, n), scale=np.sqrt(2.0 / n)).astype(np.float64) for _ in range(n_layers)]
    queue = iter(kernels)
    layer.set_weights([as_numpy(np.float32(next(queue)) if s == (n, n) else np.float32(b)) for s in shapes])
    call = "ResidualBlock(3, 8)(x) on float32[1, 8] with distinct kernels"
    got = to_array(layer(x), call)
    x64 = x.astype(np.float64)

    def chain(order):
        z = x64
        for k in order:
            z = np.maximum(z @ k + b, 0.0)
        return x64 + z

    # the kernels may be applied in any order relative to how they are listed
    rtol, atol = tolerance_for("float32")
    for order in permutations(kernels):
        expected = chain(order)
        if got.shape == expected.shape and np.allclose(got, expected, rtol=rtol, atol=atol):
            return
    assert_close(got, chain(kernels), call=call, dtype="float32")


@check("ResidualBlock", kind="gradient", points=1)
def test_input_gradient_matches_reference(student, reference, inputs):
    """Gradient w.r.t. the input matches the reference (same weights)"""
    x, w, b = block_inputs(inputs, 16)

    def build(ns):
        return build_tied_block(ns, x, w, b, 2, label=None if ns is student else "reference")

    layer, ref = both_sides(build, student, reference)
    assert_gradients_close(layer, ref, (x,), wrt=(0,))


@check("ResidualBlock", kind="gradient", points=1)
def test_variable_gradients_match_reference(student, reference, inputs):
    """Gradients reach every kernel and bias, and match the reference"""
    x, w, b = block_inputs(inputs, 16)

    def run(ns):
        return build_tied_block(ns, x, w, b, 2, label=None if ns is student else "reference").variable_gradient(x)

    got, expected = both_sides(run, student, reference)
    compare_variable_gradients(got, expected, "sum(ResidualBlock(2, 16)(x))")


@check("ResidualBlock", kind="graph", points=1)
def test_inside_tf_function(student, inputs):
    """Works inside tf.function, traced once for inputs of one shape"""
    layer, _, w, b = tied_block(student, inputs, 2, 16)
    xs = [inputs.normal((32, 16)) for _ in range(3)]
    trace = layer.trace([(x,) for x in xs])
    for x, out in zip(xs, trace.outputs, strict=True):
        assert_close(out, block(x, w, b, 2), call="ResidualBlock(2, 16)(x) inside tf.function", dtype="float32")
    if trace.tracing_count > 1:
        raise CheckFailed(f"ResidualBlock(2, 16) inside tf.function was traced {trace.tracing_count} times for "
                          "inputs of one shape (at most 1 expected).")


@check("ResidualBlock", kind="graph", points=1)
def test_in_a_sequential_model(student, inputs):
    """Works in a Keras model built on symbolic inputs"""
    keras_ = student.module("keras")
    model = keras_.Sequential([keras_.Input(shape=(16,)), student.ResidualBlock(2, 16)])
    w = inputs.normal((16, 16), scale=0.25).astype(np.float64)
    b = inputs.normal((16,), scale=0.1).astype(np.float64)
    tie_by_shape(model, {(16, 16): w, (16,): b}, "keras.Sequential([keras.Input((16,)), ResidualBlock(2, 16)])")
    x = inputs.normal((10, 16))
    assert_close(model(x), block(x, w, b, 2), call="keras.Sequential([keras.Input((16,)), ResidualBlock(2, 16)])(x)",
                 dtype="float32", mistakes=block_mistakes(x, w, b, 2))


@check("ResidualBlock", kind="serialization", points=1)
def test_config_round_trip(student, inputs):
    """from_config(get_config()) rebuilds the same block (needed to save a model that uses it)"""
    layer = student.ResidualBlock(3, 8)
    x = inputs.normal((6, 8))
    out = layer(x)
    _, clone = layer.config_roundtrip()
    call = "ResidualBlock.from_config(ResidualBlock(3, 8).get_config())"
    clone(x)
    expect_shapes(trainable_shapes(clone), trainable_shapes(layer), call)
    clone.set_weights(layer.get_weights())
    assert_close(clone(x), out, call=f"{call}(x) with the original's weights", dtype="float32")
