"""Where judge workers come from: forks of a server that imported TensorFlow once (`grader.executors`)."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

from grader.executors import judge_context, start_judge_server
from grader.runtime import onednn_setting


def worker_state() -> dict:
    """What a judge worker finds when it starts, before it runs anything."""
    return {"pid": os.getpid(), "parent": os.getppid(), "tensorflow": "tensorflow" in sys.modules,
            "grading": "grader.grading" in sys.modules, "onednn": onednn_setting()}


def test_judge_workers_are_forked_with_tensorflow_and_the_grader_already_imported():
    start_judge_server()
    with ProcessPoolExecutor(max_workers=2, mp_context=judge_context()) as pool:
        states = [pool.submit(worker_state).result() for _ in range(2)]
    for state in states:
        assert state["tensorflow"] and state["grading"], state  # a spawned worker would import them itself
        assert state["parent"] != os.getpid(), state  # forked by the server, not by this process
        assert state["onednn"] == onednn_setting(), state  # its TF runs as this process's, like the zygote's


JUDGES_FROM_HERE = """
from concurrent.futures import ProcessPoolExecutor
from grader.executors import judge_context, start_judge_server
from test_executors import worker_state

if __name__ == "__main__":
    start_judge_server()
    with ProcessPoolExecutor(max_workers=1, mp_context=judge_context()) as pool:
        print(pool.submit(worker_state).result()["grading"])
"""


def test_judges_started_from_a_students_folder_never_import_what_it_ships(tmp_path):
    """The forkserver starts as ``python -c``, whose sys.path would begin with the working directory."""
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "grader.py").write_text("open(__file__ + '.RAN', 'w').close()\nraise ImportError('the student')\n")
    script = tmp_path / "judges.py"
    script.write_text(JUDGES_FROM_HERE)
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.abspath(__file__))}
    proc = subprocess.run([sys.executable, str(script)], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "True"  # the real grader, preloaded
    assert not (folder / "grader.py.RAN").exists()
