"""The agent: answers the judge's requests next to the student's objects.

It runs inside the sandbox over the student's code, and in the judge's own
process over the reference solution (`grader.judge.proxy.LocalBackend`), so both
sides of every comparison go through the same code and the same encoding.

Requests are ``{"op": name, ...}``; replies are ``{"ok": true, "value": ...}`` or
``{"ok": false, "error": {...}}``. Operations are a name-keyed registry
(`OPERATIONS`); probes that must run next to the object (gradient tape,
``tf.function`` tracing, config round trip, ``.keras`` save and reload, a loss
inside a compiled model) live here, not in the judge.
"""

from __future__ import annotations

import contextlib
import functools
import io
import linecache
import os
import shutil
import tempfile
import traceback
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from grader.runtime import load_tensorflow
from grader.sandbox import loader
from grader.sandbox.loss_models import LossModels
from grader.sandbox.protocol import Decoder, Encoder, HandleRef, Limits, ProtocolError

tf, keras = load_tensorflow()
ALLOWED_MODULES = {"tensorflow": tf, "keras": keras, "numpy": np}


class StudentError(Exception):
    """Raised inside an operation to report a plain-words problem to the judge."""


def prepare_runtime(intra_threads: int = 1, inter_threads: int = 2) -> None:
    """Pin TF's thread pools before the first op (sandboxes run side by side)."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(intra_threads)
        tf.config.threading.set_inter_op_parallelism_threads(inter_threads)
    except RuntimeError:
        pass  # already initialised: in the judge's process, keep what is there


class Agent:
    def __init__(self, wanted: set[str] | None = None, limits: Limits | None = None, reuse_models: bool = False) -> None:
        """``reuse_models``: keep compiled models between ``loss_in_model`` calls (`LossModels`; the reference only)."""
        self.wanted = set(wanted or ())
        self.loss_models = LossModels(reuse=reuse_models)
        self.limits = limits or Limits()
        self.module = loader.new_module("submission")
        self.objects: dict[int, Any] = {}
        self.next_id = 1
        self.sources: dict[str, list[str]] = {}
        self.load_errors: list[dict] = []
        self.tmpdir = tempfile.mkdtemp(prefix="agent-")
        weakref.finalize(self, shutil.rmtree, self.tmpdir, True)  # saved models go with the agent (or at exit)

    # ----------------------------------------------------------------- plumbing
    def handle(self, header: dict, frames: list[bytes]) -> tuple[dict, list[bytes]]:
        """Answer one request; never raises for anything the student's code does."""
        op = header.get("op")
        operation = OPERATIONS.get(op) if isinstance(op, str) else None
        if operation is None:
            return {"ok": False, "error": {"type": "ProtocolError", "message": f"unknown operation {op!r}"}}, []
        try:
            decoder = Decoder(frames, from_handle=self._lookup, from_array=_from_array, limits=self.limits)
            args = {k: decoder.decode(v) for k, v in header.items() if k != "op"}
            value = operation(self, **args)
        except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt, pytest's Exit: all the student's
            return {"ok": False, "error": self._describe(exc)}, []
        encoder = Encoder(to_array=_to_array, to_handle=self._register, limits=self.limits)
        try:
            encoded = encoder.encode(value)
        except ProtocolError as exc:
            return {"ok": False, "error": {"type": "ResultTooLarge", "message": str(exc), "traceback": []}}, []
        except BaseException as exc:  # noqa: BLE001 - converting a result may run student code
            return {"ok": False, "error": self._describe(exc)}, []
        return {"ok": True, "value": encoded}, encoder.frames

    def _lookup(self, ref: HandleRef) -> Any:
        if ref.id not in self.objects:
            raise StudentError("an object from an earlier step is gone (the sandbox restarted)")
        return self.objects[ref.id]

    def _register(self, obj: Any) -> HandleRef:
        handle_id = self.next_id
        self.next_id += 1
        self.objects[handle_id] = obj
        cls = type(obj)
        bases = [f"{getattr(c, '__module__', '?')}.{getattr(c, '__qualname__', '?')}" for c in cls.__mro__]
        return HandleRef(handle_id, f"{cls.__module__}.{cls.__qualname__}", tuple(bases[:64]), callable(obj))

    def _describe(self, exc: BaseException) -> dict:
        frames = []
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename in self.sources:
                lines = self.sources[frame.filename]
                code = lines[frame.lineno - 1].strip() if 0 < (frame.lineno or 0) <= len(lines) else ""
                frames.append({"file": frame.filename, "line": frame.lineno, "name": frame.name, "code": code[:200]})
        return {
            "type": type(exc).__name__ if not isinstance(exc, StudentError) else "Problem",
            "message": loader._safe_str(exc),
            "traceback": frames[-8:],
            "not_implemented": isinstance(exc, NotImplementedError) and self._raised_by_student(exc),
        }

    def _raised_by_student(self, exc: BaseException) -> bool:
        """True when the exception was raised by the student's own ``raise NotImplementedError`` (a stub).

        A library's NotImplementedError (NumPy meeting a symbolic tensor) is not
        "not implemented". Inside ``tf.function`` the innermost frame is
        AutoGraph's generated file; its error metadata holds the original line.
        """
        location: tuple[str, int] | None = None
        metadata = getattr(exc, "ag_error_metadata", None)
        stack = getattr(metadata, "translated_stack", None)
        if stack:  # innermost frame of the student's (a Keras layer adds its own error_handler frame after it)
            mine = [frame for frame in stack if str(frame[0]) in self.sources] or list(stack)
            location = (str(mine[-1][0]), int(mine[-1][1]))
        else:
            tb = exc.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            if tb is not None:
                location = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        if location is None or location[0] not in self.sources:
            return False
        lines = self.sources[location[0]]
        line = lines[location[1] - 1] if 0 < location[1] <= len(lines) else ""
        return "NotImplementedError" in line

    def resolve(self, target: Any) -> Any:
        """A target is an object (decoded handle) or ``{"name": ...}`` in the student's namespace."""
        if isinstance(target, dict) and set(target) == {"name"}:
            name = target["name"]
            if name not in self.module.__dict__:
                why = ""
                if self.load_errors:
                    first = self.load_errors[0]
                    why = (f" (loading your code hit {first['type']} at {first['cell']}, line {first['line']}: "
                           "the definition may be in code that could not run)")
                raise StudentError(f"`{name}` is not defined in your submission{why}")
            return self.module.__dict__[name]
        return target

    def path(self, name: str) -> str:
        return os.path.join(self.tmpdir, name)


