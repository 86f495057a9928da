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

from grader.judge import CheckFailed, assert_close, assert_traces_at_most, check

NO_REGULARIZATION = "the loss must include the regularization losses: add sum(model.losses) to the mean loss."


def one_step(side, weights, X, y, regularizer=0.05, batch_norm=False, loss="mse", lr=0.1):
    keras = side.module("keras")
    model = mlp(side, weights, regularizer=regularizer, batch_norm=batch_norm)
    optimizer = sgd(side, lr)
    loss_fn = keras.losses.mean_squared_error if loss == "mse" else keras.losses.MeanSquaredError()
    value = side.train_step(model, optimizer, loss_fn, X, y)
    return value, model.get_weights(), optimizer


@check("train_step", kind="value", points=1)
def test_returns_the_loss(student, reference, inputs):
    """Returns the loss: mean of loss_fn plus the regularization losses"""
    weights, (X, y) = mlp_weights(inputs), regression_batch(inputs)
    got, _, _ = one_step(student, weights, X, y)
    expected, _, _ = one_step(reference, weights, X, y)
    without_reg, _, _ = one_step(reference, weights, X, y, regularizer=0.0)
    call = "train_step(model, SGD(0.1), keras.losses.mean_squared_error, X float32[8, 3], y float32[8, 1])"
    assert_close(scalar(got, call), scalar(expected, call), call=f"the loss returned by {call}", dtype="float32",
                 mistakes={NO_REGULARIZATION: scalar(without_reg, call)})


@check("train_step", kind="gradient", points=2)
def test_weights_after_one_step(student, reference, inputs):
    """Same weights after one step as the reference (L2-regularized model)"""
    weights, (X, y) = mlp_weights(inputs), regression_batch(inputs)
    _, got, _ = one_step(student, weights, X, y)
    _, expected, _ = one_step(reference, weights, X, y)
    _, without_reg, _ = one_step(reference, weights, X, y, regularizer=0.0)
    assert_weights_close(got, expected, call="train_step(model with an L2 kernel regularizer, SGD(0.1), mse, X, y)",
                         names=WEIGHT_NAMES[False], mistakes={NO_REGULARIZATION: without_reg})


@check("train_step", kind="value", points=1)
def test_loss_object_and_element_wise_loss(student, reference, inputs):
    """Works with a Loss object and with an element-wise loss function (mean over the batch)"""
    weights, (X, y) = mlp_weights(inputs), regression_batch(inputs, n=16)
    for loss in ("mse", "MeanSquaredError()"):
        call = f"train_step(model, SGD(0.1), {'keras.losses.mean_squared_error' if loss == 'mse' else loss}, X, y)"
        got, got_weights, _ = one_step(student, weights, X, y, regularizer=0.0, loss=loss)
        expected, expected_weights, _ = one_step(reference, weights, X, y, regularizer=0.0, loss=loss)
        assert_close(scalar(got, call), scalar(expected, call), call=f"the loss returned by {call}", dtype="float32")
        assert_weights_close(got_weights, expected_weights, call=call, names=WEIGHT_NAMES[False])


@check("train_step", kind="training", points=1)
def test_runs_the_model_in_training_mode(student, reference, inputs):
    """Runs the model with training=True (batch normalization uses the batch statistics)"""
    weights, (X, y) = mlp_weights(inputs, batch_norm=True), regression_batch(inputs, n=16)
    _, got, _ = one_step(student, weights, X, y, regularizer=0.0, batch_norm=True)
    _, expected, _ = one_step(reference, weights, X, y, regularizer=0.0, batch_norm=True)
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
    sides = {}
    for name, side in (("student", student), ("reference", reference)):
        keras = side.module("keras")
        model = mlp(side, weights, regularizer=0.02)
        optimizer = sgd(side, 0.05, momentum=0.9)
        loss_fn = keras.losses.MeanSquaredError()
        for k, (X, y) in enumerate(batches, start=1):
            side.train_step(model, optimizer, loss_fn, X, y)
            if name == "student" and iterations(optimizer) != k:
                raise CheckFailed(f"after {k} call(s) of train_step the optimizer made {iterations(optimizer)} "
                                  "step(s): call optimizer.apply_gradients exactly once per call.")
        sides[name] = model.get_weights()
    assert_weights_close(sides["student"], sides["reference"],
                         call="3 calls of train_step(model, SGD(0.05, momentum=0.9), MeanSquaredError(), X, y)",
                         names=WEIGHT_NAMES[False])


@check("train_step", kind="graph", points=1)
def test_inside_tf_function(student, reference, inputs):
    """Works inside tf.function without retracing for each batch"""
    weights = mlp_weights(inputs)
    batches = [regression_batch(inputs) for _ in range(4)]
    keras = student.module("keras")
    model = mlp(student, weights, regularizer=0.02)
    optimizer = sgd(student, 0.05, momentum=0.9)
    loss_fn = keras.losses.MeanSquaredError()
    trace = student.train_step.trace([(model, optimizer, loss_fn, X, y) for X, y in batches])
    call = "tf.function(train_step)(model, optimizer, loss_fn, X, y) on 4 batches"
    assert_traces_at_most(trace, 2, call=call)  # the first call may trace twice while the optimizer builds its slots
    ref_model = mlp(reference, weights, regularizer=0.02)
    ref_optimizer = sgd(reference, 0.05, momentum=0.9)
    ref_loss_fn = reference.module("keras").losses.MeanSquaredError()
    for (X, y), out in zip(batches, trace.outputs, strict=True):
        expected = reference.train_step(ref_model, ref_optimizer, ref_loss_fn, X, y)
        assert_close(scalar(out, call), scalar(expected, call), call=f"the loss returned by {call}", dtype="float32")
    if iterations(optimizer) != len(batches):
        raise CheckFailed(f"after {len(batches)} calls of {call.split(' on ')[0]} the optimizer made "
                          f"{iterations(optimizer)} steps, expected {len(batches)}.")
    assert_weights_close(model.get_weights(), ref_model.get_weights(), call=call, names=WEIGHT_NAMES[False])
