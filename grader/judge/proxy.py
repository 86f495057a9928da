"""Proxies: how a check talks to the student's (or the reference's) objects.

``student.huber_fn(y_true, y_pred)`` sends a ``call`` request and returns plain
data: arrays come back as `ArrayValue` (a NumPy array that remembers whether it
was a tensor, a variable or an ndarray), objects come back as `Remote` handles.
The same classes serve the sandboxed student (`SandboxBackend`) and the
in-process reference (`LocalBackend`), so both go through the same encoding.

NumPy arrays passed as arguments arrive as ``tf.Tensor``; wrap one in
`as_numpy` to pass an ndarray instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.judge.errors import JudgeFailure, ReferenceError_, SandboxProblem, StudentCodeError
from grader.sandbox.agent import Agent
from grader.sandbox.client import SandboxFailure, Session
from grader.sandbox.protocol import ArrayValue, Decoder, Encoder, HandleRef, ProtocolError

DEFAULT_TIMEOUT = 10.0


class as_numpy:  # noqa: N801 - reads as a conversion in checks
    """Send this array as a NumPy ndarray rather than a tf.Tensor."""

    def __init__(self, array: Any) -> None:
        self.array = np.asarray(array)


class Backend:
    """Where requests go; subclasses say how, ``name`` says whose code it is."""

    name = "student"
    timeout = DEFAULT_TIMEOUT

    def request(self, header: dict, frames: list[bytes], timeout: float) -> tuple[dict, list[bytes]]:
        raise NotImplementedError

    def fresh(self) -> None:
        """Start over from the loaded definitions (a new sandbox); in process there is nothing to do."""

    def run(self, op: str, call: str, timeout: float | None = None, **fields: Any) -> Any:
        """Encode ``fields``, send ``op``, decode the reply or raise a fault naming ``call``."""
        encoder = Encoder(to_array=self._encode_arg, to_handle=self._encode_handle, array_kind="tensor")
        header = {"op": op, **{k: encoder.encode(v) for k, v in fields.items()}}
        try:
            reply, frames = self.request(header, encoder.frames, timeout or self.timeout)
        except SandboxFailure as exc:
            if exc.kind == "start":  # the grader's own machinery failed: not the student's fault
                raise JudgeFailure(f"{call}: {exc.message}") from None
            raise SandboxProblem(call, exc.kind, exc.message) from None
        if not isinstance(reply, dict) or "ok" not in reply:
            raise SandboxProblem(call, "protocol", "the sandbox sent a reply the grader cannot accept")
        if not reply["ok"]:
            error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
            if self.name == "reference":
                raise ReferenceError_(f"the reference solution failed on {call}: {error}")
            raise StudentCodeError(call, error)
        try:
            return Decoder(frames, from_handle=lambda ref: Remote(self, ref, call)).decode(reply.get("value"))
        except ProtocolError as exc:
            raise SandboxProblem(call, "protocol", f"the result cannot be accepted: {exc}") from None

    def _encode_arg(self, value: Any):
        if isinstance(value, as_numpy):
            return value.array, "ndarray"
        if isinstance(value, ArrayValue):
            return np.asarray(value), value.kind
        return None

    def _encode_handle(self, value: Any) -> HandleRef:
        if isinstance(value, Remote) and value._backend is self and isinstance(value._target, dict):
            value = self.run("lookup", value._label, target=value._target)  # `student.fn` passed as an argument
        if isinstance(value, Remote) and value._backend is self and isinstance(value._target, HandleRef):
            return value._target
        raise TypeError(f"cannot send a {type(value).__name__} to the {self.name}'s code")


class SandboxBackend(Backend):
    def __init__(self, session: Session, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.session = session
        self.timeout = timeout

    def request(self, header: dict, frames: list[bytes], timeout: float) -> tuple[dict, list[bytes]]:
        return self.session.request(header, frames, timeout)

    def fresh(self) -> None:
        self.session.fresh()


class LocalBackend(Backend):
    """The agent in this process: for the reference solution and in-notebook checks."""

    def __init__(self, cells: list[dict], wanted: list[str], name: str = "reference", reuse_models: bool = False) -> None:
        """``reuse_models``: the agent keeps its compiled models between checks (trusted code only)."""
        self.name = name
        self.agent = Agent(set(wanted), reuse_models=reuse_models)
        reply, _ = self.agent.handle({"op": "load", "cells": cells}, [])
        self.load_report = reply.get("value", {})

    def request(self, header: dict, frames: list[bytes], timeout: float) -> tuple[dict, list[bytes]]:
        return self.agent.handle(header, frames)


def describe(value: Any) -> str:
    """A short description of an argument for messages: ``float32[64, 1]``."""
    if isinstance(value, as_numpy):
        value = value.array
    if isinstance(value, np.ndarray):
        return f"{value.dtype.name}[{', '.join(str(d) for d in value.shape)}]"
    if isinstance(value, Remote):
        return value._label
    if isinstance(value, (list, tuple)) and len(value) <= 4:
        inner = ", ".join(describe(v) for v in value)
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def describe_call(label: str, args: tuple, kwargs: dict) -> str:
    parts = [describe(a) for a in args] + [f"{k}={describe(v)}" for k, v in kwargs.items()]
    return f"{label}({', '.join(parts)})"


@dataclass
class Gradient:
    value: Any
    gradients: list[Any]


@dataclass
class VariableGradient:
    value: Any
    names: list[str]
    shapes: list[list[int]]
    gradients: list[Any]


@dataclass
class Trace:
    outputs: list[Any]
    tracing_count: int
    op_types: list[str]


class Remote:
    """An object that lives on a backend: a student's function, class or instance."""

    def __init__(self, backend: Backend, target: HandleRef | dict, label: str) -> None:
        object.__setattr__(self, "_backend", backend)
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_label", label)

    # what the object is --------------------------------------------------------
    @property
    def type_name(self) -> str:
        return self._target.type if isinstance(self._target, HandleRef) else "?"

    @property
    def bases(self) -> tuple[str, ...]:
        return self._target.bases if isinstance(self._target, HandleRef) else ()

    def is_instance_of(self, cls: type) -> bool:
        return f"{cls.__module__}.{cls.__qualname__}" in self.bases

    # remote operations ---------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._backend.run("getattr", f"{self._label}.{name}", target=self._target, name=name)

    def attr(self, name: str) -> Any:
        """The object's attribute ``name`` even where a method of this proxy has that name (``trace``...)."""
        return self._backend.run("getattr", f"{self._label}.{name}", target=self._target, name=name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        call = describe_call(self._label, args, kwargs)
        return self._backend.run("call", call, target=self._target, args=list(args), kwargs=kwargs)

    def call_with_output(self, *args: Any, **kwargs: Any) -> tuple[Any, str]:
        """Call and also return what the call printed to ``sys.stdout``."""
        call = describe_call(self._label, args, kwargs)
        out = self._backend.run("call", call, target=self._target, args=list(args), kwargs=kwargs, capture=True)
        return out["value"], out["stdout"]

    def gradient(self, *args: Any, wrt: tuple[int, ...] = (0,), **kwargs: Any) -> Gradient:
        """Gradient of sum(f(*args)) w.r.t. the arguments at ``wrt``, under a GradientTape."""
        call = "gradient of " + describe_call(self._label, args, kwargs)
        out = self._backend.run("gradient", call, target=self._target, args=list(args), wrt=list(wrt), kwargs=kwargs)
        return Gradient(out["value"], out["gradients"])

    def variable_gradient(self, *args: Any, **kwargs: Any) -> VariableGradient:
        call = "gradient of " + describe_call(self._label, args, kwargs) + " w.r.t. its trainable variables"
        out = self._backend.run("variable_gradient", call, target=self._target, args=list(args), kwargs=kwargs)
        return VariableGradient(out["value"], out["names"], out["shapes"], out["gradients"])

    def trace(self, arg_sets: list[tuple], jit_compile: bool = False, **kwargs: Any) -> Trace:
        """Run inside ``tf.function`` on each argument tuple; outputs, tracing count, graph op types.

        Keyword arguments (``training=True``) go to every call as Python values.
        """
        first = describe_call(self._label, tuple(arg_sets[0]), kwargs) if arg_sets else self._label
        call = f"{first} inside tf.function" + (" (jit_compile=True)" if jit_compile else "")
        out = self._backend.run(
            "trace", call, target=self._target, arg_sets=[list(a) for a in arg_sets], jit_compile=jit_compile,
            kwargs=kwargs,
        )
        return Trace(out["outputs"], int(out["tracing_count"]), list(out["op_types"]))

    def describe_variables(self, which: str = "variables") -> list[dict]:
        """``[{name, path, shape, dtype, trainable, value}]`` for each of ``obj.<which>`` (e.g. ``"weights"``)."""
        return self._backend.run("variables", f"{self._label}.{which}", target=self._target, which=which)

    def config_roundtrip(self) -> tuple[Any, Remote]:
        """``get_config()`` and ``type(obj).from_config(config)``: (config, clone)."""
        out = self._backend.run("config_roundtrip", f"{self._label}.get_config() / from_config", target=self._target)
        return out["config"], out["clone"]

    def save_reload(self, custom_objects: list[str]) -> Remote:
        return self._backend.run(
            "save_reload", f"saving {self._label} as .keras and loading it back", target=self._target,
            custom_objects=custom_objects,
        )

    def in_compiled_model(self, x: np.ndarray, y: np.ndarray, weights: list[np.ndarray], custom_objects: list[str],
                          save: bool = True) -> dict:
        """Compile a Dense model with this loss, train one step, save as .keras and reload."""
        return self._backend.run(
            "loss_in_model", f"a Keras model compiled with loss={self._label}", loss=self._target,
            x=as_numpy(x), y=as_numpy(y), weights=[as_numpy(w) for w in weights], custom_objects=custom_objects,
            save=save,
        )

    def __repr__(self) -> str:
        return f"<{self._backend.name} {self._label}: {self.type_name}>"


class Namespace:
    """The ``student`` / ``reference`` fixture: attribute access names a definition."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def __getattr__(self, name: str) -> Remote:
        if name.startswith("_"):
            raise AttributeError(name)
        return Remote(self._backend, {"name": name}, name)

    def lookup(self, name: str) -> Any:
        """The value bound to ``name``: data as data, a function or class as a `Remote` handle."""
        return self._backend.run("lookup", name, target={"name": name})

    def module(self, name: str) -> Remote:
        """``tensorflow``, ``keras`` or ``numpy`` as the code on this side sees it."""
        return self._backend.run("module", name, name=name)

    @property
    def backend(self) -> Backend:
        return self._backend