# --------------------------------------------------------------------- conversions


def _to_array(value: Any):
    if isinstance(value, tf.DType):
        return value.name, "dtype"
    if isinstance(value, (tf.Variable, keras.Variable)):
        return np.array(value.numpy() if hasattr(value, "numpy") else value), "variable"
    if tf.is_tensor(value) and hasattr(value, "numpy"):
        try:
            return np.asarray(value.numpy()), "tensor"
        except Exception:  # noqa: BLE001 - symbolic tensors stay handles
            return None
    return None


def _from_array(array: np.ndarray, kind: str) -> Any:
    if kind in {"tensor", "variable"}:
        return tf.constant(array)
    if kind == "scalar":
        return array[()]
    return array


def _float_tensor(value: Any) -> tf.Tensor:
    tensor = tf.convert_to_tensor(value)
    if not tensor.dtype.is_floating:
        raise StudentError(f"cannot differentiate with respect to a {tensor.dtype.name} input")
    return tensor


def _sum_outputs(outputs: Any) -> tf.Tensor:
    tensors = [t for t in tf.nest.flatten(outputs) if tf.is_tensor(t)]
    if not tensors:
        raise StudentError(f"the result was a {type(outputs).__name__}, not a tensor, so it has no gradient")
    return tf.add_n([tf.reduce_sum(tf.cast(t, tf.float64)) for t in tensors])


