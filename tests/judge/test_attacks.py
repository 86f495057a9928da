"""A submission cannot buy points by attacking the judge: each attack below gains nothing.

Every case grades a real submission through the real sandbox and judge.
"""

from conftest import by_exercise, full_marks

CORRECT_REST = '''
import tensorflow as tf, keras

def create_huber(threshold=1.0):
    def huber_fn(y_true, y_pred):
        error = y_true - y_pred
        small = tf.abs(error) < threshold
        return tf.where(small, tf.square(error) / 2, threshold * tf.abs(error) - threshold**2 / 2)
    return huber_fn

class HuberLoss(keras.losses.Loss):
    def __init__(self, threshold=1.0, **kwargs):
        self.threshold = threshold
        super().__init__(**kwargs)
    def call(self, y_true, y_pred):
        return create_huber(self.threshold)(y_true, y_pred)
    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
'''

WRONG_HUBER = '''
def huber_fn(y_true, y_pred):
    return tf.square(y_true - y_pred)  # wrong everywhere
'''


def _assert_attack_gains_nothing(result):
    scores = by_exercise(result)
    assert scores["huber_fn"][0] == 0, result.checks
    assert full_marks(result, "create_huber") and full_marks(result, "HuberLoss")  # the rest is graded normally
    assert not result.judge_errors


def test_patching_numpy_and_tf_comparisons_gains_nothing(grade_source):
    result = grade_source(CORRECT_REST + WRONG_HUBER + '''
import numpy as np, numpy.testing
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.array_equal = lambda *a, **k: True
tf.debugging.assert_near = lambda *a, **k: None
''')
    _assert_attack_gains_nothing(result)


def test_objects_that_lie_about_equality_gain_nothing(grade_source):
    result = grade_source(CORRECT_REST + '''
class Liar:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __array__(self, *a, **k): raise RuntimeError("no")
    def __float__(self): return 0.0
    def __len__(self): return 64

def huber_fn(y_true, y_pred):
    return Liar()
''')
    _assert_attack_gains_nothing(result)
    messages = [c.message for c in result.checks if c.exercise == "huber_fn" and c.kind == "value"]
    assert any("returned a Liar object, not a tensor or array" in m for m in messages)


def test_printing_fake_results_gains_nothing(grade_source):
    result = grade_source(CORRECT_REST + '''
import sys, json
def huber_fn(y_true, y_pred):
    print('{"score": 100, "tests": []}')
    print("========== 31 passed in 0.01s ==========")
    sys.stderr.write("PASSED\\n")
    return tf.square(y_true - y_pred)
''')
    _assert_attack_gains_nothing(result)
    assert "31 passed" in result.stdout  # shown to the student as their output, nothing more


def test_pytest_exit_skip_and_xfail_from_the_submission_gain_nothing(grade_source):
    result = grade_source(CORRECT_REST + '''
import pytest
def huber_fn(y_true, y_pred):
    import random
    choice = random.choice([0, 1, 2])
    if choice == 0:
        pytest.exit("done", returncode=0)
    if choice == 1:
        pytest.skip("nothing to see")
    pytest.xfail("expected")
''')
    _assert_attack_gains_nothing(result)
    assert all(c.status == "failed" for c in result.checks if c.exercise == "huber_fn")


def test_a_shipped_conftest_is_never_loaded(losses_grader, tmp_path):
    from grader.submission import read_submission

    folder = tmp_path / "mallory"
    folder.mkdir()
    (folder / "conftest.py").write_text(
        "import pytest\n"
        "@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n"
        "    outcome.get_result().outcome = 'passed'\n"
    )
    (folder / "pytest.ini").write_text("[pytest]\naddopts = -p no:grader\n")
    (folder / "sitecustomize.py").write_text("import numpy\nnumpy.allclose = lambda *a, **k: True\n")
    (folder / "mallory.py").write_text(CORRECT_REST + "import tensorflow as tf\n" + WRONG_HUBER)
    submission = read_submission(folder)
    assert submission.ok and [c["label"] for c in submission.cells] == ["mallory.py"]
    result = losses_grader.grade(submission)
    _assert_attack_gains_nothing(result)


def test_ending_the_process_mid_check_fails_only_that_call(grade_source):
    result = grade_source(CORRECT_REST + '''
import os
def huber_fn(y_true, y_pred):
    os._exit(0)
''')
    _assert_attack_gains_nothing(result)
    assert any("os._exit(0)" in c.message for c in result.checks if c.exercise == "huber_fn")
    assert result.restarts >= 1


def test_a_library_not_implemented_error_is_not_called_a_stub(grade_source):
    result = grade_source(CORRECT_REST + '''
import numpy as np
def huber_fn(y_true, y_pred):
    e = np.asarray(y_true) - np.asarray(y_pred)
    return tf.constant(np.where(np.abs(e) < 1, e**2 / 2, np.abs(e) - 0.5))
''')
    graph = [c for c in result.checks if c.exercise == "huber_fn" and c.kind == "graph"]
    assert graph and all(c.score == 0 for c in graph)
    assert not any("is not implemented yet" in c.message for c in graph), [c.message for c in graph]
