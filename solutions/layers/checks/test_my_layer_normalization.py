"""Hidden checks of `MyLayerNormalization(epsilon=0.001, **kwargs)` (end-of-chapter exercise 12)."""

import keras
import numpy as np
from _layers import (
    alpha_beta_positions,
    attribute_shape,
    layer_norm,
    layer_norm_mistakes,
    order_alpha_beta,
    symbolic_tensors,
    weight_shapes,
)

from grader.judge import CheckFailed, assert_close, assert_instance_of, assert_traces_at_most, check
from grader.judge.errors import StudentCodeError

D = 8


def features(inputs, shape, scale=1.5):
    """Rows with their own offset and spread, as layer normalization sees them."""
    x = inputs.normal(shape, scale=scale) + inputs.normal(shape[:-1] + (1,), scale=0.5)
    return x.astype(np.float32)


def random_alpha_beta(inputs, d=D):
    return inputs.uniform((d,), 0.5, 2.0), inputs.normal((d,), scale=0.5)


def with_weights(layer, x, alpha, beta, call):
    """Call ``layer`` on ``x`` (which builds it), then copy alpha and beta into it."""
    layer(x)
    layer.set_weights(order_alpha_beta(layer, alpha, beta, call))
    return layer


def assert_norm(got, x, alpha, beta, epsilon, call):
    assert_close(got, layer_norm(x, alpha, beta, epsilon), call=call, dtype="float32",
                 mistakes=layer_norm_mistakes(x, alpha, beta, epsilon))


@check("MyLayerNormalization", kind="api", points=1)
def test_alpha_and_beta_weights(student, inputs):
    """Subclasses keras.layers.Layer; weights alpha (ones) and beta (zeros) of shape input_shape[-1:]"""
    layer = student.MyLayerNormalization()
    x = features(inputs, (2, 3, D))
    names, shapes = weight_shapes(layer, x, "MyLayerNormalization()")
    assert_instance_of(layer, keras.layers.Layer, call="MyLayerNormalization()")
    call = f"MyLayerNormalization() called on float32[2, 3, {D}]"
    if shapes != [[D], [D]]:
        raise CheckFailed(f"{call} has trainable weights of shapes {shapes}, expected alpha and beta of shape "
                          f"{[D]} (input_shape[-1:]).")
    weights = [np.asarray(w) for w in layer.get_weights()]
    positions = alpha_beta_positions(layer, D)
    if positions is not None:
        alpha, beta = weights[positions[0]], weights[positions[1]]
    elif attribute_shape(layer, "alpha") == [D] and attribute_shape(layer, "beta") == [D]:
        alpha, beta = np.asarray(layer.alpha), np.asarray(layer.beta)
    else:
        raise CheckFailed(f"{call} has weights named {names}: name them alpha and beta "
                          "(self.alpha = self.add_weight(name='alpha', shape=..., initializer='ones')).")
    if not (np.all(alpha == 1) and np.all(beta == 0)):
        raise CheckFailed(f"{call} starts with alpha = {alpha.tolist()} and beta = {beta.tolist()}: alpha starts at "
                          "ones and beta at zeros, so a new layer only normalizes.")


@check("MyLayerNormalization", kind="value", points=2)
def test_normalizes_each_row(student, inputs):
    """New layer (alpha = 1, beta = 0): each row normalized over the last axis"""
    x = features(inputs, (12, D))
    ones, zeros = np.ones(D), np.zeros(D)
    assert_norm(student.MyLayerNormalization()(x), x, ones, zeros, 0.001,
                f"MyLayerNormalization()(x) on float32[12, {D}]")


@check("MyLayerNormalization", kind="value", points=1)
def test_uses_its_epsilon(student, inputs):
    """Uses its epsilon argument (rows of small variance)"""
    x = features(inputs, (10, D), scale=0.3)
    ones, zeros = np.ones(D), np.zeros(D)
    for epsilon in (0.2, 1e-5):
        assert_norm(student.MyLayerNormalization(epsilon=epsilon)(x), x, ones, zeros, epsilon,
                    f"MyLayerNormalization(epsilon={epsilon:g})(x) on float32[10, {D}]")


@check("MyLayerNormalization", kind="value", points=2)
def test_matches_keras_layer_normalization(student, inputs):
    """Matches keras.layers.LayerNormalization(epsilon) with the same gamma and beta, ranks 2 and 3"""
    alpha, beta = random_alpha_beta(inputs)
    for shape, epsilon in [((9, D), 0.001), ((2, 5, D), 0.05)]:
        x = features(inputs, shape)
        keras_norm = keras.layers.LayerNormalization(epsilon=epsilon)
        keras_norm.build(x.shape)
        keras_norm.set_weights([alpha, beta])
        call = f"MyLayerNormalization(epsilon={epsilon:g})"
        layer = with_weights(student.MyLayerNormalization(epsilon=epsilon), x, alpha, beta, call)
        assert_close(layer(x), np.asarray(keras_norm(x)), call=f"{call}(x) with alpha, beta set, on float32{list(shape)}",
                     dtype="float32", mistakes=layer_norm_mistakes(x, alpha, beta, epsilon))


