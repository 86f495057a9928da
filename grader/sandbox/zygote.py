"""The zygote: a process with TensorFlow imported that forks sandboxes on request.

Started once per grading run (``python -m grader.sandbox.zygote SOCKET
GRADER_PID [--no-warm-up]``) with a minimal environment, it imports
TensorFlow, Keras and the agent, warms up (`grader.sandbox.warmup`:
``numpy.random`` imported, Keras's entry points converted by AutoGraph; not
with ``--no-warm-up``) -- and runs no TF op, so a fork is safe -- freezes
what it holds out of the cyclic collector's way (`grader.runtime.freeze_long_lived`),
then prints ``ready`` (after a ``note: ...`` line for each warm-up problem) and
serves a Unix socket. Each request carries a
JSON spec and two file descriptors (SCM_RIGHTS): the sandbox's end of the
judge's socket pair and the write end of a status pipe.

For each request the zygote forks a *supervisor*, which (as root) enters a new
PID namespace and forks the *sandbox*, PID 1 there. The sandbox confines itself
(`jail.confine`) and serves the agent protocol. The supervisor stays outside:

* reports ``{"event": "started", "pid": ...}`` on the status pipe;
* drains the sandbox's stdout/stderr, keeping the first bytes of each;
* watches the memory of the sandbox and everything it started (shared pages
  counted once, `_memory_over`) and how many processes that is, and kills the
  sandbox (so its whole PID namespace) past either limit;
* when the sandbox ends, reports ``{"event": "exited", "code"|"signal", "reason",
  "stdout", "stderr", "output_bytes"}`` and exits.

Status lines come from the supervisor, which never runs student code.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys
import time

CAPTURE_BYTES = 16 * 1024


def _descendants(root_pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, stack = [], [root_pid]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _rss_bytes(pid: int) -> int:
    """Resident set size of ``pid`` (``/proc/PID/statm``, readable whoever owns the process), 0 if gone."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _pss_bytes(pid: int) -> int:
    """Proportional set size of ``pid``: each page shared by k processes counts 1/k (``smaps_rollup``).

    Falls back to the RSS where ``smaps_rollup`` cannot be read (a kernel before
    4.14, or a non-root supervisor and a sandbox that made itself undumpable),
    so hiding from the finer measure never lowers the figure.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return _rss_bytes(pid)


def _memory_over(pids: list[int], limit: int) -> bool:
    """Whether ``pids`` together hold more than ``limit`` bytes of memory.

    The sum of RSS counts a page once per process mapping it, so a sandbox
    that forks (each child shares the parent's pages copy-on-write) would look
    several times its real size. The cheap RSS sum decides when it is under the
    limit; past it, the sum of PSS -- the memory the processes really hold --
    decides. Pages shared with the zygote count for their share only.
    """
    return sum(map(_rss_bytes, pids)) > limit and sum(map(_pss_bytes, pids)) > limit


def _kill_tree(root_pid: int) -> None:
    """SIGKILL ``root_pid`` and everything under it, except the calling process (it reports afterwards).

    Everything is stopped (SIGSTOP) before anything is killed: a fork bomb
    would otherwise replace each process killed with a new one, which the
    freed process slot lets it fork.
    """
    me, stopped = os.getpid(), []
    for _ in range(20):
        found = [pid for pid in _descendants(root_pid) if pid != me and pid not in stopped]
        if not found:
            break
        for pid in found:
            _signal(pid, signal.SIGSTOP)
        stopped += found
    for pid in reversed(stopped):
        _signal(pid, signal.SIGKILL)


def _kill_sandbox(pid: int, full: bool) -> None:
    """End the sandbox and all it started: with a PID namespace, SIGKILL to its init takes it all at once."""
    if full:
        _signal(pid, signal.SIGKILL)
    else:
        _kill_tree(pid)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _write_status(fd: int, event: dict) -> None:
    try:
        os.write(fd, (json.dumps(event) + "\n").encode())
    except OSError:
        pass


def supervise(spec: dict, sandbox_fd: int, status_fd: int) -> None:
    """Runs in the supervisor process; never returns."""
    from grader.sandbox import jail

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    zygote_pid = os.getppid()
    jail.prctl(jail.PR_SET_PDEATHSIG, signal.SIGKILL)  # the zygote gone (grader killed): go too
    if os.getppid() != zygote_pid:
        os._exit(1)
    full = jail.isolation_level() == "full"
    if full:
        jail.unshare(jail.CLONE_NEWPID)
    else:
        jail.prctl(jail.PR_SET_CHILD_SUBREAPER, 1)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    init_r, init_w = os.pipe()  # how the sandbox ended, as seen by the namespace's init
    pid = os.fork()
    if pid == 0:
        os.close(out_r)
        os.close(err_r)
        os.close(status_fd)
        os.close(init_r)
        if full:
            _init_or_sandbox(init_w)
        os.close(init_w)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.closerange(3, sandbox_fd)
        os.closerange(sandbox_fd + 1, 65536)
        _run_sandbox(spec, sandbox_fd)
        os._exit(0)
    os.close(out_w)
    os.close(err_w)
    os.close(init_w)
    os.close(sandbox_fd)
    try:  # ahead of the sandbox's processes, so that a fork bomb cannot starve the watch meant to stop it
        os.setpriority(os.PRIO_PROCESS, 0, -20)
    except OSError:  # not root: the watch keeps its priority (and there is no RLIMIT_NPROC: docs/security.md)
        pass
    _write_status(status_fd, {"event": "started", "pid": pid})
    memory_limit = int(spec.get("memory_bytes", 4 << 30))
    process_limit = int(spec.get("processes", 32))
    captured = {out_r: bytearray(), err_r: bytearray()}
    totals = {out_r: 0, err_r: 0}
    open_fds = [out_r, err_r]
    reason = None
    next_check = 0.0
    try:  # readable the moment the sandbox ends: no polling delay on every close
        watched, poll = [os.pidfd_open(pid)], 0.1
    except OSError:  # a kernel before 5.3, or a seccomp profile without pidfd_open
        watched, poll = [], 0.02
    exited = watched[0] if watched else -1
    while True:
        ready, _, _ = select.select([*open_fds, *watched], [], [], poll)
        for fd in ready:
            if fd == exited:
                continue
            data = os.read(fd, 1 << 16)
            if not data:
                open_fds.remove(fd)
                continue
            totals[fd] += len(data)
            room = CAPTURE_BYTES - len(captured[fd])
            if room > 0:
                captured[fd] += data[:room]
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        now = time.monotonic()
        if now >= next_check:
            next_check = now + 0.1
            processes = [p for p in _descendants(pid) if not full or p != pid]  # not the namespace's init
            if len(processes) > process_limit:
                reason = "processes"
                _kill_sandbox(pid, full)
            elif _memory_over(processes, memory_limit):
                reason = "memory"
                _kill_sandbox(pid, full)
    if not full:
        _kill_tree(os.getpid())  # orphans of the sandbox were reparented to us
    for fd in open_fds:  # whatever is still buffered
        try:
            while select.select([fd], [], [], 0)[0]:
                data = os.read(fd, 1 << 16)
                if not data:
                    break
                totals[fd] += len(data)
                room = CAPTURE_BYTES - len(captured[fd])
                if room > 0:
                    captured[fd] += data[:room]
        except OSError:
            pass
    event = {
        "event": "exited",
        "reason": reason,
        "stdout": captured[out_r].decode("utf-8", "replace"),
        "stderr": captured[err_r].decode("utf-8", "replace"),
        "stdout_bytes": totals[out_r],
        "stderr_bytes": totals[err_r],
    }
    ended = _read_init_report(init_r) if full else None
    if ended is not None:
        event.update(ended)
    elif os.WIFSIGNALED(status):
        event["signal"] = os.WTERMSIG(status)
    else:
        event["code"] = os.WEXITSTATUS(status)
    _write_status(status_fd, event)
    os._exit(0)


def _init_or_sandbox(report_fd: int) -> None:
    """In PID 1 of the sandbox's namespace: fork the sandbox, then be its init until it ends.

    The kernel ignores a namespace init's own default-action signals, so a
    sandbox running as PID 1 could not even abort (glibc then crashes it with
    SIGSEGV). As PID 2 it dies as any process does; this init reports how, on
    ``report_fd``, and exits, which takes every leftover process of the
    namespace with it. Returns only in the sandbox.
    """
    from grader.sandbox import jail

    child = os.fork()
    if child == 0:
        return
    for fd in range(3, 1024):
        if fd != report_fd:
            try:
                os.close(fd)
            except OSError:
                pass
    jail.prctl(jail.PR_SET_PDEATHSIG, signal.SIGKILL)  # the supervisor gone: the namespace goes too
    while True:
        try:
            pid, status = os.waitpid(-1, 0)  # reap orphans until the sandbox itself ends
        except ChildProcessError:
            os._exit(1)
        if pid == child:
            break
    ended = {"signal": os.WTERMSIG(status)} if os.WIFSIGNALED(status) else {"code": os.WEXITSTATUS(status)}
    os.write(report_fd, json.dumps(ended).encode())
    os._exit(0)


def _read_init_report(fd: int) -> dict | None:
    """The sandbox's end as the init reported it, or None (the init itself was killed: a timeout or memory)."""
    try:
        data = os.read(fd, 4096) if select.select([fd], [], [], 0)[0] else b""  # written before init exits
        ended = json.loads(data) if data else None
    except (OSError, ValueError):
        return None
    if isinstance(ended, dict) and set(ended) in ({"signal"}, {"code"}) and isinstance(next(iter(ended.values())), int):
        return ended
    return None


def _run_sandbox(spec: dict, sandbox_fd: int) -> None:
    from grader.sandbox import jail, server, warmup

    warmup.reseed_after_fork()
    try:
        jail.confine(
            jail.JailSpec(
                uid=int(spec["uid"]),
                root_dir=spec["root_dir"],
                cpu_seconds=int(spec.get("cpu_seconds", 600)),
                tmp_bytes=int(spec.get("tmp_bytes", 128 << 20)),
                file_bytes=int(spec.get("file_bytes", 64 << 20)),
            )
        )
    except Exception as exc:  # noqa: BLE001 - report and die: the judge sees the exit
        os.write(2, f"tfgrader: could not confine the sandbox: {exc}\n".encode())
        os._exit(70)
    server.serve(socket.socket(fileno=sandbox_fd), wanted=set(spec.get("wanted", [])))


def serve_forever(path: str, grader_pid: int, warm_up: bool = True) -> None:
    from grader.sandbox import jail

    # the grader gone (even by kill -9): the zygote goes, its supervisors and sandboxes follow
    jail.prctl(jail.PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != grader_pid:
        return
    jail.isolation_level()  # probed once by a forked child, before TensorFlow starts threads
    import keras  # noqa: F401 - imported here so every fork starts warm
    import tensorflow  # noqa: F401

    import grader.sandbox.agent  # noqa: F401
    import grader.sandbox.jail  # noqa: F401
    import grader.sandbox.server  # noqa: F401
    from grader.sandbox import warmup

    notes = []
    if warm_up:  # pure Python, no TF op: inherited by every fork
        warmup.import_lazy_modules()
        notes = warmup.convert_keras_entry_points()

    from grader.runtime import freeze_long_lived

    freeze_long_lived()  # after the imports and the warm-up, before the first fork
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children reap themselves
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    for note in notes:
        sys.stdout.write(f"note: {' '.join(note.split())}\n")
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        conn, _ = listener.accept()
        with conn:
            try:
                message, fds, _, _ = socket.recv_fds(conn, 1 << 16, 2)
                spec = json.loads(message)
                if len(fds) != 2:
                    raise ValueError("expected two file descriptors")
            except Exception as exc:  # noqa: BLE001 - a bad request must not stop the zygote
                conn.sendall(json.dumps({"error": str(exc)}).encode())
                continue
            pid = os.fork()
            if pid == 0:
                listener.close()
                conn.close()
                supervise(spec, fds[0], fds[1])
            for fd in fds:
                os.close(fd)
            conn.sendall(json.dumps({"pid": pid}).encode())


if __name__ == "__main__":
    serve_forever(sys.argv[1], int(sys.argv[2]), warm_up="--no-warm-up" not in sys.argv[3:])
