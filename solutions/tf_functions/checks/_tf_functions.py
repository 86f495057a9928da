"""Judge-side helpers for the tf_functions checks."""

import numpy as np
import tensorflow as tf

from grader.judge import CheckFailed, as_numpy, to_array


def tensor(side, array, dtype="float32"):
    """``tf.constant(array)`` made on ``side``, so it arrives in the function as a tf.Tensor."""
    return side.module("tensorflow").constant(as_numpy(np.asarray(array, dtype)))


def assert_tf_function(handle, call):
    """``handle`` (from ``lookup`` or a bound method) is a ``tf.function``."""
    if not handle.is_instance_of(tf.types.experimental.PolymorphicFunction):
        kind = handle.type_name.rsplit(".", 1)[-1]
        raise CheckFailed(f"{call} is a plain Python {kind}, not a tf.function: decorate it with @tf.function "
                          "(or wrap it: name = tf.function(python_function)).")


def as_int(value, call):
    array = to_array(value, call)
    if array.shape != ():
        raise CheckFailed(f"{call} returned shape {tuple(array.shape)}; expected a scalar.")
    return array