@check("MyLayerNormalization", kind="gradient", points=1)
def test_variable_gradients_match_reference(student, reference, inputs):
    """Gradients w.r.t. alpha and beta match the reference with the same weights"""
    alpha, beta = random_alpha_beta(inputs)
    x = features(inputs, (6, D))
    call = "MyLayerNormalization()"
    mine = with_weights(student.MyLayerNormalization(), x, alpha, beta, call)
    ref = with_weights(reference.MyLayerNormalization(), x, alpha, beta, call)
    got, expected = mine.variable_gradient(x), ref.variable_gradient(x)
    # identify each student weight by its value (alpha or beta), whatever its name
    values = [np.asarray(w) for w in mine.get_weights()]
    want = {"alpha": expected.gradients[0], "beta": expected.gradients[1]}
    for value, grad in zip(values, got.gradients, strict=True):
        which = "alpha" if np.allclose(value, alpha) else "beta"
        what = f"the gradient of sum({call}(x)) w.r.t. {which}"
        if grad is None:
            raise CheckFailed(f"{what} is None: the output does not depend on {which} for TensorFlow.")
        assert_close(grad, want[which], call=what, dtype="float32")


@check("MyLayerNormalization", kind="gradient", points=1)
def test_input_gradient_matches_reference(student, reference, inputs):
    """Gradient w.r.t. the inputs matches the reference"""
    alpha, beta = random_alpha_beta(inputs)
    x = features(inputs, (6, D))
    call = "MyLayerNormalization(epsilon=0.01)"
    mine = with_weights(student.MyLayerNormalization(epsilon=0.01), x, alpha, beta, call)
    ref = with_weights(reference.MyLayerNormalization(epsilon=0.01), x, alpha, beta, call)
    got = mine.gradient(x, wrt=(0,)).gradients[0]
    what = f"the gradient of sum({call}(x)) w.r.t. x (alpha, beta set)"
    if got is None:
        raise CheckFailed(f"{what} is None: use TensorFlow or keras.ops operations between input and output.")
    assert_close(got, ref.gradient(x, wrt=(0,)).gradients[0], call=what, dtype="float32")


@check("MyLayerNormalization", kind="graph", points=1)
def test_functional_model_on_symbolic_input(student, inputs):
    """Works on a symbolic keras.Input in a functional model"""
    keras_ = student.module("keras")
    inp = keras_.Input((4, D))
    layer = student.MyLayerNormalization()
    with symbolic_tensors(f"MyLayerNormalization()(keras.Input((4, {D})))"):
        model = keras_.Model(inp, layer(inp))
    alpha, beta = random_alpha_beta(inputs)
    layer.set_weights(order_alpha_beta(layer, alpha, beta, "MyLayerNormalization in the model"))
    x = features(inputs, (3, 4, D))
    assert_norm(model(x), x, alpha, beta, 0.001, "keras.Model(inp, MyLayerNormalization()(inp))(x)")


@check("MyLayerNormalization", kind="graph", points=1)
def test_inside_tf_function(student, inputs):
    """Works inside tf.function, traced once for inputs of one shape"""
    alpha, beta = random_alpha_beta(inputs)
    xs = [features(inputs, (5, D)) for _ in range(3)]
    layer = with_weights(student.MyLayerNormalization(), xs[0], alpha, beta, "MyLayerNormalization()")
    with symbolic_tensors("MyLayerNormalization()(x) inside tf.function"):
        trace = layer.trace([(x,) for x in xs])
    for x, out in zip(xs, trace.outputs, strict=True):
        assert_norm(out, x, alpha, beta, 0.001, "MyLayerNormalization()(x) inside tf.function")
    assert_traces_at_most(trace, 1, call="MyLayerNormalization()(x) inside tf.function")


@check("MyLayerNormalization", kind="serialization", points=1)
def test_config_holds_epsilon(student, inputs):
    """get_config() holds epsilon; from_config() rebuilds an equal layer"""
    layer = student.MyLayerNormalization(epsilon=0.25)
    x = features(inputs, (6, D), scale=0.4)
    layer(x)
    try:
        config, clone = layer.config_roundtrip()
    except StudentCodeError as exc:
        if exc.not_implemented:
            raise
        raise CheckFailed(f"MyLayerNormalization(epsilon=0.25).get_config() / from_config failed: {exc.error_type}: "
                          f"{exc.error_message[:300]}\nHint: keep `**kwargs` in __init__ and pass them to "
                          "super().__init__; return epsilon from get_config().") from None
    if not isinstance(config, dict) or config.get("epsilon") != 0.25:
        got = config.get("epsilon", "no 'epsilon' key") if isinstance(config, dict) else type(config).__name__
        raise CheckFailed(f"MyLayerNormalization(epsilon=0.25).get_config()['epsilon'] is {got!r}, expected 0.25.")
    assert_norm(clone(x), x, np.ones(D), np.zeros(D), 0.25,
                "MyLayerNormalization.from_config(MyLayerNormalization(epsilon=0.25).get_config())(x)")


@check("MyLayerNormalization", kind="serialization", points=1)
def test_saved_model_reloads_with_same_outputs(student, inputs):
    """A model using it saves as .keras and reloads with the same weights and outputs"""
    keras_ = student.module("keras")
    layer = student.MyLayerNormalization(epsilon=0.05)
    model = keras_.Sequential([keras_.Input((D,)), layer])
    alpha, beta = random_alpha_beta(inputs)
    layer.set_weights(order_alpha_beta(layer, alpha, beta, "MyLayerNormalization in the model"))
    call = f"Sequential([Input(({D},)), MyLayerNormalization(epsilon=0.05)]) saved as .keras and reloaded"
    try:
        reloaded = model.save_reload(custom_objects=["MyLayerNormalization"])
    except StudentCodeError as exc:
        if exc.not_implemented:
            raise
        raise CheckFailed(f"{call} failed: {exc.error_type}: {exc.error_message[:400]}\nHint: keep `**kwargs` in "
                          "__init__ and pass them to super().__init__; return epsilon from get_config().") from None
    x = features(inputs, (7, D), scale=0.4)
    assert_norm(reloaded(x), x, alpha, beta, 0.05, f"the reloaded model of {call}")
