"""Hidden checks of `shrink(images)`: images[:, ::2, ::2] under input_signature [None, 28, 28] float32."""

import numpy as np
import tensorflow as tf
from _tf_functions import assert_tf_function, tensor

from grader.judge import CheckFailed, assert_close, assert_traces_at_most, check, to_array


def expected(images):
    return np.asarray(images)[:, ::2, ::2]


def assert_shrunk(got, images, call):
    array = to_array(got, call)
    n = images.shape[0]
    hints = {
        (n, 14, 28): "only the rows were subsampled: take every other column too, images[:, ::2, ::2].",
        (n, 28, 14): "only the columns were subsampled: take every other row too, images[:, ::2, ::2].",
    }
    if n > 1:
        hints[(-(-n // 2), 14, 28)] = ("the batch axis was sliced too (images[::2, ::2]): keep every image, "
                                       "images[:, ::2, ::2].")
    if array.shape != (n, 14, 14):
        hint = hints.get(tuple(array.shape), "")
        raise CheckFailed(f"{call} returned shape {tuple(array.shape)}, expected {(n, 14, 14)}. {hint}".strip())
    assert_close(array, expected(images), call=call, dtype="float32", mistakes={
        "you kept the odd rows and columns (1::2): start at 0, images[:, ::2, ::2].": np.asarray(images)[:, 1::2, 1::2],
    })


@check("shrink", kind="api", points=2)
def test_input_signature(student, inputs):
    """Declared with input_signature=[tf.TensorSpec([None, 28, 28], tf.float32)]"""
    handle = student.lookup("shrink")
    assert_tf_function(handle, "shrink")
    signature = handle.input_signature
    wanted = "input_signature=[tf.TensorSpec([None, 28, 28], tf.float32)]"
    if signature is None:
        raise CheckFailed(f"shrink has no input signature: declare it with @tf.function({wanted}), so it is "
                          "traced once for every batch size.")
    if not isinstance(signature, (list, tuple)) or len(signature) != 1:
        count = len(signature) if isinstance(signature, (list, tuple)) else "?"
        raise CheckFailed(f"shrink's input signature has {count} entries; expected exactly one: {wanted}.")
    spec = signature[0]
    if not hasattr(spec, "is_instance_of") or not spec.is_instance_of(tf.TensorSpec):
        raise CheckFailed(f"shrink's input signature holds a {type(spec).__name__}, not a tf.TensorSpec: {wanted}.")
    shape, dtype = spec.shape.as_list(), spec.dtype
    if shape != [None, 28, 28]:
        raise CheckFailed(f"shrink's input signature has shape {shape}; expected [None, 28, 28] (any batch size, "
                          "28×28 images).")
    if np.dtype(dtype) != np.float32:
        raise CheckFailed(f"shrink's input signature has dtype {np.dtype(dtype).name}; expected tf.float32.")
    images = inputs.uniform((2, 28, 28), 0.0, 1.0)
    assert_shrunk(student.shrink(tensor(student, images)), images, "shrink(float32[2, 28, 28])")


@check("shrink", kind="value", points=2)
def test_values(student, inputs):
    """images[:, ::2, ::2] on a random batch"""
    images = inputs.uniform((5, 28, 28), 0.0, 1.0)
    assert_shrunk(student.shrink(tensor(student, images)), images, "shrink(float32[5, 28, 28])")


@check("shrink", kind="graph", points=2)
def test_batch_sizes_without_retracing(student, inputs):
    """Batches of 1, 7 and 32 images without retracing"""
    batches = [inputs.uniform((n, 28, 28), 0.0, 1.0) for n in (1, 7, 32)]
    trace = student.shrink.trace([(tensor(student, b),) for b in batches])
    for images, out in zip(batches, trace.outputs, strict=True):
        assert_shrunk(out, images, f"shrink(float32[{images.shape[0]}, 28, 28])")
    if trace.tracing_count > 1:
        raise CheckFailed(f"shrink was traced {trace.tracing_count} times for batches of 1, 7 and 32 images (once "
                          "expected): the input signature [None, 28, 28] makes one graph serve every batch size.")
    assert_traces_at_most(trace, 1, call="shrink on batches of 1, 7 and 32 images")
