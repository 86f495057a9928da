"""Public checks of the `models` assignment: what students run before submitting.

They use fixed inputs, fixed weights and values worked out by hand from the
assignment text. The hidden checks test much more: random weights and inputs,
gradients, training steps, tf.function, symbolic inputs, saving.
"""

import keras
import numpy as np

from grader.judge import CheckFailed, as_numpy, assert_close, assert_instance_of, check


def n_trainable(model) -> int:
    return len(model.trainable_variables)


@check("ResidualBlock", kind="value")
def test_residual_block_with_identity_kernels(student):
    """ResidualBlock(2, 3) with identity kernels and zero biases: x + relu(relu(x))"""
    x = np.array([[1.0, -2.0, 3.0]], np.float32)
    block = student.ResidualBlock(2, 3)
    block(x)  # a first call creates the weights
    block.set_weights([as_numpy(np.eye(3, dtype=np.float32) if np.ndim(w) == 2 else np.zeros(3, np.float32))
                       for w in block.get_weights()])
    assert_close(block(x), np.array([[2.0, -2.0, 6.0]], np.float32), dtype="float32",
                 call="ResidualBlock(2, 3)([[1, -2, 3]]) with identity kernels and zero biases")


@check("ResidualBlock", kind="api")
def test_residual_block_has_one_dense_per_layer(student):
    """ResidualBlock(3, 4) is a Layer with 3 kernels and 3 biases once called"""
    block = student.ResidualBlock(3, 4)
    assert_instance_of(block, keras.layers.Layer, call="ResidualBlock(3, 4)")
    block(np.ones((2, 4), np.float32))
    if n_trainable(block) != 6:
        raise CheckFailed(f"ResidualBlock(3, 4) has {n_trainable(block)} trainable variables after a call, "
                          "expected 6 (a kernel and a bias for each of its 3 Dense layers).")


@check("ResidualRegressor", kind="api")
def test_residual_regressor_has_twelve_variables(student):
    """ResidualRegressor(1) is a Model with 12 trainable variables once called"""
    model = student.ResidualRegressor(1)
    assert_instance_of(model, keras.Model, call="ResidualRegressor(1)")
    out = model(np.ones((4, 5), np.float32))
    if np.shape(out) != (4, 1):
        raise CheckFailed(f"ResidualRegressor(1) on float32[4, 5] returned shape {np.shape(out)}, expected (4, 1).")
    if n_trainable(model) != 12:
        raise CheckFailed(f"ResidualRegressor(1) has {n_trainable(model)} trainable variables after a call, "
                          "expected 12 (block1 is one block applied 4 times: it shares its weights).")


@check("ResidualRegressor", kind="serialization")
def test_residual_regressor_config_has_output_dim(student):
    """ResidualRegressor(2).get_config() holds output_dim"""
    config, _ = student.ResidualRegressor(2).config_roundtrip()
    if not isinstance(config, dict) or config.get("output_dim") != 2:
        raise CheckFailed("ResidualRegressor(2).get_config() should contain 'output_dim': 2.")


@check("ReconstructingRegressor", kind="value")
def test_reconstructing_regressor_loss_with_zero_weights(student):
    """With all weights 0: outputs 0 and model.losses == [0.05 · mean(x²)]"""
    x = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    model = student.ReconstructingRegressor(1)
    model(x)  # a first call builds the model, the reconstruction layer included
    model.set_weights([as_numpy(np.zeros(np.shape(w), np.float32)) for w in model.get_weights()])
    call = "ReconstructingRegressor(1)([[1, 2], [3, 4]]) with all weights 0"
    assert_close(model(x), np.zeros((2, 1), np.float32), call=call, dtype="float32")
    losses = model.losses
    if not losses:
        raise CheckFailed(f"after {call}, model.losses is empty: add the reconstruction loss with self.add_loss().")
    assert_close(losses[0], np.float32(0.375), call=f"model.losses[0] after {call} (0.05 · mean(x²) = 0.375)",
                 dtype="float32")
