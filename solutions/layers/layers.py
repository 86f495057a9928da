# %% [markdown]
# # Custom layers
#
# *Hands-On Machine Learning*, chapter 12, brought to TensorFlow 2.21 and Keras 3.
#
# When Keras has no layer for what you need, you write your own. A custom layer
# subclasses `keras.layers.Layer` and splits its work in three places:
#
# * `__init__` stores the hyperparameters (and passes `**kwargs` such as `name`
#   to the base class);
# * `build(input_shape)` creates the weights with `self.add_weight(name=...,
#   shape=..., initializer=...)`, once the input shape is known;
# * `call(inputs)` computes the output, with TensorFlow (or `keras.ops`)
#   operations so it also runs inside `tf.function` and in symbolic models.
#
# `get_config()` returns the constructor arguments, so a model using the layer
# can be saved as `.keras` and loaded back (with `custom_objects`).
#
# Run `tfgrader check layers your_file` to test your work before you submit;
# the hidden checks test much more than the public ones.

# %%
import keras
import tensorflow as tf  # noqa: F401 - for your solutions

# %% [markdown]
# ## 1. `exponential_layer()`
#
# A layer without weights: it applies exp(x) element-wise (handy as the output
# layer of a regression model whose targets are positive with very different
# scales). The book wraps a lambda in `keras.layers.Lambda`, but Keras 3
# refuses to load a saved lambda unless you pass `safe_mode=False`, because
# loading it would run arbitrary code.
#
# Return a `keras.layers.Layer` computing exp(x) that can be used in a
# `Sequential` model and saved as `.keras` and loaded back **without**
# `safe_mode=False`. A small `Layer` subclass does it: complete `Exponential`
# below and return an instance from `exponential_layer()`.


# %%
@keras.saving.register_keras_serializable(package="layers_assignment")
class Exponential(keras.layers.Layer):
    """A weightless layer computing exp(x) element-wise."""

    def call(self, inputs):
        # BEGIN SOLUTION
        return tf.exp(inputs)
        # END SOLUTION


def exponential_layer():
    """Return a savable layer computing exp(x) element-wise."""
    # BEGIN SOLUTION
    return Exponential()
    # END SOLUTION


# %% [markdown]
# ## 2. `MyDense(units, activation=None, **kwargs)`
#
# A simplified `Dense` layer. In `build(batch_input_shape)` create two weights
# with `add_weight`: `kernel` of shape `[n_inputs, units]` (n_inputs is the
# last dimension of the input) and `bias` of shape `[units]`. `call` returns
# `activation(inputs @ kernel + bias)` and must work for inputs of any rank
# ≥ 2 (the kernel applies to the last axis). Turn the `activation` argument
# (a name, a function or `None`) into a function with `keras.activations.get`,
# and store it back in `get_config()` with `keras.activations.serialize`.


# %%
class MyDense(keras.layers.Layer):
    """A dense layer: activation(inputs @ kernel + bias)."""

    def __init__(self, units, activation=None, **kwargs):
        # BEGIN SOLUTION
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)
        # END SOLUTION

    def build(self, batch_input_shape):
        # BEGIN SOLUTION
        self.kernel = self.add_weight(
            name="kernel", shape=[batch_input_shape[-1], self.units], initializer="glorot_normal"
        )
        self.bias = self.add_weight(name="bias", shape=[self.units], initializer="zeros")
        # END SOLUTION

    def call(self, inputs):
        # BEGIN SOLUTION
        return self.activation(inputs @ self.kernel + self.bias)
        # END SOLUTION

    def get_config(self):
        # BEGIN SOLUTION
        base_config = super().get_config()
        return {**base_config, "units": self.units, "activation": keras.activations.serialize(self.activation)}
        # END SOLUTION


# %% [markdown]
# ## 3. `MyMultiLayer(**kwargs)`
#
# A layer can take several inputs and return several outputs. Call it on a
# pair `(x1, x2)` of tensors of the same shape; it returns the tuple
# `(x1 + x2, x1 * x2, x1 / x2)`. It has no weights, so it needs no `build`.


# %%
class MyMultiLayer(keras.layers.Layer):
    """Called on (x1, x2); returns (x1 + x2, x1 * x2, x1 / x2)."""

    def call(self, inputs):
        # BEGIN SOLUTION
        x1, x2 = inputs
        return x1 + x2, x1 * x2, x1 / x2
        # END SOLUTION


# %% [markdown]
# ## 4. `MyGaussianNoise(stddev, **kwargs)`
#
# Some layers behave differently during training. Give `call` a `training`
# argument: when `training` is true, add Gaussian noise of mean 0 and standard
# deviation `stddev` to the inputs (fresh noise at each call, one sample per
# entry); otherwise (`False` or `None`, as in `predict`) return the inputs
# unchanged. Draw the noise with TensorFlow's random ops (`tf.random.normal`),
# not NumPy: inside `tf.function` NumPy runs once, while tracing, and its
# "noise" would be frozen into the graph as a constant.


# %%
class MyGaussianNoise(keras.layers.Layer):
    """Adds N(0, stddev²) noise when training, identity otherwise."""

    def __init__(self, stddev, **kwargs):
        # BEGIN SOLUTION
        super().__init__(**kwargs)
        self.stddev = stddev
        # END SOLUTION

    def call(self, inputs, training=None):
        # BEGIN SOLUTION
        if training:
            noise = tf.random.normal(tf.shape(inputs), stddev=self.stddev, dtype=inputs.dtype)
            return inputs + noise
        return inputs
        # END SOLUTION

    def get_config(self):
        # BEGIN SOLUTION
        base_config = super().get_config()
        return {**base_config, "stddev": self.stddev}
        # END SOLUTION


# %% [markdown]
# ## 5. `MyLayerNormalization(epsilon=0.001, **kwargs)` (exercise 12)
#
# Layer normalization normalizes each instance over its features (the last
# axis), independently of the rest of the batch:
#
# $$\text{out} = \alpha \otimes \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}} + \beta$$
#
# where μ and σ² are the mean and the variance of `x` over the last axis
# (`tf.nn.moments(inputs, axes=-1, keepdims=True)` gives both), and α (`alpha`)
# and β (`beta`) are trainable weights of shape `input_shape[-1:]`, initialized
# to ones and zeros. The result must match
# `keras.layers.LayerNormalization(epsilon=epsilon)` holding the same gamma and
# beta (but do not use that layer).


# %%
class MyLayerNormalization(keras.layers.Layer):
    """Layer normalization over the last axis with weights alpha and beta."""

    def __init__(self, epsilon=0.001, **kwargs):
        # BEGIN SOLUTION
        super().__init__(**kwargs)
        self.epsilon = epsilon
        # END SOLUTION

    def build(self, batch_input_shape):
        # BEGIN SOLUTION
        self.alpha = self.add_weight(name="alpha", shape=batch_input_shape[-1:], initializer="ones")
        self.beta = self.add_weight(name="beta", shape=batch_input_shape[-1:], initializer="zeros")
        # END SOLUTION

    def call(self, inputs):
        # BEGIN SOLUTION
        mean, variance = tf.nn.moments(inputs, axes=-1, keepdims=True)
        return self.alpha * (inputs - mean) / tf.sqrt(variance + self.epsilon) + self.beta
        # END SOLUTION

    def get_config(self):
        # BEGIN SOLUTION
        base_config = super().get_config()
        return {**base_config, "epsilon": self.epsilon}
        # END SOLUTION
