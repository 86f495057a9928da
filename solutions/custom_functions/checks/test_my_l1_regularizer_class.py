"""Hidden checks of `MyL1Regularizer(factor)`, a `keras.regularizers.Regularizer` subclass."""

import keras
import numpy as np
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

from grader.judge import (
    CheckFailed,
    assert_close,
    assert_gradients_close,
    assert_instance_of,
    assert_traces_at_most,
    both_sides,
    check,
)


def check_config(student, factor: float) -> dict:
    """``get_config()`` holds ``"factor": factor`` and ``from_config`` rebuilds an equal penalty."""
    config, clone = student.MyL1Regularizer(factor).config_roundtrip()
    call = f"MyL1Regularizer({factor}).get_config()"
    if not isinstance(config, dict) or "factor" not in config:
        keys = sorted(config) if isinstance(config, dict) else type(config).__name__
        raise CheckFailed(f"{call} has no 'factor' key (keys: {keys}): return {{'factor': factor}} "
                          "so that from_config (and loading a saved model) can rebuild the regularizer.")
    got = config["factor"]
    if not isinstance(got, (int, float)) or abs(float(got) - factor) > 1e-9 * max(1.0, abs(factor)):
        raise CheckFailed(f"{call}['factor'] is {got!r}, expected {factor}: return the factor given to the "
                          "constructor, not a fixed value.")
    return {"config": config, "clone": clone}


@check("MyL1Regularizer", kind="api", points=1)
def test_subclasses_keras_regularizer(student):
    """Subclasses keras.regularizers.Regularizer"""
    assert_instance_of(student.MyL1Regularizer(0.05), keras.regularizers.Regularizer, call="MyL1Regularizer(0.05)")


@check("MyL1Regularizer", kind="value", points=2)
def test_values_for_several_factors(student, inputs):
    """factor * sum(|w|) on random weights, for several factors"""
    for factor in [0.05, 0.5, 3.0]:
        w = inputs.normal((25, 8), scale=2.0)
        call = f"MyL1Regularizer({factor})(weights) on float32[25, 8]"
        assert_scalar_penalty(student.MyL1Regularizer(factor)(w), l1(w, factor), call=call,
                              mistakes=l1_mistakes(w, factor, hard_coded=0.01))


@check("MyL1Regularizer", kind="value", points=1)
def test_scalar_for_any_rank(student, inputs):
    """A scalar for weights of rank 1 to 3 (sum over every entry)"""
    regularizer = student.MyL1Regularizer(0.2)
    for shape in [(6,), (1, 1), (2, 3, 4)]:
        w = inputs.normal(shape, scale=3.0)
        assert_scalar_penalty(regularizer(w), l1(w, 0.2), call=f"MyL1Regularizer(0.2)(float32{list(shape)})",
                              mistakes=l1_mistakes(w, 0.2, hard_coded=0.01))


@check("MyL1Regularizer", kind="gradient", points=1)
def test_gradient_matches_reference(student, reference, inputs):
    """Gradient w.r.t. the weights matches the reference (factor * sign(w))"""
    w = away_from_zero(inputs, (12, 5))
    assert_gradients_close(student.MyL1Regularizer(0.3), reference.MyL1Regularizer(0.3), (w,), wrt=(0,))


@check("MyL1Regularizer", kind="graph", points=1)
def test_inside_tf_function(student, inputs):
    """Works inside tf.function, traced once for weights of one shape"""
    arg_sets = [(inputs.normal((10, 4), scale=2.0),) for _ in range(3)]
    result = trace(student.MyL1Regularizer(0.4), arg_sets)
    for (w,), out in zip(arg_sets, result.outputs, strict=True):
        assert_scalar_penalty(out, l1(w, 0.4), call="MyL1Regularizer(0.4)(weights) inside tf.function",
                              mistakes=l1_mistakes(w, 0.4, hard_coded=0.01))
    assert_traces_at_most(result, 1, call="MyL1Regularizer(0.4)(weights) inside tf.function")


