"""From a path on disk to a student id and the cells of their source.

A submission is a ``.py`` file, a ``.ipynb`` notebook (read with nbformat), or a
folder holding exactly one of them (a notebook wins over ``.py`` files; files
such as ``conftest.py`` are never taken). The student id is the file's stem or
the folder's name.

Reading never raises for a bad submission: problems (not UTF-8, not JSON, two
notebooks, a symbolic link...) land in ``Submission.problems`` and the batch
goes on. IPython magics (``%...``, ``%%...``) and shell lines (``!...``) are
blanked, keeping line numbers, and listed in ``Submission.notes``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

MAX_SOURCE_BYTES = 5 * 1024 * 1024  # of code, after notebook outputs are dropped
MAX_NOTEBOOK_BYTES = 200 * 1024 * 1024
NEVER_GRADED = {"conftest.py", "sitecustomize.py", "usercustomize.py", "setup.py", "__init__.py"}
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
PERCENT_CELL = re.compile(r"^# ?%%")
STUDENT_ID = re.compile(r"[^A-Za-z0-9._@+-]")


@dataclass
class Submission:
    student: str
    path: str
    kind: str  # "py" | "ipynb" | "unknown"
    cells: list[dict] = field(default_factory=list)  # {"label": "cell 3", "source": "..."}
    problems: list[str] = field(default_factory=list)  # nothing can be graded when non-empty
    notes: list[str] = field(default_factory=list)
    content_hash: str = ""
    mtime: float | None = None
    only_exercises: list[str] | None = None  # an incremental regrade (grader.regrade): grade just these

    @property
    def ok(self) -> bool:
        return not self.problems


def student_id_for(path: Path) -> str:
    name = path.name if path.is_dir() and not path.is_symlink() else path.stem
    clean = STUDENT_ID.sub("_", name).lstrip(".") or "unnamed"
    return clean[:100]


def blank_magics(source: str) -> tuple[str, list[str]]:
    """Blank IPython magics and shell escapes, line by line; returns (source, what was removed)."""
    lines = source.splitlines()
    removed: list[str] = []
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split()[0] if lines[0].lstrip()[2:].split() else ""
        if magic not in PYTHON_CELL_MAGICS:
            return "", [f"%%{magic} cell"]
        removed.append(lines[0].strip())
        lines[0] = ""
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")) or re.match(r"^\s*[\w.]+\s*=\s*[!%]", line):
            removed.append(stripped[:80])
            lines[i] = ""
        elif re.match(r"^\s*[\w.]+\?{1,2}\s*$", line):  # `obj?` help
            removed.append(stripped[:80])
            lines[i] = ""
    return "\n".join(lines), removed


def split_percent_cells(text: str) -> list[tuple[int, str]]:
    """Split a ``.py`` file at ``# %%`` markers (as the stubs have): ``[(first line index, source)]``.

    Each cell loads on its own, so a typo in a scratch cell costs only that cell.
    """
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if PERCENT_CELL.match(line)]
    if not starts:
        return [(0, text)]
    if starts[0] != 0:
        starts.insert(0, 0)
    bounds = starts[1:] + [len(lines)]
    return [(a, "\n".join(lines[a:b])) for a, b in zip(starts, bounds, strict=True)]


def _hash(cells: list[dict]) -> str:
    digest = hashlib.sha256()
    for cell in cells:
        digest.update(cell["source"].encode("utf-8", "replace") + b"\0")
    return digest.hexdigest()


def _decode(data: bytes, what: str, problems: list[str]) -> str | None:
    if b"\0" in data[:8192]:
        problems.append(f"{what} is a binary file, not Python source or a notebook.")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(f"{what} is not UTF-8 text (byte {exc.start}): save it as UTF-8.")
        return None


def _read_bytes(path: Path, limit: int, problems: list[str]) -> bytes | None:
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            problems.append(f"{path.name} is a symbolic link; submit the file itself.")
            return None
        if not stat.S_ISREG(info.st_mode):
            problems.append(f"{path.name} is not a regular file.")
            return None
        if info.st_size > limit:
            problems.append(f"{path.name} is {info.st_size / 2**20:.0f} MiB, over the {limit / 2**20:.0f} MiB limit.")
            return None
        with open(path, "rb") as fh:
            return fh.read(limit + 1)
    except OSError as exc:
        problems.append(f"{path.name} cannot be read: {exc.strerror}.")
        return None


def _read_text(path: Path, limit: int, sub: Submission) -> str | None:
    """The file's text, or None with the reason in ``sub.problems`` (link, size, binary, encoding, empty)."""
    data = _read_bytes(path, limit, sub.problems)
    text = _decode(data, path.name, sub.problems) if data is not None else None
    if text is not None and not text.strip():
        sub.problems.append(f"{path.name} is empty.")
        return None
    return text


