"""The adversarial corpus, graded in one batch through the real CLI, beside two honest students.

One run of ``tfgrader grade losses <every attack> <malformed inputs> bob.py alice.ipynb --jobs 2``
(a real process, real sandboxes, real TensorFlow); then each case is checked against what it declares
in its header (see corpus_tools): the attacked checks score 0 with a message saying what happened,
the rest of that submission and every other submission are graded normally, the gradebook agrees with
the results files, and nothing the attacks tried to reach (secrets, checks, classmates, the network,
the judge, the report's reader) was reached.

The grader runs from inside a student's folder that ships numpy.py, grader.py, pytest.py... (case 5),
with a random course secret and a canary in its environment (case 16). The kill -9 fault is tested in
tests/test_cli.py (test_kill_9_mid_batch_then_the_same_command_completes_without_loss_or_duplicates);
judge-side faults in test_judge_faults.py, grading as an ordinary user in test_not_root.py.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import socket
import sqlite3
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from corpus_tools import (
    CORPUS,
    SAMPLES,
    Graded,
    checks_of,
    copy_corpus,
    live_processes_of,
    parse_header,
    run_grade,
    scores_by_exercise,
    student_id,
    uids_in,
)

pytestmark = pytest.mark.xdist_group("adversarial-corpus")  # its module fixture grades once, on one worker

PORT = 47615  # c15_connects_to_loopback_server.py connects here
HONEST = ("bob", "alice")
HONEST_PATHS = (SAMPLES / "bob.py", SAMPLES / "alice.ipynb")
RUN_FROM = "c05_ships_numpy_and_grader_modules"  # the grader's working directory: a student's folder
MARKERS = ("/tmp/tfgrader-adversarial-ran-pth", "/tmp/tfgrader-adversarial-pickle-ran")
RESULTS_ELSEWHERE = ("/tmp/results.json", "/results.json", "/autograder/results/results.json",
                     str(Path.home() / "results.json"), str(SAMPLES.parents[1] / "out" / "results.json"))
NOTEBOOK_MB = 50

ATTACKS = sorted(p for p in CORPUS.iterdir() if not p.name.startswith("."))

# case 28: malformed inputs, made at test time (symbolic links, FIFOs, binary and non-UTF-8 bytes, odd names)
UNREADABLE = {
    "c28_invalid_json": "JSON is broken",
    "c28_not_a_notebook": "not a Jupyter notebook",
    "c28_empty": "is empty",
    "c28_binary": "binary file",
    "c28_not_utf8": "not UTF-8",
    "c28_huge_source": "over the 5 MiB limit",
    "c28_fifo": "not a regular file",
    "c28_two_notebooks": "holds 2 notebooks",
    "c28_symlink_to_etc_passwd": "symbolic link",
    "c28_folder_holding_a_symlink": "symbolic link",
}
ODD_NAMES = {  # file or folder name -> the student id it must get (path separators and dots cannot escape OUT)
    "..%2F..%2Fc28_escape.py": "_2F.._2Fc28_escape",
    "c28_<img src=x onerror=alert(1)>.py": "c28__img_src_x_onerror_alert_1__",
    "c28_new\nline.py": "c28_new_line",
    "...": "unnamed",
}
STUB = "# a submission whose name is the attack; its code defines nothing\nimport tensorflow as tf\n"


def make_malformed(folder: Path) -> list[str]:
    """Write the case-28 inputs into ``folder``; return the paths to grade (relative to ``folder``)."""
    folder.mkdir()
    (folder / "c28_invalid_json.ipynb").write_text('{"cells": [{"cell_type": "code", "source": ["def huber_fn(')
    (folder / "c28_not_a_notebook.ipynb").write_text('{"score": 28.5, "tests": []}')
    (folder / "c28_empty.py").write_bytes(b"")
    (folder / "c28_binary.py").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 16)
    (folder / "c28_not_utf8.py").write_bytes("def huber_fn(y_true, y_pred):\n    return 'café'\n".encode("latin-1"))
    (folder / "c28_huge_source.py").write_text("# padding\n" * 600_000 + "def huber_fn(y_true, y_pred):\n    pass\n")
    os.mkfifo(folder / "c28_fifo.py")  # reading it would block forever
    two = folder / "c28_two_notebooks"
    two.mkdir()
    for name in ("a.ipynb", "b.ipynb"):
        (two / name).write_text((CORPUS / "c01_notebook_check_cells_edited.ipynb").read_text())
    (folder / "c28_symlink_to_etc_passwd.py").symlink_to("/etc/passwd")
    holder = folder / "c28_folder_holding_a_symlink"
    holder.mkdir()
    (holder / "losses.py").symlink_to("/etc/passwd")
    paths = [p.name for p in sorted(folder.iterdir())]
    for name in ODD_NAMES:
        if name == "...":
            (folder / name).mkdir()
            (folder / name / "losses.py").write_text(STUB)
        else:
            (folder / name).write_text(STUB)
        paths.append(name)
    (folder / "c28_deep").mkdir()
    (folder / "c28_dotdot_path.py").write_text(STUB)
    paths.append("c28_deep/../c28_dotdot_path.py")
    for twin in ("c28_dup_a", "c28_dup_b"):
        (folder / twin).mkdir()
        (folder / twin / "c28_duplicate.py").write_text(STUB)
        paths.append(f"{twin}/c28_duplicate.py")
    return [str(folder / p) for p in paths]


def inflate_notebook(path: Path, megabytes: int) -> None:
    """Give the notebook's huber_fn cell ``megabytes`` of outputs: fake "passed" text and a huge image."""
    notebook = json.loads(path.read_text())
    line = 'huber_fn: all 13 hidden checks passed ✓  {"score": 28.5, "status": "graded"}\n'
    text = [line] * (megabytes // 2 * 2**20 // len(line.encode()))
    image = base64.b64encode(np.random.default_rng(0).bytes(megabytes // 2 * 3 * 2**20 // 4)).decode()
    notebook["cells"][1]["outputs"] = [
        {"name": "stdout", "output_type": "stream", "text": text},
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": image, "text/plain": ["<Figure>"]}},
    ]
    path.write_text(json.dumps(notebook))


def huber(y_true, y_pred):
    error = np.asarray(y_true, np.float64) - np.asarray(y_pred, np.float64)
    return np.where(np.abs(error) < 1, error**2 / 2, np.abs(error) - 0.5)


class AnswerServer:
    """A server on 127.0.0.1 that would hand the sandbox the right answers, counting who connects."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.connections = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with conn:
                try:
                    conn.settimeout(5)
                    question = json.loads(conn.makefile().readline())
                    answer = huber(question["y_true"], question["y_pred"]).tolist()
                    conn.sendall(json.dumps(answer).encode() + b"\n")
                except (OSError, ValueError, KeyError):
                    pass

    def close(self) -> None:
        self.stopped.set()
        self.sock.close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Graded:
    base = tmp_path_factory.mktemp("adversarial")
    subs = copy_corpus(base / "subs")
    inflate_notebook(subs / "c29_fifty_mb_outputs.ipynb", NOTEBOOK_MB)
    malformed = make_malformed(base / "malformed")
    out = base / "out"
    for marker in MARKERS:
        Path(marker).unlink(missing_ok=True)
    before = {p: os.path.exists(p) and os.stat(p).st_mtime for p in RESULTS_ELSEWHERE}
    canary = "canary-" + secrets.token_hex(16)
    course_secret = "secret-" + secrets.token_hex(16)
    c24 = subs / "c24_flips_global_tf_state.py"  # early, so most of the batch is graded after it
    paths = [str(c24)] + [str(subs / p.name) for p in ATTACKS if p.name != c24.name] + malformed
    paths += [str(p) for p in HONEST_PATHS]  # last: graded after every attack
    server = AnswerServer(PORT)
    started = time.monotonic()
    try:
        proc = run_grade(paths, out, cwd=subs / RUN_FROM,
                         env={"TFGRADER_SECRET": course_secret, "TFGRADER_ADVERSARIAL_CANARY": canary})
    finally:
        server.close()
    return Graded(proc, out, extra={
        "subs": subs, "base": base, "canary": canary, "course_secret": course_secret, "paths": paths,
        "connections": server.connections, "results_before": before, "seconds": time.monotonic() - started,
    })


def results_or_fail(batch: Graded, student: str) -> dict:
    path = batch.out / student / "results.json"
    assert path.is_file(), f"no results for {student}; grader stderr:\n{batch.proc.stderr[-3000:]}"
    return batch.results(student)


# ----------------------------------------------------------------------------------------------- the batch


def test_the_batch_completes_and_reports_every_student(batch):
    proc = batch.proc
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    total = len(batch.extra["paths"])
    assert f"Graded {total} submission(s)" in proc.stdout, proc.stdout
    index = (batch.out / "index.html").read_text()
    for folder in (p for p in batch.out.iterdir() if p.is_dir()):
        assert (folder / "results.json").is_file() and (folder / "report.html").is_file(), folder.name
        assert f'href="{folder.name}/report.html"' in index
    assert len([p for p in batch.out.iterdir() if p.is_dir()]) == total


@pytest.mark.parametrize("student", HONEST)
def test_honest_students_graded_after_every_attack_get_full_marks(batch, student):
    results = results_or_fail(batch, student)
    assert results["extra_data"]["status"] == "graded"
    assert results["score"] == results["extra_data"]["max_score"] > 0, [
        (t["name"], t["output"][:300]) for t in results["tests"] if t["score"] < t["max_score"]]


def test_the_gradebook_holds_one_attempt_per_student_matching_results_json(batch):
    attempts = batch.attempts()
    students = [a[0] for a in attempts]
    assert len(students) == len(set(students)) == len(batch.extra["paths"])
    with sqlite3.connect(batch.out / "gradebook.sqlite") as db:
        check_rows = dict(db.execute("SELECT student, COUNT(check_id) FROM attempts LEFT JOIN check_results"
                                     " ON attempts.id = attempt_id GROUP BY student").fetchall())
    for student, score, max_score, status, _ in attempts:
        results = batch.results(student)
        assert (score, max_score, status) == (
            results["score"], results["extra_data"]["max_score"], results["extra_data"]["status"]), student
        per_check = [t for t in results["tests"] if t["name"] != "Submission could not be read"]
        assert check_rows[student] == len(per_check) > 0, student


# ------------------------------------------------------------------------------------------ every attack


@pytest.mark.parametrize("attack", [p.name for p in ATTACKS], ids=lambda name: Path(name).stem)
def test_attack_scores_as_its_header_says(batch, attack):
    header = parse_header(CORPUS / attack)
    student = student_id(CORPUS / attack)
    results = results_or_fail(batch, student)
    assert results["extra_data"]["status"] == header.status, results["extra_data"]
    scores = scores_by_exercise(results)
    assert set(scores) == set(header.expect), scores
    for exercise, verdict in header.expect.items():
        got, total = scores[exercise]
        checks = checks_of(results, exercise)
        lost = [(t["name"], t["output"][:400]) for t in checks if t["score"] < t["max_score"]]
        if verdict == "full":
            assert got == total > 0, f"{exercise} should be graded normally (full marks) but lost: {lost}"
        elif verdict == "lose":
            assert got < total, f"{exercise} should lose points"
        else:
            assert verdict == "0", verdict
            assert got == 0, f"{exercise} gained {got} points by attacking"
            for check in checks:
                output = check["output"]
                assert check["status"] == "failed" and output, check
                assert any(word.lower() in output.lower() for word in header.says), (
                    f"{check['name']}: the message does not say what happened ({header.says}): {output[:600]}")
                assert "needs-regrading" not in check["tags"], check


def test_the_fifty_mb_notebook_is_graded_and_its_outputs_never_reach_the_report(batch):
    path = batch.extra["subs"] / "c29_fifty_mb_outputs.ipynb"
    assert path.stat().st_size >= NOTEBOOK_MB * 10**6
    results = results_or_fail(batch, "c29_fifty_mb_outputs")
    scores = scores_by_exercise(results)
    assert scores["huber_fn"][0] == 0 and scores["create_huber"][0] == scores["create_huber"][1] > 0
    assert scores["HuberLoss"][0] == scores["HuberLoss"][1] > 0
    report = batch.report("c29_fifty_mb_outputs")
    assert len(report) < 1_000_000 and "hidden checks passed" not in report
    assert (batch.out / "c29_fifty_mb_outputs" / "results.json").stat().st_size < 200_000


# ------------------------------------------------------------------------------- what attacks tried to reach


def test_c05_nothing_a_student_ships_is_ever_imported_or_loaded(batch):
    subs = batch.extra["subs"]
    ran = sorted(str(p.relative_to(subs)) for p in subs.rglob("RAN-*"))
    assert ran == [], f"the grader imported or loaded files a student shipped: {ran}"
    assert not os.path.exists(MARKERS[0]), "a student's .pth file ran"
    for folder in ("c05_ships_conftest_sitecustomize_pth", "c05_ships_numpy_and_grader_modules"):
        output = results_or_fail(batch, folder)["output"]
        assert "only " in output and "was graded; ignored:" in output, output  # the student is told


def test_c11_to_c14_no_process_of_a_sandbox_outlives_the_batch(batch):
    uids: dict[str, set[int]] = {}
    for student in ("c11a_fork_bomb", "c11b_thread_bomb", "c11c_setsid_double_fork", "c12_allocates_30_gb",
                    "c13_floods_stdout_stderr", "c14_fills_tmp_and_writes_huge_file"):
        printed = batch.stored_result(student)["stdout"]
        uids[student] = uids_in(printed)
        assert uids[student] and all(u >= 2_100_000 for u in uids[student]), (student, printed[:300])
    leftovers = live_processes_of(set().union(*uids.values()))
    assert leftovers == [], f"processes of a sandbox uid outlived the batch: {leftovers}"


def test_c13_a_flood_of_output_is_cut_and_costs_nothing(batch):
    stored = batch.stored_result("c13_floods_stdout_stderr")
    assert stored["output_truncated"] is True
    assert len(stored["stdout"]) <= 16 * 1024 and len(stored["stderr"]) <= 16 * 1024
    assert "tfgrader-flood" in stored["stdout"]
    report = batch.report("c13_floods_stdout_stderr")
    assert "output truncated" in report and len(report) < 500_000


def test_c15_the_sandbox_has_no_network_but_loopback(batch):
    assert batch.extra["connections"] == 0, "a sandbox reached the test's server on 127.0.0.1"
    printed = batch.stored_result("c15_connects_to_loopback_server")["stdout"]
    assert "interfaces: ['lo']" in printed, printed
    assert "connect: " in printed and "connect: connected" not in printed, printed


def _everything_written(out: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(out.rglob("*")) if p.is_file())


def test_c16_no_secret_check_reference_classmate_or_judge_environ_reaches_the_sandbox(batch):
    printed = batch.stored_result("c16_reads_secrets_checks_and_classmates")["stdout"]
    assert "environ: " in printed and "root: " in printed, printed[:500]  # the hunt ran
    beside_venv = re.search(rf"^listing {re.escape(str(Path(sys.prefix).parent))}: (.*)$", printed, flags=re.M)
    assert beside_venv and "solutions" not in beside_venv.group(1), printed[:2000]  # the venv is bound, not the course
    reads = re.findall(r"^READ (\S+):", printed, flags=re.M)
    # its own /proc entries (2 = itself, 1 = its init: cmdline only; environ is root's) and nothing else
    assert all(re.match(r"/proc/(2|self)/", path) or path == "/proc/1/cmdline" for path in reads), reads
    everything = _everything_written(batch.out)
    leaks = {
        "course secret (TFGRADER_SECRET)": batch.extra["course_secret"],
        "judge environment canary": batch.extra["canary"],
        "bundled course secret": "chapter12-bundled-course-secret-change-me",
        "hidden check source": "assert_gradients_close(student.huber_fn",
        "reference solution": "# BEGIN SOLUTION",
        "a classmate's submission (bob.py)": "Bob Martin",
        "the gradebook itself": "SQLite format 3",
    }
    assert [what for what, text in leaks.items() if text in printed] == [], printed[:2000]
    for what in ("course secret (TFGRADER_SECRET)", "judge environment canary", "bundled course secret",
                 "hidden check source", "reference solution"):
        assert leaks[what] not in everything, f"the {what} appears in the output folder"


def test_c17_fake_results_are_only_output_and_no_results_json_lands_anywhere_else(batch):
    stored = batch.stored_result("c17_fake_results_and_results_json")
    assert "31 passed" in stored["stdout"]  # kept as what the student printed, nothing more
    results = batch.results("c17_fake_results_and_results_json")
    assert results["score"] == sum(t["score"] for t in results["tests"]) < 1000
    for path, before in batch.extra["results_before"].items():
        after = os.path.exists(path) and os.stat(path).st_mtime
        assert after == before, f"{path} was written during the batch"
    strays = [p for p in batch.extra["base"].rglob("results.json") if p.parent.parent != batch.out]
    assert strays == [], strays


def test_c18_the_judge_is_not_even_importable_in_the_sandbox(batch):
    printed = batch.stored_result("c18_patches_the_grader_agent")["stdout"]
    assert "judge importable in the sandbox: False; tfgrader: False" in printed, printed


def test_c19_nothing_from_the_sandbox_is_unpickled(batch):
    assert not os.path.exists(MARKERS[1]), "the judge unpickled an object from the sandbox"
    outputs = " ".join(t["output"] for t in checks_of(batch.results("c19_pickle_bearing_result"), "huber_fn"))
    assert "dtype object cannot be sent" in outputs


def test_c23_reports_escape_every_payload_and_forbid_scripts(batch):
    report = batch.report("c23_script_injection")
    assert "&lt;script&gt;document.title" in report  # the payload reached the report, escaped
    pages = [report, (batch.out / "index.html").read_text()]
    pages += [p.read_text() for p in batch.out.glob("*/report.html")]
    for html in pages:
        assert '<script>document.title="tfgrader-xss"' not in html and "<img src=x" not in html
        assert 'onerror="alert(1)"' not in html
        match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', html)
        assert match, "no Content-Security-Policy meta tag"
        script_src = re.search(r"script-src ([^;]*)", match.group(1))
        default_src = re.search(r"default-src ([^;]*)", match.group(1))
        scripts = (script_src or default_src).group(1)
        assert "'unsafe-inline'" not in scripts and "*" not in scripts, match.group(1)


def test_c24_global_state_flips_reach_neither_later_students_nor_the_judge(batch):
    first = batch.extra["paths"][0]
    assert first.endswith("c24_flips_global_tf_state.py")
    later = [p for p in batch.extra["paths"][1:] if Path(p).name in {"bob.py", "alice.ipynb"}]
    assert len(later) == 2
    # graded after it in the same batch and the same judge workers: full marks (see the honest test);
    # its own other exercises run in the sandbox it flipped: full marks too (see its header)
    for student in HONEST:
        results = batch.results(student)
        assert results["score"] == results["extra_data"]["max_score"]


def test_c26_protocol_caps_say_what_was_too_big(batch):
    outputs = " ".join(t["output"] for t in checks_of(batch.results("c26_huge_and_deeply_nested_results"), "huber_fn"))
    assert "larger than the" in outputs and "nested deeper than" in outputs, outputs[:2000]


def test_c27_shape_and_finiteness_are_checked_before_closeness(batch):
    outputs = [t["output"] for t in checks_of(batch.results("c27_nan_inf_and_broadcasting_shapes"), "huber_fn")]
    assert any("where a finite value was expected" in o for o in outputs), outputs
    assert any(re.search(r"returned shape \(\d+, \d+\), expected \(\d+, 1\)", o) for o in outputs), outputs


# ---------------------------------------------------------------------------------------- case 28: inputs


@pytest.mark.parametrize("student", sorted(UNREADABLE))
def test_c28_malformed_input_is_one_clear_unreadable_row(batch, student):
    results = results_or_fail(batch, student)
    assert results["extra_data"]["status"] == "unreadable" and results["score"] == 0
    first = results["tests"][0]
    assert first["name"] == "Submission could not be read" and UNREADABLE[student] in first["output"], first


def test_c28_odd_names_stay_inside_the_output_folder(batch):
    folders = {p.name for p in batch.out.iterdir() if p.is_dir()}
    for student in [*ODD_NAMES.values(), "c28_dotdot_path"]:
        assert student in folders, (student, sorted(folders))
        assert results_or_fail(batch, student)["extra_data"]["status"] == "graded"
    assert all(re.fullmatch(r"[A-Za-z0-9._@+~-]+", name) and not name.startswith(".") for name in folders)
    base = batch.extra["base"]
    assert sorted(p.name for p in base.iterdir()) == ["malformed", "out", "subs"]  # nothing written beside OUT


def test_c28_a_duplicate_student_id_is_graded_once_and_the_twin_is_flagged(batch):
    assert results_or_fail(batch, "c28_duplicate")["extra_data"]["status"] == "graded"
    twins = [p.name for p in batch.out.iterdir() if p.name.startswith("c28_duplicate~duplicate")]
    assert len(twins) == 1, twins
    twin = batch.results(twins[0])
    assert twin["extra_data"]["status"] == "unreadable"
    assert "same student id 'c28_duplicate'" in twin["tests"][0]["output"]
