"""`@figure` functions: drawn for exercises that lost points only, never scored, never a judge error."""

import shutil
from dataclasses import replace

from conftest import full_marks

from grader.grading import Grader
from grader.submission import read_submission

CORRECT = '''
import tensorflow as tf, keras

def huber_fn(y_true, y_pred):
    error = y_true - y_pred
    return tf.where(tf.abs(error) < 1, tf.square(error) / 2, tf.abs(error) - 0.5)

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


def test_a_correct_submission_draws_no_figure(grade_source):
    result = grade_source(CORRECT)
    assert all(full_marks(result, ex) for ex in ("huber_fn", "create_huber", "HuberLoss"))
    assert result.figures == [] and result.figure_errors == []


def test_an_exercise_that_lost_points_gets_its_curves_yours_over_expected(grade_source):
    result = grade_source(CORRECT + '''
def huber_fn(y_true, y_pred):
    return tf.square(y_true - y_pred)  # the squared part everywhere
''')
    assert [f["exercise"] for f in result.figures] == ["huber_fn"]
    values, gradient = result.figures[0]["panels"]
    assert set(values["series"]) == {"yours", "expected"}
    x, yours, expected = values["x"], values["series"]["yours"], values["series"]["expected"]
    at_3 = x.index(3.0)
    assert abs(yours[at_3] - 9.0) < 1e-5 and abs(expected[at_3] - 2.5) < 1e-5  # e² vs |e| - 1/2
    assert abs(gradient["series"]["yours"][at_3] - 6.0) < 1e-4  # d(e²)/dy_pred at e = 3
    assert not result.judge_errors and not result.figure_errors


def test_code_that_fails_inside_a_figure_just_leaves_it_out(grade_source):
    result = grade_source(CORRECT + '''
def huber_fn(y_true, y_pred):
    raise ValueError("broken")
''')
    assert result.figures == [] and result.figure_errors == [] and not result.judge_errors


def test_a_bug_in_a_figure_function_is_noted_and_costs_nothing(losses, zygote, tmp_path):
    """A broken figure is the grader's problem: noted in figure_errors, not scored, not 'needs regrading'."""
    course_root = tmp_path / "course"
    shutil.copytree(losses.course_root / "solutions", course_root / "solutions")
    shutil.copytree(losses.course_root / "assignments", course_root / "assignments")
    figures = course_root / "solutions" / "losses" / "checks" / "figures.py"
    figures.write_text(figures.read_text() + '''

@figure("create_huber", title="broken")
def figure_broken(student, reference, plot):
    raise KeyError("a bug in the figure")
''')
    assignment = replace(losses, course_root=course_root)
    submission_path = tmp_path / "student.py"
    submission_path.write_text(CORRECT + '''
def create_huber(threshold=1.0):
    return lambda y_true, y_pred: tf.square(y_true - y_pred)
''')
    result = Grader(assignment, zygote).grade(read_submission(submission_path))
    assert [f["exercise"] for f in result.figures] == ["create_huber", "HuberLoss"]  # HuberLoss calls create_huber
    assert len(result.figure_errors) == 1 and "KeyError" in result.figure_errors[0]
    assert not result.judge_errors and all(c.status != "error" for c in result.checks)
