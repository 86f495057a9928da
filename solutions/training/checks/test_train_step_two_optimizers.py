"""Hidden checks of `train_step_two_optimizers(lower, upper, opt_lower, opt_upper, loss_fn, X_batch, y_batch)`.

`lower` is Dense(5, tanh) on 4 inputs, `upper` is Dense(2) on top; both sides start from the same weights.
The two SGD optimizers have very different learning rates, so each part's update (learning rate × gradient)
shows which optimizer moved it. Running the reference with the learning rates swapped, or with one learning
rate for both parts, gives the weights of those mistakes, for the hints.
"""

import numpy as np
from _training import assert_weights_close, iterations, linear, scalar, sgd

from grader.judge import CheckFailed, assert_close, assert_traces_at_most, both_sides, check

LR_LOWER, LR_UPPER = 0.002, 0.3
NAMES = ["kernel", "bias"]


def parts_weights(inputs):
    lower = [inputs.normal((4, 5), scale=0.7), inputs.normal((5,), scale=0.1)]
    upper = [inputs.normal((5, 2), scale=0.7), inputs.normal((2,), scale=0.1)]
    return lower, upper


def batch(inputs, n=16):
    X = inputs.normal((n, 4))
    y = np.stack([X[:, 0] - 2 * X[:, 1], X[:, 2] * X[:, 3]], axis=1) + 1.0
    return X.astype(np.float32), y.astype(np.float32)


def build(side, weights, lr_lower=LR_LOWER, lr_upper=LR_UPPER, momentum=0.0):
    lower = linear(side, weights[0], 4, 5, activation="tanh")
    upper = linear(side, weights[1], 5, 2)
    return lower, upper, sgd(side, lr_lower, momentum), sgd(side, lr_upper, momentum)


def step(side, weights, batches, lr_lower=LR_LOWER, lr_upper=LR_UPPER):
    """Run the step on each batch; return the losses, both parts' weights and both optimizers."""
    lower, upper, opt_lower, opt_upper = build(side, weights, lr_lower, lr_upper)
    loss_fn = side.module("keras").losses.MeanSquaredError()
    losses = [side.train_step_two_optimizers(lower, upper, opt_lower, opt_upper, loss_fn, X, y) for X, y in batches]
    return losses, lower.get_weights(), upper.get_weights(), opt_lower, opt_upper


def mistakes(reference, weights, batches, got_lower, got_upper):
    """The hint of the mistake whose weights both parts match, as per-part `mistakes` for the comparisons."""
    scenarios = {
        "lower moved with opt_upper's learning rate and upper with opt_lower's: the optimizers are swapped.":
            (LR_UPPER, LR_LOWER),
        "both parts moved with opt_lower's learning rate: apply upper's gradients with opt_upper.": (LR_LOWER, LR_LOWER),
        "both parts moved with opt_upper's learning rate: apply lower's gradients with opt_lower.": (LR_UPPER, LR_UPPER),
        "upper moved with both learning rates: opt_lower must update lower's variables only.":
            (LR_LOWER, LR_LOWER + LR_UPPER),
    }
    for hint, (lr_lower, lr_upper) in scenarios.items():
        _, lower, upper, _, _ = step(reference, weights, batches, lr_lower, lr_upper)
        pairs = list(zip(got_lower, lower, strict=False)) + list(zip(got_upper, upper, strict=False))
        if len(pairs) == 4 and all(np.allclose(g, w, rtol=1e-4, atol=1e-5) for g, w in pairs):
            return {hint: lower}, {hint: upper}
    return {}, {}


CALL = ("train_step_two_optimizers(lower, upper, SGD(0.002), SGD(0.3), MeanSquaredError(), X float32[16, 4], "
        "y float32[16, 2])")


@check("train_step_two_optimizers", kind="value", points=1)
def test_returns_the_loss(student, reference, inputs):
    """Returns the loss of upper(lower(X))"""
    weights, batches = parts_weights(inputs), [batch(inputs)]
    got, expected = both_sides(lambda side: step(side, weights, batches)[0][0], student, reference)
    assert_close(scalar(got, CALL), scalar(expected, CALL), call=f"the loss returned by {CALL}", dtype="float32")


