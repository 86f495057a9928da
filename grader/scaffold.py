"""``tfgrader init DIR``: a new course from the template in ``grader/scaffold/``.

The template holds one small assignment, ``example`` (a reference solution
with solution markers, hidden checks, public checks, ``assignment.toml``).
``init`` copies it, writes ``solutions/course.toml`` with a fresh random
secret, and generates the example's student stubs, so that
``tfgrader validate example --course DIR`` passes straight away.
"""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

from grader.course import Course
from grader.generate import write_stubs

TEMPLATE = Path(__file__).resolve().parent / "scaffold"
EXAMPLE = "example"
RENAMED = {"gitignore": ".gitignore"}  # dotfiles travel badly as package data


class ScaffoldError(Exception):
    """The course cannot be created there; the message says why."""


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def create_course(root: Path, title: str | None = None) -> list[Path]:
    """Create a course in ``root`` (absent or empty); return the files written. Raises ScaffoldError."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise ScaffoldError(f"{root} exists and is not a folder")
    if root.is_dir() and any(root.iterdir()):
        raise ScaffoldError(f"{root} is not empty; `tfgrader init` only writes into a new or empty folder")
    title = title or root.resolve().name.replace("_", " ").replace("-", " ").strip() or "My course"
    written = []
    root.mkdir(parents=True, exist_ok=True)
    for source in sorted(TEMPLATE.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(TEMPLATE)
        target = root / relative.parent / RENAMED.get(relative.name, relative.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if relative.name == "README.md":
            text = source.read_text(encoding="utf-8").replace("{title}", title)
            target.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(target)
    course_toml = root / "solutions" / "course.toml"
    course_toml.write_text(
        "# The secret seeds every student's check inputs: keep this file private (TFGRADER_SECRET overrides it).\n"
        f"title = {_toml_string(title)}\n"
        f"secret = {_toml_string(secrets.token_urlsafe(32))}\n",
        encoding="utf-8",
    )
    written.append(course_toml)
    written += write_stubs(Course(root).assignment(EXAMPLE))
    return written
