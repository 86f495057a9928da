"""Hidden checks of `train_step(model, optimizer, loss_fn, X_batch, y_batch)`: one gradient step.

The same small model is built on both sides from the same starting weights; after the student's step and the
reference's step the weights must agree. The regularized model has an L2 kernel regularizer, so forgetting
`model.losses` moves the weights differently (and the reference step on the same model without the regularizer
gives exactly that mistake's weights, for the hint).
"""

from _training import (
    WEIGHT_NAMES,
    assert_weights_close,
    iterations,
    mlp,
    mlp_weights,
    regression_batch,
    scalar,
    sgd,
)

from grader.judge import CheckFailed, assert_close, assert_traces_at_most, both_sides, check

NO_REGULARIZATION = "the loss must include the regularization losses: add sum(model.losses) to the mean loss."


def one_step(side, weights, X, y, regularizer=0.05, batch_norm=False, loss="mse", lr=0.1):
    keras = side.module("keras")
    model = mlp(side, weights, regularizer=regularizer, batch_norm=batch_norm)
    optimizer = sgd(side, lr)
    loss_fn = keras.losses.mean_squared_error if loss == "mse" else keras.losses.MeanSquaredError()
    value = side.train_step(model, optimizer, loss_fn, X, y)
    return value, model.get_weights(), optimizer


def regularized_steps(student, reference, weights, X, y):
    """`one_step` of the student and of the reference, and the reference's without the regularizer (the mistake,
    for the hint); the reference's two while the student's runs."""

    def run(side):
        if side is student:
            return one_step(side, weights, X, y)
        return one_step(side, weights, X, y), one_step(side, weights, X, y, regularizer=0.0)

    got, (expected, without_reg) = both_sides(run, student, reference)
    return got, expected, without_reg


@check("train_step", kind="value", points=1)
def test_returns_the_loss(student, reference, inputs):
    """Returns the loss: mean of loss_fn plus the regularization losses"""
    weights, (X, y) = mlp_weights(inputs), regression_batch(inputs)
    (got, _, _), (expected, _, _), (without_reg, _, _) = regularized_steps(student, reference, weights, X, y)
    call = "train_step(model, SGD(0.1), keras.losses.mean_squared_error, X float32[8, 3], y float32[8, 1])"
    assert_close(scalar(got, call), scalar(expected, call), call=f"the loss returned by {call}", dtype="float32",
                 mistakes={NO_REGULARIZATION: scalar(without_reg, call)})


@check("train_step", kind="gradient", points=2)
def test_weights_after_one_step(student, reference, inputs):
    """Same weights after one step as the reference (L2-regularized model)"""
    weights, (X, y) = mlp_weights(inputs), regression_batch(inputs)
    (_, got, _), (_, expected, _), (_, without_reg, _) = regularized_steps(student, reference, weights, X, y)
    assert_weights_close(got, expected, call="train_step(model with an L2 kernel regularizer, SGD(0.1), mse, X, y)",
                         names=WEIGHT_NAMES[False], mistakes={NO_REGULARIZATION: without_reg})


@check("train_step", kind="value", points=1)
def test_loss_object_and_element_wise_loss(student, reference, inputs):
    """Works with a Loss object and with an element-wise loss function (mean over the batch)"""
    weights, (X, y) = mlp_weights(inputs), regression_batch(inputs, n=16)
    for loss in ("mse", "MeanSquaredError()"):
        call = f"train_step(model, SGD(0.1), {'keras.losses.mean_squared_error' if loss == 'mse' else loss}, X, y)"
        (got, got_weights, _), (expected, expected_weights, _) = both_sides(
            lambda side, loss=loss: one_step(side, weights, X, y, regularizer=0.0, loss=loss), student, reference)
        assert_close(scalar(got, call), scalar(expected, call), call=f"the loss returned by {call}", dtype="float32")
        assert_weights_close(got_weights, expected_weights, call=call, names=WEIGHT_NAMES[False])


@check("train_step", kind="training", points=1)
def test_runs_the_model_in_training_mode(student, reference, inputs):
    """Runs the model with training=True (batch normalization uses the batch statistics)"""
    weights, (X, y) = mlp_weights(inputs, batch_norm=True), regression_batch(inputs, n=16)
    (_, got, _), (_, expected, _) = both_sides(
        lambda side: one_step(side, weights, X, y, regularizer=0.0, batch_norm=True), student, reference)
    try:
        assert_weights_close(got, expected, call="train_step(model with BatchNormalization, SGD(0.1), mse, X, y)",
                             names=WEIGHT_NAMES[True])
    except CheckFailed as exc:
        raise CheckFailed(exc.message + "\nCall the model with training=True inside the tape (without it, batch "
                          "normalization uses its moving statistics and does not update them).", exc.details) from None


@check("train_step", kind="training", points=1)
def test_one_optimizer_step_per_call(student, reference, inputs):
    """One optimizer step per call (optimizer.iterations), right weights after 3 steps with momentum"""
    weights = mlp_weights(inputs)
    batches = [regression_batch(inputs) for _ in range(3)]

    def run(side):
        keras = side.module("keras")
        model = mlp(side, weights, regularizer=0.02)
        optimizer = sgd(side, 0.05, momentum=0.9)
        loss_fn = keras.losses.MeanSquaredError()
        for k, (X, y) in enumerate(batches, start=1):
            side.train_step(model, optimizer, loss_fn, X, y)
            if side is student and iterations(optimizer) != k:
                raise CheckFailed(f"after {k} call(s) of train_step the optimizer made {iterations(optimizer)} "
                                  "step(s): call optimizer.apply_gradients exactly once per call.")
        return model.get_weights()

    got, expected = both_sides(run, student, reference)
    assert_weights_close(got, expected,
                         call="3 calls of train_step(model, SGD(0.05, momentum=0.9), MeanSquaredError(), X, y)",
                         names=WEIGHT_NAMES[False])


@check("train_step", kind="graph", points=1)
def test_inside_tf_function(student, reference, inputs):
    """Works inside tf.function without retracing for each batch"""
    weights = mlp_weights(inputs)
    batches = [regression_batch(inputs) for _ in range(4)]

    def run(side):  # the student's step traced by tf.function, the reference's called eagerly
        keras = side.module("keras")
        model = mlp(side, weights, regularizer=0.02)
        optimizer = sgd(side, 0.05, momentum=0.9)
        loss_fn = keras.losses.MeanSquaredError()
        if side is student:
            return side.train_step.trace([(model, optimizer, loss_fn, X, y) for X, y in batches]), model, optimizer
        return [side.train_step(model, optimizer, loss_fn, X, y) for X, y in batches], model, optimizer

    (trace, model, optimizer), (expected_losses, ref_model, _) = both_sides(run, student, reference)
    call = "tf.function(train_step)(model, optimizer, loss_fn, X, y) on 4 batches"
    assert_traces_at_most(trace, 2, call=call)  # the first call may trace twice while the optimizer builds its slots
    for out, expected in zip(trace.outputs, expected_losses, strict=True):
        assert_close(scalar(out, call), scalar(expected, call), call=f"the loss returned by {call}", dtype="float32")
    if iterations(optimizer) != len(batches):
        raise CheckFailed(f"after {len(batches)} calls of {call.split(' on ')[0]} the optimizer made "
                          f"{iterations(optimizer)} steps, expected {len(batches)}.")
    assert_weights_close(model.get_weights(), ref_model.get_weights(), call=call, names=WEIGHT_NAMES[False])
