"""What a change to an assignment touches: per-check digests, and the regrade plan of one submission.

A grade depends on the submission and on the assignment. The assignment's part
is split in two:

* the **base** digest: the grader version, ``assignment.toml`` (without
  ``[deadline]``: lateness is restamped without regrading), the reference
  solution, every ``conftest.py`` and every module of the checks folder that no
  check module imports by name. A change there regrades everything.
* one **digest per check** (and per figure function): the check's own
  definition (decorators, parameters and docstring included), the rest of its
  module (imports, helpers, constants; not the other checks) and every module
  of the checks folder it imports, directly or through another. Code is
  compared as its syntax tree, so comments and formatting change nothing.

An unchanged submission whose last clean grade has the same base digest is
regraded only on the exercises with a new or changed check (`plan`), keeping
the other exercises' results (`merge`); a removed check just leaves the
result. The unit is the exercise because its checks share one sandbox (a
check could see what an earlier one did to the student's objects), while
each exercise starts in a fresh one and inputs are seeded per check id: a
kept result is exactly what regrading it would give.
"""

from __future__ import annotations

import ast
import hashlib
import json
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader import __version__
from grader.course import Assignment
from grader.judge.plugin import JUDGE_ERROR
from grader.results import CheckResult, SubmissionResult, now_iso

ITEM_PREFIXES = ("test_", "figure_")  # what the judge's pytest.ini collects (grader.judge.plugin)
ITEM_FILES = ("figures.py",)


