"""The wire protocol: round trips, caps, and refusal of anything pickle-shaped."""

import math
import socket
import struct

import numpy as np
import pytest

from grader.sandbox.protocol import (
    DEFAULT_LIMITS,
    ArrayValue,
    Decoder,
    Encoder,
    HandleRef,
    Limits,
    PeerClosed,
    ProtocolError,
    frame_to_array,
    pack_message,
    recv_message,
    send_message,
)


def round_trip(value, limits=DEFAULT_LIMITS):
    encoder = Encoder(limits=limits)
    header = {"value": encoder.encode(value)}
    a, b = socket.socketpair()
    with a, b:
        send_message(a, header, encoder.frames, limits)
        got_header, frames = recv_message(b, limits=limits)
    return Decoder(frames, limits=limits).decode(got_header["value"])


def test_plain_values_round_trip():
    value = {"a": [1, 2.5, "x", None, True], "t": (1, (2, 3)), "nan": math.nan, "inf": -math.inf, 3: "int key"}
    got = round_trip(value)
    assert got["a"] == [1, 2.5, "x", None, True]
    assert got["t"] == (1, (2, 3))
    assert math.isnan(got["nan"]) and got["inf"] == -math.inf
    assert got[3] == "int key"


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32", "bool"])
def test_arrays_keep_dtype_shape_and_kind(dtype):
    array = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    got = round_trip([array, np.float32(2.5), np.zeros(())])
    assert isinstance(got[0], ArrayValue) and got[0].dtype == np.dtype(dtype) and got[0].shape == (3, 4)
    np.testing.assert_array_equal(got[0], array)
    assert got[1].kind == "scalar" and got[1].shape == () and float(got[1]) == 2.5
    assert got[2].shape == ()


def test_handles_are_descriptions_not_objects():
    ref = HandleRef(7, "submission.HuberLoss", ("submission.HuberLoss", "builtins.object"), True)
    got = round_trip({"h": ref})["h"]
    assert got == ref


def test_object_arrays_are_refused():
    with pytest.raises(ProtocolError, match="dtype"):
        Encoder().encode(np.array([object()], dtype=object))


def test_a_pickle_frame_is_refused():
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ProtocolError):
        frame_to_array(buffer.getvalue())


def test_garbage_frame_is_refused():
    with pytest.raises(ProtocolError):
        frame_to_array(b"\x93NUMPY garbage")


def test_unknown_objects_cannot_be_sent_without_a_handle_maker():
    with pytest.raises(ProtocolError, match="cannot send"):
        Encoder().encode(object())


def test_caps_on_depth_items_and_size():
    limits = Limits(depth=5, items=100, frame_bytes=1000, total_bytes=2000)
    nested: list = []
    for _ in range(10):
        nested = [nested]
    with pytest.raises(ProtocolError, match="nested"):
        Encoder(limits=limits).encode(nested)
    with pytest.raises(ProtocolError, match="values"):
        Encoder(limits=limits).encode(list(range(500)))
    with pytest.raises(ProtocolError, match="larger than"):
        Encoder(limits=limits).encode(np.zeros(1000))


def test_receiver_refuses_an_oversized_announcement_before_reading_it():
    a, b = socket.socketpair()
    with a, b:
        a.sendall(struct.pack("!I", 10_000_000))  # a header "of 10 MB" that never comes
        with pytest.raises(ProtocolError, match="exceeds"):
            recv_message(b, limits=Limits(header_bytes=1024))


def test_receiver_refuses_oversized_frames():
    limits = Limits(frame_bytes=100)
    a, b = socket.socketpair()
    with a, b:
        a.sendall(pack_message({"x": 1}, [b"0" * 50]))
        assert recv_message(b, limits=limits) == ({"x": 1}, [b"0" * 50])
        a.sendall(struct.pack("!I", 2) + b"{}" + struct.pack("!I", 1) + struct.pack("!Q", 10**9))
        with pytest.raises(ProtocolError):
            recv_message(b, limits=limits)


def test_malformed_header_and_closed_peer():
    a, b = socket.socketpair()
    with b:
        a.sendall(struct.pack("!I", 3) + b"{{{")
        with pytest.raises(ProtocolError, match="JSON"):
            recv_message(b)
        a.close()
        with pytest.raises(PeerClosed):
            recv_message(b)
