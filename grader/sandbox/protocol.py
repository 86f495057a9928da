"""The data-only wire protocol between the judge and a sandbox.

A message is one JSON header plus zero or more binary frames, each frame one
array in NumPy's ``.npy`` format, loaded with ``allow_pickle=False``::

    u32 header_length | header (UTF-8 JSON) | u32 frame_count | (u64 length | bytes)*

Values inside a header are plain JSON with a few tagged objects:

* ``{"$a": i, "k": kind}``  -- array in frame ``i``; kind is ``tensor``, ``ndarray``,
  ``variable`` or ``scalar`` (a NumPy scalar), so the judge knows what came back;
* ``{"$f": "nan" | "inf" | "-inf"}`` -- a non-finite Python float;
* ``{"$t": [...]}`` -- a tuple;
* ``{"$d": [[key, value], ...]}`` -- a dict whose keys are not all strings;
* ``{"$h": id, "type": ..., "bases": [...], "callable": bool}`` -- a handle to an
  object that stays on the side that made it;
* ``{"$dtype": "float32"}`` -- a dtype.

Nothing is ever pickled. Every read is size-capped (`Limits`) and every structure
depth- and count-capped, so a hostile peer can waste at most those bytes.
"""

from __future__ import annotations

import io
import json
import math
import select
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

ALLOWED_DTYPES = frozenset(
    {
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    }
)


class ProtocolError(Exception):
    """The peer sent something the protocol does not allow (too big, malformed)."""


class PeerClosed(ProtocolError):
    """The peer closed the connection (it exited or crashed)."""


class DeadlineExceeded(Exception):
    """No complete message arrived before the deadline."""


@dataclass(frozen=True)
class Limits:
    """Caps on what one message may hold."""

    header_bytes: int = 4 * 1024 * 1024
    frame_bytes: int = 256 * 1024 * 1024
    total_bytes: int = 512 * 1024 * 1024
    frames: int = 4096
    depth: int = 32
    items: int = 100_000
    string_chars: int = 1_000_000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class HandleRef:
    """A reference to an object kept by the peer, as described by the peer."""

    id: int
    type: str
    bases: tuple[str, ...]
    callable: bool


class ArrayValue(np.ndarray):
    """An array that came over the wire; ``kind`` says what it was on the other side."""

    kind: str = "ndarray"

    def __array_finalize__(self, obj: Any) -> None:
        self.kind = getattr(obj, "kind", "ndarray")


# --------------------------------------------------------------------------- framing


def pack_message(header: dict, frames: list[bytes], limits: Limits = DEFAULT_LIMITS) -> bytes:
    """Serialise one message; raises ProtocolError if it exceeds ``limits``."""
    head = json.dumps(header, allow_nan=False, separators=(",", ":")).encode()
    if len(head) > limits.header_bytes:
        raise ProtocolError(f"header of {len(head)} bytes exceeds {limits.header_bytes}")
    if len(frames) > limits.frames:
        raise ProtocolError(f"{len(frames)} frames exceed {limits.frames}")
    total = len(head)
    parts = [struct.pack("!I", len(head)), head, struct.pack("!I", len(frames))]
    for frame in frames:
        if len(frame) > limits.frame_bytes:
            raise ProtocolError(f"frame of {len(frame)} bytes exceeds {limits.frame_bytes}")
        total += len(frame)
        if total > limits.total_bytes:
            raise ProtocolError(f"message exceeds {limits.total_bytes} bytes")
        parts += [struct.pack("!Q", len(frame)), frame]
    return b"".join(parts)


