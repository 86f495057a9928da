# %% [markdown]
# # Custom streaming metrics
#
# *Hands-On Machine Learning*, chapter 12, brought to TensorFlow 2.21 and Keras 3.
#
# A loss is what gradient descent minimises; a **metric** is what you read to
# judge a model. A loss is computed batch by batch, but most metrics must be
# computed over the whole epoch: the precision over 1,000 samples is not the
# mean of the precisions of 32-sample batches. Keras solves this with
# **streaming** (stateful) metrics, subclasses of `keras.metrics.Metric`:
#
# * `__init__` creates the state with `self.add_weight(name=..., shape=...,
#   initializer="zeros")` (keyword arguments: in Keras 3 the first positional
#   argument of `add_weight` is the shape);
# * `update_state(y_true, y_pred, sample_weight=None)` adds one batch to the
#   state, with `assign_add` on those variables;
# * `result()` computes the value from the state;
# * `reset_state()` zeroes the state (the base class zeroes every variable made
#   with `add_weight`, so you rarely override it).
#
# Keras calls `update_state` inside a `tf.function` during `fit` and
# `evaluate`: keep the state in variables, never in Python numbers.
#
# Run `tfgrader check metrics your_file` to test your work before you submit;
# the hidden checks test much more than the public ones.

# %%
import keras
import tensorflow as tf  # noqa: F401 (you will need it)

# %% [markdown]
# ## 1. `HuberMetric(threshold=1.0, **kwargs)`
#
# A streaming mean of the element-wise Huber loss with threshold $t$
# ($e^2/2$ where $|e| < t$, $t|e| - t^2/2$ elsewhere, with $e = y_{true} - y_{pred}$).
# After any sequence of `update_state` calls, `result()` must equal what
# `keras.metrics.Mean` gives when fed the element-wise Huber values with the same
# `sample_weight`s: the weighted mean over **all** values seen so far, not the
# average of the batch means. Before any update (and after `reset_state()`) the
# result is `0.0`, as for `keras.metrics.Mean`. A `sample_weight` of shape
# `[batch]` weighs every value of its sample. `get_config()` must include the
# threshold. Do not call `keras.losses.Huber`.
#
# Example with $t = 2$: after `update_state([[2]], [[10]])` the result is 14.0;
# after another `update_state([[0], [5]], [[1], [9.25]])` it is 7.0 (the mean of
# 14, 0.5 and 6.5).


# %%
class HuberMetric(keras.metrics.Metric):
    """Streaming (weighted) mean of the element-wise Huber loss."""

    def __init__(self, threshold=1.0, **kwargs):
        # BEGIN SOLUTION
        super().__init__(**kwargs)
        self.threshold = threshold
        self.total = self.add_weight(name="total", shape=(), initializer="zeros")
        self.count = self.add_weight(name="count", shape=(), initializer="zeros")
        # END SOLUTION

    def update_state(self, y_true, y_pred, sample_weight=None):
        # BEGIN SOLUTION
        y_true = tf.cast(y_true, self.dtype)
        y_pred = tf.cast(y_pred, self.dtype)
        error = y_true - y_pred
        is_small_error = tf.abs(error) < self.threshold
        squared_loss = tf.square(error) / 2
        linear_loss = self.threshold * tf.abs(error) - self.threshold**2 / 2
        values = tf.where(is_small_error, squared_loss, linear_loss)
        if sample_weight is None:
            weights = tf.ones_like(values)
        else:
            weights = tf.cast(sample_weight, self.dtype)
            while weights.shape.rank < values.shape.rank:  # [batch] weighs a whole sample
                weights = tf.expand_dims(weights, axis=-1)
            weights = tf.broadcast_to(weights, tf.shape(values))
        self.total.assign_add(tf.reduce_sum(values * weights))
        self.count.assign_add(tf.reduce_sum(weights))
        # END SOLUTION

    def result(self):
        # BEGIN SOLUTION
        return tf.math.divide_no_nan(self.total, self.count)
        # END SOLUTION

    def get_config(self):
        # BEGIN SOLUTION
        base_config = super().get_config()
        return {**base_config, "threshold": self.threshold}
        # END SOLUTION


# %% [markdown]
# ## 2. `StreamingPrecision(threshold=0.5, **kwargs)`
#
# The precision of a binary classifier over every batch seen since the last
# reset: a prediction is positive when `y_pred >= threshold`, and `y_true` holds
# 0s and 1s. Keep the true positives and false positives as state; `result()`
# is $TP / (TP + FP)$, or `0.0` when nothing was predicted positive. This is
# **not** the average of the batch precisions: a batch of 2 samples must weigh
# less than a batch of 200. Do not use `keras.metrics.Precision`.


# %%
class StreamingPrecision(keras.metrics.Metric):
    """Precision of `y_pred >= threshold` accumulated over all batches."""

    def __init__(self, threshold=0.5, **kwargs):
        # BEGIN SOLUTION
        super().__init__(**kwargs)
        self.threshold = threshold
        self.true_positives = self.add_weight(name="true_positives", shape=(), initializer="zeros")
        self.false_positives = self.add_weight(name="false_positives", shape=(), initializer="zeros")
        # END SOLUTION

    def update_state(self, y_true, y_pred, sample_weight=None):
        # BEGIN SOLUTION
        predicted_positive = tf.cast(y_pred, self.dtype) >= self.threshold
        actual_positive = tf.cast(y_true, self.dtype) > 0.5
        true_positives = tf.logical_and(predicted_positive, actual_positive)
        false_positives = tf.logical_and(predicted_positive, tf.logical_not(actual_positive))
        self.true_positives.assign_add(tf.reduce_sum(tf.cast(true_positives, self.dtype)))
        self.false_positives.assign_add(tf.reduce_sum(tf.cast(false_positives, self.dtype)))
        # END SOLUTION

    def result(self):
        # BEGIN SOLUTION
        return tf.math.divide_no_nan(self.true_positives, self.true_positives + self.false_positives)
        # END SOLUTION

    def get_config(self):
        base_config = super().get_config()
        return {**base_config, "threshold": self.threshold}
