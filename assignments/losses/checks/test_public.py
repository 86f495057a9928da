"""Public checks of the `losses` assignment: what students run before submitting.

They use fixed inputs and the values of the assignment text. The hidden checks
test much more: other inputs, dtypes, gradients, tf.function, saving.
"""

import keras
import numpy as np

from grader.judge import CheckFailed, assert_close, assert_instance_of, check


@check("huber_fn", kind="value")
def test_huber_fn_small_and_large_errors(student):
    """huber_fn on one small and one large error"""
    y_true = np.array([[0.5], [3.0]], np.float32)
    y_pred = np.zeros((2, 1), np.float32)
    assert_close(student.huber_fn(y_true, y_pred), np.array([[0.125], [2.5]], np.float32),
                 call="huber_fn([[0.5], [3.0]], [[0.0], [0.0]])", dtype="float32")


@check("create_huber", kind="value")
def test_create_huber_threshold_two(student):
    """create_huber(2.0) on one small and one large error"""
    y_true = np.array([[1.0], [5.0]], np.float32)
    y_pred = np.zeros((2, 1), np.float32)
    assert_close(student.create_huber(2.0)(y_true, y_pred), np.array([[0.5], [8.0]], np.float32),
                 call="create_huber(2.0)([[1.0], [5.0]], [[0.0], [0.0]])", dtype="float32")


@check("HuberLoss", kind="value")
def test_huber_loss_example(student):
    """HuberLoss(2.)([[2],[0],[5]], [[10],[1],[9.25]]) is 7.0"""
    y_true = np.array([[2.0], [0.0], [5.0]], np.float32)
    y_pred = np.array([[10.0], [1.0], [9.25]], np.float32)
    loss = student.HuberLoss(2.0)
    assert_instance_of(loss, keras.losses.Loss, call="HuberLoss(2.0)")
    assert_close(loss(y_true, y_pred), np.float32(7.0), call="HuberLoss(2.)([[2], [0], [5]], [[10], [1], [9.25]])",
                 dtype="float32")


@check("HuberLoss", kind="serialization")
def test_huber_loss_config_has_threshold(student):
    """HuberLoss(2.0).get_config() holds the threshold"""
    config, _ = student.HuberLoss(2.0).config_roundtrip()
    if not isinstance(config, dict) or config.get("threshold") != 2.0:
        raise CheckFailed("HuberLoss(2.0).get_config() should contain 'threshold': 2.0.")