class _Reader:
    """Reads exact byte counts from a socket, honouring an absolute deadline."""

    def __init__(self, sock: socket.socket, deadline: float | None) -> None:
        self.sock = sock
        self.deadline = deadline

    def read(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            if self.deadline is not None:
                remaining = self.deadline - time.monotonic()
                if remaining <= 0:
                    raise DeadlineExceeded()
                ready, _, _ = select.select([self.sock], [], [], remaining)
                if not ready:
                    raise DeadlineExceeded()
            chunk = self.sock.recv(min(n - len(buf), 1 << 20))
            if not chunk:
                raise PeerClosed("connection closed")
            buf += chunk
        return bytes(buf)


def recv_message(
    sock: socket.socket, deadline: float | None = None, limits: Limits = DEFAULT_LIMITS
) -> tuple[dict, list[bytes]]:
    """Read one message; enforces every cap before allocating."""
    reader = _Reader(sock, deadline)
    (head_len,) = struct.unpack("!I", reader.read(4))
    if head_len > limits.header_bytes:
        raise ProtocolError(f"header of {head_len} bytes exceeds {limits.header_bytes}")
    try:
        header = json.loads(reader.read(head_len))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"header is not JSON: {exc}") from None
    if not isinstance(header, dict):
        raise ProtocolError("header is not a JSON object")
    (count,) = struct.unpack("!I", reader.read(4))
    if count > limits.frames:
        raise ProtocolError(f"{count} frames exceed {limits.frames}")
    frames, total = [], head_len
    for _ in range(count):
        (size,) = struct.unpack("!Q", reader.read(8))
        total += size
        if size > limits.frame_bytes or total > limits.total_bytes:
            raise ProtocolError(f"message of more than {limits.total_bytes} bytes, or a frame over {limits.frame_bytes}")
        frames.append(reader.read(size))
    return header, frames


def send_message(sock: socket.socket, header: dict, frames: list[bytes], limits: Limits = DEFAULT_LIMITS) -> None:
    sock.sendall(pack_message(header, frames, limits))


# --------------------------------------------------------------------------- arrays


