"""Hidden checks of `ResidualRegressor(output_dim)`: Dense → shared block × 4 → block → Dense.

Book-style subclassed models have no variables after ``model.build(shape)``,
so every model here is built by calling it on a batch. Weights are tied by
shape (every [30, 30] kernel gets the same value, every [30] bias another), so
the expected output does not depend on the order the weights are listed in.
"""

import keras
import numpy as np
from _models import (
    check_he_normal,
    compare_variable_gradients,
    expect_shapes,
    regressor_table,
    residual_regressor,
    residual_regressor_mistakes,
    tie_by_shape,
    trainable_shapes,
)

from grader.judge import (
    CheckFailed,
    assert_close,
    assert_gradients_close,
    assert_instance_of,
    both_sides,
    check,
    to_array,
)
from grader.judge.errors import StudentCodeError

CUSTOM_OBJECTS = ["ResidualRegressor", "ResidualBlock"]


def expected_shapes(n_in, output_dim):
    return [(n_in, 30), (30,)] + [(30, 30), (30,)] * 4 + [(30, output_dim), (output_dim,)]


def tied_model(side, rng, n_in=5, output_dim=3, batch=16, x=None):
    """A built ResidualRegressor of ``side`` with weights tied by shape, its input and its table."""
    x, t, by_shape = tied_inputs(rng, n_in, output_dim, batch, x)
    return build_tied_model(side, x, by_shape, output_dim), x, t, by_shape


def tied_inputs(rng, n_in=5, output_dim=3, batch=16, x=None):
    """The input and the tied weights (named, and keyed by shape) of `tied_model`, drawn from ``rng``."""
    x = rng.standard_normal((batch, n_in)).astype(np.float32) if x is None else x
    t, by_shape = regressor_table(rng, n_in, output_dim)
    return x, t, by_shape


def build_tied_model(side, x, by_shape, output_dim=3, label=None):
    """A ResidualRegressor of ``side`` built on ``x``, its weights set from ``by_shape``."""
    batch, n_in = x.shape
    model = side.ResidualRegressor(output_dim)
    model(x)
    tie_by_shape(model, by_shape, label or f"ResidualRegressor({output_dim}) called on float32[{batch}, {n_in}]")
    return model


def explain_get_config(exc: StudentCodeError, what: str) -> None:
    """Keras' own NotImplementedError for a missing get_config is a mistake, not an unfinished stub."""
    if exc.not_implemented and "get_config" in exc.error_message:
        raise CheckFailed(f"{what} failed: ResidualRegressor has no get_config(). Keras 3 gives subclassed models "
                          "none automatically: return {**super().get_config(), \"output_dim\": self.output_dim}.")
    raise exc


@check("ResidualRegressor", kind="api", points=1)
def test_subclasses_keras_model(student):
    """Subclasses keras.Model"""
    assert_instance_of(student.ResidualRegressor(3), keras.Model, call="ResidualRegressor(3)")


@check("ResidualRegressor", kind="api", points=2)
def test_twelve_trainable_variables(student, inputs):
    """Exactly 12 trainable variables once built: block1 is shared by its 4 uses"""
    model = student.ResidualRegressor(3)
    x = inputs.normal((8, 5))
    call = "ResidualRegressor(3) called on float32[8, 5]"
    out = to_array(model(x), call)
    if out.shape != (8, 3):
        raise CheckFailed(f"{call} returned shape {out.shape}, expected (8, 3).")
    got = trainable_shapes(model)
    hint = ""
    if len(got) > 12:
        hint = ("block1 must be ONE ResidualBlock object called 4 times (calling the same layer shares its weights); "
                "separate blocks each add their own variables.")
    elif len(got) < 12:
        hint = ("Some layer is missing or reused: Dense(30), block1 and block2 (two Dense(30) each) and "
                "Dense(output_dim) each have their own kernel and bias.")
    expect_shapes(got, expected_shapes(5, 3), f"after {call}, the model", hint=hint)


@check("ResidualRegressor", kind="api", points=1)
def test_hidden_layers_start_he_normal(student, inputs):
    """The hidden Dense layers start from he_normal kernels"""
    model = student.ResidualRegressor(2)
    model(inputs.normal((4, 20)))
    kernels = [w for w in model.get_weights() if np.shape(w) in {(20, 30), (30, 30)}]
    if not kernels:
        raise CheckFailed("ResidualRegressor(2) has no [20, 30] or [30, 30] kernels after a call on float32[4, 20].")
    check_he_normal(kernels, "ResidualRegressor(2) on 20 input features")


@check("ResidualRegressor", kind="value", points=2)
def test_values_with_tied_weights(student, inputs):
    """Predictions: Dense(30) → block1 × 4 → block2 → Dense(output_dim) (known weights)"""
    model, x, t, _ = tied_model(student, inputs.rng, n_in=5, output_dim=3, batch=16)
    assert_close(model(x), residual_regressor(x.astype(np.float64), t),
                 call="ResidualRegressor(3)(x) on float32[16, 5] with known weights", dtype="float32",
                 mistakes=residual_regressor_mistakes(x.astype(np.float64), t))


@check("ResidualRegressor", kind="value", points=1)
def test_values_other_shapes(student, inputs):
    """Predictions for output_dim=1, 11 input features and a batch of 1"""
    model, x, t, _ = tied_model(student, inputs.rng, n_in=11, output_dim=1, batch=1)
    assert_close(model(x), residual_regressor(x.astype(np.float64), t),
                 call="ResidualRegressor(1)(x) on float32[1, 11] with known weights", dtype="float32",
                 mistakes=residual_regressor_mistakes(x.astype(np.float64), t))


