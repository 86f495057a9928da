"""One process of the parallel floor: the floor (grade_class.floor) on a share of a class, timed from a start signal.

    python benchmarks/floor_share.py ASSIGNMENT WARM_UP READY GO SUBMISSION...

Imports TensorFlow, builds the reference and grades WARM_UP (not timed: the
first submission in a process fills its caches), creates the file READY, waits
for the file GO, grades the SUBMISSIONs and prints one JSON line:
``{"end": <time.time() when done>, "cpu": <process seconds>, "n": <graded>}``.
grade_class.py starts several at once, creates GO when all are ready, and takes
the last ``end`` minus GO's creation time as the wall time of the class.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grade_class import floor_grader  # noqa: E402 - benchmarks/ is not a package


def main() -> None:
    assignment, warm_up, ready, go, *paths = sys.argv[1:]
    from grader.runtime import configure_tensorflow

    configure_tensorflow()  # as the grader imports TF (oneDNN off)
    grade = floor_grader(assignment)
    grade(Path(warm_up))
    Path(ready).touch()
    while not Path(go).exists():
        time.sleep(0.005)
    cpu = time.process_time()
    for path in paths:
        grade(Path(path))
    print(json.dumps({"end": time.time(), "cpu": time.process_time() - cpu, "n": len(paths)}), flush=True)


if __name__ == "__main__":
    main()
