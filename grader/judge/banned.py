"""Banned built-ins: an exercise may forbid calls such as ``keras.losses.Huber``.

The judge reads the student's source as an AST (it never runs it) and looks
inside every top-level ``def`` and ``class`` -- the code that is graded -- for a
reference to a banned dotted name, following import aliases
(``import tensorflow as tf``, ``from keras.losses import Huber as H``) and
treating ``tf.keras`` / ``tensorflow.keras`` as ``keras``. An entry starting
with a dot bans a method by name on any object: ``".fit"`` catches
``model.fit(...)``. Comments, strings and scratch cells that are not run do not
count.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

ALIASES_OF_KERAS = ("tensorflow.keras.", "tf.keras.")


def normalise(dotted: str) -> str:
    name = dotted.strip()
    for prefix in ALIASES_OF_KERAS:
        if name.startswith(prefix):
            return "keras." + name[len(prefix) :]
    if name.startswith("tf."):
        return "tensorflow." + name[3:]
    return name


@dataclass(frozen=True)
class Use:
    name: str  # the banned name, normalised
    cell: str
    line: int


def _imports(tree: ast.Module) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _reachable(definitions: dict[str, tuple[str, ast.stmt]], roots: set[str]) -> set[str]:
    """Names of top-level definitions reachable from ``roots`` by name references."""
    seen, stack = set(), [r for r in roots if r in definitions]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in ast.walk(definitions[name][1]):
            if isinstance(node, ast.Name) and node.id in definitions and node.id not in seen:
                stack.append(node.id)
    return seen


def find_uses(cells: list[dict], banned: set[str], roots: set[str] | None = None) -> list[Use]:
    """References to a banned name inside top-level definitions of ``cells``.

    With ``roots`` (exercise names), only the definitions of those names and
    the top-level helpers they refer to are searched (last definition wins).
    """
    wanted = {normalise(b) for b in banned if not b.startswith(".")}
    methods = {b[1:] for b in banned if b.startswith(".")}
    trees = []
    aliases: dict[str, str] = {}
    for cell in cells:
        try:
            tree = ast.parse(cell["source"])
        except SyntaxError:
            continue  # the loader reports it; what cannot parse is not graded either
        trees.append((cell["label"], tree))
        aliases.update(_imports(tree))
    definitions: dict[str, tuple[str, ast.stmt]] = {}
    for label, tree in trees:
        for top in tree.body:
            if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                definitions[top.name] = (label, top)
    names = _reachable(definitions, roots) if roots is not None else set(definitions)
    uses = []
    for definition in sorted(names):
        label, top = definitions[definition]
        local_aliases = {**aliases, **_imports(ast.Module(body=[top], type_ignores=[]))}
        for node in ast.walk(top):
            if isinstance(node, ast.Attribute) and node.attr in methods:
                uses.append(Use(f".{node.attr}", label, node.lineno))
                continue
            dotted = _dotted(node) if isinstance(node, (ast.Attribute, ast.Name)) else None
            if dotted is None:
                continue
            head, _, rest = dotted.partition(".")
            resolved = normalise(local_aliases.get(head, head) + (f".{rest}" if rest else ""))
            if resolved in wanted:
                uses.append(Use(resolved, label, node.lineno))
    unique = {(u.name, u.cell, u.line): u for u in uses}
    return list(unique.values())
