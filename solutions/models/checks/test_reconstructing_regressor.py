"""Hidden checks of `ReconstructingRegressor(output_dim)`: an auxiliary reconstruction loss via add_loss.

Models are built by calling them on a batch (the book's `build` creates only
the reconstruction layer). Weights are tied by shape, so the expected outputs
and the expected loss 0.05 · mean((reconstruction − inputs)²) are computed here
in NumPy from known weights, whatever order the model lists them in.

Not graded: saving as `.keras` (the contract asks for no `get_config`, and the
book's `build`, which creates only the reconstruction layer, reloads the other
layers unbuilt, so even the reference does not predict the same after a reload).
"""

import keras
import numpy as np
import pytest
from _models import (
    check_he_normal,
    compare_variable_gradients,
    expect_shapes,
    reconstructing,
    reconstructing_mistakes,
    reconstruction_loss,
    reconstruction_loss_mistakes,
    regressor_table,
    shapes_of,
    tie_by_shape,
    trainable_shapes,
)

from grader.judge import CheckFailed, as_numpy, assert_close, assert_instance_of, both_sides, check, to_array


def expected_shapes(n_in, output_dim):
    return [(n_in, 30), (30,)] + [(30, 30), (30,)] * 4 + [(30, output_dim), (output_dim,), (30, n_in), (n_in,)]


def tied_model(side, rng, n_in=7, output_dim=2, batch=16):
    """A built ReconstructingRegressor of ``side`` with weights tied by shape, its input and its table."""
    x = rng.standard_normal((batch, n_in)).astype(np.float32)
    t, by_shape = regressor_table(rng, n_in, output_dim, rec=True)
    model = side.ReconstructingRegressor(output_dim)
    model(x)
    tie_by_shape(model, by_shape, f"ReconstructingRegressor({output_dim}) called on float32[{batch}, {n_in}]")
    return model, x, t, by_shape


def added_loss(model, call: str) -> np.ndarray:
    """The single loss in ``model.losses`` (as an array), or a failure saying what is there instead."""
    losses = model.losses
    if not isinstance(losses, list) or not losses:
        raise CheckFailed(f"after {call}, model.losses is empty: call self.add_loss(...) in call(), on every call "
                          "(not only when training).")
    if len(losses) > 1:
        raise CheckFailed(f"after {call}, model.losses holds {len(losses)} losses, expected 1 (the reconstruction "
                          "loss, added once per call).")
    return to_array(losses[0], f"model.losses[0] after {call}")


@check("ReconstructingRegressor", kind="api", points=1)
def test_subclasses_keras_model(student):
    """Subclasses keras.Model"""
    assert_instance_of(student.ReconstructingRegressor(2), keras.Model, call="ReconstructingRegressor(2)")


@pytest.mark.parametrize("n_in", [7, 3])
@check("ReconstructingRegressor", kind="api", points=1)
def test_layers_and_reconstruction_width(student, inputs, n_in):
    """Five Dense(30), Dense(output_dim) and a Dense(n_inputs) reconstruction layer made in build()"""
    model = student.ReconstructingRegressor(2)
    call = f"ReconstructingRegressor(2) called on float32[8, {n_in}]"
    out = to_array(model(inputs.normal((8, n_in))), call)
    if out.shape != (8, 2):
        raise CheckFailed(f"{call} returned shape {out.shape}, expected (8, 2).")
    got = trainable_shapes(model)
    hint = ""
    if (30, n_in) not in got and any(len(s) == 2 and s[0] == 30 and s[1] not in (2, 30) for s in got):
        hint = ("The reconstruction layer's width must be the number of inputs: create it in "
                "build(batch_input_shape) as Dense(batch_input_shape[-1]).")
    expect_shapes(got, expected_shapes(n_in, 2), f"after {call}, the model", hint=hint)


