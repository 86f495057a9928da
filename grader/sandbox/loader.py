"""Runs the definitions of a student's source, and only those.

A notebook is more than its answers: cells train for minutes, plot, read files
that are not on the grading machine, or crash. We grade the *definitions*:
every top-level statement of every cell is looked at, in order, and

* imports, ``def``, ``class`` (with their decorators) and assignments whose
  value makes no call (``alpha = 0.5``, ``f = lambda x: ...``), or that bind a
  name the assignment asks for (``tf_cube = tf.function(...)``), are executed;
* everything else (calls, loops, ``if`` blocks, training) is skipped and
  reported, so the student knows what did not run.

A statement that raises is reported with its cell and line and loading goes on,
so one broken cell costs only what depends on it. Last definition wins, as in a
top-to-bottom run. IPython magics (``%...``) and shell lines (``!...``) were
already blanked by the submission reader.
"""

from __future__ import annotations

import ast
import sys
import types
from dataclasses import dataclass, field

CALL_NODES = (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass
class Cell:
    """One unit of source: a notebook cell or a whole module."""

    label: str  # what the student sees: "cell 3" or "losses.py"
    source: str


@dataclass
class LoadReport:
    defined: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"defined": self.defined, "skipped": self.skipped, "errors": self.errors}


def _value_is_cheap(value: ast.AST | None) -> bool:
    """True when evaluating ``value`` cannot run code beyond literals, names and lambdas."""
    if value is None:
        return True
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Lambda):
            continue  # the body runs only when called
        if isinstance(node, CALL_NODES):
            return False
        stack.extend(ast.iter_child_nodes(node))
    return True


# factories cheap and common at module level (`rng = np.random.default_rng(42)`)
CHEAP_FACTORIES = {"default_rng", "RandomState", "SeedGenerator", "from_seed", "partial", "float32", "float64",
                   "dtype", "TensorSpec"}


def _cheap_factory_call(value: ast.AST | None) -> bool:
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    arguments = list(value.args) + [k.value for k in value.keywords]
    return name in CHEAP_FACTORIES and all(_value_is_cheap(a) for a in arguments)


def _target_names(node: ast.AST) -> set[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _only_definitions(body: list[ast.stmt]) -> bool:
    return all(isinstance(s, DEFINITIONS + (ast.Pass, ast.Expr)) and not (
        isinstance(s, ast.Expr) and not isinstance(s.value, ast.Constant)
    ) for s in body)


def should_run(stmt: ast.stmt, wanted: set[str]) -> tuple[bool, str]:
    """Decide whether a top-level statement is a definition; the reason if not."""
    if isinstance(stmt, DEFINITIONS):
        return True, ""
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        if _value_is_cheap(stmt.value) or _cheap_factory_call(stmt.value) or _target_names(stmt) & wanted:
            return True, ""
        return False, "assignment that calls code"
    if isinstance(stmt, ast.Try) and _only_definitions(stmt.body):
        return True, ""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True, ""  # docstrings
    if isinstance(stmt, ast.Pass):
        return True, ""
    kind = {
        ast.Expr: "expression or call",
        ast.For: "loop",
        ast.While: "loop",
        ast.If: "if block",
        ast.With: "with block",
        ast.AugAssign: "update of a variable",
    }.get(type(stmt), type(stmt).__name__)
    return False, kind


def new_module(name: str = "submission") -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__["__builtins__"] = __builtins__
    sys.modules[name] = module
    return module


def _blocks(source: str) -> list[tuple[int, str]]:
    """Split source into top-level blocks (a block starts at an unindented line), padded to keep line numbers."""
    lines = source.splitlines()
    starts = []
    for i, line in enumerate(lines):
        starts_block = line[:1] not in ("", " ", "\t", "#", ")", "]", "}") and not line.startswith(("else", "elif", "except", "finally"))
        if starts_block and not (i > 0 and lines[i - 1].startswith("@")):
            starts.append(i)
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = starts[1:] + [len(lines)]
    return [(a, "\n" * a + "\n".join(lines[a:b])) for a, b in zip(starts, bounds, strict=True)]


def _syntax_error(cell: Cell, exc: SyntaxError) -> dict:
    return {
        "cell": cell.label,
        "line": exc.lineno or 0,
        "type": "SyntaxError",
        "message": f"{exc.msg}" + (f": {exc.text.strip()}" if exc.text else ""),
    }


def _parse(cell: Cell, report: LoadReport) -> list[ast.stmt]:
    """The cell's statements; on a syntax error, those of every top-level block that parses."""
    try:
        return ast.parse(cell.source, filename=cell.label).body
    except SyntaxError as exc:
        report.errors.append(_syntax_error(cell, exc))
    statements: list[ast.stmt] = []
    for _, block in _blocks(cell.source):
        try:
            statements += ast.parse(block, filename=cell.label).body
        except SyntaxError:
            continue  # the block holding the error (already reported)
    return statements


def load_cells(cells: list[Cell], module: types.ModuleType, wanted: set[str]) -> LoadReport:
    """Execute the definitions of ``cells`` into ``module``; never raises for student errors."""
    report = LoadReport()
    namespace = module.__dict__
    for cell in cells:
        for stmt in _parse(cell, report):
            ok, why = should_run(stmt, wanted)
            if not ok:
                report.skipped.append({"cell": cell.label, "line": stmt.lineno, "what": why, "code": _first_line(cell, stmt)})
                continue
            try:
                code = compile(ast.Module(body=[stmt], type_ignores=[]), cell.label, "exec")
                exec(code, namespace)
            except SyntaxError as exc:  # parses but does not compile: 'return' outside function, ...
                report.errors.append(_syntax_error(cell, exc))
            except NameError as exc:
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and not (_target_names(stmt) & wanted):
                    # e.g. `input_shape = X_train.shape[1:]` after the cell building X_train was skipped
                    report.skipped.append(
                        {"cell": cell.label, "line": stmt.lineno, "what": "assignment that depends on skipped code",
                         "code": _first_line(cell, stmt)}
                    )
                else:
                    report.errors.append(_error(cell, stmt, exc))
            except BaseException as exc:  # noqa: BLE001 - a student statement may raise anything
                report.errors.append(_error(cell, stmt, exc))
    report.defined = sorted(k for k, v in namespace.items() if not k.startswith("__") and not isinstance(v, types.ModuleType))
    return report


def _first_line(cell: Cell, stmt: ast.stmt) -> str:
    lines = cell.source.splitlines()
    line = lines[stmt.lineno - 1].strip() if 0 < stmt.lineno <= len(lines) else ""
    return line[:120]


def _error(cell: Cell, stmt: ast.stmt, exc: BaseException) -> dict:
    return {
        "cell": cell.label,
        "line": _student_line(exc, cell.label, stmt.lineno),
        "type": type(exc).__name__,
        "message": _safe_str(exc),
    }


def _student_line(exc: BaseException, label: str, default: int) -> int:
    tb = exc.__traceback__
    line = default
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == label:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _safe_str(exc: BaseException, limit: int = 2000) -> str:
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001 - a hostile __str__
        text = "<the exception's message could not be read>"
    return text if len(text) <= limit else text[:limit] + " …[truncated]"

