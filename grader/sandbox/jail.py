"""Confinement of a sandbox process: namespaces, a minimal root, a uid, rlimits.

Called in the forked child, after TensorFlow is imported and before any
student code runs. As root (the grading server) it:

1. unshares mount, network, IPC and UTS namespaces (the caller already is
   PID 1 of a fresh PID namespace, so every process it starts dies with it);
2. builds a new root on a tmpfs holding only read-only binds of what Python
   and TensorFlow need (the interpreter, the virtual environment, ``/usr``),
   a fresh ``/proc`` and a size-capped private ``/tmp``; ``chroot``s into it;
3. applies rlimits, drops to a uid of its own with no groups, forbids new
   privileges.

Not as root (an instructor's laptop), or as a root that may not create
namespaces (a container without CAP_SYS_ADMIN), only rlimits apply;
`isolation_level` finds out by trying, and the caller warns once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import resource
import site
import sys
import tempfile
from dataclasses import dataclass, field

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


class JailError(Exception):
    """Confinement could not be set up."""


def task_limit(cores: int) -> int:
    """``RLIMIT_NPROC`` for a sandbox's uid: 64 + 4 per core, threads included.

    TensorFlow starts about two threads per core and a dozen more (23 on two
    cores after a Keras ``fit``, ``tf.data`` and XLA). The limit bounds how
    many spinning copies a fork or thread bomb has before the supervisor stops
    it, and so how much of the machine's CPU it takes from other sandboxes.
    """
    return 64 + 4 * cores


@dataclass(frozen=True)
class JailSpec:
    uid: int
    root_dir: str  # an empty directory to mount the new root on
    cpu_seconds: int = 600
    file_bytes: int = 64 * 1024 * 1024
    open_files: int = 256
    processes: int = field(default_factory=lambda: task_limit(os.cpu_count() or 1))
    tmp_bytes: int = 128 * 1024 * 1024
    extra_readonly: tuple[str, ...] = field(default_factory=tuple)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise JailError(f"{what} failed: {os.strerror(errno)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(
        _libc.mount(
            source.encode(), target.encode(), fstype.encode() if fstype else None, flags, data.encode() if data else None
        ),
        f"mount {target}",
    )


def prctl(option: int, value: int) -> None:
    _check(_libc.prctl(option, value, 0, 0, 0), "prctl")


@functools.cache
def isolation_level() -> str:
    """``"full"`` with namespaces, own uid and a private root; ``"weak"`` with rlimits only.

    Root is not enough: a container without CAP_SYS_ADMIN (Docker's default,
    and so many hosted autograders) cannot unshare or mount. A forked child
    tries what `confine` needs, and only its success means "full".
    """
    return "full" if os.geteuid() == 0 and _can_confine() else "weak"


def isolation_reason() -> str | None:
    """Why isolation is weak, in words; None when it is full."""
    if isolation_level() == "full":
        return None
    if os.geteuid() != 0:
        return "tfgrader is not running as root"
    return ("tfgrader runs as root but may not create namespaces or mount (a container without CAP_SYS_ADMIN, "
            "or a seccomp profile that forbids unshare)")


def _can_confine() -> bool:
    """In a throwaway child: new namespaces, a private tmpfs, another uid. True when all of it works."""
    scratch = tempfile.mkdtemp(prefix="tfgrader-probe-")
    try:
        pid = os.fork()
        if pid == 0:
            try:
                unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID)
                mount("none", "/", None, MS_REC | MS_PRIVATE)
                mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m")
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                os._exit(0)
            except BaseException:  # noqa: BLE001 - any failure means weak isolation
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    finally:
        os.rmdir(scratch)


def runtime_paths() -> list[str]:
    """Read-only paths the interpreter and TensorFlow need: nothing of the course."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, "/usr"}
    paths.update(p for p in site.getsitepackages() if os.path.isdir(p))
    for top in ("/lib", "/lib64", "/lib32", "/bin", "/sbin"):
        if os.path.isdir(top) and not os.path.islink(top):
            paths.add(top)
    # keep the outermost of nested paths
    ordered = sorted(os.path.realpath(p) for p in paths if os.path.exists(p))
    kept: list[str] = []
    for p in ordered:
        if not any(p == k or p.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(p)
    return kept


ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/nsswitch.conf")
DEV_FILES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/dev/full")


def _bind(source: str, root: str, writable: bool = False) -> None:
    target = root + source
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    mount(source, target, None, MS_BIND | MS_REC)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID
    if not writable:
        flags |= MS_RDONLY
    if not source.startswith("/dev/"):
        flags |= MS_NODEV
    mount("none", target, None, flags)


def build_root(spec: JailSpec) -> None:
    """Mount a fresh root at ``spec.root_dir`` holding only what the sandbox may see."""
    root = spec.root_dir
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=755")
    # the private /tmp first: a runtime path may live under /tmp (a CI clone's venv) and is bound on top
    os.makedirs(root + "/tmp", exist_ok=True)
    mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={spec.tmp_bytes},mode=1777")
    for path in runtime_paths() + list(spec.extra_readonly):
        _bind(path, root)
    for link in ("/lib", "/lib64", "/bin", "/sbin"):
        if os.path.islink(link):
            os.symlink(os.readlink(link), root + link)
    for path in ETC_FILES:
        if os.path.islink(path):
            os.makedirs(os.path.dirname(root + path), exist_ok=True)
            os.symlink(os.readlink(path), root + path)
        elif os.path.exists(path):
            _bind(path, root)
    for path in DEV_FILES:
        if os.path.exists(path):
            _bind(path, root, writable=True)
    os.makedirs(root + "/proc", exist_ok=True)
    mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    mount("none", root, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chroot(root)
    os.chdir("/")


def apply_rlimits(spec: JailSpec) -> None:
    limits = {
        resource.RLIMIT_CPU: (spec.cpu_seconds, spec.cpu_seconds + 5),
        resource.RLIMIT_FSIZE: (spec.file_bytes, spec.file_bytes),
        resource.RLIMIT_NOFILE: (spec.open_files, spec.open_files),
        resource.RLIMIT_CORE: (0, 0),
    }
    if os.geteuid() == 0:
        limits[resource.RLIMIT_NPROC] = (spec.processes, spec.processes)
    for which, (soft, hard) in limits.items():
        current_soft, current_hard = resource.getrlimit(which)
        if current_hard != resource.RLIM_INFINITY:
            hard = min(hard, current_hard)
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))


def confine(spec: JailSpec) -> None:
    """Confine the calling process (PID 1 of its own PID namespace when root)."""
    if isolation_level() == "full":
        unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
        build_root(spec)
        apply_rlimits(spec)
        os.setgroups([])
        os.setgid(spec.uid)
        os.setuid(spec.uid)
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        prctl(PR_SET_PDEATHSIG, 9)
    else:
        apply_rlimits(spec)
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        prctl(PR_SET_PDEATHSIG, 9)
    prctl(PR_SET_DUMPABLE, 0)
    os.environ.clear()
    os.environ.update(
        {
            "HOME": "/tmp",
            "TMPDIR": "/tmp",
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "MPLCONFIGDIR": "/tmp",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
    )