# ---------------------------------------------------------------------- operations


def op_load(agent: Agent, cells: list[dict]) -> dict:
    parsed = [loader.Cell(str(c["label"]), str(c["source"])) for c in cells]
    for cell in parsed:
        agent.sources[cell.label] = cell.source.splitlines()
        # autograph (tf.function) and inspect read source through linecache: a cell has no file
        lines = [line + "\n" for line in cell.source.splitlines()]
        linecache.cache[cell.label] = (len(cell.source), None, lines, cell.label)
    report = loader.load_cells(parsed, agent.module, agent.wanted)
    agent.load_errors = report.errors
    return report.to_dict()


def op_lookup(agent: Agent, target: Any) -> Any:
    return agent.resolve(target)


def op_getattr(agent: Agent, target: Any, name: str) -> Any:
    obj = agent.resolve(target)
    return getattr(obj, name)


def op_call(agent: Agent, target: Any, args: list | None = None, kwargs: dict | None = None,
            capture: bool = False) -> Any:
    """Call ``target``; with ``capture``, return ``{"value", "stdout"}`` with what it printed."""
    fn = agent.resolve(target)
    if not callable(fn):
        raise StudentError(f"a {type(fn).__name__} is not callable")
    if not capture:
        return fn(*(args or []), **(kwargs or {}))
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        value = fn(*(args or []), **(kwargs or {}))
    return {"value": value, "stdout": buffer.getvalue()[:100_000]}


def op_gradient(agent: Agent, target: Any, args: list, wrt: list[int], kwargs: dict | None = None) -> dict:
    """d sum(f(*args)) / d args[i] for i in wrt, under one ``tf.GradientTape``."""
    fn = agent.resolve(target)
    args = list(args)
    for i in wrt:
        args[i] = _float_tensor(args[i])
    with tf.GradientTape() as tape:
        for i in wrt:
            tape.watch(args[i])
        outputs = fn(*args, **(kwargs or {}))
        total = _sum_outputs(outputs)
    grads = tape.gradient(total, [args[i] for i in wrt])
    return {"value": outputs, "gradients": list(grads)}


def op_variable_gradient(agent: Agent, target: Any, args: list, kwargs: dict | None = None) -> dict:
    """d sum(layer(*args)) / d each trainable variable of ``target`` (a layer or model)."""
    layer = agent.resolve(target)
    with tf.GradientTape() as tape:
        outputs = layer(*args, **(kwargs or {}))
        total = _sum_outputs(outputs)
    variables = list(layer.trainable_variables)
    grads = tape.gradient(total, variables)
    return {
        "value": outputs,
        "names": [v.path if hasattr(v, "path") else v.name for v in variables],
        "shapes": [list(v.shape) for v in variables],
        "gradients": list(grads),
    }


def op_trace(agent: Agent, target: Any, arg_sets: list, jit_compile: bool = False, kwargs: dict | None = None) -> dict:
    """Run ``target`` inside ``tf.function`` on each argument set.

    Returns the outputs, how many times Python traced it, and the op types of
    the graph traced for the first argument set. ``kwargs`` (e.g. ``training``)
    go to every call as Python values.
    """
    fn = agent.resolve(target)
    kwargs = dict(kwargs or {})
    if hasattr(fn, "experimental_get_tracing_count"):  # already a tf.function: trace it as it is
        graph_fn, extra = fn, kwargs
    else:
        # tf.function of the student's own callable, so AutoGraph converts their code (no wrapper of ours)
        graph_fn = tf.function(functools.partial(fn, **kwargs) if kwargs else fn, jit_compile=bool(jit_compile))
        extra = {}
    before = graph_fn.experimental_get_tracing_count()
    outputs = [graph_fn(*args, **extra) for args in arg_sets]
    count = graph_fn.experimental_get_tracing_count() - before
    ops: list[str] = []
    if arg_sets:
        try:
            graph = graph_fn.get_concrete_function(*arg_sets[0], **extra).graph
            ops = sorted({op.type for op in graph.get_operations()})
        except Exception:  # noqa: BLE001 - op types are informative only
            ops = []
    return {"outputs": outputs, "tracing_count": count, "op_types": ops}