def _read_py(path: Path, sub: Submission) -> None:
    text = _read_text(path, MAX_SOURCE_BYTES, sub)
    if text is None:
        return
    cells = split_percent_cells(text)
    removed_count = 0
    for number, (start, cell_source) in enumerate(cells, start=1):
        source, removed = blank_magics(cell_source)
        removed_count += len(removed)
        label = path.name if len(cells) == 1 else f"{path.name}, cell {number}"
        sub.cells.append({"label": label, "source": "\n" * start + source})  # line numbers stay the file's
    if removed_count:
        sub.notes.append(f"ignored {removed_count} IPython magic or shell line(s)")


def _read_ipynb(path: Path, sub: Submission) -> None:
    text = _read_text(path, MAX_NOTEBOOK_BYTES, sub)
    if text is None:
        return
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        sub.problems.append(
            f"{path.name} is not a valid notebook: its JSON is broken at line {exc.lineno}, column {exc.colno} "
            f"({exc.msg}). Open it in Jupyter and save it again."
        )
        return
    try:
        notebook = nbformat.reads(text, as_version=4)
        cells = notebook.cells
    except Exception:  # noqa: BLE001 - nbformat raises many types; salvage what JSON we have
        cells = raw.get("cells") if isinstance(raw, dict) else None
        if not isinstance(cells, list):
            sub.problems.append(f"{path.name} is JSON but not a Jupyter notebook (no cells).")
            return
        sub.notes.append("the notebook does not follow the nbformat schema; its code cells were read anyway")
    magic_count = 0
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            continue
        source, removed = blank_magics(source)
        magic_count += len(removed)
        sub.cells.append({"label": f"cell {number}", "source": source})
    if magic_count:
        sub.notes.append(f"ignored {magic_count} IPython magic or shell line(s)")
    if not any(c["source"].strip() for c in sub.cells):
        sub.problems.append(f"{path.name} has no code.")


def _pick_from_folder(folder: Path, sub: Submission) -> Path | None:
    try:
        entries = sorted(p for p in folder.iterdir() if not p.name.startswith((".", "__")))
    except OSError as exc:
        sub.problems.append(f"the folder {folder.name} cannot be read: {exc.strerror}.")
        return None
    notebooks = [p for p in entries if p.suffix == ".ipynb"]
    modules = [p for p in entries if p.suffix == ".py" and p.name not in NEVER_GRADED]
    candidates = notebooks or modules
    if len(candidates) != 1:
        kind = "notebooks" if notebooks else ".py files"
        if not candidates:
            sub.problems.append(f"the folder {folder.name} holds no notebook and no .py file.")
        else:
            names = ", ".join(p.name for p in candidates[:5])
            sub.problems.append(f"the folder {folder.name} holds {len(candidates)} {kind} ({names}): keep exactly one.")
        return None
    ignored = [p.name for p in entries if p != candidates[0]]
    if ignored:
        sub.notes.append(f"only {candidates[0].name} was graded; ignored: {', '.join(ignored[:10])}")
    return candidates[0]


def read_submission(path: str | os.PathLike) -> Submission:
    """Read one submission; never raises for the submission's own faults."""
    path = Path(path)
    sub = Submission(student=student_id_for(path), path=str(path), kind="unknown")
    if not os.path.lexists(path):
        sub.problems.append(f"{path} does not exist.")
        return sub
    if path.is_symlink():
        sub.problems.append(f"{path.name} is a symbolic link; submit the file itself.")
        return sub
    target = _pick_from_folder(path, sub) if path.is_dir() else path
    if target is None:
        return sub
    try:
        sub.mtime = os.lstat(target).st_mtime
    except OSError:
        pass
    if target.suffix == ".ipynb":
        sub.kind = "ipynb"
        _read_ipynb(target, sub)
    elif target.suffix == ".py":
        sub.kind = "py"
        _read_py(target, sub)
    else:
        sub.problems.append(f"{target.name} is neither a .py file nor a .ipynb notebook.")
    if sub.ok:
        sub.content_hash = _hash(sub.cells)
    return sub
