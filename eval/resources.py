"""Process measurements for benchmarks: peak resident memory and wall time.

Peak memory is the process's resident-set high-water mark (``VmHWM``), which
includes a loaded model and torch's native allocations (``tracemalloc`` sees
only Python objects). On Linux the mark is reset before each system by writing
``5`` to ``/proc/self/clear_refs``, so each system gets its own peak; where
that is not possible the peak is the process's peak so far (``ru_maxrss``),
and ``peak_memory_scope()`` says so.
"""

from __future__ import annotations

import re
import resource
import sys
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")
_HWM = re.compile(r"^VmHWM:\s+(\d+)\s+kB", re.MULTILINE)


def reset_peak_memory() -> bool:
    """Reset the peak-RSS mark; False when the platform does not allow it."""
    try:
        _CLEAR_REFS.write_text("5")
        return True
    except OSError:
        return False


def peak_memory_mb() -> float:
    """Peak resident memory of this process in MiB since start or the last reset."""
    try:
        match = _HWM.search(_STATUS.read_text())
        if match:
            return int(match.group(1)) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def peak_memory_scope() -> str:
    """How ``peak_memory_mb`` values are to be read on this platform."""
    if _CLEAR_REFS.exists() and _STATUS.exists():
        return "peak RSS of the process while the system ran (includes the model; reset per system)"
    return "peak RSS of the process so far (cannot be reset on this platform; cumulative over systems)"
