"""Hidden checks of `train_classifier(X_train, y_train, X_valid, y_valid)`: end-of-chapter exercise 13a.

The judge makes 28×28 grey images of 10 classes (see `_images.py`), sends the training and validation sets
as NumPy arrays, and keeps a test set the model never sees. The student's function runs once per grading (the
checks share its result); its deadline is the time budget.
"""

import keras
import numpy as np
from _images import datasets

from grader.judge import CheckFailed, as_numpy, assert_instance_of, check, to_array
from grader.judge.errors import StudentFault

BUDGET_SECONDS = 150  # the reference trains in a few seconds in the sandbox (one CPU thread)
THRESHOLD = 0.85  # the reference reaches about 0.99, plain SGD(0.01) for 5 epochs 0.96; untrained 0.10
LEARNED = 0.30  # well above chance: the model was trained at all

_runs: list = []  # (backend, model or exception, test set): one training per grading, shared by the checks


def trained_model(student, inputs):
    for backend, outcome, test in _runs:
        if backend is student.backend:
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome, test
    (X_train, y_train), (X_valid, y_valid), test = datasets(inputs.rng)
    try:
        model = student.train_classifier(as_numpy(X_train), as_numpy(y_train), as_numpy(X_valid), as_numpy(y_valid))
    except StudentFault as exc:  # the other checks report the same failure without training again
        _runs[:] = [(student.backend, exc, test)]
        raise
    _runs[:] = [(student.backend, model, test)]
    return model, test


CALL = "train_classifier(X_train float32[5000, 28, 28], y_train int64[5000], X_valid float32[1000, 28, 28], y_valid)"


def test_accuracy(model, test) -> float:
    X_test, y_test = test
    call = "model(X_test float32[2000, 28, 28]) on the model returned by train_classifier"
    scores = to_array(model(X_test), call)
    if scores.shape != (len(X_test), 10):
        raise CheckFailed(f"{call} returned shape {tuple(scores.shape)}, expected (2000, 10): one score per class "
                          "for each image (the model takes images shaped [n, 28, 28]).")
    if not np.isfinite(scores).all():
        raise CheckFailed(f"{call} returned non-finite scores: training diverged (learning rate too high?).")
    return float(np.mean(np.argmax(scores, axis=1) == y_test))


test_accuracy.__test__ = False  # a helper, not a check


def assert_custom_loop_model(model) -> None:
    """A keras.Model, not trained by Keras's own training step (fit / train_on_batch): else no point at all."""
    if not hasattr(model, "is_instance_of"):  # data came back, not an object
        raise CheckFailed(f"{CALL} returned a {type(model).__name__}, expected the trained keras.Model.")
    assert_instance_of(model, keras.Model, call=CALL)
    if model.train_function is not None:
        raise CheckFailed(f"the model returned by {CALL} was trained with fit() or train_on_batch(): the exercise "
                          "is to write the training loop yourself (GradientTape, gradients, apply_gradients), so "
                          "it scores 0.")


@check("train_classifier", kind="api", points=1, timeout=BUDGET_SECONDS)
def test_returns_a_keras_model(student, inputs):
    """Returns a keras.Model that gives 10 scores per 28×28 image"""
    model, test = trained_model(student, inputs)
    assert_custom_loop_model(model)
    test_accuracy(model, test)


@check("train_classifier", kind="training", points=4, timeout=BUDGET_SECONDS)
def test_held_out_accuracy(student, inputs):
    """Reaches 85 % accuracy on held-out images within the time budget"""
    model, test = trained_model(student, inputs)
    assert_custom_loop_model(model)
    accuracy = test_accuracy(model, test)
    if accuracy < THRESHOLD:
        raise CheckFailed(f"the model returned by {CALL} classifies {accuracy:.1%} of 2000 held-out images correctly; "
                          f"at least {THRESHOLD:.0%} is expected (a small dense network trained for a few epochs "
                          "gets well above). Check that every batch of every epoch is used, that the gradients are "
                          "applied, and the loss matches the output (probabilities or logits).")


@check("train_classifier", kind="training", points=1, timeout=BUDGET_SECONDS)
def test_trained_with_a_custom_loop(student, inputs):
    """Trained with your own loop, not fit() or train_on_batch()"""
    model, test = trained_model(student, inputs)
    assert_custom_loop_model(model)
    accuracy = test_accuracy(model, test)
    if accuracy < LEARNED:
        raise CheckFailed(f"the model returned by {CALL} classifies only {accuracy:.1%} of held-out images "
                          "correctly: it has not learned (are the gradients applied?).")
