"""Hidden checks of `Counter()`: a tf.Module whose tf.function increment() counts in a tf.Variable."""

import numpy as np
import tensorflow as tf
from _tf_functions import as_int, assert_tf_function

from grader.judge import CheckFailed, assert_close, assert_instance_of, assert_traces_at_most, check


def counts(values, call):
    return np.array([int(as_int(v, call)) for v in values])


def assert_counts(got, start, call):
    n = len(got)
    wanted = np.arange(start + 1, start + n + 1)
    assert_close(got, wanted, call=call, dtype="float64", mistakes={
        "increment() returns the same number on every call: a Python int attribute is updated only while tracing; "
        "keep the count in a tf.Variable and use assign_add.": np.full(n, got[0] if n else 0),
        "increment() returns the count before adding 1: return the new count.": wanted - 1,
    })


@check("Counter", kind="api", points=1)
def test_module_with_a_variable(student):
    """Counter() is a tf.Module holding a tf.Variable"""
    counter = student.Counter()
    assert_instance_of(counter, tf.Module, call="Counter()")
    variables = counter.variables
    if not isinstance(variables, (list, tuple)) or len(variables) == 0:
        raise CheckFailed("Counter().variables is empty: keep the count in a tf.Variable attribute "
                          "(self.count = tf.Variable(0)).")
    if not any(getattr(v, "kind", "") == "variable" for v in variables):
        raise CheckFailed("Counter().variables holds no tf.Variable.")


@check("Counter", kind="api", points=1)
def test_increment_is_a_tf_function(student):
    """increment() is a tf.function"""
    counter = student.Counter()
    counter.increment()
    assert_tf_function(counter.increment, "Counter().increment")


@check("Counter", kind="value", points=2)
def test_counts_across_many_calls(student):
    """increment() returns 1, 2, ..., 25 over 25 calls"""
    counter = student.Counter()
    got = counts([counter.increment() for _ in range(25)], "Counter().increment()")
    assert_counts(got, 0, "25 calls of Counter().increment()")


@check("Counter", kind="value", points=1)
def test_instances_count_on_their_own(student):
    """Two counters count independently, and the variable holds the count"""
    first, second = student.Counter(), student.Counter()
    got_first = counts([first.increment() for _ in range(3)], "a.increment()")
    got_second = counts([second.increment() for _ in range(2)], "b.increment()")
    assert_counts(got_first, 0, "a = Counter(); 3 calls of a.increment()")
    if list(got_second) != [1, 2]:
        raise CheckFailed(f"a = Counter(); b = Counter(); after 3 calls of a.increment(), b.increment() returned "
                          f"{list(got_second)} over 2 calls, expected [1, 2]: each Counter needs its own tf.Variable, "
                          "created in __init__ (not a class attribute or a global).")
    held = [float(np.asarray(v)) for v in first.variables if getattr(v, "kind", "") == "variable" and np.size(v) == 1]
    if 3.0 not in held:
        raise CheckFailed(f"after 3 calls of a.increment(), a's variables hold {held}, expected 3: increment() must "
                          "add 1 to the tf.Variable.")


@check("Counter", kind="graph", points=1)
def test_increment_traced_once(student):
    """increment() is traced once across calls"""
    counter = student.Counter()
    trace = counter.increment.trace([()] * 6)
    got = counts(trace.outputs, "Counter().increment()")
    assert_counts(got, 0, "6 calls of Counter().increment() inside tf.function")
    assert_traces_at_most(trace, 1, call="Counter().increment")
