"""Hidden checks of `my_softplus_stable(z)`: softplus that never overflows, with a custom gradient sigmoid(z).

Not graded: saving a model that uses it as `.keras` (reloading a `@tf.custom_gradient`
activation fails for every correct answer in Keras 3).
"""

import numpy as np
import pytest
from _autodiff import tensors
from _softplus import gradient_mistakes, sigmoid, softplus, value_mistakes

from grader.judge import (
    CheckFailed,
    as_numpy,
    assert_close,
    assert_dtype,
    assert_gradients_close,
    assert_traces_at_most,
    both_sides,
    check,
)
from grader.judge.asserts import finite_difference_gradient, to_array

CALL = "my_softplus_stable(z)"
EDGES = np.array([0.0, 1000.0, -1000.0, 200.0, -200.0, 89.0, -89.0, 30.0, -30.0], np.float32)


def random_z(inputs, shape, dtype="float32", scale=8.0):
    z = inputs.uniform(shape, -scale, scale, dtype=dtype)
    z.flat[0] = 0.0
    return z


def tensor(side, z):
    return tensors(side, z)[0]


@check("my_softplus_stable", kind="value", points=2)
def test_values_on_random_inputs(student, reference, inputs):
    """Values on random inputs in [-20, 20] (float32, several shapes)"""
    for shape in [(64,), (8, 5), (2, 3, 4)]:
        z = tensor(student, random_z(inputs, shape, scale=20.0))
        call = f"my_softplus_stable(float32{list(shape)})"
        assert_close(student.my_softplus_stable(z), reference.my_softplus_stable(z), call=call,
                     mistakes=value_mistakes(z))


@check("my_softplus_stable", kind="value", points=2)
def test_large_inputs_do_not_overflow(student):
    """Finite for large |z|: my_softplus_stable(1000.) = 1000, (-1000.) = 0"""
    assert_close(student.my_softplus_stable(tensor(student, EDGES)), softplus(EDGES),
                 call=f"my_softplus_stable({EDGES.tolist()}) (float32)", dtype="float32",
                 mistakes=value_mistakes(EDGES))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@check("my_softplus_stable", kind="value", points=0.5)
def test_keeps_dtype(student, reference, inputs, dtype):
    """Any float dtype, kept in the output"""
    z = tensor(student, random_z(inputs, (16,), dtype=dtype))
    got = student.my_softplus_stable(z)
    call = f"my_softplus_stable({dtype}[16])"
    assert_dtype(got, dtype, call=call)
    assert_close(got, reference.my_softplus_stable(z), call=call, dtype=dtype)


@check("my_softplus_stable", kind="gradient", points=2)
def test_gradient_is_sigmoid(student, reference, inputs):
    """Gradient is sigmoid(z) on random inputs (float32)"""
    z = random_z(inputs, (48,))
    assert_gradients_close(student.my_softplus_stable, reference.my_softplus_stable, (z,), wrt=(0,),
                           mistakes=gradient_mistakes(z))


@check("my_softplus_stable", kind="gradient", points=1)
def test_gradient_at_zero_and_large_inputs(student):
    """Gradient 0.5 at 0 and finite (1 or 0) at ±1000"""
    result = student.my_softplus_stable.gradient(EDGES, wrt=(0,))
    call = f"the gradient of my_softplus_stable({EDGES.tolist()}) (float32)"
    grad = result.gradients[0]
    if grad is None:
        raise CheckFailed(f"{call} is None: the result is not connected to z for TensorFlow.")
    assert_close(grad, sigmoid(EDGES), call=call, dtype="float32", mistakes=gradient_mistakes(EDGES))


@check("my_softplus_stable", kind="gradient", points=1)
def test_gradient_matches_finite_differences(student, reference, inputs):
    """Gradient agrees with finite differences of your own values (float64)"""
    z = random_z(inputs, (24,), dtype="float64")
    z.flat[0] = 0.3
    assert_close(student.my_softplus_stable(tensor(student, z)), reference.my_softplus_stable(tensor(reference, z)),
                 call="my_softplus_stable on float64[24] (values first: a gradient of wrong values cannot earn this point)")
    call = "the gradient of my_softplus_stable(float64[24])"
    tape = student.my_softplus_stable.gradient(tensor(student, z), wrt=(0,)).gradients[0]
    if tape is None:
        raise CheckFailed(f"{call} is None: the result is not connected to z for TensorFlow.")
    # central differences of the student's own values, each evaluated on a float64 tensor
    numeric = finite_difference_gradient(
        lambda args: to_array(student.my_softplus_stable(tensor(student, args[0])), CALL), [z], 0, eps=1e-6)
    try:
        assert_close(tape, numeric, call=call + " (vs finite differences)", dtype="float64", rtol=1e-5, atol=1e-6,
                     mistakes=gradient_mistakes(z))
    except CheckFailed as exc:
        raise CheckFailed(exc.message + "\nYour gradient disagrees with how your own values change: check the "
                          "function your custom gradient returns.", exc.details) from None


