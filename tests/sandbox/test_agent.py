"""The agent's operations, run in process (the same code runs inside every sandbox)."""

import numpy as np
import pytest

from grader.judge.errors import StudentCodeError
from grader.judge.proxy import LocalBackend, Namespace

SOURCE = '''
import numpy as np
import tensorflow as tf

@tf.function
def add_10(x):
    for i in tf.range(10):
        x += 1
    return x

def stub(x):
    raise NotImplementedError("write your solution here")

def numpy_in_graph(x):
    return tf.constant(np.asarray(x) * 2)

def square(x):
    return x * x

def scaled(x, factor=1.0, training=None):
    return x * factor if training else x

def shout(x):
    print("value", x)
    return x + 1
'''


@pytest.fixture(scope="module")
def ns():
    return Namespace(LocalBackend([{"label": "cell 1", "source": SOURCE}], [], name="student"))


def test_autograph_converts_student_code_into_a_while_loop(ns):
    trace = ns.add_10.trace([(np.int32(5),), (np.int32(7),)])
    assert [int(o) for o in trace.outputs] == [15, 17]
    assert any("While" in op for op in trace.op_types)


def test_only_a_stubs_own_raise_counts_as_not_implemented(ns):
    with pytest.raises(StudentCodeError) as stub:
        ns.stub(np.ones(2, np.float32))
    assert stub.value.not_implemented
    with pytest.raises(StudentCodeError) as library:
        ns.numpy_in_graph.trace([(np.ones(2, np.float32),)])
    assert not library.value.not_implemented and "not implemented yet" not in library.value.message


def test_trace_counts_retracing_and_passes_keyword_arguments(ns):
    trace = ns.square.trace([(np.ones(3, np.float32),), (np.full(3, 2.0, np.float32),)])
    assert trace.tracing_count == 1
    np.testing.assert_allclose(trace.outputs[1], [4.0, 4.0, 4.0])


def test_trace_passes_keyword_arguments_as_python_values(ns):
    trace = ns.scaled.trace([(np.ones(2, np.float32),), (np.ones(2, np.float32),)], factor=3.0, training=True)
    np.testing.assert_allclose(trace.outputs[0], [3.0, 3.0])
    assert trace.tracing_count == 1


def test_call_with_output_and_describe_variables(ns):
    keras = ns.module("keras")
    metric = keras.metrics.Mean(name="m")
    metric.update_state(np.array([1.0, 3.0], np.float32))
    names = [(v["name"], v["shape"]) for v in metric.describe_variables()]
    assert names == [("total", []), ("count", [])]
    value, printed = ns.shout.call_with_output(41)
    assert value == 42 and printed == "value 41\n"


def test_a_named_definition_can_be_passed_as_an_argument(ns):
    keras = ns.module("keras")
    layer = keras.layers.Dense(2, activation=ns.square)
    assert layer.attr("activation").type_name.endswith("function")


def test_arrays_from_a_check_arrive_as_tensors_unless_wrapped(ns):
    from grader.judge.proxy import as_numpy

    tf = ns.module("tensorflow")
    assert tf.is_tensor(np.ones(2, np.float32)) is True
    assert tf.is_tensor(as_numpy(np.ones(2, np.float32))) is False


def test_a_stub_raising_inside_tf_function_is_still_not_implemented():
    ns = Namespace(LocalBackend([{"label": "cell 1", "source": (
        "import tensorflow as tf\n@tf.function\ndef f(x):\n    raise NotImplementedError('write your solution here')\n"
    )}], [], name="student"))
    with pytest.raises(StudentCodeError) as info:
        ns.f(np.ones(2, np.float32))
    assert info.value.not_implemented
