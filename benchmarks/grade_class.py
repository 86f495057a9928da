"""Time tfgrader against the floor and against its peers on one generated class, in one run on one machine.

    python benchmarks/grade_class.py --assignment losses --n 24            # floor, tfgrader, peers
    python benchmarks/grade_class.py --assignment models --n 12 --no-peers

Measured on the same submissions:

* floor: the same hidden checks in one warm process with TensorFlow imported
  and the student's code loaded in process (no sandbox, no isolation);
* the ceiling: the floor in as many processes as the largest ``--jobs``, the
  class split between them, timed from a start signal given once every process
  has imported TensorFlow and warmed up (floor_share.py): the most any grader
  could grade with that many cores, with isolation and start-up free;
* tfgrader --jobs 1 and --jobs 2: the real CLI (sandboxes, reports, gradebook),
  with the peak memory of its process tree (see memory.py);
* nbgrader autograde and otter run (``losses`` only): the same submissions as
  notebooks, the 28 checks ported to hidden test cells / otter test files
  (peers.py), run from benchmarks/.peers-venv.

The class copies the assignment's fixtures (correct and wrong answers) under
new student ids; for ``losses`` every ``--crash-every``-th submission is the
sample ``judy.py`` (a segfault in one exercise, ``os._exit(0)`` in another).
Crashing submissions cannot run in the floor's process: the floor and the
tfgrader/floor ratio use the other submissions only. Prints per-submission
medians, throughput, peak RSS per worker, the ratios tfgrader/floor,
tfgrader's throughput over each peer's and the ceiling's over each peer's, the
load average before and after;
``--json FILE`` also writes the figures. CPU seconds: the floor's own process
time; the peers' reaped children (getrusage); tfgrader's, the machine's busy
time over the run (its sandboxes are not reaped children: see memory.py), so
exact on an otherwise idle machine and an upper bound on a busy one.
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
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from memory import Sampler  # noqa: E402 - benchmarks/ is not a package

CRASH = ROOT / "samples" / "losses" / "judy.py"


def make_class(assignment: str, n: int, folder: Path, crash_every: int) -> tuple[list[Path], set[str]]:
    """N submissions copied from the fixtures; returns the paths and the ids of the crashing ones."""
    fixtures = sorted((ROOT / "tests" / "fixtures" / "submissions" / assignment).glob("*.py"))
    if not fixtures:
        sys.exit(f"no fixtures for {assignment}")
    paths, crashing = [], set()
    for i in range(n):
        path = folder / f"student{i:04d}.py"
        if assignment == "losses" and crash_every and i % crash_every == crash_every - 1:
            shutil.copy(CRASH, path)
            crashing.add(path.stem)
        else:
            shutil.copy(fixtures[i % len(fixtures)], path)
        paths.append(path)
    return paths, crashing


def floor_grader(assignment_id: str):
    """A function grading one submission (path -> (student, seconds)) with the floor: checks and code in this process.

    The reference is built once, here, as a grader's judge builds it.
    """
    from grader.course import Course
    from grader.grading import reference_backend
    from grader.judge.plugin import GraderPlugin, run_checks
    from grader.judge.proxy import LocalBackend
    from grader.submission import read_submission

    assignment = Course().assignment(assignment_id)
    reference = reference_backend(assignment)

    def grade(path: Path) -> tuple[str, float]:
        started = time.perf_counter()
        sub = read_submission(path)
        student = LocalBackend(sub.cells, assignment.exercise_names, name="student")
        plugin = GraderPlugin(student, reference, assignment.secret, assignment.id, sub.student,
                              assignment.check_seconds, exercise_order=assignment.exercise_names)
        run_checks(str(assignment.checks_dir), plugin)
        return sub.student, time.perf_counter() - started

    return grade


def floor(assignment_id: str, paths: list[Path]) -> tuple[dict[str, float], float]:
    """Seconds per submission with the checks and the student's code in this one warm process; its CPU seconds."""
    grade = floor_grader(assignment_id)
    cpu = time.process_time()  # from here: the reference is built once per batch, as a judge does
    times = dict(grade(path) for path in paths)
    return times, time.process_time() - cpu


