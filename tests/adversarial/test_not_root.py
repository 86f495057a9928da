"""Grading as an ordinary user: it works, with the weaker isolation that is possible, and says so once.

As root (CI, a grading server) the test drops to ``nobody`` for the grader's whole run: in a private
mount namespace, a tmpfs hides a mode-700 ancestor of the interpreter (``/root`` for a pyenv Python)
with the runtime bound back under it, then ``setpriv`` drops uid, gid, groups and capabilities. Not as
root, the grader already runs as an ordinary user and is run as it is.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path

import pytest
from corpus_tools import CORPUS, SAMPLES, Graded, checks_of, live_processes_of, run_grade, scores_by_exercise

pytestmark = pytest.mark.xdist_group("not-root")  # its module fixture grades once, on one worker

NOBODY = 65534
DROP = r"""
set -e
hidden="$1"; runtime="$2"; shift 2
if [ -n "$hidden" ]; then
    stash=$(mktemp -d)
    mount --bind "$runtime" "$stash"
    mount -t tmpfs -o mode=755,size=1m tmpfs "$hidden"
    mkdir -p "$runtime"
    mount --move "$stash" "$runtime"
fi
exec setpriv --reuid=NOBODY --regid=NOBODY --clear-groups --inh-caps=-all "$@"
""".replace("NOBODY", str(NOBODY))
WARNING = "tfgrader is not running as root"
ATTACKERS = {  # attacks that are safe to run without a sandbox of their own: what each check must say
    "c10a_infinite_loop_ignores_signals": "timed out after 10 s",
    "c25a_segfault_ctypes": "segmentation fault",
}


def hidden_ancestor(path: Path) -> tuple[str, str]:
    """The highest ancestor of ``path`` others cannot enter, and its child on the way to ``path`` ('' if none)."""
    parts = path.parts
    for i in range(1, len(parts) - 1):
        ancestor = Path(*parts[: i + 1])
        if not os.stat(ancestor).st_mode & stat.S_IXOTH:
            return str(ancestor), str(Path(*parts[: i + 2]))
    return "", ""


@pytest.fixture(scope="module")
def as_nobody() -> Graded:
    work = Path(tempfile.mkdtemp(prefix="tfgrader-not-root-"))  # outside pytest's mode-700 tmp tree
    work.chmod(0o777)
    paths = [str(SAMPLES / "bob.py")] + [str(CORPUS / f"{a}.py") for a in ATTACKERS]
    env = {"HOME": str(work), "TMPDIR": str(work), "MPLCONFIGDIR": str(work)}
    try:
        if os.geteuid() == 0:
            assert shutil.which("unshare") and shutil.which("setpriv"), "util-linux unshare and setpriv are needed"
            hidden, runtime = hidden_ancestor(Path(os.path.realpath(sys.executable)))
            prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-c", DROP, "drop", hidden, runtime]
        else:
            prefix = []
        proc = run_grade(paths, work / "out", cwd=work, env=env, prefix=prefix)
        graded = Graded(proc, work / "out", extra={"work": work})
        graded.extra["results"] = {s: graded.results(s) for s in ("bob", *ATTACKERS)}
        graded.extra["leftovers"] = [p for p in live_processes_of({NOBODY}, wait=5) if str(work) in p[2]]
        yield graded
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_it_grades_with_weaker_isolation(as_nobody):
    assert as_nobody.proc.returncode == 0, as_nobody.proc.stderr[-3000:]
    bob = as_nobody.extra["results"]["bob"]
    assert bob["extra_data"]["status"] == "graded" and bob["score"] == bob["extra_data"]["max_score"] > 0
    assert as_nobody.extra["leftovers"] == [], "processes of the run outlived it"


@pytest.mark.parametrize("attack", sorted(ATTACKERS))
def test_attacked_checks_score_0_and_say_what_happened(as_nobody, attack):
    results = as_nobody.extra["results"][attack]
    scores = scores_by_exercise(results)
    assert scores["huber_fn"][0] == 0
    for test in checks_of(results, "huber_fn"):
        assert ATTACKERS[attack] in test["output"], test
    for exercise in ("create_huber", "HuberLoss"):
        assert scores[exercise][0] == scores[exercise][1] > 0, exercise


def test_it_says_so_once_clearly(as_nobody):
    said = as_nobody.proc.stdout + as_nobody.proc.stderr
    assert said.count(WARNING) == 1, said[-3000:]
    line = next(line for line in said.splitlines() if WARNING in line)
    assert "rlimits" in line and "as root" in line
