"""The outbox: rendered deliveries waiting to be made, one file per digest and channel.

``<time>-<hash12>.eml`` is the email, ``.webhook.json`` the webhook posts and
``.feed.json`` the feed entries of the same digest. Each is written here
(atomically: temporary file, fsync, rename) before any attempt to deliver it
and removed only after the channel accepted it and the state database recorded
that, so a failure at any point loses nothing. The next run delivers what is
pending first, oldest first, each channel on its own.

Dry runs write into ``dry-run/`` inside the outbox: those files are never sent.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

DRY_RUN_FOLDER = "dry-run"
SUFFIX = ".eml"
# The outbox file of each delivery channel ends with its suffix.
SUFFIXES = {"mail": ".eml", "webhook": ".webhook.json", "feed": ".feed.json"}


def message_file_name(created: dt.datetime, content_hash: str, channel: str = "mail") -> str:
    """A file name that sorts by creation time: ``20250515T060000.000000Z-<hash12>.eml``."""
    stamp = created.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{stamp}-{content_hash[:12]}{SUFFIXES[channel]}"


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the whole file or none of it.

    On failure (disk full, ...) the temporary file is removed and the OSError
    raised; whatever was at ``path`` before is untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
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

    def pending(self, channel: str = "mail") -> list[Path]:
        """A channel's files waiting to be delivered, oldest first (names sort by creation time)."""
        if not self.folder.is_dir():
            return []
        suffix = SUFFIXES[channel]
        return sorted(
            p for p in self.folder.iterdir() if p.name.endswith(suffix) and p.is_file() and not p.name.startswith(".")
        )

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
