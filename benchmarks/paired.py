"""One speed-up of the grader on or off, measured paired: the same submissions graded both ways.

    python benchmarks/paired.py --compare warm-up --assignment losses --n 24
    python benchmarks/paired.py --compare side-by-side --assignment losses models --n 12
    python benchmarks/paired.py --compare reuse-models --assignment losses --n 16

``--compare warm-up``: two zygotes, one warmed up as the grader's is
(grader.sandbox.warmup), one started with ``--no-warm-up``.
``--compare side-by-side``: one zygote; the checks' ``side_by_side`` /
``both_sides`` calls run the student's and the reference's side at once, or
one after the other (``grader.judge.concurrent.serial``).
``--compare reuse-models``: one zygote; the reference's ``loss_in_model``
builds a fresh compiled model each time, or reuses one per (loss, shapes)
(grader.sandbox.loss_models).

One judge (this process, one reference backend). Each submission is graded
both ways, one after the other, alternating which goes first, so both meet the
same machine (these machines are shared and their speed drifts by x1.3 within
minutes). Per way it prints the median seconds per submission, the busy CPU
seconds of the machine per submission (/proc/stat: sandboxes are the zygote's
forks, not this process's children), the median of the paired ratios, and the
checks whose time changed most. Verdicts must agree check by check: a
difference is printed and exits 1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from grade_class import make_class  # noqa: E402 - benchmarks/ is not a package
from memory import machine_busy_seconds  # noqa: E402

WAYS = {"warm-up": ("cold", "warm"), "side-by-side": ("serial", "side by side"),
        "reuse-models": ("fresh models", "reused models")}


def graders(compare: str, assignment_id: str, stack: ExitStack) -> dict[str, tuple[object, Callable[[], None]]]:
    """way -> (a Grader, what to set before grading that way); baseline first."""
    from grader.course import Course
    from grader.grading import Grader
    from grader.judge import concurrent
    from grader.sandbox.client import Zygote

    assignment = Course().assignment(assignment_id)
    base, new = WAYS[compare]

    def zygote(**kwargs) -> Zygote:
        z = Zygote(**kwargs)
        stack.callback(z.close)
        return z

    if compare == "warm-up":
        warm = Grader(assignment, zygote())
        cold = Grader(assignment, zygote(warm_up=False), reference=warm.reference)
        return {base: (cold, lambda: None), new: (warm, lambda: None)}
    grader = Grader(assignment, zygote())
    if compare == "reuse-models":
        models = grader.reference.agent.loss_models
        return {base: (grader, lambda: setattr(models, "reuse", False)),
                new: (grader, lambda: setattr(models, "reuse", True))}
    return {base: (grader, lambda: setattr(concurrent, "serial", True)),
            new: (grader, lambda: setattr(concurrent, "serial", False))}


def grade_paired(compare: str, assignment_id: str, n: int) -> dict:
    from grader.submission import read_submission

    times: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, float] = defaultdict(float)
    checks: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    mismatches = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-paired-") as folder:
        ways = graders(compare, assignment_id, stack)
        order = list(ways)
        paths, _ = make_class(assignment_id, n, Path(folder), crash_every=0)
        for i, path in enumerate(paths):
            submission = read_submission(path)
            verdicts = {}
            for way in (order if i % 2 == 0 else order[::-1]):
                grader, prepare = ways[way]
                prepare()
                busy, started = machine_busy_seconds(), time.perf_counter()
                result = grader.grade(submission)
                times[way].append(time.perf_counter() - started)
                cpu[way] += machine_busy_seconds() - busy
                verdicts[way] = [(c.id, c.status, c.score) for c in result.checks]
                for check in result.checks:
                    checks[f"{check.exercise}: {check.id.split('::')[-1]}"][way].append(check.duration)
            if verdicts[order[0]] != verdicts[order[1]]:
                differ = sorted(set(verdicts[order[0]]) ^ set(verdicts[order[1]]))
                mismatches.append(f"{path.stem}: {differ}")
    return {"ways": order, "times": times, "cpu": {w: c / n for w, c in cpu.items()}, "checks": checks,
            "mismatches": mismatches}


def report(assignment_id: str, figures: dict) -> None:
    (base, new), times, cpu = figures["ways"], figures["times"], figures["cpu"]
    paired = statistics.median(a / b for a, b in zip(times[new], times[base], strict=True))
    print(f"\n{assignment_id}: {len(times[new])} submissions, each graded both ways")
    print(f"  {'':<14}{'median s/submission':>22}{'CPU s/submission':>20}")
    for way in (base, new):
        print(f"  {way:<14}{statistics.median(times[way]):>22.3f}{cpu[way]:>20.3f}")
    print(f"  {new}/{base}: x{statistics.median(times[new]) / statistics.median(times[base]):.3f} of the medians, "
          f"x{paired:.3f} median of the paired ratios, x{cpu[new] / cpu[base]:.3f} in CPU")
    gains = sorted(((statistics.median(v[base]) - statistics.median(v[new]), name)
                    for name, v in figures["checks"].items() if v[base] and v[new]), reverse=True)
    print(f"  checks that gained most (median ms, {base} -> {new}):")
    for _gain, name in gains[:5]:
        v = figures["checks"][name]
        print(f"    {name:<58}{statistics.median(v[base]) * 1000:>7.0f} -> {statistics.median(v[new]) * 1000:.0f}")
    for line in figures["mismatches"]:
        print(f"  VERDICTS DIFFER: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", choices=sorted(WAYS), required=True, help="the speed-up to turn on and off")
    parser.add_argument("--assignment", nargs="+", default=["losses"], help="assignments to grade (default: losses)")
    parser.add_argument("--n", type=int, default=24, help="submissions per assignment, from the fixtures (default 24)")
    args = parser.parse_args()
    from grader.runtime import require_keras3

    require_keras3()
    failed = False
    for assignment_id in args.assignment:
        figures = grade_paired(args.compare, assignment_id, args.n)
        report(assignment_id, figures)
        failed |= bool(figures["mismatches"])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
