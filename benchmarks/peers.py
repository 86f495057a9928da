"""The `losses` hidden checks as peers run them: nbgrader hidden test cells and otter test files.

Used by ``grade_class.py``; runs in the project's interpreter and drives the
peers' own commands (``nbgrader``, ``otter``) from ``benchmarks/.peers-venv``,
which holds nbgrader, otter-grader and TensorFlow (``python benchmarks/peers.py
--install`` makes it; it is git-ignored).

The 28 checks of ``solutions/losses/checks`` are ported one for one (same
names, points and probes: values, broadcasting, edge inputs, NaN, dtypes,
tape gradients against a reference, finite differences, tracing count under
``tf.function``, ``jit_compile``, one training step of a compiled model,
``get_config``/``from_config``, ``.keras`` save and reload) to plain asserts
with ``np.allclose`` on fixed inputs (seeded per check, not per student), with
the reference computed in the same process, as in tfgrader's judge. What they
lack is everything that makes tfgrader a grader rather than a test runner:
isolation (student code runs in the same kernel as the tests), per-dtype
messages and hints, and bans.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".peers-venv"
BIN = VENV / "bin"
PEER_PACKAGES = ["nbgrader==0.9.6", "otter-grader==7.0.0", "tensorflow-cpu==2.21.0", "psutil"]

# Helpers every ported check uses: fixed inputs, the reference, the probes tfgrader's agent runs.
SETUP = '''
import os as _os
import tempfile as _tempfile
import numpy as np
import tensorflow as tf
import keras

_TOL = {"float16": (1e-2, 1e-2), "float32": (1e-4, 1e-5), "float64": (1e-9, 1e-11)}


def _close(got, expected, dtype="float32"):
    rtol, atol = _TOL[dtype]
    got = np.asarray(got, np.float64)
    expected = np.asarray(expected, np.float64)
    assert got.shape == expected.shape, f"shape {got.shape}, expected {expected.shape}"
    assert np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True), "values differ"


def _pair(seed, shape, spread=3.0, dtype="float32"):
    rng = np.random.default_rng(seed)
    y_true = rng.standard_normal(shape)
    return y_true.astype(dtype), (y_true + rng.uniform(-spread, spread, shape)).astype(dtype)


def _normal(seed, shape, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype("float32")


def _huber_np(y_true, y_pred, t=1.0):
    e = np.asarray(y_true, np.float64) - np.asarray(y_pred, np.float64)
    return np.where(np.abs(e) < t, e**2 / 2, t * np.abs(e) - t**2 / 2)


def _ref_create_huber(t=1.0):
    def huber(y_true, y_pred):
        error = y_true - y_pred
        return tf.where(tf.abs(error) < t, tf.square(error) / 2, t * tf.abs(error) - t**2 / 2)
    return huber


_ref_huber_fn = _ref_create_huber(1.0)


class _RefHuberLoss(keras.losses.Loss):
    def __init__(self, threshold=1.0, **kwargs):
        self.threshold = threshold
        super().__init__(**kwargs)

    def call(self, y_true, y_pred):
        return _ref_create_huber(self.threshold)(y_true, y_pred)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


def _grad(fn, args, wrt):
    args = [tf.convert_to_tensor(a) for a in args]
    with tf.GradientTape() as tape:
        tape.watch(args[wrt])
        total = tf.reduce_sum(tf.cast(fn(*args), tf.float64))
    return tape.gradient(total, args[wrt])


def _trace(fn, arg_sets, jit_compile=False):
    graph_fn = tf.function(fn, jit_compile=jit_compile)
    outputs = [graph_fn(*[tf.convert_to_tensor(a) for a in args]) for args in arg_sets]
    return outputs, graph_fn.experimental_get_tracing_count()


def _loss_in_model(loss, x, y, weights, custom_objects=None, save=True):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=x.shape[1:]), keras.layers.Dense(y.shape[-1])])
    model.set_weights(weights)
    model.compile(loss=loss, optimizer=keras.optimizers.SGD(learning_rate=0.01))
    out = {"loss": float(model.train_on_batch(x, y)), "weights": model.get_weights()}
    if save:
        path = _os.path.join(_tempfile.mkdtemp(), "m.keras")
        model.save(path)
        reloaded = keras.saving.load_model(path, custom_objects=custom_objects or {})
        out["reloaded_loss"] = reloaded.loss
        out["reloaded_eval"] = float(reloaded.compute_loss(x=x, y=y, y_pred=reloaded(x, training=False)))
    return out
'''


@dataclass(frozen=True)
class Check:
    exercise: str
    name: str
    points: float
    body: str


def _check(exercise: str, name: str, points: float, body: str) -> Check:
    return Check(exercise, name, points, textwrap.dedent(body).strip())


CHECKS = [
    # huber_fn: 12 checks
    _check("huber_fn", "values_on_random_inputs", 2, """
        y_true, y_pred = _pair(1, (64, 1))
        _close(huber_fn(y_true, y_pred), _ref_huber_fn(y_true, y_pred))
    """),
    _check("huber_fn", "no_reduction_and_broadcasting", 1, """
        for k, (a, b) in enumerate([((5, 3), (5, 3)), ((8, 1), (8, 4)), ((2, 3, 4), (2, 3, 4)), ((1, 1), (1, 1))]):
            y_true, y_pred = _normal(20 + k, a, 2.0), _normal(30 + k, b, 2.0)
            _close(huber_fn(y_true, y_pred), _ref_huber_fn(y_true, y_pred))
    """),
    _check("huber_fn", "edge_inputs", 1, """
        y_true = np.array([[0.0], [1.0], [-1.0], [0.0], [0.0], [100.0], [-1e4]], np.float32)
        y_pred = np.array([[0.0], [0.0], [0.0], [1.0], [-1.0], [0.0], [0.0]], np.float32)
        _close(huber_fn(y_true, y_pred), _huber_np(y_true, y_pred))
    """),
    _check("huber_fn", "nan_propagates", 1, """
        y_true = np.array([[np.nan], [0.5], [2.0]], np.float32)
        y_pred = np.zeros((3, 1), np.float32)
        _close(huber_fn(y_true, y_pred), _huber_np(y_true, y_pred))
    """),
    *[
        _check("huber_fn", f"keeps_dtype_{dtype}", 0.5, f"""
            y_true, y_pred = _pair(4, (16, 2), 2.5, "{dtype}")
            got = huber_fn(y_true, y_pred)
            _close(got, _ref_huber_fn(y_true, y_pred), "{dtype}")
            assert np.asarray(got).dtype == np.dtype("{dtype}"), "dtype changed"
        """)
        for dtype in ("float16", "float32", "float64")
    ],
    _check("huber_fn", "gradient_matches_reference", 1, """
        y_true, y_pred = _pair(5, (32, 1))
        g = _grad(huber_fn, (y_true, y_pred), 1)
        assert g is not None, "no gradient"
        _close(g, _grad(_ref_huber_fn, (y_true, y_pred), 1))
    """),
    _check("huber_fn", "gradient_matches_finite_differences", 1, """
        y_true, y_pred = _pair(6, (24, 1), 3.0, "float64")
        e = y_true - y_pred
        y_pred = np.where(np.abs(np.abs(e) - 1) < 0.05, y_pred + 0.2, y_pred)
        _close(huber_fn(y_true, y_pred), _ref_huber_fn(y_true, y_pred), "float64")
        g = _grad(huber_fn, (y_true, y_pred), 1)
        assert g is not None, "no gradient"
        eps = 1e-6
        numeric = (np.asarray(huber_fn(y_true, y_pred + eps)) - np.asarray(huber_fn(y_true, y_pred - eps))) / (2 * eps)
        assert np.allclose(g, numeric, rtol=1e-5, atol=1e-6), "gradient disagrees with finite differences"
    """),
    _check("huber_fn", "inside_tf_function", 1, """
        pairs = [_pair(70 + k, (16, 1)) for k in range(3)]
        outputs, count = _trace(huber_fn, pairs)
        for (y_true, y_pred), out in zip(pairs, outputs):
            _close(out, _ref_huber_fn(y_true, y_pred))
        assert count <= 1, f"traced {count} times"
    """),
    _check("huber_fn", "jit_compiled", 1, """
        pair = _pair(8, (16, 1))
        outputs, _ = _trace(huber_fn, [pair], jit_compile=True)
        _close(outputs[0], _ref_huber_fn(*pair))
    """),
    _check("huber_fn", "as_loss_of_a_compiled_model", 1, """
        x, y = _normal(90, (32, 3)), _normal(91, (32, 1), 3.0)
        weights = [_normal(92, (3, 1)), np.zeros((1,), np.float32)]
        got = _loss_in_model(huber_fn, x, y, weights, save=False)
        expected = _loss_in_model(_ref_huber_fn, x, y, weights, save=False)
        _close(got["loss"], expected["loss"])
        for g, e in zip(got["weights"], expected["weights"]):
            _close(g, e)
    """),
    # create_huber: 8 checks
    *[
        _check("create_huber", f"values_for_threshold_{str(t).replace('.', '_')}", 1, f"""
            y_true, y_pred = _pair(10, (64, 1), 2.5 * {t})
            _close(create_huber({t})(y_true, y_pred), _ref_create_huber({t})(y_true, y_pred))
        """)
        for t in (0.5, 2.0, 3.7)
    ],
    _check("create_huber", "default_threshold_is_one", 1, """
        y_true, y_pred = _pair(11, (32, 1))
        _close(create_huber()(y_true, y_pred), _huber_np(y_true, y_pred, 1.0))
    """),
    _check("create_huber", "threshold_boundary", 1, """
        y_true = np.array([[0.0], [2.0], [-2.0], [0.0], [1.999], [2.001]], np.float64)
        y_pred = np.zeros((6, 1), np.float64)
        _close(create_huber(2.0)(y_true, y_pred), _huber_np(y_true, y_pred, 2.0), "float64")
    """),
    _check("create_huber", "gradient_matches_reference", 1, """
        y_true, y_pred = _pair(12, (32, 1), 5.0)
        g = _grad(create_huber(2.5), (y_true, y_pred), 1)
        assert g is not None, "no gradient"
        _close(g, _grad(_ref_create_huber(2.5), (y_true, y_pred), 1))
    """),
    _check("create_huber", "inside_tf_function", 1, """
        pairs = [_pair(130 + k, (16, 1), 4.0) for k in range(3)]
        outputs, count = _trace(create_huber(1.5), pairs)
        for pair, out in zip(pairs, outputs):
            _close(out, _ref_create_huber(1.5)(*pair))
        assert count <= 1, f"traced {count} times"
    """),
    _check("create_huber", "as_loss_of_a_compiled_model", 1, """
        x, y = _normal(140, (32, 3)), _normal(141, (32, 1), 4.0)
        weights = [_normal(142, (3, 1)), np.zeros((1,), np.float32)]
        got = _loss_in_model(create_huber(2.0), x, y, weights, save=False)
        expected = _loss_in_model(_ref_create_huber(2.0), x, y, weights, save=False)
        for g, e in zip(got["weights"], expected["weights"]):
            _close(g, e)
    """),
    # HuberLoss: 8 checks
    _check("HuberLoss", "subclasses_keras_loss", 1, """
        assert isinstance(HuberLoss(2.0), keras.losses.Loss), "not a keras.losses.Loss"
    """),
    _check("HuberLoss", "contract_example", 1, """
        y_true = np.array([[2.0], [0.0], [5.0]], np.float32)
        y_pred = np.array([[10.0], [1.0], [9.25]], np.float32)
        _close(HuberLoss(2.0)(y_true, y_pred), np.float32(7.0))
    """),
    _check("HuberLoss", "call_is_element_wise", 1, """
        y_true, y_pred = _pair(15, (32, 1), 6.0)
        _close(HuberLoss(3.0).call(y_true, y_pred), _RefHuberLoss(3.0).call(y_true, y_pred))
    """),
    _check("HuberLoss", "reduced_value_on_random_inputs", 1, """
        y_true, y_pred = _pair(16, (64, 1), 4.5)
        _close(HuberLoss(1.5)(y_true, y_pred), np.float32(_huber_np(y_true, y_pred, 1.5).mean()))
    """),
    _check("HuberLoss", "config_round_trip", 1, """
        config = HuberLoss(2.5).get_config()
        assert abs(float(config["threshold"]) - 2.5) < 1e-6, "threshold not in get_config()"
        clone = HuberLoss.from_config(config)
        y_true, y_pred = _pair(17, (16, 1), 6.0)
        _close(clone.call(y_true, y_pred), _huber_np(y_true, y_pred, 2.5))
    """),
    _check("HuberLoss", "saved_model_reloads_with_threshold", 2, """
        x, y = _normal(180, (32, 3)), _normal(181, (32, 1), 4.0)
        weights = [_normal(182, (3, 1)), np.zeros((1,), np.float32)]
        got = _loss_in_model(HuberLoss(2.0), x, y, weights, {"HuberLoss": HuberLoss})
        expected = _loss_in_model(_RefHuberLoss(2.0), x, y, weights, {"_RefHuberLoss": _RefHuberLoss})
        assert type(got["reloaded_loss"]).__name__ == "HuberLoss", "the reloaded loss is not a HuberLoss"
        assert abs(float(got["reloaded_loss"].threshold) - 2.0) < 1e-6, "threshold lost on reload"
        _close(got["reloaded_eval"], expected["reloaded_eval"])
    """),
    _check("HuberLoss", "gradient_matches_reference", 1, """
        y_true, y_pred = _pair(19, (32, 1), 5.0)
        g = _grad(HuberLoss(2.0), (y_true, y_pred), 1)
        assert g is not None, "no gradient"
        _close(g, _grad(_RefHuberLoss(2.0), (y_true, y_pred), 1))
    """),
    _check("HuberLoss", "inside_tf_function", 1, """
        pairs = [_pair(200 + k, (16, 1), 4.0) for k in range(3)]
        outputs, count = _trace(HuberLoss(1.5), pairs)
        for pair, out in zip(pairs, outputs):
            _close(out, _RefHuberLoss(1.5)(*pair))
        assert count <= 1, f"traced {count} times"
    """),
]
MAX_POINTS = sum(c.points for c in CHECKS)


def install() -> None:
    """Make benchmarks/.peers-venv (python3.11) with the peers and TensorFlow, from the package registry."""
    if not (BIN / "python").exists():
        subprocess.run(["python3.11", "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(BIN / "pip"), "install", "-q", *PEER_PACKAGES], check=True)


def installed() -> str | None:
    """None when both peers can run, else why not."""
    for tool in ("nbgrader", "otter"):
        if not (BIN / tool).exists():
            return f"{BIN / tool} is missing: run python benchmarks/peers.py --install"
    return None


def children_cpu() -> float:
    """CPU seconds (user + system) of every finished, reaped descendant of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peer_env() -> dict[str, str]:
    """The peers' environment: their venv first on PATH (the kernel they start is theirs), quiet TF."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env.update(PATH=f"{BIN}:{env.get('PATH', '')}", TF_CPP_MIN_LOG_LEVEL="2", VIRTUAL_ENV=str(VENV),
               JUPYTER_PLATFORM_DIRS="1", OMP_NUM_THREADS="1")
    return env


def _code_cell(source: str, metadata: dict | None = None, cell_id: str = "answer") -> dict:
    return {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": metadata or {}, "outputs": [],
            "source": source}


# --------------------------------------------------------------------------- nbgrader


def _nbgrader_source_notebook(solution: str) -> dict:
    cells = [_code_cell(solution, {"nbgrader": {"grade": False, "grade_id": "answer", "locked": False,
                                                "schema_version": 3, "solution": True, "task": False}})]
    for i, check in enumerate(CHECKS):
        hidden = (SETUP.strip() + "\n\n" if i == 0 else "") + check.body
        cells.append(_code_cell(
            f"### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS",
            {"nbgrader": {"grade": True, "grade_id": f"{check.exercise}_{check.name}", "locked": True,
                          "points": check.points, "schema_version": 3, "solution": False, "task": False}},
            cell_id=f"check{i}",
        ))
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                        "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def _student_notebook(release: dict, source: str) -> dict:
    notebook = json.loads(json.dumps(release))
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "answer":
            cell["source"] = source
    return notebook


def nbgrader_autograde(workdir: Path, solution: str, students: dict[str, str]) -> dict:
    """``nbgrader autograde losses`` on every student at once; wall time, per-submission times, scores."""
    course = workdir / "nbgrader-course"
    shutil.rmtree(course, ignore_errors=True)
    (course / "source" / "losses").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = 'bench'\nc.CourseDirectory.root = {str(course)!r}\n"
        "c.ExecutePreprocessor.timeout = 120\n")
    (course / "source" / "losses" / "losses.ipynb").write_text(json.dumps(_nbgrader_source_notebook(solution)))
    env = peer_env()
    subprocess.run([str(BIN / "nbgrader"), "db", "assignment", "add", "losses"], cwd=course, env=env, check=True,
                   capture_output=True)
    generated = subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "losses", "--force"], cwd=course,
                               env=env, capture_output=True, text=True)
    if generated.returncode:
        raise RuntimeError(f"nbgrader generate_assignment failed: {generated.stderr[-2000:]}")
    release = json.loads((course / "release" / "losses" / "losses.ipynb").read_text())
    for student, source in students.items():
        folder = course / "submitted" / student / "losses"
        folder.mkdir(parents=True)
        (folder / "losses.ipynb").write_text(json.dumps(_student_notebook(release, source)))
        (folder / "timestamp.txt").write_text("2026-11-25 12:00:00.000000 UTC")
    started, cpu = time.time(), children_cpu()
    proc = subprocess.run([str(BIN / "nbgrader"), "autograde", "losses", "--force"], cwd=course, env=env,
                          capture_output=True, text=True)
    wall, cpu = time.time() - started, children_cpu() - cpu
    finished = sorted(
        (course / "autograded" / s / "losses" / "losses.ipynb").stat().st_mtime
        for s in students if (course / "autograded" / s / "losses" / "losses.ipynb").exists()
    )
    per = [b - a for a, b in zip([started, *finished], finished, strict=False)]
    return {"wall": wall, "cpu": cpu, "per": per, "graded": len(finished), "scores": _nbgrader_scores(course, env),
            "returncode": proc.returncode, "log_tail": proc.stderr[-1500:]}


def _nbgrader_scores(course: Path, env: dict) -> dict[str, float]:
    script = ("import json, sys\nfrom nbgrader.api import Gradebook\n"
              "with Gradebook('sqlite:///' + sys.argv[1]) as gb:\n"
              "    print(json.dumps({s.student.id: s.score for s in gb.assignment_submissions('losses')}))\n")
    out = subprocess.run([str(BIN / "python"), "-c", script, str(course / "gradebook.db")], env=env,
                         capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 and out.stdout.strip() else {}


# --------------------------------------------------------------------------- otter


def _otter_test_file(exercise: str) -> str:
    checks = [c for c in CHECKS if c.exercise == exercise]
    lines = ["from otter.test_files import test_case", "", "OK_FORMAT = False", "", f'name = "{exercise}"',
             f"points = {sum(c.points for c in checks)}", "", SETUP.strip(), ""]
    for check in checks:
        lines += ["", f"@test_case(points={check.points}, hidden=False)", f"def test_{check.name}(env):",
                  '    huber_fn, create_huber, HuberLoss = env.get("huber_fn"), env.get("create_huber"), '
                  'env.get("HuberLoss")']
        lines += ["    " + line for line in check.body.splitlines()]
    return "\n".join(lines) + "\n"


def otter_autograder(workdir: Path) -> Path:
    """``otter generate`` an autograder zip holding the ported checks as otter test files."""
    folder = workdir / "otter-assignment"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "tests").mkdir(parents=True)
    for exercise in dict.fromkeys(c.exercise for c in CHECKS):
        (folder / "tests" / f"{exercise}.py").write_text(_otter_test_file(exercise))
    zip_path = folder / "autograder.zip"
    proc = subprocess.run([str(BIN / "otter"), "generate", "-t", "tests", "-o", str(zip_path), "--no-requirements",
                           "--no-environment", "--no-config"], cwd=folder, env=peer_env(), capture_output=True,
                          text=True)
    if proc.returncode:
        raise RuntimeError(f"otter generate failed: {proc.stderr[-2000:]}")
    return zip_path


def otter_run(workdir: Path, students: dict[str, str]) -> dict:
    """``otter run -a autograder.zip <student>.ipynb`` for each student in turn (otter runs one at a time)."""
    zip_path = otter_autograder(workdir)
    env = peer_env()
    per, scores, failures = [], {}, {}
    started, cpu = time.time(), children_cpu()
    for student, source in students.items():
        folder = workdir / "otter-runs" / student
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        notebook = {"cells": [_code_cell(source)], "metadata": {"kernelspec": {"name": "python3",
                    "display_name": "Python 3", "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}
        (folder / f"{student}.ipynb").write_text(json.dumps(notebook))
        begin = time.time()
        proc = subprocess.run([str(BIN / "otter"), "run", "-a", str(zip_path), "-o", str(folder), "--no-logo",
                               str(folder / f"{student}.ipynb")], cwd=folder, env=env, capture_output=True, text=True)
        per.append(time.time() - begin)
        results = folder / "results.json"
        if proc.returncode == 0 and results.exists():
            data = json.loads(results.read_text())
            scores[student] = sum(float(t.get("score") or 0) for t in data.get("tests", []))
        else:
            failures[student] = (proc.stderr or proc.stdout)[-400:]
    return {"wall": time.time() - started, "cpu": children_cpu() - cpu, "per": per, "graded": len(scores),
            "scores": scores, "failures": failures}


def strip_expect(source: str) -> str:
    """A fixture's source without its ``# expect:`` header (the peers see only the student's code)."""
    return re.sub(r"^# expect:.*\n", "", source)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--install", action="store_true", help="create benchmarks/.peers-venv with the peers")
    args = parser.parse_args()
    if args.install:
        install()
    print(installed() or f"peers ready in {VENV}: {len(CHECKS)} checks, {MAX_POINTS:g} points")


if __name__ == "__main__":
    sys.exit(main())
