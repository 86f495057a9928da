"""`from grader import check` in a real Jupyter kernel, in a plain script, and agreeing with `tfgrader check`."""

import html
import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

STUDENT = '''import tensorflow as tf

def huber_fn(y_true, y_pred):
    error = y_true - y_pred
    small = tf.abs(error) < 1
    return tf.where(small, tf.square(error) / 2, tf.abs(error) - 0.5)

def create_huber(threshold=1.0):
    def huber_fn(y_true, y_pred):
        return tf.square(y_true - y_pred) / 2  # forgets the linear part
    return huber_fn
'''
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}


def _html(cell) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)


def test_check_in_a_jupyter_notebook_shows_an_html_summary(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(STUDENT),
        nbformat.v4.new_code_cell('from grader import check\ncheck("huber_fn")'),
        nbformat.v4.new_code_cell('check("create_huber")'),
        nbformat.v4.new_code_cell('summary = check()\nprint("all passed:", bool(summary))\nsummary'),
    ]
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute(
        env=ENV)
    passing, failing, everything = (html.unescape(_html(c)) for c in nb.cells[1:])
    assert "✓ huber_fn" in passing and "1 of 1 public checks passed." in passing
    assert "hidden checks test much more" in passing  # never a false "all good"
    assert "✗ create_huber" in failing and "returned wrong values" in failing and "0 of 1" in failing
    assert "<script" not in failing
    assert "✓ huber_fn" in everything and "✗ create_huber" in everything and "✗ HuberLoss" in everything
    assert "`HuberLoss` is not defined" in everything
    stdout = "".join(o.get("text", "") for o in nb.cells[3].outputs if o.get("output_type") == "stream")
    assert "all passed: False" in stdout


def test_check_from_a_script_prints_the_same_words_as_tfgrader_check(tmp_path):
    module = tmp_path / "my_losses.py"
    module.write_text(STUDENT)
    script = tmp_path / "run.py"
    script.write_text(STUDENT + '\nfrom grader import check\ncheck("create_huber")\n')
    in_script = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=ENV, timeout=300)
    cli = subprocess.run([sys.executable, "-m", "grader.cli", "check", "losses", str(module)], capture_output=True,
                         text=True, env=ENV, timeout=300)
    assert in_script.returncode == 0, in_script.stderr[-2000:]
    assert cli.returncode == 1  # some public check fails
    failing = [line for line in in_script.stdout.splitlines() if "create_huber" in line or line.startswith("      ")]
    assert failing and all(line in cli.stdout.splitlines() for line in failing), (in_script.stdout, cli.stdout)


def test_an_unknown_exercise_is_a_clear_error(tmp_path):
    script = tmp_path / "run.py"
    script.write_text('from grader import check\ntry:\n    check("hubber_fn")\nexcept Exception as e:\n'
                      '    print(type(e).__name__, e)\n')
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=ENV, timeout=300)
    assert "CourseError no assignment has an exercise named 'hubber_fn'" in proc.stdout
    assert Path(script).exists()