def parallel_floor(assignment_id: str, paths: list[Path], processes: int) -> dict:
    """The floor in PROCESSES processes at once, the class split between them (floor_share.py).

    The most any grader could grade in a given time with that many cores: the
    checks and the code alone, no isolation, no start-up (each process imports
    TensorFlow and warms up before the clock starts). Returns the wall time
    from the start signal to the last process done and their CPU seconds.
    """
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        go = Path(tmp) / "go"
        workers = []
        for k in range(processes):
            ready = Path(tmp) / f"ready{k}"
            command = [sys.executable, str(Path(__file__).with_name("floor_share.py")), assignment_id, str(paths[0]),
                       str(ready), str(go), *map(str, paths[k::processes])]
            workers.append((ready, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                    text=True)))
        while not all(ready.exists() for ready, _ in workers):
            if any(proc.poll() is not None for _, proc in workers):
                break
            time.sleep(0.01)
        go.touch()
        started = time.time()
        reports = []
        for _, proc in workers:
            stdout, stderr = proc.communicate()
            if proc.returncode:
                sys.exit(f"the parallel floor failed: {stderr[-2000:]}")
            reports.append(json.loads(stdout.strip().splitlines()[-1]))
    return {"processes": processes, "wall": max(r["end"] for r in reports) - started,
            "cpu": sum(r["cpu"] for r in reports), "n": sum(r["n"] for r in reports)}


def tfgrader(assignment_id: str, paths: list[Path], jobs: int) -> dict:
    """Wall time of the whole command, the per-submission times and scores it reports, its peak memory."""
    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    command = [sys.executable, "-m", "grader.cli", "grade", assignment_id, *map(str, paths), "--out", str(out),
               "--jobs", str(jobs), "--force", "--no-progress"]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with Sampler(proc.pid) as peaks:
        _, stderr = proc.communicate()
    # getrusage would miss the sandboxes, and sampling misses each one's last interval: the machine's busy time
    # is the honest figure on an idle machine (an upper bound otherwise; see memory.py)
    wall, cpu = time.perf_counter() - started, peaks.machine_cpu
    if proc.returncode:
        sys.exit(f"tfgrader failed: {stderr[-2000:]}")
    results = {p.stem: json.loads((out / p.stem / "results.json").read_text()) for p in paths}
    shutil.rmtree(out)
    return {"wall": wall, "cpu": cpu, "cpu_sampled": peaks.cpu, "per": {s: r["execution_time"] for s, r in results.items()},
            "scores": {s: r["score"] for s, r in results.items()}, "peaks": peaks}


