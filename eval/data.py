"""Rows to evaluation examples: column mapping, document splitting, joining files.

Pure functions over already-read rows (dicts); ``eval.io`` does the reading.
Every problem with the data raises ``DataError`` with one line naming the
input and the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MULTI_NEWS_SEPARATOR = "|||||"
# Column names tried, in order, when none is given.
DOCUMENT_COLUMNS = ("documents", "document", "article", "text", "source_text", "src")
REFERENCE_COLUMNS = ("summaries", "summary", "highlights", "abstract", "references", "reference", "target", "tgt")
ID_COLUMNS = ("id", "example_id", "doc_id")


class DataError(ValueError):
    """Input data that cannot be used; the message is one line for users."""


@dataclass
class Example:
    """One evaluation example: a cluster of source documents and its reference summaries."""

    id: str
    documents: list[str]
    references: list[str]


@dataclass(frozen=True)
class Columns:
    """Which columns hold the id, the documents and the references (None: detect)."""

    id: str | None = None
    documents: str | None = None
    references: str | None = None


def split_documents(value: object, origin: str = "") -> list[str]:
    """Documents of one example: a list of strings, or one string.

    A string holding Multi-News style ``|||||`` separators is split on them;
    empty documents are dropped.
    """
    if isinstance(value, str):
        parts = value.split(MULTI_NEWS_SEPARATOR) if MULTI_NEWS_SEPARATOR in value else [value]
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        parts = list(value)
    else:
        raise DataError(f"{origin}: documents must be a string or a list of strings, got {type(value).__name__}")
    return [p.strip() for p in parts if p and p.strip()]


def split_references(value: object, origin: str = "") -> list[str]:
    """References of one example: one string or a list of strings (empty ones dropped)."""
    if isinstance(value, str):
        refs = [value]
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        refs = list(value)
    else:
        raise DataError(f"{origin}: references must be a string or a list of strings, got {type(value).__name__}")
    return [r.strip() for r in refs if r and r.strip()]


def _pick(columns: Sequence[str], given: str | None, candidates: Sequence[str], what: str, origin: str) -> str:
    if given:
        if given not in columns:
            raise DataError(f"{origin}: no column {given!r} for {what} (columns: {', '.join(columns)})")
        return given
    for name in candidates:
        if name in columns:
            return name
    raise DataError(
        f"{origin}: cannot find the {what} column (tried {', '.join(candidates)}; columns: {', '.join(columns)}); "
        f"name it with an option"
    )


def examples_from_rows(
    rows: Sequence[dict],
    columns: Columns = Columns(),
    *,
    origin: str = "dataset",
    id_prefix: str | None = None,
    limit: int | None = None,
) -> list[Example]:
    """Examples from dataset rows, filtered by ``id_prefix`` then cut to ``limit``.

    Rows without an id column get ids ``row-N`` (N counts from 0). Raises
    DataError on a missing column, a malformed field, a repeated id, or when
    nothing is left after filtering.
    """
    if not rows:
        raise DataError(f"{origin}: no rows")
    names = list(rows[0].keys())
    doc_col = _pick(names, columns.documents, DOCUMENT_COLUMNS, "documents", origin)
    ref_col = _pick(names, columns.references, REFERENCE_COLUMNS, "reference summaries", origin)
    id_col = columns.id or next((c for c in ID_COLUMNS if c in names), None)
    if columns.id and columns.id not in names:
        raise DataError(f"{origin}: no column {columns.id!r} for ids (columns: {', '.join(names)})")

    examples: list[Example] = []
    seen: set[str] = set()
    for n, row in enumerate(rows):
        where = f"{origin} row {n}"
        example_id = str(row.get(id_col)) if id_col and row.get(id_col) is not None else f"row-{n}"
        if id_prefix and not example_id.startswith(id_prefix):
            continue
        if example_id in seen:
            raise DataError(f"{where}: id {example_id!r} appears twice")
        seen.add(example_id)
        if row.get(doc_col) is None or row.get(ref_col) is None:
            missing = doc_col if row.get(doc_col) is None else ref_col
            raise DataError(f"{where}: field {missing!r} is empty")
        documents = split_documents(row[doc_col], where)
        references = split_references(row[ref_col], where)
        if not documents:
            raise DataError(f"{where}: no document text")
        if not references:
            raise DataError(f"{where}: no reference summary")
        examples.append(Example(example_id, documents, references))
        if limit is not None and len(examples) >= limit:
            break
    if not examples:
        raise DataError(f"{origin}: no examples" + (f" with ids starting {id_prefix!r}" if id_prefix else ""))
    return examples


# --- `briefing eval`: predictions, references and sources joined on id -------------------


@dataclass
class EvalItem:
    """One scored example of ``briefing eval``."""

    id: str
    prediction: str
    references: list[str]
    sources: list[str] | None = None


def _by_id(rows: Iterable[tuple[int, dict]], origin: str, field_names: Sequence[str]) -> dict[str, tuple[str, object]]:
    """id -> (where, value of the first present field among ``field_names``)."""
    out: dict[str, tuple[str, object]] = {}
    for line, row in rows:
        where = f"{origin}:{line}"
        if "id" not in row or row["id"] is None:
            raise DataError(f"{where}: row has no 'id'")
        key = str(row["id"])
        if key in out:
            raise DataError(f"{where}: id {key!r} appears twice")
        present = [f for f in field_names if row.get(f) is not None]
        if not present:
            raise DataError(f"{where}: row has no {' or '.join(repr(f) for f in field_names)} field")
        out[key] = (where, row[present[0]])
    return out


def join_eval_rows(
    predictions: Sequence[tuple[int, dict]],
    references: Sequence[tuple[int, dict]],
    sources: Sequence[tuple[int, dict]] | None = None,
    *,
    names: tuple[str, str, str] = ("predictions", "references", "sources"),
) -> list[EvalItem]:
    """Join rows on ``id``: predictions need ``summary``, references ``summary`` or
    ``summaries``, sources ``documents``. Rows are ``(line number, dict)``.

    Every file must hold exactly the same ids; otherwise DataError says how
    many ids are missing on which side, with an example.
    """
    preds = _by_id(predictions, names[0], ("summary",))
    refs = _by_id(references, names[1], ("summaries", "summary"))
    srcs = _by_id(sources, names[2], ("documents",)) if sources is not None else None
    if not preds:
        raise DataError(f"{names[0]}: no rows")

    def compare(other: dict, other_name: str) -> None:
        missing = [k for k in preds if k not in other]
        extra = [k for k in other if k not in preds]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"{len(missing)} prediction ids not in {other_name} (e.g. {missing[0]!r})")
            if extra:
                parts.append(f"{len(extra)} {other_name} ids without a prediction (e.g. {extra[0]!r})")
            raise DataError(f"ids do not match between {names[0]} and {other_name}: " + "; ".join(parts))

    compare(refs, names[1])
    if srcs is not None:
        compare(srcs, names[2])

    items = []
    for key, (where, summary) in preds.items():
        if not isinstance(summary, str):
            raise DataError(f"{where}: 'summary' must be a string")
        ref_where, ref_value = refs[key]
        ref_list = split_references(ref_value, ref_where)
        if not ref_list:
            raise DataError(f"{ref_where}: empty reference summary")
        item = EvalItem(key, summary, ref_list)
        if srcs is not None:
            src_where, src_value = srcs[key]
            item.sources = split_documents(src_value, src_where)
        items.append(item)
    return items