def op_variables(agent: Agent, target: Any, which: str = "variables") -> list[dict]:
    """Name, path, shape, dtype, trainability and value of each of ``target.<which>``."""
    obj = agent.resolve(target)
    if which not in {"variables", "weights", "trainable_variables", "non_trainable_variables",
                     "trainable_weights", "non_trainable_weights"}:
        raise StudentError(f"cannot list {which!r}")
    described = []
    for v in getattr(obj, which):
        described.append(
            {
                "name": str(getattr(v, "name", "")),
                "path": str(getattr(v, "path", getattr(v, "name", ""))),
                "shape": [int(d) if d is not None else None for d in v.shape],
                "dtype": str(getattr(v.dtype, "name", v.dtype)),
                "trainable": bool(getattr(v, "trainable", True)),
                "value": v,
            }
        )
    return described


def op_config_roundtrip(agent: Agent, target: Any) -> dict:
    obj = agent.resolve(target)
    config = obj.get_config()
    clone = type(obj).from_config(config)
    return {"config": config, "clone": clone}


def op_save_reload(agent: Agent, target: Any, custom_objects: list[str]) -> Any:
    """Save a model as ``.keras`` and load it back with the named custom objects."""
    model = agent.resolve(target)
    path = agent.path(f"model-{agent.next_id}.keras")
    model.save(path)
    objects = {name: agent.module.__dict__[name] for name in custom_objects if name in agent.module.__dict__}
    return keras.saving.load_model(path, custom_objects=objects)


def op_loss_in_model(
    agent: Agent, loss: Any, x: Any, y: Any, weights: list, custom_objects: list[str], save: bool = True
) -> dict:
    """Train a one-layer model compiled with ``loss`` for one step (graph mode), then save and reload it."""
    loss_obj = agent.resolve(loss)
    x_in, y_in = np.asarray(x), np.asarray(y)
    path = agent.path(f"loss-model-{agent.next_id}.keras") if save else None
    step_loss, trained = agent.loss_models.train_step(loss_obj, x_in, y_in, [np.asarray(w) for w in weights], path)
    result: dict[str, Any] = {"loss": step_loss, "weights": trained}
    if path is not None:
        objects = {name: agent.module.__dict__[name] for name in custom_objects if name in agent.module.__dict__}
        reloaded = keras.saving.load_model(path, custom_objects=objects)
        result["reloaded_loss"] = reloaded.loss
        result["reloaded_loss_type"] = type(reloaded.loss).__name__
        # what evaluate() would report on this one batch, without tracing a test step and building a dataset
        result["reloaded_eval"] = float(reloaded.compute_loss(x=x_in, y=y_in, y_pred=reloaded(x_in, training=False)))
    return result


def op_module(agent: Agent, name: str) -> Any:
    if name not in ALLOWED_MODULES:
        raise StudentError(f"module {name!r} is not available to checks")
    return ALLOWED_MODULES[name]


def op_release(agent: Agent, ids: list[int]) -> None:
    for handle_id in ids:
        agent.objects.pop(handle_id, None)


def op_ping(agent: Agent) -> str:
    return "pong"


OPERATIONS: dict[str, Callable[..., Any]] = {
    "load": op_load,
    "lookup": op_lookup,
    "getattr": op_getattr,
    "call": op_call,
    "gradient": op_gradient,
    "variable_gradient": op_variable_gradient,
    "trace": op_trace,
    "variables": op_variables,
    "config_roundtrip": op_config_roundtrip,
    "save_reload": op_save_reload,
    "loss_in_model": op_loss_in_model,
    "module": op_module,
    "release": op_release,
    "ping": op_ping,
}
