"""What the zygote's warm-up (grader.sandbox.warmup) saves: the same submissions, graded paired.

    python benchmarks/zygote_warm_up.py --assignment losses --n 24
    python benchmarks/zygote_warm_up.py --assignment losses layers models --n 12

One judge (this process), two zygotes: one warmed up as the grader's is, one
started with ``--no-warm-up``. Each submission is graded by both, one after
the other, alternating which goes first, so both modes meet the same machine
(these machines are shared and their speed drifts by x1.3 within minutes). Per
mode it prints the median seconds per submission, the busy CPU seconds of the
machine per submission (/proc/stat: sandboxes are the zygote's forks, not this
process's children), the median of the paired ratios warm/cold, and the checks
whose time changed most. Verdicts must agree check by check: a difference is
printed and exits 1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from grade_class import make_class  # noqa: E402 - benchmarks/ is not a package
from memory import machine_busy_seconds  # noqa: E402


def grade_paired(assignment_id: str, n: int) -> dict:
    from grader.course import Course
    from grader.grading import Grader
    from grader.sandbox.client import Zygote
    from grader.submission import read_submission

    assignment = Course().assignment(assignment_id)
    zygotes = {"warm": Zygote(), "cold": Zygote(warm_up=False)}
    try:
        graders = {mode: Grader(assignment, z) for mode, z in zygotes.items()}
        graders["cold"].reference = graders["warm"].reference  # one reference backend: same judge-side work
        times: dict[str, list[float]] = defaultdict(list)
        cpu: dict[str, float] = defaultdict(float)
        checks: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        mismatches = []
        with tempfile.TemporaryDirectory(prefix="bench-warm-up-") as folder:
            paths, _ = make_class(assignment_id, n, Path(folder), crash_every=0)
            for i, path in enumerate(paths):
                submission = read_submission(path)
                scores = {}
                for mode in (("warm", "cold") if i % 2 else ("cold", "warm")):
                    busy, started = machine_busy_seconds(), time.perf_counter()
                    result = graders[mode].grade(submission)
                    times[mode].append(time.perf_counter() - started)
                    cpu[mode] += machine_busy_seconds() - busy
                    scores[mode] = [(c.id, c.status, c.score) for c in result.checks]
                    for check in result.checks:
                        checks[f"{check.exercise}: {check.id.split('::')[-1]}"][mode].append(check.duration)
                if scores["warm"] != scores["cold"]:
                    differ = sorted(set(scores["warm"]) ^ set(scores["cold"]))
                    mismatches.append(f"{path.stem}: {differ}")
        return {"times": times, "cpu": {m: c / n for m, c in cpu.items()}, "checks": checks,
                "mismatches": mismatches}
    finally:
        for z in zygotes.values():
            z.close()


def report(assignment_id: str, figures: dict) -> None:
    times, cpu = figures["times"], figures["cpu"]
    warm, cold = statistics.median(times["warm"]), statistics.median(times["cold"])
    paired = statistics.median(w / c for w, c in zip(times["warm"], times["cold"], strict=True))
    print(f"\n{assignment_id}: {len(times['warm'])} submissions, each graded by both zygotes")
    print(f"  {'':<10}{'median s/submission':>22}{'CPU s/submission':>20}")
    for mode, median in (("cold", cold), ("warm", warm)):
        print(f"  {mode:<10}{median:>22.3f}{cpu[mode]:>20.3f}")
    print(f"  warm/cold: x{warm / cold:.3f} of the medians, x{paired:.3f} median of the paired ratios, "
          f"x{cpu['warm'] / cpu['cold']:.3f} in CPU")
    gains = sorted(((statistics.median(v["cold"]) - statistics.median(v["warm"]), name)
                    for name, v in figures["checks"].items() if v["cold"] and v["warm"]), reverse=True)
    print("  checks that gained most (median ms, cold -> warm):")
    for _gain, name in gains[:5]:
        v = figures["checks"][name]
        print(f"    {name:<58}{statistics.median(v['cold']) * 1000:>7.0f} -> {statistics.median(v['warm']) * 1000:.0f}")
    for line in figures["mismatches"]:
        print(f"  SCORES DIFFER: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", nargs="+", default=["losses"], help="assignments to grade (default: losses)")
    parser.add_argument("--n", type=int, default=24, help="submissions per assignment, from the fixtures (default 24)")
    args = parser.parse_args()
    from grader.runtime import require_keras3

    require_keras3()
    failed = False
    for assignment_id in args.assignment:
        figures = grade_paired(assignment_id, args.n)
        report(assignment_id, figures)
        failed |= bool(figures["mismatches"])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
