"""The run lock: a second holder is refused at once, across processes too."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from summarize.digest.lock import LockBusy, RunLock


def test_second_lock_is_refused_at_once_and_names_the_holder(tmp_path):
    path = tmp_path / "digest.lock"
    with RunLock(path):
        with pytest.raises(LockBusy) as caught:
            RunLock(path).acquire()
        assert str(path) in str(caught.value) and "pid" in str(caught.value)
    with RunLock(path):  # released: can be taken again
        pass


def test_lock_held_by_another_process_is_refused(tmp_path):
    path = tmp_path / "digest.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from summarize.digest.lock import RunLock
            with RunLock({str(path)!r}):
                print("locked", flush=True)
                sys.stdin.readline()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockBusy, match=f"pid {holder.pid}"):
            RunLock(path).acquire()
    finally:
        holder.communicate("\n", timeout=20)
    with RunLock(path):  # the holder exited: the kernel dropped its lock
        pass
