"""The fixed cost of one sandbox, whatever the checks: what isolating an exercise costs before its checks run.

    python benchmarks/sandbox_cost.py --n 16

One warm zygote; the ``losses`` reference solution as the submission.
Each step is timed over N sandboxes, after one untimed: (0) fork a sandbox,
load the code, close it; (1) the same and one eager call of ``huber_fn`` (the
first TensorFlow op of the process: its eager context, the kernels); (2) the
same and a ``tf.function`` trace of it. Prints wall and busy CPU seconds of the
machine per sandbox (/proc/stat: sandboxes are the zygote's forks, not this
process's children; exact on an idle machine). A ``losses`` submission gets one
sandbox per exercise: three.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from memory import machine_busy_seconds  # noqa: E402 - benchmarks/ is not a package

STEPS = ("fork + load + close", "+ one eager call", "+ a tf.function trace")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=16, help="sandboxes per step")
    args = parser.parse_args()
    import numpy as np

    from grader.course import Course
    from grader.grading import limits_for
    from grader.judge.proxy import Namespace, SandboxBackend
    from grader.runtime import freeze_long_lived
    from grader.sandbox.client import Session, Zygote
    from grader.submission import read_submission

    assignment = Course().assignment("losses")
    submission = read_submission(ROOT / "solutions" / "losses" / "losses.py")
    x = np.linspace(-3, 3, 64).astype("float32")
    y = np.zeros(64, "float32")
    zygote = Zygote()
    zygote.wait_ready()
    freeze_long_lived()

    def one_sandbox(step: int) -> None:
        session = Session(zygote, submission.cells, assignment.exercise_names, limits=limits_for(assignment))
        try:
            session.load()
            student = Namespace(SandboxBackend(session))
            if step >= 1:
                student.huber_fn(x, y)
            if step >= 2:
                student.huber_fn.trace([(x, y)])
        finally:
            session.close()

    try:
        for step, label in enumerate(STEPS):
            one_sandbox(step)
            busy, started = machine_busy_seconds(), time.perf_counter()
            for _ in range(args.n):
                one_sandbox(step)
            wall, busy = time.perf_counter() - started, machine_busy_seconds() - busy
            print(f"({step}) {label:24} wall {wall / args.n * 1000:6.1f} ms  busy CPU {busy / args.n * 1000:6.1f} ms "
                  "a sandbox", flush=True)
    finally:
        zygote.close()


if __name__ == "__main__":
    main()
