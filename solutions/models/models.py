# %% [markdown]
# # Custom models
#
# *Hands-On Machine Learning*, chapter 12, brought to TensorFlow 2.21 and Keras 3.
#
# When the Sequential and Functional APIs are not flexible enough (loops, shared
# layers, extra losses that depend on the model's internals), you subclass
# `keras.layers.Layer` or `keras.Model`: create the sub-layers in `__init__`
# (or in `build()` when they depend on the input shape) and write the forward
# pass in `call()`.
#
# You build three things here: a **residual block** layer, a regressor that
# applies one block several times (**shared weights**), and a regressor with an
# auxiliary **reconstruction loss** added with `add_loss()`.
#
# Rules: use Keras layers and TensorFlow (or `keras.ops`) operations so your
# code works inside `tf.function` and gradients flow. Run
# `tfgrader check models your_file` to test your work before you submit; the
# hidden checks test much more than the public ones.

# %%
import keras
import tensorflow as tf  # noqa: F401 - unused until you write your solutions

# %% [markdown]
# ## 1. `ResidualBlock(n_layers, n_neurons, **kwargs)`
#
# A layer holding `n_layers` `Dense(n_neurons, activation="relu",
# kernel_initializer="he_normal")` layers. `call` applies them one after the
# other to the input, then returns **input + output** of the last one: a skip
# connection, so the block only has to learn a correction of its input (the
# input width must therefore be `n_neurons`).


# %%
class ResidualBlock(keras.layers.Layer):
    """n_layers Dense(n_neurons, relu, he_normal) in turn, plus a skip connection."""

    def __init__(self, n_layers, n_neurons, **kwargs):
        # BEGIN SOLUTION
        super().__init__(**kwargs)
        self.n_layers = n_layers
        self.n_neurons = n_neurons
        self.hidden = [
            keras.layers.Dense(n_neurons, activation="relu", kernel_initializer="he_normal")
            for _ in range(n_layers)
        ]
        # END SOLUTION

    def call(self, inputs):
        # BEGIN SOLUTION
        Z = inputs
        for layer in self.hidden:
            Z = layer(Z)
        return inputs + Z
        # END SOLUTION


# %% [markdown]
# ## 2. `ResidualRegressor(output_dim, **kwargs)`
#
# Subclass `keras.Model`. The forward pass is
#
# `Dense(30, relu, he_normal)` → `block1` applied **1 + 3 = 4 times** →
# `block2` → `Dense(output_dim)`,
#
# where `block1` and `block2` are two `ResidualBlock(2, 30)`. Applying the same
# layer object several times reuses (shares) its weights, so the built model has
# exactly **12 trainable variables**: 2 + 4 + 4 + 2.
#
# Keras 3 gives subclassed models no automatic `get_config()`: write one that
# includes `output_dim`, so the model can be saved as `.keras` and loaded back
# (with `custom_objects={"ResidualRegressor": ..., "ResidualBlock": ...}`) with
# identical predictions. (`ResidualBlock`, a layer whose arguments are plain
# numbers, gets a working `get_config()` automatically.)


# %%
class ResidualRegressor(keras.Model):
    """Dense → shared ResidualBlock × 4 → ResidualBlock → Dense(output_dim)."""

    def __init__(self, output_dim, **kwargs):
        # BEGIN SOLUTION
        super().__init__(**kwargs)
        self.output_dim = output_dim
        self.hidden1 = keras.layers.Dense(30, activation="relu", kernel_initializer="he_normal")
        self.block1 = ResidualBlock(2, 30)
        self.block2 = ResidualBlock(2, 30)
        self.out = keras.layers.Dense(output_dim)
        # END SOLUTION

    def call(self, inputs):
        # BEGIN SOLUTION
        Z = self.hidden1(inputs)
        for _ in range(1 + 3):
            Z = self.block1(Z)
        Z = self.block2(Z)
        return self.out(Z)
        # END SOLUTION

    def get_config(self):
        # BEGIN SOLUTION
        base_config = super().get_config()
        return {**base_config, "output_dim": self.output_dim}
        # END SOLUTION


# %% [markdown]
# ## 3. `ReconstructingRegressor(output_dim, **kwargs)`
#
# Subclass `keras.Model` with five hidden `Dense(30, relu, he_normal)` layers
# and an output `Dense(output_dim)`. On top of the last hidden layer sits a
# **reconstruction** layer `Dense(n_inputs)` that tries to rebuild the model's
# inputs; its width depends on the input shape, so create it in
# `build(batch_input_shape)`, not in `__init__` (and never in `call`).
#
# `call(inputs)` returns the output layer's result and adds the auxiliary loss
#
# $$0.05 \cdot \text{mean}\big((\text{reconstruction} - \text{inputs})^2\big)$$
#
# with `self.add_loss(...)`: after any call, `model.losses` holds it, and
# `fit()` adds it to the main loss. This pushes the hidden layers to keep
# information about the inputs (a form of regularisation).


# %%
class ReconstructingRegressor(keras.Model):
    """Five hidden Dense(30) layers, Dense(output_dim) output, and a reconstruction loss."""

    def __init__(self, output_dim, **kwargs):
        # BEGIN SOLUTION
        super().__init__(**kwargs)
        self.output_dim = output_dim
        self.hidden = [
            keras.layers.Dense(30, activation="relu", kernel_initializer="he_normal")
            for _ in range(5)
        ]
        self.out = keras.layers.Dense(output_dim)
        # END SOLUTION

    def build(self, batch_input_shape):
        # BEGIN SOLUTION
        n_inputs = batch_input_shape[-1]
        self.reconstruct = keras.layers.Dense(n_inputs)
        # END SOLUTION

    def call(self, inputs):
        # BEGIN SOLUTION
        Z = inputs
        for layer in self.hidden:
            Z = layer(Z)
        reconstruction = self.reconstruct(Z)
        recon_loss = tf.reduce_mean(tf.square(reconstruction - inputs))
        self.add_loss(0.05 * recon_loss)
        return self.out(Z)
        # END SOLUTION
