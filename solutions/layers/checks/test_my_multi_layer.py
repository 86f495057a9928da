"""Hidden checks of `MyMultiLayer(**kwargs)`: called on (x1, x2), returns (x1 + x2, x1 * x2, x1 / x2)."""

import keras
import numpy as np
from _layers import outputs_tuple, symbolic_tensors

from grader.judge import CheckFailed, assert_close, assert_instance_of, assert_traces_at_most, check
from grader.judge.errors import StudentCodeError

NAMES = ("x1 + x2", "x1 * x2", "x1 / x2")


def pair(inputs, shape):
    """x1 anywhere, x2 kept away from 0 (it divides)."""
    x1 = inputs.normal(shape, scale=2.0)
    signs = np.where(inputs.rng.random(shape) < 0.5, -1.0, 1.0)
    return x1, (inputs.uniform(shape, 0.5, 2.0) * signs).astype(np.float32)


def expected(x1, x2):
    a, b = np.asarray(x1, np.float64), np.asarray(x2, np.float64)
    return a + b, a * b, a / b


def mistakes(x1, x2):
    a, b = np.asarray(x1, np.float64), np.asarray(x2, np.float64)
    return {
        "this is x2 / x1: the division is x1 / x2.": b / a,
        "this is x1 - x2, not x1 + x2.": a - b,
        "this is floor division (x1 // x2): use true division x1 / x2.": np.floor(a / b),
        "this is x1 + x2: the outputs are in the order (x1 + x2, x1 * x2, x1 / x2).": a + b,
        "this is x1 * x2: the outputs are in the order (x1 + x2, x1 * x2, x1 / x2).": a * b,
    }


def assert_outputs(got, x1, x2, call):
    outs = outputs_tuple(got, 3, call)
    for name, out, want in zip(NAMES, outs, expected(x1, x2), strict=True):
        assert_close(out, want, call=f"output {name} of {call}", dtype="float32", mistakes=mistakes(x1, x2))


@check("MyMultiLayer", kind="api", points=1)
def test_is_a_layer_that_accepts_kwargs(student, inputs):
    """Subclasses keras.layers.Layer and passes **kwargs (name=...) to the base class"""
    layer = student.MyMultiLayer(name="pair_ops")
    x1, x2 = pair(inputs, (2, 3))
    layer((x1, x2))
    assert_instance_of(layer, keras.layers.Layer, call="MyMultiLayer(name='pair_ops')")
    if layer.name != "pair_ops":
        raise CheckFailed(f"MyMultiLayer(name='pair_ops').name is {layer.name!r}: pass **kwargs to super().__init__.")


@check("MyMultiLayer", kind="value", points=2)
def test_values_on_random_pairs(student, inputs):
    """Returns the tuple (x1 + x2, x1 * x2, x1 / x2) on random inputs"""
    x1, x2 = pair(inputs, (16, 4))
    assert_outputs(student.MyMultiLayer()((x1, x2)), x1, x2, "MyMultiLayer()((x1, x2)) on float32[16, 4] pairs")


@check("MyMultiLayer", kind="value", points=1)
def test_other_shapes(student, inputs):
    """Pairs of rank 1, 3 and 4"""
    layer = student.MyMultiLayer()
    for shape in [(7,), (2, 3, 4), (2, 1, 3, 2)]:
        x1, x2 = pair(inputs, shape)
        assert_outputs(layer((x1, x2)), x1, x2, f"MyMultiLayer()((x1, x2)) on float32{list(shape)} pairs")


@check("MyMultiLayer", kind="gradient", points=1)
def test_gradients_wrt_both_inputs(student, inputs):
    """Gradients w.r.t. x1 and x2 (through a model that splits one input into the pair)"""
    keras_ = student.module("keras")
    inp = keras_.Input((2, 4))
    parts = keras_.ops.unstack(inp, axis=1)
    with symbolic_tensors("MyMultiLayer()((x1, x2)) on symbolic tensors"):
        model = keras_.Model(inp, student.MyMultiLayer()((parts[0], parts[1])))
    x1, x2 = pair(inputs, (5, 4))
    grad = model.gradient(np.stack([x1, x2], axis=1), wrt=(0,)).gradients[0]
    call = "the gradient of the sum of the three outputs of MyMultiLayer()((x1, x2))"
    if grad is None:
        raise CheckFailed(f"{call} is None: use TensorFlow or keras.ops operations, not NumPy.")
    a, b = x1.astype(np.float64), x2.astype(np.float64)
    assert_close(np.asarray(grad)[:, 0], 1 + b + 1 / b, call=f"{call} w.r.t. x1", dtype="float32")
    assert_close(np.asarray(grad)[:, 1], 1 + a - a / b**2, call=f"{call} w.r.t. x2", dtype="float32")


@check("MyMultiLayer", kind="graph", points=1)
def test_functional_model_with_two_inputs(student, inputs):
    """Works on two symbolic keras.Inputs in a functional model with three outputs"""
    keras_ = student.module("keras")
    in1, in2 = keras_.Input((4,)), keras_.Input((4,))
    with symbolic_tensors("MyMultiLayer()((in1, in2)) on two keras.Inputs"):
        model = keras_.Model([in1, in2], student.MyMultiLayer()((in1, in2)))
    x1, x2 = pair(inputs, (6, 4))
    assert_outputs(model([x1, x2]), x1, x2, "keras.Model([in1, in2], MyMultiLayer()((in1, in2)))([x1, x2])")


@check("MyMultiLayer", kind="graph", points=1)
def test_inside_tf_function(student, inputs):
    """Works inside tf.function, traced once for inputs of one shape"""
    pairs = [pair(inputs, (3, 5)) for _ in range(3)]
    with symbolic_tensors("MyMultiLayer()((x1, x2)) inside tf.function"):
        trace = student.MyMultiLayer().trace([((x1, x2),) for x1, x2 in pairs])
    for (x1, x2), out in zip(pairs, trace.outputs, strict=True):
        assert_outputs(out, x1, x2, "MyMultiLayer()((x1, x2)) inside tf.function")
    assert_traces_at_most(trace, 1, call="MyMultiLayer()((x1, x2)) inside tf.function")


@check("MyMultiLayer", kind="serialization", points=1)
def test_saved_model_reloads(student, inputs):
    """A functional model using it saves as .keras and reloads with the same outputs"""
    keras_ = student.module("keras")
    in1, in2 = keras_.Input((3,)), keras_.Input((3,))
    model = keras_.Model([in1, in2], student.MyMultiLayer()((in1, in2)))
    call = "keras.Model([in1, in2], MyMultiLayer()((in1, in2))) saved as .keras and reloaded"
    try:
        reloaded = model.save_reload(custom_objects=["MyMultiLayer"])
    except StudentCodeError as exc:
        if exc.not_implemented:
            raise
        raise CheckFailed(f"{call} failed: {exc.error_type}: {exc.error_message[:400]}\nHint: keep `**kwargs` in "
                          "__init__ and pass them to super().__init__.") from None
    x1, x2 = pair(inputs, (4, 3))
    assert_outputs(reloaded([x1, x2]), x1, x2, f"the reloaded model of {call}")
