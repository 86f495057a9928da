"""``tfgrader gradescope ASSIGNMENT -o autograder.zip``: a Gradescope autograder for one assignment.

The zip holds::

    setup.sh                      Gradescope runs it once: Python 3.11 venv in /autograder/venv + the wheel
    run_autograder                grades /autograder/submission, writes /autograder/results/results.json
    tfgrader-<version>-py3-none-any.whl   this tfgrader (its dependencies come from the wheel's metadata)
    course/solutions/course.toml  the course title and secret (the autograder is private to instructors)
    course/solutions/<id>/        reference solution, hidden checks, assignment.toml
    course/assignments/<id>/      stubs and public checks

``run_autograder`` never leaves ``results.json`` missing: it writes a
"could not grade" result first and replaces it with the real one, or with one
saying what went wrong. ``AUTOGRADER_ROOT`` replaces ``/autograder`` (to try
the bundle locally or in a test).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from grader.course import BUNDLED_COURSE, Assignment, Course

SKIPPED = ("__pycache__", ".pytest_cache", ".ipynb_checkpoints")

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image (choose the Ubuntu 22.04 base image).
# It installs Python 3.11 and, in a venv, the tfgrader wheel of this zip with its pinned dependencies.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${AUTOGRADER_ROOT:-/autograder}"
WHEEL="$HERE/@WHEEL@"
export DEBIAN_FRONTEND=noninteractive
if ! command -v python3.11 >/dev/null || ! python3.11 -c "import ensurepip" 2>/dev/null; then
    apt-get update
    if ! apt-get install -y --no-install-recommends python3.11 python3.11-venv; then
        apt-get install -y --no-install-recommends software-properties-common
        add-apt-repository -y ppa:deadsnakes/ppa
        apt-get update
        apt-get install -y --no-install-recommends python3.11 python3.11-venv
    fi
fi
python3.11 -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --upgrade pip
"$ROOT/venv/bin/python" -m pip install "$WHEEL"
"$ROOT/venv/bin/tfgrader" --version
"$ROOT/venv/bin/python" -c "import tensorflow, keras; print('TensorFlow', tensorflow.__version__, 'Keras', keras.__version__)"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission. It grades $ROOT/submission with tfgrader and writes
# $ROOT/results/results.json; on any failure it writes a results.json that says what went wrong.
# AUTOGRADER_ROOT replaces /autograder (to try the bundle outside Gradescope).
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
ASSIGNMENT="@ASSIGNMENT@"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SOURCE="$ROOT/source"
[ -d "$SOURCE/course" ] || SOURCE="$HERE"
RESULTS="$ROOT/results/results.json"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tfgrader-autograder.XXXXXX")"
LOG="$WORK/tfgrader.log"
mkdir -p "$ROOT/results"

if [ -x "$ROOT/venv/bin/tfgrader" ]; then
    TFGRADER="$ROOT/venv/bin/tfgrader"
    PYTHON="$ROOT/venv/bin/python"
else
    TFGRADER="$(command -v tfgrader || true)"
    PYTHON="$(command -v python3 || true)"
fi

write_error() {  # $1: what went wrong, for the student; the details stay in this script's output
    if [ -z "$PYTHON" ] || ! MESSAGE="$1" "$PYTHON" - "$RESULTS" <<'PY'
import json, os, sys
message = "The autograder could not grade this submission: " + os.environ["MESSAGE"] + "."
result = {
    "score": 0,
    "output": message + " Your instructor can see the details.",
    "visibility": "visible",
    "stdout_visibility": "hidden",
    "tests": [{"name": "Autograder", "score": 0, "status": "failed", "output": message, "visibility": "visible"}],
    "extra_data": {"status": "autograder_error", "error": os.environ["MESSAGE"]},
}
with open(sys.argv[1] + ".tmp", "w") as fh:
    json.dump(result, fh, indent=2)
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
PY
    then
        printf '%s\n' '{"score": 0, "output": "The autograder could not grade this submission.", "tests": [], "extra_data": {"status": "autograder_error"}}' > "$RESULTS"
    fi
}

fail() {
    echo "run_autograder: $1" >&2
    write_error "$1"
    exit 0
}

# Written first, so that a run killed for its time limit still leaves a results.json.
write_error "it did not finish (the time limit may be too short)"
trap 'fail "it was interrupted"' TERM INT

[ -n "$TFGRADER" ] || fail "tfgrader is not installed (setup.sh did not run)"
[ -d "$ROOT/submission" ] || fail "there is no submission folder"
MANIFEST=()
if [ -f "$ROOT/submission_metadata.json" ]; then
    MANIFEST=(--manifest "$ROOT/submission_metadata.json")  # Gradescope's submission time, for [deadline]
fi

"$TFGRADER" grade "$ASSIGNMENT" "$ROOT/submission" --course "$SOURCE/course" --out "$WORK/out" --jobs 1 \
    "${MANIFEST[@]}" >"$LOG" 2>&1
STATUS=$?
cat "$LOG"
GRADED="$WORK/out/submission/results.json"
if [ "$STATUS" -ne 0 ] || [ ! -s "$GRADED" ]; then
    fail "tfgrader exited with status $STATUS"
fi
cp "$GRADED" "$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS" || fail "the results could not be copied"
rm -rf "$WORK"
"""


