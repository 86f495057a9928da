"""Peak memory and CPU time of a command's process tree, sampled while it runs (psutil).

Processes are sorted into roles: the zygote (``grader.sandbox.zygote``), the
supervisors it forks (depth 1 under the zygote), the sandboxes (depth 2 and
more), and judges (every other Python process: the grading command itself and
its pool workers or Dask workers). RSS counts pages shared after a fork once
per process, so the tree's proportional set size (PSS, shared pages split
between sharers) is sampled too: the memory the machine really gave the run.

CPU time is measured two ways. ``cpu``: the sum over every process seen of its
last sampled user + system time, exact for long-lived processes but short by up
to one interval for each process that ends -- a lower bound, and a loose one for
tfgrader, whose sandboxes and supervisors (several per submission) live a
second or less. (The zygote ignores SIGCHLD, so the kernel's child accounting,
``getrusage``, would miss every sandbox.) ``machine_cpu``: the busy time of all
CPUs over the run, from /proc/stat: exact for the run when nothing else runs on
the machine (the load average before it says), an upper bound otherwise.
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import psutil

MIB = 1 << 20


@dataclass
class Peaks:
    rss: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # role -> peak RSS of one process
    uss: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # role -> peak unique set (forks only)
    tree_rss: int = 0
    tree_pss: int = 0
    samples: int = 0
    cpu_by_pid: dict[int, float] = field(default_factory=dict)
    machine_cpu: float = 0.0  # busy CPU seconds of the whole machine over the run (/proc/stat)

    @property
    def cpu(self) -> float:
        """CPU seconds used by the whole tree (as sampled)."""
        return sum(self.cpu_by_pid.values())

    def per_worker(self) -> int:
        """RSS of one judge worker + the sandbox and supervisor it drives at a time (shared pages counted twice)."""
        return self.rss["judge"] + self.rss["sandbox"] + self.rss["supervisor"]

    def per_worker_own(self) -> int:
        """One judge worker's RSS + what its sandbox and supervisor add to the zygote they share (USS)."""
        return self.rss["judge"] + self.uss["sandbox"] + self.uss["supervisor"]

    def describe(self) -> str:
        return (f"peak per worker: RSS {self.per_worker() / MIB:.0f} MiB (judge {self.rss['judge'] / MIB:.0f} + "
                f"sandbox {self.rss['sandbox'] / MIB:.0f} + supervisor {self.rss['supervisor'] / MIB:.0f}), "
                f"own {self.per_worker_own() / MIB:.0f} MiB (sandbox, supervisor USS); "
                f"zygote {self.rss['zygote'] / MIB:.0f} MiB; whole tree PSS {self.tree_pss / MIB:.0f} MiB")


def machine_busy_seconds() -> float:
    """CPU seconds every CPU of the machine spent busy (not idle, not waiting on I/O) since boot."""
    with open("/proc/stat") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]  # steal (the hypervisor's) and guest left out
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _is_zygote_image(proc: psutil.Process) -> bool:
    return "grader.sandbox.zygote" in " ".join(proc.cmdline())  # forks keep the zygote's command line


def _roles(root: psutil.Process) -> dict[psutil.Process, str]:
    try:
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        return {}
    zygotes = set()  # the zygote itself: its parent is not a zygote image
    for proc in tree:
        try:
            if _is_zygote_image(proc) and not _is_zygote_image(proc.parent()):
                zygotes.add(proc.pid)
        except psutil.Error:
            continue
    roles = {}
    for proc in tree:
        try:
            depth, walker = 0, proc
            while walker is not None and walker.pid not in zygotes:
                walker = walker.parent()
                depth += 1
        except psutil.Error:
            continue
        if walker is None:
            roles[proc] = "judge"
        elif depth == 0:
            roles[proc] = "zygote"
        else:
            roles[proc] = "supervisor" if depth == 1 else "sandbox"
    return roles


class Sampler:
    """``with Sampler(pid) as peaks:`` samples the tree of ``pid`` every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.1, pss_every: int = 20, uss_every: int = 5) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.pss_every = pss_every
        self.uss_every = uss_every
        self.peaks = Peaks()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            roles = _roles(self.root)
            total_rss = total_pss = 0
            with_pss = self.peaks.samples % self.pss_every == 0
            with_uss = self.peaks.samples % self.uss_every == 0
            for proc, role in roles.items():
                try:
                    full = with_pss or (with_uss and role in ("sandbox", "supervisor"))
                    info = proc.memory_full_info() if full else proc.memory_info()
                    times = proc.cpu_times()
                except psutil.Error:
                    continue
                used = times.user + times.system
                self.peaks.cpu_by_pid[proc.pid] = max(self.peaks.cpu_by_pid.get(proc.pid, 0.0), used)
                total_rss += info.rss
                self.peaks.rss[role] = max(self.peaks.rss[role], info.rss)
                if full:
                    total_pss += info.pss
                    self.peaks.uss[role] = max(self.peaks.uss[role], info.uss)
            self.peaks.tree_rss = max(self.peaks.tree_rss, total_rss)
            self.peaks.tree_pss = max(self.peaks.tree_pss, total_pss)
            self.peaks.samples += 1
            time.sleep(self.interval)

    def __enter__(self) -> Peaks:
        self._busy_at_start = machine_busy_seconds()
        self._thread.start()
        return self.peaks

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peaks.machine_cpu = machine_busy_seconds() - self._busy_at_start
