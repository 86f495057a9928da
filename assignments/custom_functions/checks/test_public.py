"""Public checks of the `custom_functions` assignment: what students run before submitting.

They use fixed inputs and values that follow from the assignment text. The
hidden checks test much more: random inputs, shapes and dtypes, gradients,
tf.function, Keras layers and models, training, saving.
"""

import keras
import numpy as np

from grader.judge import CheckFailed, assert_close, assert_instance_of, check, to_array


@check("my_softplus", kind="value")
def test_my_softplus_known_values(student):
    """my_softplus at 0, 1 and -1"""
    z = np.array([0.0, 1.0, -1.0], np.float32)
    expected = np.array([0.6931472, 1.3132616, 0.3132617], np.float32)  # log 2, log(1 + e), log(1 + 1/e)
    assert_close(student.my_softplus(z), expected, call="my_softplus([0.0, 1.0, -1.0])", dtype="float32")


@check("my_glorot_initializer", kind="value")
def test_my_glorot_initializer_shape_dtype_and_spread(student):
    """my_glorot_initializer((300, 200)): float32, right shape, stddev about 0.0632"""
    call = "my_glorot_initializer((300, 200))"
    samples = to_array(student.my_glorot_initializer((300, 200)), call)
    if samples.shape != (300, 200) or samples.dtype.name != "float32":
        raise CheckFailed(f"{call} returned {samples.dtype.name}{list(samples.shape)}, expected float32[300, 200].")
    std = float(samples.std())
    if abs(std - 0.0632456) > 0.004:  # sqrt(2 / (300 + 200))
        raise CheckFailed(f"{call} has standard deviation {std:.4g}, expected about sqrt(2 / 500) = 0.0632.")


@check("my_l1_regularizer", kind="value")
def test_my_l1_regularizer_small_example(student):
    """my_l1_regularizer([[1, -2], [3, -4]]) is 0.1"""
    w = np.array([[1.0, -2.0], [3.0, -4.0]], np.float32)
    assert_close(student.my_l1_regularizer(w), np.float32(0.1), call="my_l1_regularizer([[1, -2], [3, -4]])",
                 dtype="float32")


@check("my_positive_weights", kind="value")
def test_my_positive_weights_small_example(student):
    """my_positive_weights([[-1, 2], [0, -0.5]]) is [[0, 2], [0, 0]]"""
    w = np.array([[-1.0, 2.0], [0.0, -0.5]], np.float32)
    assert_close(student.my_positive_weights(w), np.array([[0.0, 2.0], [0.0, 0.0]], np.float32),
                 call="my_positive_weights([[-1, 2], [0, -0.5]])", dtype="float32")


@check("MyL1Regularizer", kind="value")
def test_my_l1_regularizer_class_example(student):
    """MyL1Regularizer(0.5)([[1, -2], [3, -4]]) is 5.0"""
    w = np.array([[1.0, -2.0], [3.0, -4.0]], np.float32)
    regularizer = student.MyL1Regularizer(0.5)
    assert_instance_of(regularizer, keras.regularizers.Regularizer, call="MyL1Regularizer(0.5)")
    assert_close(regularizer(w), np.float32(5.0), call="MyL1Regularizer(0.5)([[1, -2], [3, -4]])", dtype="float32")


@check("MyL1Regularizer", kind="serialization")
def test_my_l1_regularizer_class_config(student):
    """MyL1Regularizer(0.5).get_config() is {"factor": 0.5}"""
    config, _ = student.MyL1Regularizer(0.5).config_roundtrip()
    if not isinstance(config, dict) or config.get("factor") != 0.5:
        raise CheckFailed(f"MyL1Regularizer(0.5).get_config() returned {config!r:.100}, expected {{'factor': 0.5}}.")