class BundleError(Exception):
    """The bundle cannot be built; the message says why."""


def build_wheel(dest: Path) -> Path:
    """Build a wheel of this tfgrader from its source checkout into ``dest`` (offline, without touching the tree)."""
    root = BUNDLED_COURSE
    if not (root / "pyproject.toml").is_file() or not (root / "grader").is_dir():
        raise BundleError("tfgrader is not installed from a source checkout: build a wheel yourself "
                          "(pip wheel --no-deps PATH_TO_SOURCE) and pass it with --wheel")
    with tempfile.TemporaryDirectory(prefix="tfgrader-wheel-") as tmp:
        source = Path(tmp) / "src"
        shutil.copytree(root / "grader", source / "grader", ignore=shutil.ignore_patterns(*SKIPPED, "*.pyc"))
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (root / name).is_file():
                shutil.copy2(root / name, source / name)
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
             "--wheel-dir", str(dest), str(source)],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise BundleError(f"building the tfgrader wheel failed: {last}")
    wheels = sorted(dest.glob("tfgrader-*.whl"))
    if not wheels:
        raise BundleError("building the tfgrader wheel produced no wheel")
    missing = _missing_from_wheel(wheels[-1], root)
    if missing:  # better now than on Gradescope, where every submission would fail
        raise BundleError(f"the tfgrader wheel lacks {', '.join(missing[:5])}: declare such files in "
                          "[tool.setuptools.package-data] of pyproject.toml")
    return wheels[-1]


def _missing_from_wheel(wheel: Path, root: Path) -> list[str]:
    """Files of the grader package that the wheel does not hold (package data left undeclared)."""
    with zipfile.ZipFile(wheel) as archive:
        held = set(archive.namelist())
    package = root / "grader"
    return sorted(
        path.relative_to(root).as_posix() for path in package.rglob("*")
        if path.is_file() and path.suffix != ".pyc" and not any(p in SKIPPED for p in path.relative_to(package).parts)
        and path.relative_to(root).as_posix() not in held
    )


def _toml_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def _add_tree(archive: zipfile.ZipFile, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not any(part in SKIPPED for part in path.relative_to(folder).parts):
            archive.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")


def _add_text(archive: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)


def build_bundle(course: Course, assignment: Assignment, output: Path, wheel: Path | None = None) -> Path:
    """Write the autograder zip of ``assignment`` to ``output``; return it. Raises BundleError."""
    if wheel is not None and (not wheel.is_file() or not wheel.name.endswith(".whl")):
        raise BundleError(f"{wheel} is not a wheel file (.whl)")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tfgrader-bundle-") as tmp:
        wheel = wheel or build_wheel(Path(tmp))
        partial = output.with_name(f".{output.name}.partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            _add_text(archive, "setup.sh", SETUP_SH.replace("@WHEEL@", wheel.name), executable=True)
            _add_text(archive, "run_autograder", RUN_AUTOGRADER.replace("@ASSIGNMENT@", assignment.id),
                      executable=True)
            archive.write(wheel, wheel.name)
            # the effective secret (TFGRADER_SECRET included), so Gradescope seeds inputs as local grading does
            _add_text(archive, "course/solutions/course.toml",
                      f"title = {_toml_string(course.title)}\nsecret = {_toml_string(course.secret)}\n")
            _add_tree(archive, assignment.solution_dir, f"course/solutions/{assignment.id}")
            if assignment.student_dir.is_dir():
                _add_tree(archive, assignment.student_dir, f"course/assignments/{assignment.id}")
        partial.replace(output)
    return output
