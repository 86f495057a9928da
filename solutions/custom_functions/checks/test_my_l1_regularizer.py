"""Hidden checks of `my_l1_regularizer(weights)`: the scalar 0.01 * sum(abs(weights))."""

from _custom import (
    assert_scalar_penalty,
    away_from_zero,
    dense_model,
    dense_problem,
    l1,
    l1_mistakes,
    trace,
    train_one_step,
)

from grader.judge import CheckFailed, assert_close, assert_gradients_close, assert_traces_at_most, both_sides, check

CALL = "my_l1_regularizer(weights)"


@check("my_l1_regularizer", kind="value", points=2)
def test_values_on_random_weights(student, inputs):
    """0.01 * sum(|w|) on random weights"""
    w = inputs.normal((30, 20), scale=2.0)
    assert_scalar_penalty(student.my_l1_regularizer(w), l1(w, 0.01), call=f"{CALL} on float32[30, 20]",
                          mistakes=l1_mistakes(w, 0.01))


@check("my_l1_regularizer", kind="value", points=1)
def test_scalar_for_any_rank(student, inputs):
    """A scalar for weights of rank 1 to 3 (sum over every entry)"""
    for shape in [(7,), (1, 1), (4, 6), (2, 3, 5)]:
        w = inputs.normal(shape, scale=3.0)
        call = f"my_l1_regularizer(float32{list(shape)})"
        assert_scalar_penalty(student.my_l1_regularizer(w), l1(w, 0.01), call=call, mistakes=l1_mistakes(w, 0.01))


@check("my_l1_regularizer", kind="gradient", points=1)
def test_gradient_matches_reference(student, reference, inputs):
    """Gradient w.r.t. the weights matches the reference (0.01 * sign(w))"""
    w = away_from_zero(inputs, (12, 5))
    assert_gradients_close(student.my_l1_regularizer, reference.my_l1_regularizer, (w,), wrt=(0,))


@check("my_l1_regularizer", kind="graph", points=1)
def test_inside_tf_function(student, inputs):
    """Works inside tf.function, traced once for weights of one shape"""
    arg_sets = [(inputs.normal((10, 4), scale=2.0),) for _ in range(3)]
    result = trace(student.my_l1_regularizer, arg_sets)
    for (w,), out in zip(arg_sets, result.outputs, strict=True):
        assert_scalar_penalty(out, l1(w, 0.01), call=f"{CALL} inside tf.function", mistakes=l1_mistakes(w, 0.01))
    assert_traces_at_most(result, 1, call=f"{CALL} inside tf.function")


@check("my_l1_regularizer", kind="graph", points=1)
def test_as_kernel_regularizer(student, inputs):
    """As the kernel_regularizer of a Dense layer, model.losses holds the penalty"""
    _, _, weights = dense_problem(inputs)
    model, _ = dense_model(student, 5, 3, weights, kernel_regularizer=student.lookup("my_l1_regularizer"))
    losses = model.losses
    call = "Sequential([Input((5,)), Dense(3, kernel_regularizer=my_l1_regularizer)]).losses"
    if not isinstance(losses, list) or len(losses) != 1:
        raise CheckFailed(f"{call} should hold exactly one penalty, got {losses!r:.200}.")
    assert_scalar_penalty(losses[0], l1(weights[0], 0.01), call=f"{call}[0]", mistakes=l1_mistakes(weights[0], 0.01))


@check("my_l1_regularizer", kind="training", points=1)
def test_training_step_with_the_penalty(student, reference, inputs):
    """One training step with the penalty gives the reference's loss and weights"""
    x, y, weights = dense_problem(inputs)

    def run(ns):
        model, _ = dense_model(ns, 5, 3, weights, kernel_regularizer=ns.lookup("my_l1_regularizer"))
        return train_one_step(ns, model, x, y, 0.5)

    (got_loss, got_weights), (expected_loss, expected_weights) = both_sides(run, student, reference)
    call = "model.compile(loss='mse', optimizer=SGD(0.5)); model.train_on_batch(x, y)"
    assert_close(got_loss, expected_loss, call=f"the loss (MSE + penalty) reported by {call}", dtype="float32")
    for name, g, e in zip(["kernel", "bias"], got_weights, expected_weights, strict=True):
        assert_close(g, e, call=f"the {name} after {call}", dtype="float32")