@check("MyL1Regularizer", kind="graph", points=1)
def test_as_kernel_regularizer(student, inputs):
    """As the kernel_regularizer of a Dense layer, model.losses holds the penalty"""
    _, _, weights = dense_problem(inputs)
    model, _ = dense_model(student, 5, 3, weights, kernel_regularizer=student.MyL1Regularizer(0.2))
    losses = model.losses
    call = "Sequential([Input((5,)), Dense(3, kernel_regularizer=MyL1Regularizer(0.2))]).losses"
    if not isinstance(losses, list) or len(losses) != 1:
        raise CheckFailed(f"{call} should hold exactly one penalty, got {losses!r:.200}.")
    assert_scalar_penalty(losses[0], l1(weights[0], 0.2), call=f"{call}[0]",
                          mistakes=l1_mistakes(weights[0], 0.2, hard_coded=0.01))


@check("MyL1Regularizer", kind="serialization", points=1)
def test_config_round_trip(student, inputs):
    """get_config() returns {"factor": factor}; from_config() gives an equal regularizer"""
    clone = check_config(student, 0.25)["clone"]
    w = inputs.normal((6, 5), scale=2.0)
    assert_scalar_penalty(clone(w), l1(w, 0.25),
                          call="MyL1Regularizer.from_config(MyL1Regularizer(0.25).get_config())(weights)",
                          mistakes=l1_mistakes(w, 0.25, hard_coded=0.01))


@check("MyL1Regularizer", kind="serialization", points=2)
def test_saved_model_reloads_with_factor(student, inputs):
    """A model using it saved as .keras reloads with the same factor and predictions"""
    check_config(student, 0.02)
    x, _, weights = dense_problem(inputs)
    model, _ = dense_model(student, 5, 3, weights, kernel_regularizer=student.MyL1Regularizer(0.02))
    before = model.predict(x, verbose=0)
    reloaded = model.save_reload(custom_objects=["MyL1Regularizer"])
    call = ("a model with Dense(3, kernel_regularizer=MyL1Regularizer(0.02)) saved as .keras and loaded with "
            "custom_objects={'MyL1Regularizer': MyL1Regularizer}")
    regularizer = reloaded.layers[-1].kernel_regularizer
    type_name = getattr(regularizer, "type_name", type(regularizer).__name__).rsplit(".", 1)[-1]
    if type_name != "MyL1Regularizer":
        raise CheckFailed(f"after {call}, the layer's kernel_regularizer is a {type_name}, not your MyL1Regularizer.")
    assert_close(reloaded.predict(x, verbose=0), before, call=f"predict() after {call}", dtype="float32")
    losses = reloaded.losses
    if not isinstance(losses, list) or len(losses) != 1:
        raise CheckFailed(f"after {call}, model.losses should hold exactly one penalty, got {losses!r:.200}.")
    assert_scalar_penalty(losses[0], l1(weights[0], 0.02), call=f"model.losses[0] after {call}",
                          mistakes=l1_mistakes(weights[0], 0.02, hard_coded=0.01))


@check("MyL1Regularizer", kind="training", points=1)
def test_training_step_with_the_penalty(student, reference, inputs):
    """One training step with the penalty gives the reference's loss and weights"""
    x, y, weights = dense_problem(inputs)

    def run(ns):
        model, _ = dense_model(ns, 5, 3, weights, kernel_regularizer=ns.MyL1Regularizer(0.1))
        return train_one_step(ns, model, x, y, 0.5)

    (got_loss, got_weights), (expected_loss, expected_weights) = both_sides(run, student, reference)
    call = "model.compile(loss='mse', optimizer=SGD(0.5)); model.train_on_batch(x, y)"
    assert_close(got_loss, expected_loss, call=f"the loss (MSE + penalty) reported by {call}", dtype="float32")
    for name, g, e in zip(["kernel", "bias"], got_weights, expected_weights, strict=True):
        assert_close(np.asarray(g), np.asarray(e), call=f"the {name} after {call}", dtype="float32")
