"""One digest run at a time: an exclusive, non-blocking ``fcntl.flock`` on a lock file.

The kernel drops the lock when the process ends, however it ends, so a crashed
run never leaves a stale lock behind. The file itself stays (deleting it would
let two runs lock two different files); it holds the pid of the holder, which
the refusal message quotes.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class LockBusy(RuntimeError):
    """Another run holds the lock; the message names the lock file and the holder."""


class RunLock:
    """``with RunLock(path):`` runs the block holding the lock, or raises LockBusy at once."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._handle = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock without waiting; raises LockBusy when another run holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # "a+" neither truncates the holder's pid nor fails when the file exists.
        handle = open(self.path, "a+", encoding="ascii")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise LockBusy(f"another digest run holds the lock {self.path}{who}; exiting without doing anything") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        handle.seek(0)
        handle.truncate()
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()
