"""Public checks of the example assignment: students run them with `tfgrader check example FILE`.

They use fixed inputs and literal expected values (there is no `reference`
fixture here): enough to catch a typo, never the whole grade.
"""

import keras
import numpy as np

from grader.judge import assert_close, assert_instance_of, check


@check("leaky_relu", kind="value")
def test_leaky_relu_example(student):
    """leaky_relu([-2, 0, 3]) is [-0.4, 0, 3]"""
    x = np.array([-2.0, 0.0, 3.0], np.float32)
    assert_close(student.leaky_relu(x), np.array([-0.4, 0.0, 3.0], np.float32), call="leaky_relu([-2, 0, 3])",
                 dtype="float32")


@check("ScaleLayer", kind="value")
def test_scale_layer_starts_at_one(student):
    """ScaleLayer()(x) is x before training"""
    layer = student.ScaleLayer()
    assert_instance_of(layer, keras.layers.Layer, call="ScaleLayer()")
    x = np.array([[1.0, -2.0]], np.float32)
    assert_close(layer(x), x, call="ScaleLayer()([[1, -2]])", dtype="float32")
