"""Report figures of the losses: the student's curve over the reference's, for the loss and its gradient.

Drawn only for an exercise that lost points (see grader.judge.figures).
"""

import numpy as np

from grader.judge import figure

ERRORS = np.linspace(-4.0, 4.0, 161, dtype=np.float32).reshape(-1, 1)  # y_pred - y_true, with y_true = 0


def _loss_and_gradient(plot, student_fn, reference_fn, label):
    """Two panels: ``label`` over the error, and its gradient w.r.t. y_pred."""
    y_true = np.zeros_like(ERRORS)
    plot.curves(ERRORS, {"expected": reference_fn(y_true, ERRORS), "yours": student_fn(y_true, ERRORS)},
                title=label, xlabel="error (y_pred - y_true)", ylabel="loss")
    expected = reference_fn.gradient(y_true, ERRORS, wrt=(1,)).gradients[0]
    yours = student_fn.gradient(y_true, ERRORS, wrt=(1,)).gradients[0]
    plot.curves(ERRORS, {"expected": expected, "yours": yours},
                title=f"gradient of {label} w.r.t. y_pred", xlabel="error (y_pred - y_true)", ylabel="gradient")


@figure("huber_fn", title="huber_fn over the error, and its gradient")
def figure_huber_fn(student, reference, plot):
    _loss_and_gradient(plot, student.huber_fn, reference.huber_fn, "huber_fn")


@figure("create_huber", title="create_huber(2.0) over the error, and its gradient")
def figure_create_huber(student, reference, plot):
    _loss_and_gradient(plot, student.create_huber(2.0), reference.create_huber(2.0), "create_huber(2.0)")


@figure("HuberLoss", title="HuberLoss(2.0).call over the error, and its gradient")
def figure_huber_loss(student, reference, plot):
    _loss_and_gradient(plot, student.HuberLoss(2.0).call, reference.HuberLoss(2.0).call, "HuberLoss(2.0).call")
