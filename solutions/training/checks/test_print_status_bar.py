"""Hidden checks of `print_status_bar(step, total, loss, metrics=None)`: the exact progress line printed.

Metrics are real `keras.metrics.Mean` objects built and updated in the sandbox; the expected text uses
their own `result()`. Losses are chosen away from a rounding boundary at 4 decimals.
"""

import numpy as np

from grader.judge import CheckFailed, check


def a_loss(inputs) -> float:
    """A loss with 4 unambiguous decimals: k / 10000 + 0.00003."""
    return (int(inputs.rng.integers(100, 30000)) + 0.3) / 10000


def mean_metric(student, inputs, name: str):
    """A keras.metrics.Mean named ``name`` in the sandbox, fed two values; returns (metric, its result)."""
    keras = student.module("keras")
    metric = keras.metrics.Mean(name=name)
    target = a_loss(inputs)
    metric.update_state(np.array([target - 0.25, target + 0.25], np.float32))
    return metric, float(np.asarray(metric.result()))


def expected_line(step, total, loss, metrics=()) -> str:
    text = f"\r{step}/{total} - loss: {loss:.4f}" + "".join(f" - {name}: {value:.4f}" for name, value in metrics)
    return text + ("\n" if step == total else "")


def assert_printed(student, args: tuple, expected: str, shown: str) -> None:
    value, printed = student.print_status_bar.call_with_output(*args)
    call = f"print_status_bar({shown})"
    if printed == expected:
        return
    hint = ""
    body = expected.removeprefix("\r").removesuffix("\n")
    if printed == "":
        hint = "it printed nothing: print the line (what the function returns is ignored)."
    elif printed in (body, body + "\n") and expected.startswith("\r"):
        hint = 'the line must start with "\\r" (carriage return) so the next step overwrites it.'
    elif not expected.endswith("\n") and printed == expected + "\n":
        hint = ('print only ends the line when step == total: pass end="" otherwise '
                '(print adds "\\n" by default).')
    elif expected.endswith("\n") and printed == expected.removesuffix("\n"):
        hint = 'when step == total the line must end with "\\n".'
    elif "object at 0x" in printed or "<" in printed:
        hint = "print each metric's name and its result() value, not the metric object."
    elif printed.replace(", ", " - ") == expected or printed.replace(" | ", " - ") == expected:
        hint = 'separate the parts with " - ".'
    elif printed.strip() == expected.strip():
        hint = "the text is right but the whitespace around it is not."
    message = f"{call} printed {printed!r}, expected {expected!r}."
    if hint:
        message += f"\nHint: {hint}"
    else:
        message += "\nUse the format \"\\r{step}/{total} - loss: {loss:.4f}\" then \" - {name}: {value:.4f}\" per metric."
    if value is not None and printed == "":
        message += " (It returned a value instead.)"
    raise CheckFailed(message)


@check("print_status_bar", kind="value", points=1)
def test_line_without_metrics(student, inputs):
    """Mid-epoch line without metrics: carriage return, step/total, loss with 4 decimals, no newline"""
    loss = a_loss(inputs)
    assert_printed(student, (3, 10, loss), expected_line(3, 10, loss), f"3, 10, {loss}")
    loss = a_loss(inputs)
    assert_printed(student, (1, 250, loss), expected_line(1, 250, loss), f"1, 250, {loss}")
    assert_printed(student, (2, 5, 2.5), expected_line(2, 5, 2.5), "2, 5, 2.5")  # trailing zeros: 2.5000


@check("print_status_bar", kind="value", points=1)
def test_last_step_ends_the_line(student, inputs):
    """The last step (step == total) ends the line with a newline"""
    loss = a_loss(inputs)
    assert_printed(student, (10, 10, loss), expected_line(10, 10, loss), f"10, 10, {loss}")


@check("print_status_bar", kind="value", points=2)
def test_metrics_follow_the_loss(student, inputs):
    """Each metric follows the loss as ' - name: result' with 4 decimals"""
    mae, mae_value = mean_metric(student, inputs, "mae")
    acc, acc_value = mean_metric(student, inputs, "accuracy")
    loss = a_loss(inputs)
    metrics = [("mae", mae_value), ("accuracy", acc_value)]
    assert_printed(student, (7, 12, loss, [mae, acc]), expected_line(7, 12, loss, metrics),
                   f"7, 12, {loss}, [Mean(name='mae'), Mean(name='accuracy')]")
    assert_printed(student, (12, 12, loss, [mae, acc]), expected_line(12, 12, loss, metrics),
                   f"12, 12, {loss}, [Mean(name='mae'), Mean(name='accuracy')]")


@check("print_status_bar", kind="value", points=1)
def test_empty_metrics_and_tensor_loss(student, inputs):
    """metrics=[] prints only the loss; a float32 tensor loss (a Mean's result) prints the same"""
    loss = a_loss(inputs)
    assert_printed(student, (4, 9, loss, []), expected_line(4, 9, loss), f"4, 9, {loss}, []")
    mean, value = mean_metric(student, inputs, "loss")
    tensor = mean.result()  # a float32 tensor, as a loop passes mean_loss.result()
    assert_printed(student, (5, 9, tensor), expected_line(5, 9, value), f"5, 9, <float32 tensor {value:.6f}>")
