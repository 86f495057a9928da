# %% [markdown]
# # An example assignment
#
# Two small exercises: a custom activation function and a custom layer with a
# trainable weight, both written with TensorFlow operations.
#
# Rules: use TensorFlow (or `keras.ops`) operations so your code works inside
# `tf.function` and gradients flow; do **not** call `tf.nn.leaky_relu`.

# %%
import keras
import tensorflow as tf

# %% [markdown]
# ## 1. `leaky_relu(x, alpha=0.2)`
#
# Return `x` where `x >= 0` and `alpha * x` elsewhere, element-wise. The output
# has the shape and the float dtype of `x`.


# %%
def leaky_relu(x, alpha=0.2):
    """Element-wise leaky ReLU."""
    # BEGIN SOLUTION
    return tf.where(x >= 0, x, alpha * x)
    # END SOLUTION


# %% [markdown]
# ## 2. `ScaleLayer(**kwargs)`
#
# A `keras.layers.Layer` with one trainable scalar weight named `scale`,
# created in `build` and initialized to 1, that multiplies its inputs.


# %%
class ScaleLayer(keras.layers.Layer):
    """Multiplies its inputs by a trainable scalar."""

    def build(self, input_shape):
        # BEGIN SOLUTION
        self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        # END SOLUTION

    def call(self, inputs):
        # BEGIN SOLUTION
        return inputs * self.scale
        # END SOLUTION
