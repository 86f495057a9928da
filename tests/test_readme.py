"""The README begins with the two commands, and CI runs exactly the second one."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_exactly_the_readme_test_command():
    blocks = re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text(), flags=re.S)
    grade, test = blocks[0].strip(), blocks[1].strip()
    assert "tfgrader grade losses samples/losses/*" in grade and "pip install -e ." in grade
    assert test.endswith(".venv/bin/python -m pytest") and "apt-get install" in test
    ci_lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci_lines[-1] == test