@check("ReconstructingRegressor", kind="api", points=1)
def test_hidden_layers_start_he_normal(student, inputs):
    """The hidden Dense layers start from he_normal kernels"""
    model = student.ReconstructingRegressor(2)
    model(inputs.normal((4, 20)))
    kernels = [w for w in model.get_weights() if np.shape(w) in {(20, 30), (30, 30)}]
    if not kernels:
        raise CheckFailed("ReconstructingRegressor(2) has no [20, 30] or [30, 30] kernels after a call on "
                          "float32[4, 20].")
    check_he_normal(kernels, "ReconstructingRegressor(2) on 20 input features")


@check("ReconstructingRegressor", kind="value", points=2)
def test_predictions_with_tied_weights(student, inputs):
    """Predictions: five Dense(30, relu) then Dense(output_dim) (known weights)"""
    model, x, t, _ = tied_model(student, inputs.rng)
    x64 = x.astype(np.float64)
    assert_close(model(x), reconstructing(x64, t)[0],
                 call="ReconstructingRegressor(2)(x) on float32[16, 7] with known weights", dtype="float32",
                 mistakes=reconstructing_mistakes(x64, t))


@pytest.mark.parametrize("output_dim", [2, 1])
@check("ReconstructingRegressor", kind="value", points=1)
def test_added_loss_value(student, inputs, output_dim):
    """model.losses holds 0.05 · mean((reconstruction − inputs)²) after a call"""
    model, x, t, _ = tied_model(student, inputs.rng, output_dim=output_dim)
    call = f"ReconstructingRegressor({output_dim})(x) on float32[16, 7] with known weights"
    model(x)
    x64 = x.astype(np.float64)
    assert_close(added_loss(model, call), np.float64(reconstruction_loss(x64, t)), dtype="float32",
                 call=f"model.losses[0] after {call}", mistakes=reconstruction_loss_mistakes(x64, t))


@check("ReconstructingRegressor", kind="value", points=1)
def test_added_loss_follows_the_last_call(student, inputs):
    """After calls on two batches, model.losses holds the loss of the last one only"""
    model, x, t, _ = tied_model(student, inputs.rng)
    x2 = inputs.normal((5, 7), scale=2.0)
    model(x)
    model(x2)
    call = "two calls, on float32[16, 7] then float32[5, 7]"
    x64 = x2.astype(np.float64)
    assert_close(added_loss(model, call), np.float64(reconstruction_loss(x64, t)), dtype="float32",
                 call=f"model.losses[0] after {call}", mistakes=reconstruction_loss_mistakes(x64, t))


@check("ReconstructingRegressor", kind="gradient", points=1)
def test_output_gradients_match_reference(student, reference, inputs):
    """Gradients of the predictions w.r.t. the weights match the reference"""
    seed = int(inputs.rng.integers(2**31))

    def run(side):
        model, x, _, _ = tied_model(side, np.random.default_rng(seed))  # same x and weights on both sides
        return model.variable_gradient(x)

    got, expected = both_sides(run, student, reference)
    compare_variable_gradients(got, expected, "sum(ReconstructingRegressor(2)(x))", may_be_none={(30, 7), (7,)})


def train_one_step(side, seed, y=None, eager=False, learning_rate=0.1):
    """One SGD step from tied weights; ``y=None`` trains on the model's own predictions (zero mse gradient)."""
    model, x, t, _ = tied_model(side, np.random.default_rng(seed))
    if y is None:
        y = model(x)
    keras_ = side.module("keras")
    model.compile(optimizer=keras_.optimizers.SGD(learning_rate=learning_rate), loss="mse",
                  run_eagerly=eager)
    loss = model.train_on_batch(x, as_numpy(y), return_dict=True)["loss"]  # a model may track metrics too
    weights = dict(zip(shapes_of(model), model.get_weights(), strict=True))
    predictions = model(x)
    return {"loss": loss, "predictions": predictions, "weights": weights, "before": t,
            "added_loss": added_loss(model, "a call after one training step")}


