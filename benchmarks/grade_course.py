"""Time a whole course: S students x every assignment, graded with ``tfgrader grade`` per assignment.

    python benchmarks/grade_course.py --students 300                 # the full course, every assignment
    python benchmarks/grade_course.py --students 300 --sample 40     # grade 40 per assignment, extrapolate

Each assignment's class copies its fixtures (correct and wrong answers) under
S student ids, then one ``tfgrader grade ASSIGNMENT ... --jobs J --force`` run
grades it, as an instructor would. Prints, per assignment, the wall time, the
median per-submission time and the throughput, then the course total, with the
load average sampled during each run (the machine may be shared). With
``--sample K`` only K students per assignment are graded and the full class's
time is extrapolated as ``start-up + S x (wall - start-up) / K``, where
start-up is the time to the first result (measured in the same run). The CPU
time of each run (see memory.py: sampled per process, a lower bound; and
machine-wide, exact when nothing else runs) gives CPU-hours for the course,
and the wall time they mean on idle cores. ``--json FILE`` also writes the figures.
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
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from memory import Sampler  # noqa: E402 - benchmarks/ is not a package


def make_class(assignment: str, n: int, folder: Path) -> list[Path]:
    fixtures = sorted((ROOT / "tests" / "fixtures" / "submissions" / assignment).glob("*.py"))
    paths = []
    for i in range(n):
        path = folder / assignment / f"student{i:04d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(fixtures[i % len(fixtures)], path)
        paths.append(path)
    return paths


class LoadSampler:
    """The 1-minute load average every few seconds while a run lasts."""

    def __init__(self, every: float = 5.0) -> None:
        self.values: list[float] = []
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.values.append(os.getloadavg()[0])

    def __enter__(self) -> LoadSampler:
        self.values.append(os.getloadavg()[0])
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def grade(assignment: str, paths: list[Path], jobs: int) -> dict:
    out = Path(tempfile.mkdtemp(prefix=f"course-{assignment}-"))
    command = [sys.executable, "-m", "grader.cli", "grade", assignment, *map(str, paths), "--out", str(out),
               "--jobs", str(jobs), "--force", "--no-progress"]
    started = time.perf_counter()
    first_result = None
    with LoadSampler() as loads:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, bufsize=1)
        tail = []
        with Sampler(proc.pid, interval=0.2) as usage:
            for line in proc.stderr or []:
                if line.startswith("[") and first_result is None:
                    first_result = time.perf_counter() - started
                tail = (tail + [line])[-20:]
            proc.wait()
    wall = time.perf_counter() - started
    if proc.returncode:
        sys.exit(f"tfgrader grade {assignment} failed:\n{''.join(tail)}")
    results = [json.loads((out / p.stem / "results.json").read_text()) for p in paths]
    shutil.rmtree(out)
    statuses = [r["extra_data"]["status"] for r in results]
    return {
        "graded": len(results), "wall": wall, "startup": first_result or 0.0,
        "median": statistics.median(r["execution_time"] for r in results),
        "needs_regrading": statuses.count("needs_regrading"), "cpu": usage.cpu, "machine_cpu": usage.machine_cpu,
        "load": statistics.fmean(loads.values), "load_max": max(loads.values),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--sample", type=int, default=None, help="grade only this many per assignment, extrapolate")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--assignments", nargs="+", default=None, help="default: every assignment of the course")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from grader.course import Course

    assignments = args.assignments or Course().assignment_ids()
    graded_per = min(args.sample or args.students, args.students)
    print(f"course: {args.students} students x {len(assignments)} assignments; grading {graded_per} per assignment "
          f"with --jobs {args.jobs} on {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}", flush=True)
    figures: dict = {"students": args.students, "graded_per_assignment": graded_per, "jobs": args.jobs,
                     "cpus": os.cpu_count(), "assignments": {}}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-course-") as tmp:
        for assignment in assignments:
            run = grade(assignment, make_class(assignment, graded_per, Path(tmp)), args.jobs)
            steady = max(run["wall"] - run["startup"], 0.0)
            run["full_class_wall"] = (run["wall"] if graded_per == args.students
                                      else run["startup"] + steady * args.students / graded_per)
            scale = args.students / graded_per  # start-up included: an upper bound
            run["full_class_cpu"], run["full_class_machine_cpu"] = run["cpu"] * scale, run["machine_cpu"] * scale
            figures["assignments"][assignment] = run
            print(f"  {assignment:<17} {run['graded']:4d} graded in {run['wall']:7.1f} s "
                  f"(first result after {run['startup']:5.1f} s), median {run['median']:5.2f} s/submission, "
                  f"{run['graded'] / run['wall'] * 60:6.1f}/min, {run['needs_regrading']} needing regrade, "
                  f"load {run['load']:.2f} (max {run['load_max']:.2f}), CPU {run['cpu'] / run['graded']:.2f} s/submission sampled, "
                  f"{run['machine_cpu'] / run['graded']:.2f} machine"
                  + (f"; {args.students} students: ~{run['full_class_wall'] / 60:.1f} min"
                     if graded_per != args.students else ""), flush=True)
    measured = time.perf_counter() - started
    total = sum(r["full_class_wall"] for r in figures["assignments"].values())
    cpu = sum(r["full_class_cpu"] for r in figures["assignments"].values())
    machine = sum(r["full_class_machine_cpu"] for r in figures["assignments"].values())
    figures.update(measured_wall=measured, course_wall=total, course_cpu=cpu, course_machine_cpu=machine,
                   extrapolated=graded_per != args.students)
    how = "extrapolated from the sample" if figures["extrapolated"] else "measured"
    print(f"course of {args.students} students x {len(assignments)} assignments: {total / 60:.1f} min ({how}); "
          f"CPU {cpu / 3600:.2f} h sampled (a lower bound), {machine / 3600:.2f} h machine-wide (exact on an idle "
          f"machine), so {machine / (os.cpu_count() or 1) / 60:.1f} min on {os.cpu_count()} idle CPUs; "
          f"this run took {measured / 60:.1f} min")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
