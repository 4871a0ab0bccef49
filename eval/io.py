"""All file and dataset I/O of the evaluation package.

Scoring modules take and return plain values; this module reads JSONL files
and datasets and writes results. Problems with inputs raise ``DataError`` with
one line naming the input and the reason.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from eval.data import DataError
from summarize.textio import InputError, decode_bytes, parse_json, read_file_bytes, regular_file_problem

LOCAL_FORMATS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}
# Predictions, references and sources are read whole; a larger file is refused
# rather than exhausting memory (Multi-News' sources take about 250 MB).
MAX_FILE_BYTES = 1 << 30


def read_text_file(path: str | Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of a regular file, decoded as ``summarize.textio.decode_bytes`` does.

    DataError (one line) for a missing file, a folder, a FIFO or device, a
    file over ``max_bytes``, binary data.
    """
    try:
        return decode_bytes(read_file_bytes(path, max_bytes), str(path))
    except InputError as exc:
        raise DataError(str(exc)) from None


def read_jsonl(path: str | Path) -> list[tuple[int, dict]]:
    """``(line number, object)`` for each non-blank line of a JSONL file.

    Raises DataError for a missing or unreadable file, a line that is not JSON
    (or that Python cannot hold: nested too deeply, a number of thousands of
    digits) and a line that is not a JSON object.
    """
    text = read_text_file(path)
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        value = _parse_line(line, f"{path}:{number}")
        if not isinstance(value, dict):
            raise DataError(f"{path}:{number}: expected a JSON object, got {type(value).__name__}")
        rows.append((number, value))
    return rows


def _parse_line(line: str, where: str) -> object:
    try:
        return parse_json(line, where)
    except InputError as exc:
        raise DataError(str(exc)) from None


def read_jsonl_tolerant(path: str | Path) -> list[dict]:
    """Objects of a JSONL file written by this package, skipping a torn last line.

    An interrupted run may leave a partial final line; it is ignored (and
    rewritten by the resumed run). A missing file gives an empty list.
    """
    path = Path(path)
    if not path.exists():
        return []
    rows = []
    lines = read_text_file(path).splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = _parse_line(line, f"{path}:{number}")
        except DataError as exc:
            if number == len(lines):
                break
            raise DataError(f"{exc}; remove the file to start this system again") from None
        if isinstance(value, dict):
            rows.append(value)
    return rows


def rewrite_jsonl(path: str | Path, rows: Iterable[dict]) -> None:
    """Replace ``path`` with ``rows``, one JSON object a line (atomically)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def append_jsonl(path: str | Path, row: dict) -> None:
    """Append one object and flush it to disk, so an interruption loses at most this line."""
    with Path(path).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def load_dataset_rows(
    name_or_path: str, split: str | None = None, cache_dir: str | Path | None = None, first: int | None = None
) -> tuple[list[dict], str]:
    """Rows of a local JSON/JSONL/CSV/Parquet file or a hub dataset, via ``datasets``.

    Local files are loaded with the matching ``datasets`` builder (their only
    split is ``train``; ``split`` is ignored). Anything else is taken as a hub
    dataset name (``name`` or ``name:config``) and loaded with ``split``
    (default ``test``), only its ``first`` rows when given; this needs the hub
    to be reachable and never runs dataset loading scripts. Returns the rows
    and a name for messages.
    """
    try:
        import datasets
    except ImportError:  # pragma: no cover - a declared dependency
        raise DataError("the datasets package is not installed") from None
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    path = Path(name_or_path).expanduser()
    cache = str(cache_dir) if cache_dir else None
    if path.exists() or path.suffix.lower() in LOCAL_FORMATS:
        if not path.exists():
            raise DataError(f"{name_or_path}: no such file")
        if path.is_dir():
            raise DataError(f"{name_or_path}: is a directory; give a JSON, JSONL, CSV or Parquet file")
        problem = regular_file_problem(path)
        if problem:  # a FIFO would block the loader for ever
            raise DataError(f"{name_or_path}: {problem}")
        builder = LOCAL_FORMATS.get(path.suffix.lower())
        if builder is None:
            raise DataError(f"{name_or_path}: unknown file type {path.suffix!r}; use .jsonl, .json, .csv or .parquet")
        if builder == "json":
            _check_json_lines(path)
        try:
            data = datasets.load_dataset(builder, data_files=str(path), split="train", cache_dir=cache)
        except Exception as exc:  # noqa: BLE001 - datasets raises many types; report one line
            raise DataError(f"{name_or_path}: cannot load as {builder} ({_first_line(exc)})") from None
        return [dict(row) for row in data], str(name_or_path)
    name, _, config = name_or_path.partition(":")
    split = split or "test"
    try:
        data = datasets.load_dataset(name, config or None, split=f"{split}[:{first}]" if first else split, cache_dir=cache)
    except Exception as exc:  # noqa: BLE001
        raise DataError(
            f"{name_or_path}: not a local file, and loading it from the hub failed ({_first_line(exc)})"
        ) from None
    return [dict(row) for row in data], f"{name_or_path}[{split}]"


def _check_json_lines(path: Path) -> None:
    """Name the first bad line of a JSONL file (datasets' own error does not)."""
    if path.suffix.lower() == ".jsonl":
        read_jsonl(path)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8), creating parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_json(path: str | Path, value: object) -> Path:
    return write_text(path, json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def read_json(path: str | Path) -> object | None:
    """A JSON file's value, or None when the file does not exist."""
    path = Path(path)
    if not path.exists():
        return None
    return _parse_line(read_text_file(path), str(path))


def csv_text(rows: Sequence[dict], fieldnames: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fieldnames), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k) for k in fieldnames})
    return buffer.getvalue()


def save_figure(figure, path: str | Path) -> Path:
    """Save a matplotlib figure as PNG and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)
    return path