@check("ReconstructingRegressor", kind="gradient", points=2)
def test_reconstruction_loss_alone_trains_the_model(student, reference, inputs):
    """The added loss is differentiable: alone, it trains the reconstruction and hidden layers like the reference"""
    seed = int(inputs.rng.integers(2**31))
    # the added loss is small: a large learning rate makes its one step clearly visible in the weights
    got, expected = both_sides(lambda side: train_one_step(side, seed, eager=True, learning_rate=100.0),
                               student, reference)
    call = ("one eager train_on_batch(x, y) step where y = model(x), so that only the added loss has a gradient "
            "(SGD, learning rate 100)")
    before = got["before"]
    unchanged = {
        (30, 7): ("the reconstruction layer did not change: the added loss has no gradient (was it computed "
                  "outside TensorFlow, e.g. with NumPy, or behind tf.stop_gradient?).", before["w_rec"]),
        (7,): ("the reconstruction layer did not change: the added loss has no gradient.", before["b_rec"]),
        (7, 30): ("the first hidden layer did not change: the added loss does not reach the hidden layers.",
                  before["w_in"]),
    }
    for shape, (hint, start) in unchanged.items():  # unique shapes: the reconstruction layer and the first kernel
        if shape not in got["weights"]:
            raise CheckFailed(f"after {call}, the model has no {list(shape)} weight.")
        assert_close(got["weights"][shape], expected["weights"][shape], dtype="float32",
                     call=f"the {list(shape)} weight after {call}", mistakes={hint: start})
    assert_close(got["added_loss"], expected["added_loss"], dtype="float32", call=f"model.losses[0] after {call}")
    assert_close(got["predictions"], expected["predictions"], dtype="float32", call=f"the predictions after {call}")


@check("ReconstructingRegressor", kind="training", points=1)
def test_fit_step_adds_the_loss(student, reference, inputs):
    """train_on_batch reports mse + the added loss and updates weights like the reference"""
    seed = int(inputs.rng.integers(2**31))
    y = inputs.normal((16, 2))
    got, expected = both_sides(lambda side: train_one_step(side, seed, y=y), student, reference)
    call = "model.compile(optimizer=SGD(0.1), loss='mse'); model.train_on_batch(x, y)"
    assert_close(got["loss"], expected["loss"], dtype="float32", call=f"the loss returned by {call}")
    assert_close(got["predictions"], expected["predictions"], dtype="float32", call=f"the predictions after {call}")
    assert_close(got["added_loss"], expected["added_loss"], dtype="float32",
                 call=f"model.losses[0] after {call} and a call")


@check("ReconstructingRegressor", kind="graph", points=1)
def test_inside_tf_function(student, inputs):
    """Works inside tf.function, traced once for inputs of one shape"""
    model, x, t, _ = tied_model(student, inputs.rng)
    xs = [x] + [inputs.normal((16, 7)) for _ in range(2)]
    trace = model.trace([(xi,) for xi in xs])
    for xi, out in zip(xs, trace.outputs, strict=True):
        assert_close(out, reconstructing(xi.astype(np.float64), t)[0],
                     call="ReconstructingRegressor(2)(x) inside tf.function", dtype="float32")
    if trace.tracing_count > 1:
        raise CheckFailed(f"ReconstructingRegressor(2) inside tf.function was traced {trace.tracing_count} times "
                          "for inputs of one shape (at most 1 expected).")


@check("ReconstructingRegressor", kind="graph", points=1)
def test_in_a_sequential_model(student, inputs):
    """Works as a layer of a Keras model built on symbolic inputs, and its loss reaches that model"""
    keras_ = student.module("keras")
    model = keras_.Sequential([keras_.Input(shape=(7,)), student.ReconstructingRegressor(2)])
    t, by_shape = regressor_table(inputs.rng, 7, 2, rec=True)
    call = "keras.Sequential([keras.Input((7,)), ReconstructingRegressor(2)])"
    tie_by_shape(model, by_shape, call)
    x = inputs.normal((9, 7))
    x64 = x.astype(np.float64)
    assert_close(model(x), reconstructing(x64, t)[0], call=f"{call}(x)", dtype="float32",
                 mistakes=reconstructing_mistakes(x64, t))
    assert_close(added_loss(model, f"{call}(x)"), np.float64(reconstruction_loss(x64, t)), dtype="float32",
                 call=f"the Sequential model's losses[0] after {call}(x)", mistakes=reconstruction_loss_mistakes(x64, t))