@pytest.mark.parametrize("dtype", ["float16", "float64"])
@check("my_softplus_stable", kind="gradient", points=0.5)
def test_gradient_in_other_dtypes(student, reference, inputs, dtype):
    """Gradient in float16 and float64"""
    z = random_z(inputs, (16,), dtype=dtype)
    assert_gradients_close(student.my_softplus_stable, reference.my_softplus_stable, (z,), wrt=(0,),
                           mistakes=gradient_mistakes(z))


def three_layer_model(side, activation, weights):
    keras = side.module("keras")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Activation(activation),
                              keras.layers.Dense(2)])
    model.set_weights([as_numpy(w) for w in weights])
    return model


def model_weights(inputs):
    return [inputs.normal((4, 3), scale=2.0), inputs.normal((3,)), inputs.normal((3, 2), scale=1.5),
            inputs.normal((2,))]


@check("my_softplus_stable", kind="gradient", points=1)
def test_upstream_gradient_is_used(student, reference, inputs):
    """Gradients through a model: grad_fn multiplies the upstream gradient"""
    weights = model_weights(inputs)
    x = inputs.normal((8, 4))
    got, expected = both_sides(
        lambda ns: three_layer_model(ns, ns.lookup("my_softplus_stable"), weights).variable_gradient(x),
        student, reference)
    hidden = x.astype(np.float64) @ weights[0] + weights[1]
    ignoring_upstream = x.astype(np.float64).T @ sigmoid(hidden)
    names = ["first Dense kernel", "first Dense bias", "second Dense kernel", "second Dense bias"]
    for name, g, e in zip(names, got.gradients, expected.gradients, strict=True):
        call = (f"the gradient of sum(model(x)) w.r.t. the {name}, for Dense(3) → "
                "Activation(my_softplus_stable) → Dense(2)")
        if g is None:
            raise CheckFailed(f"{call} is None: the result is not connected to it for TensorFlow.")
        assert_close(g, e, call=call, dtype="float32", mistakes={
            "grad_fn ignores the gradient it receives: return upstream * sigmoid(z), not sigmoid(z) alone.":
                ignoring_upstream})


@check("my_softplus_stable", kind="graph", points=1)
def test_inside_tf_function(student, reference, inputs):
    """Works inside tf.function, traced once for inputs of one shape"""
    zs = [(tensor(student, random_z(inputs, (32,), scale=20.0)),) for _ in range(3)]
    trace = student.my_softplus_stable.trace(zs)
    for (z,), out in zip(zs, trace.outputs, strict=True):
        assert_close(out, reference.my_softplus_stable(z), call=f"{CALL} inside tf.function")
    assert_traces_at_most(trace, 1, call=f"{CALL} inside tf.function")


@check("my_softplus_stable", kind="graph", points=1)
def test_as_activation_of_a_keras_model(student, reference, inputs):
    """Works as the activation of a Keras model built on symbolic inputs (predict)"""
    weights = model_weights(inputs)
    x = inputs.normal((8, 4), scale=3.0)
    got, expected = both_sides(
        lambda ns: three_layer_model(ns, ns.lookup("my_softplus_stable"), weights).predict(as_numpy(x), verbose=0),
        student, reference)
    assert_close(got, expected, call="model.predict(x) for Dense(3) → Activation(my_softplus_stable) → Dense(2)",
                 dtype="float32")


@check("my_softplus_stable", kind="api", points=1)
def test_defined_with_custom_gradient(student, inputs):
    """Defined with @tf.custom_gradient"""
    z = tensor(student, random_z(inputs, (8,)))
    trace = student.my_softplus_stable.trace([(z,)])
    to_array(trace.outputs[0], f"{CALL} inside tf.function")
    ops = set(trace.op_types)
    if not ops or "IdentityN" in ops or any(op.endswith("PartitionedCall") for op in ops):
        return  # custom_gradient's node, a nested function the probe cannot look into, or no graph to read
    raise CheckFailed(f"{CALL} has no custom gradient when traced (its graph holds only {', '.join(sorted(ops))}): "
                      "decorate it with @tf.custom_gradient and return (value, grad_fn).")
