"""Run one command in a fresh process and measure it: wall and CPU seconds, peak RSS.

Shared by the benchmarks that compare whole processes (``abstractive_vs_naive.py``,
``memory.py``). ``os.wait4`` gives this child's own rusage, not the sum over
every child so far (``RUSAGE_CHILDREN``), so runs that take turns in one
benchmark are measured apart.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class ChildRun:
    """What one process cost: start (epoch seconds), wall and CPU (user + system) seconds, peak RSS in MiB."""

    started_at: float
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    exit_code: int


def run_measured(command: list[str], *, env: dict, cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) -> ChildRun:
    """Run ``command`` to its end (``stdout``/``stderr``: a file object or ``subprocess.DEVNULL``)."""
    started_at = time.time()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=env, cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    # ru_maxrss is in KiB on Linux
    return ChildRun(started_at, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                    os.waitstatus_to_exitcode(status))
