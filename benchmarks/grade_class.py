"""Time tfgrader against the floor on a generated class, in one run on one machine.

    python benchmarks/grade_class.py --assignment losses --n 24

* floor: the same hidden checks run in one warm process with TensorFlow
  imported and the student's code loaded in process (no sandbox, no isolation);
* tfgrader --jobs 1 and --jobs 2: the real CLI, sandboxes and all.

The class is made by copying the assignment's fixtures (correct and wrong
answers) under new student ids until there are N. Prints per-submission
medians, throughput and the ratios tfgrader / floor. Peers (nbgrader, otter)
are not measured yet.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_class(assignment: str, n: int, folder: Path) -> list[Path]:
    fixtures = sorted((ROOT / "tests" / "fixtures" / "submissions" / assignment).glob("*.py"))
    if not fixtures:
        sys.exit(f"no fixtures for {assignment}")
    paths = []
    for i in range(n):
        path = folder / f"student{i:04d}.py"
        shutil.copy(fixtures[i % len(fixtures)], path)
        paths.append(path)
    return paths


def floor(assignment_id: str, paths: list[Path]) -> list[float]:
    """Seconds per submission with the checks and the student's code in this one warm process."""
    from grader.course import Course
    from grader.grading import reference_backend
    from grader.judge.plugin import GraderPlugin, run_checks
    from grader.judge.proxy import LocalBackend
    from grader.submission import read_submission

    assignment = Course().assignment(assignment_id)
    reference = reference_backend(assignment)
    times = []
    for path in paths:
        started = time.perf_counter()
        sub = read_submission(path)
        student = LocalBackend(sub.cells, assignment.exercise_names, name="student")
        plugin = GraderPlugin(student, reference, assignment.secret, assignment.id, sub.student,
                              assignment.check_seconds, exercise_order=assignment.exercise_names)
        run_checks(str(assignment.checks_dir), plugin)
        times.append(time.perf_counter() - started)
    return times


def tfgrader(assignment_id: str, paths: list[Path], jobs: int) -> tuple[float, list[float]]:
    """Wall time of the whole command and the per-submission times it reports."""
    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader.cli", "grade", assignment_id, *map(str, paths), "--out", str(out),
                    "--jobs", str(jobs), "--force"], check=True, capture_output=True)
    wall = time.perf_counter() - started
    per = [json.loads((out / p.stem / "results.json").read_text())["execution_time"] for p in paths]
    shutil.rmtree(out)
    return wall, per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="losses")
    parser.add_argument("--n", type=int, default=24, help="submissions in the generated class")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryDirectory(prefix="bench-class-") as tmp:
        paths = make_class(args.assignment, args.n, Path(tmp))
        floor_times = floor(args.assignment, paths)
        floor_median = statistics.median(floor_times[1:] or floor_times)  # the first warms caches
        print(f"class: {args.n} submissions of {args.assignment} (fixtures: correct and wrong answers)")
        print(f"floor (in process, no isolation): median {floor_median:.3f} s per submission")
        for jobs in (1, 2):
            wall, per = tfgrader(args.assignment, paths, jobs)
            median = statistics.median(per)
            print(f"tfgrader --jobs {jobs}: median {median:.3f} s per submission "
                  f"(x{median / floor_median:.2f} the floor), wall {wall:.1f} s for the class "
                  f"including start-up, throughput {args.n / wall * 60:.0f} submissions/min")


if __name__ == "__main__":
    main()
