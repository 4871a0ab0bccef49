"""Reading untrusted input safely: bounded reads, special files refused, decoding, JSON.

Every reader of user files goes through here (the pipeline's ingest and feeds,
the evaluation's JSONL readers), so each rule lives in one place:

- only regular files are read; a named pipe (FIFO), a device (``/dev/zero``),
  a socket, a dangling symlink or a symlink loop is refused with one line,
  never opened in a way that blocks (the file is opened non-blocking and
  checked on the open descriptor, so it cannot be swapped in between);
- reads are bounded: at most ``max_bytes`` are ever held, whatever the file or
  stream claims or does (a growing file, ``/dev/zero`` on stdin);
- text is decoded by one ladder for files and stdin alike (``decode_bytes``);
- JSON that Python's parser cannot hold (nesting 100,000 levels deep, an
  integer of 5,000 digits) is one ``InputError``, like any other bad JSON.

Messages name the input with ``display_name``: as it is when it prints on
one line, else ``repr``-quoted (a file name holding a newline).
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import re
import stat
import sys
from pathlib import Path
from typing import BinaryIO

READ_CHUNK = 1 << 20  # bytes per read() of a file or stream

_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UTF16_PROBE = 65536  # bytes looked at to recognise UTF-16 without a byte order mark
_UTF16_MIN_BYTES = 32  # shorter data with NUL bytes is taken for binary
# Control characters other than tab, line feed, form feed and carriage return:
# no text holds them, and printed to a terminal ESC starts an escape sequence.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


class InputError(ValueError):
    """An input that cannot be read; the message is one line naming it and the reason."""


class UnreadableInput(InputError):
    """The input itself cannot be read (missing, a special file, over a limit, a URL that
    fails), as opposed to one that was read but holds nothing usable."""


class InputTooLarge(UnreadableInput):
    """An input larger than the limit it is read under."""


def display_name(name: str | os.PathLike) -> str:
    """``name`` as messages show it: unchanged when it prints on one line, else ``repr``-quoted."""
    text = str(name)
    return text if text.isprintable() and text.strip() == text and text else repr(text)


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words, from its ``st_mode``."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_file_bytes(path: str | os.PathLike, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them.

    Raises InputError (one line naming the file) for a missing file, a
    dangling symlink, a symlink loop, a folder, a special file, a file that
    cannot be read, and InputTooLarge for a file over ``max_bytes``.
    """
    name = display_name(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)  # non-blocking: opening a FIFO with no writer must not wait
    except OSError as exc:
        raise UnreadableInput(f"{name}: {open_failure_reason(Path(path), exc)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableInput(f"{name}: is {file_kind(info.st_mode)}, not a regular file")
        if info.st_size > max_bytes:
            raise InputTooLarge(f"{name}: {format_size(info.st_size)} is over the limit of {format_size(max_bytes)}")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as stream:
            return read_stream_bytes(stream, max_bytes, str(path), size_hint=info.st_size)
    except OSError as exc:
        raise UnreadableInput(f"{name}: cannot read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def regular_file_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` is no regular file to read (missing, a broken symlink, a FIFO,
    a device), in words; None for a regular file or a folder."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return open_failure_reason(Path(path), exc)
    return None if stat.S_ISREG(mode) or stat.S_ISDIR(mode) else f"is {file_kind(mode)}, not a regular file"


def read_stream_bytes(stream: BinaryIO, max_bytes: int, name: str = "<stdin>", size_hint: int = 0) -> bytes:
    """Read ``stream`` to its end, holding at most ``max_bytes``; InputTooLarge past that.

    Reading stops as soon as the limit is passed, so an endless stream
    (``/dev/zero``) costs ``max_bytes`` of memory and no more. ``size_hint``
    (a regular file's size) lets one read take it all, with no copy.
    """
    pieces: list[bytes] = []
    total = 0
    while True:
        piece = stream.read(min(max(READ_CHUNK, size_hint + 1), max_bytes + 1 - total))
        if not piece:
            return pieces[0] if len(pieces) == 1 else b"".join(pieces)
        pieces.append(piece)
        total += len(piece)
        if total > max_bytes:
            raise InputTooLarge(f"{display_name(name)}: more than the limit of {format_size(max_bytes)}")


def decode_bytes(data: bytes, name: str) -> str:
    """Text of ``data``, the same rules for files, stdin and fetched pages.

    1. a byte order mark decides (UTF-8, UTF-16 or UTF-32);
    2. data holding NUL bytes is UTF-16 or UTF-32 without a mark when
       charset-normalizer says so, else binary: InputError;
    3. UTF-8, then cp1252 (Windows' Western European), then latin-1, which
       decodes anything.

    A byte sequence invalid in the chosen Unicode encoding becomes U+FFFD.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if b"\x00" in data[:8192]:
        encoding = _utf16_or_32(data)
        if encoding is None:
            raise InputError(f"{display_name(name)}: looks like a binary file, not text")
        return data.decode(encoding, errors="replace")
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _utf16_or_32(data: bytes) -> str | None:
    """The UTF-16/32 codec that ``data`` (without a byte order mark) is written in, or None.

    Detection is charset-normalizer's (a well-kept detector) rather than a NUL
    count of our own: it also recognises UTF-16 text in scripts whose code
    units hold no zero byte. It is asked only when NULs are present, and its
    answer is kept only for data of some length that decodes cleanly to
    text without control characters: a few bytes of binary data can pass
    for UTF-16 too.
    """
    from charset_normalizer import from_bytes

    probe = data[:_UTF16_PROBE]
    probe = probe[: len(probe) - len(probe) % 4]  # whole code units
    if len(probe) < _UTF16_MIN_BYTES:
        return None
    best = from_bytes(probe, cp_isolation=["utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be"]).best()
    if best is None:
        return None
    encoding = best.encoding.replace("_", "-")
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(probe, final=False)  # the probe may end mid-pair
    except (UnicodeDecodeError, LookupError):
        return None
    return None if _CONTROL.search(text) else encoding


def strip_controls(text: str) -> str:
    """``text`` without control characters (NUL, ESC, ...; tab and line breaks stay)."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def parse_json(text: str, where: str) -> object:
    """``json.loads(text)``; InputError naming ``where`` for anything it cannot hold.

    Besides invalid JSON, Python's parser raises RecursionError on deeply
    nested arrays and ValueError on integers of more than 4,300 digits
    (``sys.get_int_max_str_digits``); each becomes one line like any bad JSON.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise InputError(f"{where}: invalid JSON (nested too deeply to read)") from None
    except ValueError:  # int() refusing a number of thousands of digits
        raise InputError(f"{where}: invalid JSON (a number of more than {sys.get_int_max_str_digits()} digits)") from None


def open_failure_reason(path: Path, exc: OSError) -> str:
    """Why ``path`` could not be opened or stat'ed, in words (symlinks named as such)."""
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        if path.is_symlink():
            return f"dangling symlink (its target {display_name(os.readlink(path))} does not exist)"
        return "no such file or folder"
    if exc.errno == errno.EACCES:
        return "permission denied"
    if exc.errno == errno.ENXIO:  # a socket or a FIFO that cannot be opened this way
        return "is a special file, not a regular file"
    return f"cannot open ({exc.strerror or exc})"


def format_size(n: int) -> str:
    """A byte count for messages: "64 MiB", "1.5 KiB", "12 bytes"."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"
