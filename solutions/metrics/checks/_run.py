"""Feeding batches to a remote metric and reading its results back (judge side only)."""

import numpy as np

from grader.judge import CheckFailed, as_numpy, assert_close, to_array


def scalar(value, call):
    """``result()`` as one float, or a failure saying what came back instead."""
    array = to_array(value, call)
    if array.size != 1:
        raise CheckFailed(f"{call} returned shape {tuple(array.shape)}: result() must return one number (a scalar).")
    return float(array.reshape(()))


def update(metric, batch):
    """``metric.update_state(y_true, y_pred[, sample_weight=w])`` for a batch ``(y_true, y_pred[, w])``."""
    y_true, y_pred, *rest = batch
    weight = rest[0] if rest else None
    if weight is None:
        metric.update_state(y_true, y_pred)
    else:
        metric.update_state(y_true, y_pred, sample_weight=weight)


def describe_batch(batch):
    y_true, _, *rest = batch
    shape = list(np.shape(y_true))
    weight = rest[0] if rest else None
    text = f"float32{shape}"
    if weight is not None:
        text += f" with sample_weight float32{list(np.shape(weight))}"
    return text


def results_after_each(metric, batches, label):
    """Update with each batch in turn; the list of ``result()`` values after each update."""
    out = []
    for i, batch in enumerate(batches, start=1):
        update(metric, batch)
        out.append(scalar(metric.result(), f"{label}.result() after update {i}"))
    return np.array(out, np.float32)


def sequence_call(label, batches):
    """`m.result()` after each of n update_state calls on float32[16, 1], float32[3, 1] with sample_weight..."""
    parts = ", ".join(describe_batch(b) for b in batches)
    return f"{label}.result() after each update_state call, batches {parts}"


def variable_values(metric, call):
    """The values of ``metric.variables`` (one array per variable), or a failure when it has none."""
    values = metric.variables
    if not isinstance(values, list) or not values:
        raise CheckFailed(
            f"{call}.variables is empty: keep the metric's state in variables created in __init__ with "
            "self.add_weight(name=..., shape=..., initializer='zeros') (a tf.Variable or a Python number is "
            "not tracked by Keras, so reset_state() and saving miss it)."
        )
    return [to_array(v, f"{call}.variables") for v in values]


GRAPH_HINT = ("Inside tf.function your Python code runs once, while tracing: a Python number (self.count += 1) "
              "is updated only then, not on later calls. Keep every count in add_weight variables, updated "
              "with assign_add.")


EAGER_ALSO_WRONG = ("Your metric gives wrong values outside tf.function too (called directly on the same batches): "
                    "see the value checks first.")


def eager_is_right(make, batches, expected):
    """Whether a fresh metric from ``make()``, updated eagerly with ``batches``, ends at ``expected``."""
    try:
        metric = make()
        for batch in batches:
            update(metric, batch)
        got = scalar(metric.result(), "result()")
    except Exception:  # noqa: BLE001 - only a diagnosis for the message: any failure means "not right"
        return False
    return bool(np.isclose(got, expected, rtol=1e-4, atol=1e-5))


def assert_result_close(got, expected, call, make, batches, hint):
    """``assert_close`` of a result read after ``batches``; on failure, say whether the plain eager path is right.

    When a fresh metric updated eagerly with the same batches is right, the mistake is in what this check
    exercises and ``hint`` explains it; otherwise the message points to the value checks.
    """
    try:
        assert_close(np.float32(got), np.float32(expected), call=call, dtype="float32")
    except CheckFailed as exc:
        extra = hint if eager_is_right(make, batches, expected) else EAGER_ALSO_WRONG
        raise CheckFailed(exc.message + "\n" + extra, exc.details) from None


def assert_state_in_variables(metric, make, label):
    """A fresh metric given ``metric``'s variable values (``stateless_result``) returns ``metric.result()``."""
    state = metric.variables
    variable_values(metric, label)
    own = scalar(metric.result(), f"{label}.result()")
    got = scalar(make().stateless_result(state), f"a fresh {label}.stateless_result(variables of an updated one)")
    if not np.isclose(got, own, rtol=1e-4, atol=1e-5, equal_nan=True):
        raise CheckFailed(
            f"a fresh {label} given the variable values of an updated one returns {got:g}, while the updated one "
            f"returns {own:g}: part of the state lives outside the variables (a Python number or attribute), so "
            "Keras cannot reset, save or sync it. Keep every count in add_weight variables."
        )


def assert_reset(metric, make, label, batches, expected):
    """After ``metric.reset_state()``: variables all zero, and ``batches`` give the results of a fresh metric."""
    metric.reset_state()
    values = metric.variables
    if isinstance(values, list):
        for value in values:
            if np.any(to_array(value, f"{label}.variables") != 0):
                raise CheckFailed(f"after reset_state() some of {label}.variables are not zero.")
    call = sequence_call(f"{label} after two updates and reset_state()", batches)
    got = results_after_each(metric, batches, f"{label} after reset_state()")
    try:
        assert_close(got, expected, call=call, dtype="float32")
    except CheckFailed as exc:
        fresh_right = eager_is_right(make, batches, expected[-1])
        extra = ("A fresh metric gets these right, so reset_state() leaves some state behind (a Python number, "
                 "or a variable it does not zero)." if fresh_right else
                 "A fresh metric gets these wrong too: see the value checks first.")
        raise CheckFailed(exc.message + "\n" + extra, exc.details) from None


def compiled_model(side, metric, weights, loss, activation=None):
    """A Dense(1) model on 3 inputs with the given weights, compiled with ``metrics=[metric]``."""
    keras = side.module("keras")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation=activation)])
    model.set_weights([as_numpy(w) for w in weights])
    model.compile(loss=loss, optimizer="sgd", metrics=[metric])
    return model


def metric_value(logs, call):
    """The metric's entry of ``evaluate(..., return_dict=True)`` (whatever its name)."""
    if not isinstance(logs, dict):
        raise CheckFailed(f"{call} returned {type(logs).__name__}, expected a dict of logs.")
    values = [v for k, v in logs.items() if k != "loss"]
    if len(values) != 1:
        raise CheckFailed(f"{call} returned logs {sorted(logs)}: expected the loss and your metric.")
    return scalar(values[0], call)


EVALUATE_HINT = ("Called directly on the same batches your metric is right, so the problem is how Keras runs it: "
                 "evaluate() resets the metric first and runs update_state inside tf.function. " + GRAPH_HINT)
