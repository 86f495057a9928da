"""Reading submissions: .py, .ipynb, folders, and every way a file can be bad."""

import json
import os

import nbformat
import pytest

from grader.submission import blank_magics, read_submission


def notebook(path, *cells):
    nb = nbformat.v4.new_notebook()
    for kind, source in cells:
        nb.cells.append(nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source))
    nbformat.write(nb, path)
    return path


def test_py_file(tmp_path):
    path = tmp_path / "alice.py"
    path.write_text("def huber_fn(a, b):\n    return a - b\n")
    sub = read_submission(path)
    assert sub.ok and sub.student == "alice" and sub.kind == "py"
    assert sub.cells == [{"label": "alice.py", "source": "def huber_fn(a, b):\n    return a - b"}]
    assert len(sub.content_hash) == 64


def test_notebook_code_cells_are_numbered_as_the_student_sees_them(tmp_path):
    path = notebook(tmp_path / "bob.ipynb", ("markdown", "# Title"), ("code", "import tensorflow as tf"),
                    ("code", "%matplotlib inline\n!pip install x\nfiles = !ls\ndef f():\n    return 1"))
    sub = read_submission(path)
    assert sub.ok and sub.student == "bob" and sub.kind == "ipynb"
    assert [c["label"] for c in sub.cells] == ["cell 2", "cell 3"]
    assert sub.cells[1]["source"].splitlines() == ["", "", "", "def f():", "    return 1"]  # line numbers kept
    assert any("magic" in n for n in sub.notes)


def test_cell_magics(tmp_path):
    assert blank_magics("%%time\nx = 1")[0] == "\nx = 1"
    assert blank_magics("%%bash\nrm -rf /")[0] == ""


def test_folder_with_one_notebook_ignores_the_rest(tmp_path):
    folder = tmp_path / "carol"
    folder.mkdir()
    notebook(folder / "losses.ipynb", ("code", "x = 1"))
    (folder / "conftest.py").write_text("raise SystemExit")
    (folder / "helper.py").write_text("y = 2")
    sub = read_submission(folder)
    assert sub.ok and sub.student == "carol" and sub.cells[0]["source"] == "x = 1"
    assert "conftest.py" in sub.notes[0]


@pytest.mark.parametrize(
    "name, content, problem",
    [
        ("empty.py", b"", "is empty"),
        ("binary.py", b"\x00\x01\x02ELF", "binary file"),
        ("latin.py", "x = 'é'".encode("latin-1"), "not UTF-8"),
        ("broken.ipynb", b'{"cells": [', "not a valid notebook: its JSON is broken at line 1"),
        ("notnb.ipynb", b'["a list"]', "not a Jupyter notebook"),
        ("blank.ipynb", json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode(),
         "has no code"),
        ("notes.txt", b"hello", "neither a .py file nor a .ipynb"),
    ],
)
def test_bad_files_are_problems_not_exceptions(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)
    sub = read_submission(path)
    assert not sub.ok and problem in sub.problems[0]


def test_two_notebooks_in_a_folder(tmp_path):
    folder = tmp_path / "dave"
    folder.mkdir()
    notebook(folder / "a.ipynb", ("code", "x = 1"))
    notebook(folder / "b.ipynb", ("code", "x = 2"))
    sub = read_submission(folder)
    assert not sub.ok and "holds 2 notebooks (a.ipynb, b.ipynb): keep exactly one" in sub.problems[0]


def test_symlinks_are_refused(tmp_path):
    link = tmp_path / "eve.py"
    os.symlink("/etc/passwd", link)
    sub = read_submission(link)
    assert not sub.ok and "symbolic link" in sub.problems[0]
    folder = tmp_path / "frank"
    folder.mkdir()
    os.symlink("/etc/passwd", folder / "frank.py")
    assert "symbolic link" in read_submission(folder).problems[0]


def test_student_ids_are_safe_folder_names(tmp_path):
    path = tmp_path / "..evil$(rm)name.py"
    path.write_text("x = 1")
    sub = read_submission(path)
    assert "/" not in sub.student and not sub.student.startswith(".") and "$" not in sub.student


def test_missing_path(tmp_path):
    sub = read_submission(tmp_path / "nobody.py")
    assert not sub.ok and "does not exist" in sub.problems[0]
