"""How much of grading goes to the reference side, and how often a reference cache would hit.

    python benchmarks/reference_share.py --assignment losses --n 12

Grades N fixture submissions (each under its own student id, so each gets its
own seeded inputs, as in a real class) with one warm `Grader` and times every
request the judge makes: to the sandbox (the student) and to the in-process
reference (`LocalBackend`). For the reference requests it also counts how many
repeat exactly -- same operation, same JSON header, same array bytes, no handle
in the request or in the reply -- across the batch: the requests a per-batch
cache keyed by (assignment, callable, input bytes) could answer without
recomputing. A request on a handle (an object the reference built for this
check: a loss instance, a model) is never cacheable across students: the
object belongs to one check.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def has_handle(value: object) -> bool:
    if isinstance(value, dict):
        return "$h" in value or any(has_handle(v) for v in value.values())
    if isinstance(value, list):
        return any(has_handle(v) for v in value)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="losses")
    parser.add_argument("--n", type=int, default=12, help="submissions (fixtures, cycled)")
    args = parser.parse_args()
    from grader.runtime import configure_tensorflow

    configure_tensorflow()

    from grader.course import Course
    from grader.grading import Grader
    from grader.judge import proxy
    from grader.sandbox.client import Zygote
    from grader.submission import read_submission

    seconds: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    keys: Counter[str] = Counter()
    local_request, sandbox_request = proxy.LocalBackend.request, proxy.SandboxBackend.request

    def timed_local(self, header, frames, timeout):
        started = time.perf_counter()
        reply, out = local_request(self, header, frames, timeout)
        spent = time.perf_counter() - started
        op = header.get("op", "?")
        seconds["reference"] += spent
        seconds[f"reference {op}"] += spent
        calls["reference"] += 1
        if not has_handle(header) and not has_handle(reply):
            digest = hashlib.sha256(json.dumps(header, sort_keys=True).encode())
            for frame in frames:
                digest.update(frame)
            key = digest.hexdigest()
            if keys[key]:
                seconds["reference repeats"] += spent  # what a cache would have saved
            keys[key] += 1
            seconds["reference cacheable"] += spent
        return reply, out

    def timed_sandbox(self, header, frames, timeout):
        started = time.perf_counter()
        try:
            return sandbox_request(self, header, frames, timeout)
        finally:
            seconds["sandbox"] += time.perf_counter() - started
            calls["sandbox"] += 1

    proxy.LocalBackend.request, proxy.SandboxBackend.request = timed_local, timed_sandbox
    fixtures = sorted((ROOT / "tests" / "fixtures" / "submissions" / args.assignment).glob("*.py"))
    zygote = Zygote()
    try:
        grader = Grader(Course().assignment(args.assignment), zygote)
        grader.grade(read_submission(fixtures[0]))  # warm-up, not counted
        seconds.clear(), calls.clear(), keys.clear()
        total = 0.0
        for i in range(args.n):
            submission = read_submission(fixtures[i % len(fixtures)])
            submission.student = f"student{i:04d}"
            started = time.perf_counter()
            grader.grade(submission)
            total += time.perf_counter() - started
    finally:
        zygote.close()
    repeats = sum(count - 1 for count in keys.values())
    print(f"{args.assignment}: {args.n} submissions, judge wall {total:.1f} s ({total / args.n:.2f} s each)")
    for name in ("sandbox", "reference"):
        print(f"  {name:<10} {seconds[name]:7.2f} s  {seconds[name] / total:5.1%}  ({calls[name]} requests)")
    for name, spent in sorted(seconds.items(), key=lambda kv: -kv[1]):
        if name.startswith("reference ") and name not in ("reference cacheable", "reference repeats"):
            print(f"    {name:<28} {spent:7.2f} s")
    print(f"  reference requests with no handle in or out: {sum(keys.values())} "
          f"({seconds['reference cacheable']:.2f} s); of those, exact repeats across the batch: {repeats} "
          f"({seconds['reference repeats']:.2f} s, {seconds['reference repeats'] / total:.1%} of the judge's time)")


if __name__ == "__main__":
    main()