def median(values) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="losses")
    parser.add_argument("--n", type=int, default=24, help="submissions in the generated class")
    parser.add_argument("--crash-every", type=int, default=12, help="losses: every k-th submission crashes (0: none)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--peers", action=argparse.BooleanOptionalAction, default=True,
                        help="also time nbgrader autograde and otter run (losses only)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    from grader.runtime import configure_tensorflow

    configure_tensorflow()  # the floor imports TF as the grader does (oneDNN off)
    figures: dict = {"assignment": args.assignment, "n": args.n, "load_before": load(), "cpus": os.cpu_count()}
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-class-") as tmp:
        paths, crashing = make_class(args.assignment, args.n, Path(tmp), args.crash_every)
        safe = [p for p in paths if p.stem not in crashing]
        print(f"class: {args.n} submissions of {args.assignment} ({len(crashing)} crashing), "
              f"{os.cpu_count()} CPUs, load average {figures['load_before']}", flush=True)

        floor_times, floor_cpu = floor(args.assignment, safe)
        floor_median = median(list(floor_times.values())[1:] or floor_times.values())  # the first warms caches
        figures["floor"] = {"median": floor_median, "total": sum(floor_times.values()),
                            "cpu_per_submission": floor_cpu / len(safe)}
        rows.append(("floor (in process, no isolation)", floor_median, None, sum(floor_times.values()),
                     floor_cpu / len(safe), "", ""))

        processes = max(args.jobs)
        if processes > 1:
            ceiling = parallel_floor(args.assignment, safe, processes)
            ceiling["throughput_per_min"] = ceiling["n"] / ceiling["wall"] * 60
            figures["floor_parallel"] = ceiling
            rows.append((f"floor x{processes} processes (ceiling)", None, None, ceiling["wall"],
                         ceiling["cpu"] / ceiling["n"], "", "no start-up: TF imported before the clock"))

        for jobs in args.jobs:
            run = tfgrader(args.assignment, paths, jobs)
            safe_median = median(run["per"][p.stem] for p in safe)
            all_median = median(run["per"].values())
            figures[f"tfgrader_jobs{jobs}"] = {
                "median_safe": safe_median, "median_all": all_median, "wall": run["wall"],
                "throughput_per_min": args.n / run["wall"] * 60, "vs_floor": safe_median / floor_median,
                "peak_rss_per_worker_mib": run["peaks"].per_worker() / (1 << 20),
                "peak_own_per_worker_mib": run["peaks"].per_worker_own() / (1 << 20),
                "peak_rss": {k: v / (1 << 20) for k, v in run["peaks"].rss.items()},
                "tree_pss_mib": run["peaks"].tree_pss / (1 << 20), "scores": run["scores"],
                "cpu_per_submission": run["cpu"] / args.n, "cpu_sampled_per_submission": run["cpu_sampled"] / args.n,
            }
            rows.append((f"tfgrader --jobs {jobs}", safe_median, all_median, run["wall"], run["cpu"] / args.n,
                         f"x{safe_median / floor_median:.2f} floor", run["peaks"].describe()))
            print(f"  done: tfgrader --jobs {jobs} ({run['wall']:.0f} s)", flush=True)

        if args.peers and args.assignment == "losses":
            import peers

            missing = peers.installed()
            if missing:
                print(f"peers not measured: {missing}")
            else:
                students = {p.stem: p.read_text() for p in paths}
                solution = (ROOT / "solutions" / "losses" / "losses.py").read_text()
                work = Path(tmp) / "peers"
                work.mkdir()
                for name, run_peer in (("nbgrader autograde", lambda: peers.nbgrader_autograde(work, solution,
                                                                                              students)),
                                       ("otter run", lambda: peers.otter_run(work, students))):
                    result = run_peer()
                    key = name.split()[0]
                    figures[key] = {"median": median(result["per"]), "wall": result["wall"],
                                    "graded": result["graded"], "throughput_per_min": args.n / result["wall"] * 60,
                                    "cpu_per_submission": result["cpu"] / args.n, "scores": result["scores"]}
                    rows.append((name, median(result["per"]), None, result["wall"], result["cpu"] / args.n, "",
                                 f"graded {result['graded']}/{args.n} (the rest crashed the kernel)"))
                    print(f"  done: {name} ({result['wall']:.0f} s)", flush=True)

    figures["load_after"] = load()
    print(f"\n{'':34} {'median s/sub':>12} {'(all)':>7} {'wall s':>8} {'subs/min':>9} {'CPU s/sub':>9}")
    for name, med, med_all, wall, cpu, ratio, note in rows:
        rate = f"{args.n / wall * 60:9.1f}" if not name.startswith("floor") else f"{len(floor_times) / wall * 60:9.1f}"
        med_text = f"{med:12.2f}" if med is not None else " " * 12
        all_text = f"{med_all:7.2f}" if med_all is not None else " " * 7
        print(f"{name:34} {med_text} {all_text} {wall:8.1f} {rate} {cpu:9.2f}  {ratio}  {note}")
    best = max((v["throughput_per_min"] for k, v in figures.items() if k.startswith("tfgrader_")), default=None)
    single = figures.get("tfgrader_jobs1", {}).get("median_all")
    for peer in ("nbgrader", "otter"):
        if peer in figures and best:
            ratio = best / figures[peer]["throughput_per_min"]
            figures[f"{peer}_throughput_ratio"] = ratio
            per = f", per submission {peer} / tfgrader --jobs 1: x{figures[peer]['median'] / single:.1f}" if single else ""
            ours = next(v["cpu_per_submission"] for k, v in figures.items() if k.startswith("tfgrader_"))
            work = figures[peer]["cpu_per_submission"] / ours
            figures[f"{peer}_cpu_ratio"] = work
            print(f"throughput tfgrader (best --jobs) / {peer}: x{ratio:.1f}{per}; "
                  f"CPU per submission {peer} / tfgrader: x{work:.1f}")
            if "floor_parallel" in figures:
                most = figures["floor_parallel"]["throughput_per_min"] / figures[peer]["throughput_per_min"]
                figures[f"{peer}_ceiling_ratio"] = most
                print(f"  the ceiling (the floor in {figures['floor_parallel']['processes']} processes) / {peer}: "
                      f"x{most:.1f}, the most any grader could reach here")
    print(f"load average before {figures['load_before']}, after {figures['load_after']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=str))


if __name__ == "__main__":
    main()
