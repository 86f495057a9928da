"""Stubs come from the solution markers, and the committed stubs are current."""

import nbformat
import pytest

from grader.course import Course
from grader.generate import MarkerError, outdated_stubs, split_cells, strip_solutions


def test_markers_become_not_implemented_at_their_indentation():
    source = "def f(x):\n    '''Doc.'''\n    # BEGIN SOLUTION\n    return x + 1\n    # END SOLUTION\n"
    assert strip_solutions(source) == "def f(x):\n    '''Doc.'''\n    raise NotImplementedError('write your solution here')\n"


@pytest.mark.parametrize("source", ["# BEGIN SOLUTION\n", "# END SOLUTION\n", "# BEGIN SOLUTION\n# BEGIN SOLUTION\n"])
def test_unbalanced_markers_are_refused(source):
    with pytest.raises(MarkerError):
        strip_solutions(source)


def test_percent_cells():
    cells = split_cells("# %% [markdown]\n# # Title\n# text\n\n# %%\nimport os\n")
    assert [(c.kind, c.source) for c in cells] == [("markdown", "# Title\ntext"), ("code", "import os")]


@pytest.mark.parametrize("assignment_id", Course().assignment_ids())
def test_committed_stubs_are_up_to_date(assignment_id):
    assignment = Course().assignment(assignment_id)
    assert outdated_stubs(assignment) == [], f"run `tfgrader generate {assignment_id}`"
    notebook = nbformat.read(assignment.stub_notebook, as_version=4)
    nbformat.validate(notebook)
    text = assignment.stub_py.read_text()
    assert "BEGIN SOLUTION" not in text and "NotImplementedError" in text
    for exercise in assignment.exercise_names:
        assert exercise in text


def test_hidden_checks_are_never_in_the_student_folder():
    for assignment_id in Course().assignment_ids():
        assignment = Course().assignment(assignment_id)
        public = {p.name for p in assignment.public_checks_dir.glob("*.py")}
        hidden = {p.name for p in assignment.checks_dir.glob("*.py")}
        assert public and not public & hidden
