"""The outbox: rendered messages waiting to be sent, one ``.eml`` file each.

A message is written here (atomically: temporary file, fsync, rename) before
any attempt to send it and removed only after the server accepted it and the
state database recorded that, so a failure at any point loses nothing. The
next run sends what is pending first, oldest first.

Dry runs write into ``dry-run/`` inside the outbox: those files are never sent.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

DRY_RUN_FOLDER = "dry-run"
SUFFIX = ".eml"


def message_file_name(created: dt.datetime, content_hash: str) -> str:
    """A file name that sorts by creation time: ``20250515T060000.000000Z-<hash12>.eml``."""
    stamp = created.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{stamp}-{content_hash[:12]}{SUFFIX}"


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the whole file or none of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_folder(path.parent)
    return path


class Outbox:
    """The outbox folder."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    @property
    def dry_run_folder(self) -> Path:
        return self.folder / DRY_RUN_FOLDER

    def put(self, name: str, data: bytes) -> Path:
        """Store a message to send; returns its path."""
        return write_atomic(self.folder / name, data)

    def put_dry_run(self, name: str, data: bytes) -> Path:
        """Store a dry-run message, which is never sent."""
        return write_atomic(self.dry_run_folder / name, data)

    def pending(self) -> list[Path]:
        """Messages waiting to be sent, oldest first (names sort by creation time)."""
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if p.suffix == SUFFIX and p.is_file() and not p.name.startswith("."))

    def remove(self, path: Path) -> None:
        """Drop a message once it was delivered and recorded."""
        path.unlink(missing_ok=True)
        _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    # The rename or unlink is durable only once the folder entry is on disk.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