@check("train_step_two_optimizers", kind="gradient", points=2)
def test_each_part_moved_by_its_own_optimizer(student, reference, inputs):
    """lower moves by opt_lower's learning rate × gradient, upper by opt_upper's"""
    weights, batches = parts_weights(inputs), [batch(inputs)]
    (_, got_lower, got_upper, _, _), (_, expected_lower, expected_upper, _, _) = both_sides(
        lambda side: step(side, weights, batches), student, reference)
    hint_lower, hint_upper = mistakes(reference, weights, batches, got_lower, got_upper)
    assert_weights_close(got_lower, expected_lower, call=CALL, names=[f"lower {n}" for n in NAMES],
                         mistakes=hint_lower)
    assert_weights_close(got_upper, expected_upper, call=CALL, names=[f"upper {n}" for n in NAMES],
                         mistakes=hint_upper)


@check("train_step_two_optimizers", kind="training", points=1)
def test_each_optimizer_steps_once_per_call(student, inputs):
    """Each optimizer takes exactly one step per call"""
    weights, batches = parts_weights(inputs), [batch(inputs) for _ in range(2)]
    _, _, _, opt_lower, opt_upper = step(student, weights, batches)
    got = (iterations(opt_lower), iterations(opt_upper))
    if got != (2, 2):
        raise CheckFailed(f"after 2 calls of {CALL.split('(')[0]} opt_lower made {got[0]} step(s) and opt_upper "
                          f"{got[1]}, expected 2 each: apply lower's gradients with opt_lower and upper's with "
                          "opt_upper, once per call.")


@check("train_step_two_optimizers", kind="training", points=1)
def test_optimizers_with_state(student, reference, inputs):
    """Right weights after 3 steps with momentum optimizers (each keeps its own slots)"""
    weights, batches = parts_weights(inputs), [batch(inputs) for _ in range(3)]

    def run(side):
        lower, upper, opt_lower, opt_upper = build(side, weights, momentum=0.9)
        loss_fn = side.module("keras").losses.MeanSquaredError()
        for X, y in batches:
            side.train_step_two_optimizers(lower, upper, opt_lower, opt_upper, loss_fn, X, y)
        return lower.get_weights(), upper.get_weights()

    (got_lower, got_upper), (expected_lower, expected_upper) = both_sides(run, student, reference)
    call = "3 calls of train_step_two_optimizers(lower, upper, SGD(0.002, momentum=0.9), SGD(0.3, momentum=0.9), ...)"
    assert_weights_close(got_lower, expected_lower, call=call, names=[f"lower {n}" for n in NAMES])
    assert_weights_close(got_upper, expected_upper, call=call, names=[f"upper {n}" for n in NAMES])


@check("train_step_two_optimizers", kind="graph", points=1)
def test_inside_tf_function(student, reference, inputs):
    """Works inside tf.function without retracing for each batch"""
    weights, batches = parts_weights(inputs), [batch(inputs) for _ in range(3)]

    def run(side):  # the student's step traced by tf.function, the reference's called eagerly (`step`)
        if side is not student:
            return step(side, weights, batches)
        lower, upper, opt_lower, opt_upper = build(side, weights)
        loss_fn = side.module("keras").losses.MeanSquaredError()
        trace = side.train_step_two_optimizers.trace(
            [(lower, upper, opt_lower, opt_upper, loss_fn, X, y) for X, y in batches])
        return trace, lower, upper

    (trace, lower, upper), (losses, expected_lower, expected_upper, _, _) = both_sides(run, student, reference)
    call = "tf.function(train_step_two_optimizers)(lower, upper, opt_lower, opt_upper, loss_fn, X, y) on 3 batches"
    assert_traces_at_most(trace, 2, call=call)  # the first call may trace twice while the optimizers build
    for out, expected in zip(trace.outputs, losses, strict=True):
        assert_close(scalar(out, call), scalar(expected, call), call=f"the loss returned by {call}", dtype="float32")
    assert_weights_close(lower.get_weights(), expected_lower, call=call, names=[f"lower {n}" for n in NAMES])
    assert_weights_close(upper.get_weights(), expected_upper, call=call, names=[f"upper {n}" for n in NAMES])