def array_to_frame(array: np.ndarray) -> bytes:
    if array.dtype.name not in ALLOWED_DTYPES:
        raise ProtocolError(f"arrays of dtype {array.dtype} cannot be sent")
    array = np.asarray(array)
    if not array.flags.c_contiguous:
        array = array.copy(order="C")  # np.ascontiguousarray would turn a 0-d array into 1-d
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def frame_to_array(frame: bytes, limits: Limits = DEFAULT_LIMITS) -> np.ndarray:
    try:
        array = np.load(io.BytesIO(frame), allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - any malformed frame is the peer's fault
        raise ProtocolError(f"malformed array frame: {exc}") from None
    if not isinstance(array, np.ndarray) or array.dtype.name not in ALLOWED_DTYPES:
        raise ProtocolError("array frame of a forbidden dtype")
    return array


# --------------------------------------------------------------------------- values


class Encoder:
    """Turns a value into JSON plus frames.

    ``to_array`` maps a non-basic object to ``(ndarray, kind)`` or None;
    ``to_handle`` maps any other object to a handle description.
    """

    def __init__(self, to_array=None, to_handle=None, limits: Limits = DEFAULT_LIMITS, array_kind: str = "ndarray") -> None:
        self.array_kind = array_kind  # the kind plain ndarrays are sent as ("tensor": they arrive as tf.Tensor)
        self.to_array = to_array
        self.to_handle = to_handle
        self.limits = limits
        self.frames: list[bytes] = []
        self.items = 0
        self.bytes = 0

    def encode(self, value: Any, depth: int = 0) -> Any:
        self.items += 1
        if self.items > self.limits.items:
            raise ProtocolError(f"more than {self.limits.items} values in one result")
        if depth > self.limits.depth:
            raise ProtocolError(f"structure nested deeper than {self.limits.depth} levels")
        if value is None or isinstance(value, bool):
            return value
        if type(value) is int:
            return value
        if type(value) is float:
            if math.isfinite(value):
                return value
            return {"$f": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
        if type(value) is str:
            if len(value) > self.limits.string_chars:
                raise ProtocolError(f"string of {len(value)} characters exceeds {self.limits.string_chars}")
            return value
        if type(value) is list:
            return [self.encode(v, depth + 1) for v in value]
        if type(value) is tuple:
            return {"$t": [self.encode(v, depth + 1) for v in value]}
        if type(value) is dict:
            if all(type(k) is str for k in value) and not any(k.startswith("$") for k in value):
                return {k: self.encode(v, depth + 1) for k, v in value.items()}
            return {"$d": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]}
        if isinstance(value, HandleRef):
            return {"$h": value.id, "type": value.type, "bases": list(value.bases), "callable": value.callable}
        if isinstance(value, ArrayValue):
            return self._array(np.asarray(value), value.kind)
        if type(value) is np.ndarray:
            return self._array(value, self.array_kind)
        if isinstance(value, np.generic) and value.dtype.name in ALLOWED_DTYPES:
            return self._array(np.asarray(value), "scalar")
        if isinstance(value, np.dtype):
            return {"$dtype": value.name}
        if self.to_array is not None:
            converted = self.to_array(value)
            if converted is not None:
                array, kind = converted
                if isinstance(array, str):  # a dtype name
                    return {"$dtype": array}
                return self._array(array, kind)
        if self.to_handle is not None:
            return self.encode(self.to_handle(value), depth)
        raise ProtocolError(f"cannot send a value of type {type(value).__name__}")

    def _array(self, array: np.ndarray, kind: str) -> dict:
        if array.dtype.name not in ALLOWED_DTYPES:
            raise ProtocolError(f"arrays of dtype {array.dtype} cannot be sent")
        if array.nbytes > self.limits.frame_bytes:
            raise ProtocolError(
                f"an array of shape {list(array.shape)} ({array.nbytes:,} bytes) is larger than "
                f"the {self.limits.frame_bytes:,}-byte limit"
            )
        self.bytes += array.nbytes
        if self.bytes > self.limits.total_bytes:
            raise ProtocolError(f"result larger than {self.limits.total_bytes:,} bytes")
        self.frames.append(array_to_frame(array))
        return {"$a": len(self.frames) - 1, "k": kind}


class Decoder:
    """Turns JSON plus frames back into values; ``from_handle`` makes handle objects."""

    def __init__(self, frames: list[bytes], from_handle=None, from_array=None, limits: Limits = DEFAULT_LIMITS) -> None:
        self.frames = frames
        self.from_handle = from_handle
        self.from_array = from_array
        self.limits = limits
        self.items = 0

    def decode(self, obj: Any, depth: int = 0) -> Any:
        self.items += 1
        if self.items > self.limits.items or depth > self.limits.depth:
            raise ProtocolError("structure too large or too deeply nested")
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        if isinstance(obj, list):
            return [self.decode(v, depth + 1) for v in obj]
        if not isinstance(obj, dict):
            raise ProtocolError(f"unexpected JSON value {type(obj).__name__}")
        if "$a" in obj:
            index = obj["$a"]
            if not isinstance(index, int) or not 0 <= index < len(self.frames):
                raise ProtocolError("array reference out of range")
            array = frame_to_array(self.frames[index], self.limits)
            kind = obj.get("k", "ndarray")
            if kind not in {"tensor", "ndarray", "variable", "scalar"}:
                raise ProtocolError(f"unknown array kind {kind!r}")
            if self.from_array is not None:
                return self.from_array(array, kind)
            result = array.view(ArrayValue)
            result.kind = kind
            return result
        if "$f" in obj:
            text = obj["$f"]
            if text not in {"nan", "inf", "-inf"}:
                raise ProtocolError("bad float tag")
            return float(text)
        if "$t" in obj:
            items = obj["$t"]
            if not isinstance(items, list):
                raise ProtocolError("bad tuple tag")
            return tuple(self.decode(v, depth + 1) for v in items)
        if "$d" in obj:
            pairs = obj["$d"]
            if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
                raise ProtocolError("bad dict tag")
            out = {}
            for k, v in pairs:
                key = self.decode(k, depth + 1)
                try:
                    out[key] = self.decode(v, depth + 1)
                except TypeError:
                    raise ProtocolError("unhashable dict key") from None
            return out
        if "$h" in obj:
            ref = HandleRef(
                id=_int(obj["$h"]),
                type=_str(obj.get("type", "?")),
                bases=tuple(_str(b) for b in obj.get("bases", []))[:64],
                callable=bool(obj.get("callable", False)),
            )
            return self.from_handle(ref) if self.from_handle is not None else ref
        if "$dtype" in obj:
            name = _str(obj["$dtype"])
            return np.dtype(name) if name in ALLOWED_DTYPES else name
        return {_str(k): self.decode(v, depth + 1) for k, v in obj.items()}


def _int(value: Any) -> int:
    if type(value) is not int:
        raise ProtocolError("expected an integer")
    return value


def _str(value: Any) -> str:
    if type(value) is not str or len(value) > 1000:
        raise ProtocolError("expected a short string")
    return value
