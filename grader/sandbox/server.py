"""The sandbox's main loop: read a request, let the agent answer, send the reply."""

from __future__ import annotations

import os
import signal
import socket
import sys

from grader.sandbox.agent import Agent, prepare_runtime
from grader.sandbox.protocol import PeerClosed, ProtocolError, recv_message, send_message


def serve(sock: socket.socket, wanted: set[str]) -> None:
    """Serve requests until the judge says ``shutdown`` or goes away; never returns."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    prepare_runtime()
    agent = Agent(wanted)
    while True:
        try:
            header, frames = recv_message(sock)
        except (PeerClosed, ProtocolError, OSError):
            break
        if header.get("op") == "shutdown":
            break
        reply, reply_frames = agent.handle(header, frames)
        try:
            send_message(sock, reply, reply_frames)
        except ProtocolError as exc:
            send_message(sock, {"ok": False, "error": {"type": "ResultTooLarge", "message": str(exc)}}, [])
        except OSError:
            break
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip atexit handlers the student may have registered