@check("ResidualRegressor", kind="gradient", points=1)
def test_input_gradient_matches_reference(student, reference, inputs):
    """Gradient w.r.t. the input matches the reference (same weights)"""
    x, _, by_shape = tied_inputs(inputs.rng)

    def build(ns):
        return build_tied_model(ns, x, by_shape, label=None if ns is student else "reference")

    model, ref = both_sides(build, student, reference)
    assert_gradients_close(model, ref, (x,), wrt=(0,))


@check("ResidualRegressor", kind="gradient", points=1)
def test_variable_gradients_match_reference(student, reference, inputs):
    """Gradients reach all 12 variables and match the reference (the shared block sums its 4 uses)"""
    x, _, by_shape = tied_inputs(inputs.rng)

    def run(ns):
        return build_tied_model(ns, x, by_shape, label=None if ns is student else "reference").variable_gradient(x)

    got, expected = both_sides(run, student, reference)
    compare_variable_gradients(got, expected, "sum(ResidualRegressor(3)(x))")


@check("ResidualRegressor", kind="training", points=1)
def test_one_training_step_matches_reference(student, reference, inputs):
    """One SGD step of compile/train_on_batch gives the reference's loss and predictions"""
    seed = int(inputs.rng.integers(2**31))
    y = inputs.normal((16, 3))

    def run(side):
        model, x, _, _ = tied_model(side, np.random.default_rng(seed))  # same x and weights on both sides
        keras_ = side.module("keras")
        model.compile(optimizer=keras_.optimizers.SGD(learning_rate=0.05), loss="mse")
        loss = model.train_on_batch(x, y, return_dict=True)["loss"]
        return loss, model(x)

    results = both_sides(run, student, reference)
    call = "model.compile(optimizer=SGD(0.05), loss='mse'); model.train_on_batch(x, y)"
    assert_close(results[0][0], results[1][0], call=f"the loss returned by {call}", dtype="float32")
    assert_close(results[0][1], results[1][1], call=f"ResidualRegressor(3)(x) after {call}", dtype="float32")


@check("ResidualRegressor", kind="graph", points=1)
def test_inside_tf_function(student, inputs):
    """Works inside tf.function, traced once for inputs of one shape"""
    model, x, t, _ = tied_model(student, inputs.rng)
    xs = [x] + [inputs.normal((16, 5)) for _ in range(2)]
    trace = model.trace([(xi,) for xi in xs])
    for xi, out in zip(xs, trace.outputs, strict=True):
        assert_close(out, residual_regressor(xi.astype(np.float64), t),
                     call="ResidualRegressor(3)(x) inside tf.function", dtype="float32")
    if trace.tracing_count > 1:
        raise CheckFailed(f"ResidualRegressor(3) inside tf.function was traced {trace.tracing_count} times for "
                          "inputs of one shape (at most 1 expected).")


@check("ResidualRegressor", kind="graph", points=1)
def test_in_a_sequential_model(student, inputs):
    """Works as a layer of a Keras model built on symbolic inputs"""
    keras_ = student.module("keras")
    model = keras_.Sequential([keras_.Input(shape=(5,)), student.ResidualRegressor(3)])
    t, by_shape = regressor_table(inputs.rng, 5, 3)
    call = "keras.Sequential([keras.Input((5,)), ResidualRegressor(3)])"
    tie_by_shape(model, by_shape, call)
    x = inputs.normal((7, 5))
    assert_close(model(x), residual_regressor(x.astype(np.float64), t), call=f"{call}(x)", dtype="float32",
                 mistakes=residual_regressor_mistakes(x.astype(np.float64), t))


@check("ResidualRegressor", kind="serialization", points=1)
def test_config_round_trip(student, inputs):
    """get_config() holds output_dim; from_config() rebuilds the same model"""
    model = student.ResidualRegressor(4)
    try:
        config, clone = model.config_roundtrip()
    except StudentCodeError as exc:
        explain_get_config(exc, "ResidualRegressor(4).get_config()")
    if not isinstance(config, dict) or "output_dim" not in config:
        keys = sorted(map(str, config)) if isinstance(config, dict) else type(config).__name__
        raise CheckFailed(f"ResidualRegressor(4).get_config() has no 'output_dim' key (keys: {keys}): add it so "
                          "the model can be saved and rebuilt.")
    if config["output_dim"] != 4:
        raise CheckFailed(f"ResidualRegressor(4).get_config()['output_dim'] is {config['output_dim']!r}, expected 4.")
    x = inputs.normal((3, 6))
    call = "ResidualRegressor.from_config(ResidualRegressor(4).get_config())"
    out = to_array(clone(x), f"{call}(x)")
    if out.shape != (3, 4):
        raise CheckFailed(f"{call}(x) on float32[3, 6] returned shape {out.shape}, expected (3, 4).")
    expect_shapes(trainable_shapes(clone), expected_shapes(6, 4), call)


@check("ResidualRegressor", kind="serialization", points=2)
def test_save_and_reload(student, inputs):
    """Predictions identical after .keras save and reload"""
    model = student.ResidualRegressor(2)
    x = inputs.normal((12, 5))
    before = model(x)
    try:
        reloaded = model.save_reload(custom_objects=CUSTOM_OBJECTS)
    except StudentCodeError as exc:
        explain_get_config(exc, "model.save('model.keras')")
    call = "keras.saving.load_model('model.keras', custom_objects=...)"
    expect_shapes(trainable_shapes(reloaded), expected_shapes(5, 2), f"the model from {call}")
    assert_close(reloaded(x), before, call=f"the predictions of the model from {call}", dtype="float32")
