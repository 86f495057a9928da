"""`Session` ahead of the checks: the warm-up and the prefetched spare sandbox, for real.

With ``ahead`` a sandbox warms TensorFlow up right after loading and the next
exercise's sandbox loads while the current one works. Neither may change what
the student's code computes, nor lose or repeat its output, nor leave a process
behind.
"""

import textwrap

import pytest
from test_isolation import ROOT_ONLY, processes_of

from grader.judge.errors import SandboxProblem
from grader.judge.proxy import Namespace, SandboxBackend
from grader.sandbox.client import Session

SOURCE = textwrap.dedent(
    """
    import os, random
    import numpy as np
    import keras
    import tensorflow as tf

    STATE = {}

    def draws():
        keras.utils.set_random_seed(7)
        layer = keras.layers.Dense(2)
        layer.build((None, 3))
        return {
            "tf": tf.random.uniform([3]).numpy().tolist(),
            "np": np.random.rand(2).tolist(),
            "random": random.random(),
            "kernel": layer.kernel.numpy().tolist(),
            "names": [layer.name, keras.Sequential().name, keras.layers.Dense(1).name],
        }

    def token():  # tells one sandbox from another
        return STATE.setdefault("token", os.urandom(8).hex())

    def hello():
        print("hello")

    def uid():
        return os.getuid()
    """
)


@pytest.fixture
def open_session(zygote):
    sessions: list[Session] = []

    def start(ahead: bool) -> tuple[Session, Namespace]:
        s = Session(zygote, [{"label": "cell 1", "source": SOURCE}], [], ahead=ahead)
        sessions.append(s)
        assert not s.load().get("failure")
        return s, Namespace(SandboxBackend(s, timeout=30))

    yield start
    for s in sessions:
        s.close()


def test_the_warm_up_changes_nothing_the_students_code_can_observe(open_session):
    """Same seeded draws, same initial weights, same automatic Keras names (``dense``, not ``dense_1``)."""
    _, cold = open_session(ahead=False)
    _, warm = open_session(ahead=True)
    expected = cold.draws()
    assert expected["names"] == ["dense", "sequential", "dense_1"]
    assert warm.draws() == expected


def test_a_prefetched_sandbox_serves_the_next_exercise(open_session):
    session, ns = open_session(ahead=True)
    first = ns.token()
    ns.hello()
    session.prefetch()
    assert session.spare is not None
    assert ns.token() == first  # the current exercise keeps its sandbox
    session.fresh()
    assert ns.token() != first  # a new process, with the code loaded anew...
    assert session.spare is None  # ...the spare, taken
    assert session.restarts == 0
    ns.hello()
    session.close()
    assert session.output.stdout == "hello\n" * 2  # each sandbox's output, once


def test_prefetch_does_nothing_unless_ahead(open_session):
    session, ns = open_session(ahead=False)
    session.prefetch()
    assert session.spare is None and ns.token()


@ROOT_ONLY
def test_the_spare_runs_on_a_uid_of_its_own_and_an_unused_one_is_killed_on_close(open_session):
    session, ns = open_session(ahead=True)
    session.prefetch()
    spare_uid = session.spare.lease.uid
    assert spare_uid != ns.uid()
    assert processes_of(spare_uid, wait=0)
    session.close()
    assert processes_of(spare_uid, wait=5) == []


def test_a_sandbox_the_student_crashes_is_replaced_by_the_spare(open_session, zygote):
    s = Session(zygote, [{"label": "cell 1", "source": SOURCE + "\ndef die():\n    os._exit(3)\n"}], [], ahead=True)
    try:
        ns = Namespace(SandboxBackend(s, timeout=30))
        first = ns.token()
        s.prefetch()
        with pytest.raises(SandboxProblem, match="ended the process"):
            ns.die()
        assert ns.token() != first and s.restarts == 1 and s.spare is None
    finally:
        s.close()