@dataclass(frozen=True)
class Digests:
    """The base digest and a digest per check definition, keyed ``"<file>::<def>"``."""

    base: str
    items: dict[str, str] = field(default_factory=dict)

    def of(self, check_id: str) -> str | None:
        """The digest of a check id such as ``test_huber_fn.py::test_values[float16]``; None if unknown."""
        file, _, rest = check_id.partition("::")
        name = rest.split("::")[0].split("[")[0]
        return self.items.get(f"{file}::{name}")

    def overall(self) -> str:
        """One digest of everything: equal exactly when no regrade of any kind is needed."""
        text = json.dumps({"base": self.base, "items": self.items}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def _sha(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def _is_item_file(path: Path) -> bool:
    return path.name.startswith("test_") or path.name in ITEM_FILES


def _is_item_def(node: ast.stmt) -> bool:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return node.name.startswith(ITEM_PREFIXES)
    return isinstance(node, ast.ClassDef) and node.name.startswith("Test")


def _tree(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, OSError):
        return None  # pytest reports it; the file's bytes stand in for it


def _dump(node: ast.AST) -> str:
    return ast.dump(node, include_attributes=False)


def _local_imports(tree: ast.Module, local: set[str]) -> set[str]:
    """Names of the checks folder's own modules that ``tree`` imports, anywhere in it."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & local


def _graded_toml(path: Path) -> bytes:
    config = tomllib.loads(path.read_text(encoding="utf-8"))
    config.pop("deadline", None)
    return json.dumps(config, sort_keys=True, default=str).encode()


def assignment_digests(assignment: Assignment) -> Digests:
    checks_dir = assignment.checks_dir
    files = sorted(checks_dir.rglob("*.py"))
    modules = {}  # importable module name -> its files (a package: every file under it)
    for path in files:
        top = path.relative_to(checks_dir).parts[0]
        modules.setdefault(top.removesuffix(".py"), []).append(path)
    trees = {path: _tree(path) for path in files}
    text = {path: _dump(tree) if tree is not None else path.read_bytes().hex() for path, tree in trees.items()}
    imports = {path: _local_imports(tree, set(modules)) if tree is not None else set() for path, tree in trees.items()}

    def closure(path: Path) -> list[str]:
        """Local modules ``path`` depends on, transitively, sorted."""
        seen: set[str] = set()
        stack = list(imports[path])
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            for dep_path in modules[name]:
                stack.extend(imports[dep_path])
        return sorted(seen)

    def module_text(name: str) -> str:
        return "".join(str(p.relative_to(checks_dir)) + text[p] for p in modules[name])

    item_files = [p for p in files if _is_item_file(p) and p.name != "conftest.py"]
    imported = set().union(*(closure(p) for p in item_files)) if item_files else set()
    base = [__version__, _graded_toml(assignment.solution_dir / "assignment.toml"),
            assignment.solution_path.read_bytes()]
    for path in files:  # what no check module names: conftest.py, modules loaded some other way
        name = path.relative_to(checks_dir).parts[0].removesuffix(".py")
        if path.name == "conftest.py" or (not _is_item_file(path) and name not in imported):
            base += [str(path.relative_to(checks_dir)), text[path]]
    items: dict[str, str] = {}
    for path in item_files:
        tree = trees[path]
        deps = "".join(module_text(name) for name in closure(path))
        if tree is None:  # unparsable: every item of it (pytest will report them) changes with its bytes
            items[f"{path.name}::*"] = _sha(text[path], deps)
            continue
        context = _sha(*(_dump(node) for node in tree.body if not _is_item_def(node)), deps)
        for node in tree.body:
            if _is_item_def(node):
                items[f"{path.name}::{node.name}"] = _sha(context, _dump(node))
    return Digests(base=_sha(*base), items=items)


@dataclass
class Plan:
    """What to do with one submission whose content is unchanged since ``previous``."""

    action: str  # "reuse" (nothing to run) | "partial" (run ``exercises``, keep the rest) | "full"
    exercises: list[str] = field(default_factory=list)  # exercises whose checks (and figures) run again


def plan(previous: SubmissionResult, digests: Digests, checks: list[CheckResult],
         figures: dict[str, str]) -> Plan:
    """Which exercises to regrade for a submission last graded as ``previous``.

    ``figures`` maps each report figure's id to its exercise. An exercise is
    regraded whole when one of its checks is new or changed (its checks share
    one sandbox, so a kept check's result is what a full regrade would give),
    or when one of its figures changed and it lost points (else no figure is due).
    """
    if previous.base_digest != digests.base or not previous.check_digests:
        return Plan("full")
    stamped = previous.check_digests

    def changed(item_id: str) -> bool:
        return digests.of(item_id) is None or stamped.get(item_id) != digests.of(item_id)

    lost = {c.exercise for c in previous.checks if c.status != "passed"}
    touched = {c.exercise for c in checks if changed(c.id)}
    touched |= {exercise for item_id, exercise in figures.items() if exercise in lost and changed(item_id)}
    if not touched:
        return Plan("reuse")
    order = list(dict.fromkeys(c.exercise for c in checks))
    return Plan("partial", exercises=[name for name in order if name in touched])


def stamp(result: SubmissionResult, digests: Digests, checks: list[CheckResult], figures: dict[str, str]) -> None:
    """Record the digests a result stands for (what `plan` compares next time)."""
    result.base_digest = digests.base
    result.check_digests = {item_id: digests.of(item_id) or "" for item_id in [*(c.id for c in checks), *figures]}


def merge(previous: SubmissionResult, new: SubmissionResult | None, todo: Plan,
          checks: list[CheckResult]) -> SubmissionResult:
    """``previous`` with the exercises in ``todo`` replaced by ``new``'s run of them (None: nothing ran).

    Checks follow the collected order and a removed check is dropped; a check of a
    regraded exercise that did not come back is a judge error, never a silent
    zero. Figures are redrawn for the regraded exercises only. Output, load
    report, timings and judge errors are those of the new run when there was one.
    """
    redone = set(todo.exercises)
    ran = {c.id: c for c in new.checks} if new is not None else {}
    kept = {c.id: c for c in previous.checks}
    merged = []
    for check in checks:
        if check.exercise in redone:
            merged.append(ran.get(check.id) or replace(check, status="error", message=JUDGE_ERROR, fault="judge",
                                                       details={"judge_error": "the check did not run"}))
        elif check.id in kept:
            merged.append(kept[check.id])
    base = replace(previous, graded_at=now_iso()) if new is None else replace(new)
    base.checks = merged
    base.figures = [f for f in previous.figures if f["exercise"] not in redone] + (new.figures if new else [])
    base.regraded = list(todo.exercises)
    return base
