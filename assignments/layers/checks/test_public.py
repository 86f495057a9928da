"""Public checks of the `layers` assignment: what students run before submitting.

They use fixed inputs and the values of the assignment text. The hidden checks
test much more: random inputs, other shapes, gradients, tf.function, symbolic
models, get_config and .keras saving.
"""

import keras
import numpy as np

from grader.judge import CheckFailed, as_numpy, assert_close, assert_instance_of, check


@check("exponential_layer", kind="value")
def test_exponential_layer_values(student):
    """exponential_layer() is a Layer computing exp(x)"""
    layer = student.exponential_layer()
    x = np.array([[0.0, 1.0, -1.0]], np.float32)
    assert_close(layer(x), np.array([[1.0, 2.718281828459045, 0.36787944117144233]], np.float32),
                 call="exponential_layer()([[0.0, 1.0, -1.0]])", dtype="float32")
    assert_instance_of(layer, keras.layers.Layer, call="exponential_layer()")


@check("MyDense", kind="value")
def test_my_dense_with_known_weights(student):
    """MyDense(2) with a known kernel and bias"""
    layer = student.MyDense(2)
    x = np.array([[1.0, 2.0, 3.0]], np.float32)
    layer(x)
    shapes = sorted(list(np.shape(w)) for w in layer.get_weights())
    if shapes != [[2], [3, 2]]:
        raise CheckFailed(f"MyDense(2) called on float32[1, 3] has weights of shapes {shapes}, expected a kernel "
                          "[3, 2] and a bias [2].")
    kernel = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], np.float32)
    bias = np.array([0.5, -0.5], np.float32)
    layer.set_weights([as_numpy(kernel if np.ndim(w) == 2 else bias) for w in layer.get_weights()])
    assert_close(layer(x), np.array([[4.5, 4.5]], np.float32),
                 call="MyDense(2)([[1, 2, 3]]) with kernel [[1, 0], [0, 1], [1, 1]] and bias [0.5, -0.5]",
                 dtype="float32")


@check("MyMultiLayer", kind="value")
def test_my_multi_layer_values(student):
    """MyMultiLayer()((x1, x2)) returns (x1 + x2, x1 * x2, x1 / x2)"""
    x1 = np.array([[2.0, -3.0]], np.float32)
    x2 = np.array([[4.0, 0.5]], np.float32)
    out = student.MyMultiLayer()((x1, x2))
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise CheckFailed("MyMultiLayer()((x1, x2)) should return a tuple of three tensors.")
    expected = ([[6.0, -2.5]], [[8.0, -1.5]], [[0.5, -6.0]])
    for name, got, want in zip(("x1 + x2", "x1 * x2", "x1 / x2"), out, expected, strict=True):
        assert_close(got, np.array(want, np.float32), call=f"output {name} of MyMultiLayer()(([[2, -3]], [[4, 0.5]]))",
                     dtype="float32")


@check("MyGaussianNoise", kind="value")
def test_my_gaussian_noise_training_flag(student):
    """MyGaussianNoise(0.1): identity with training=False, noisy with training=True"""
    layer = student.MyGaussianNoise(0.1)
    x = np.ones((4, 5), np.float32)
    assert_close(layer(x, training=False), x, call="MyGaussianNoise(0.1)(ones, training=False)", dtype="float32")
    noisy = np.asarray(layer(x, training=True))
    if noisy.shape != x.shape or np.array_equal(noisy, x):
        raise CheckFailed("MyGaussianNoise(0.1)(ones, training=True) should add noise (same shape as the inputs).")


@check("MyLayerNormalization", kind="value")
def test_my_layer_normalization_values(student):
    """MyLayerNormalization() on [[1, 2, 3]]"""
    layer = student.MyLayerNormalization()
    x = np.array([[1.0, 2.0, 3.0]], np.float32)
    out = layer(x)
    shapes = [list(np.shape(w)) for w in layer.get_weights()]
    if shapes != [[3], [3]]:
        raise CheckFailed(f"MyLayerNormalization() called on float32[1, 3] has weights of shapes {shapes}, "
                          "expected alpha and beta of shape [3].")
    s = 1.2238273448265007  # 1 / sqrt(2/3 + 0.001)
    assert_close(out, np.array([[-s, 0.0, s]], np.float32), call="MyLayerNormalization()([[1, 2, 3]])",
                 dtype="float32")
