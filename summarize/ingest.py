"""Ingest: read articles from files, folders, JSON/JSONL and stdin.

Supported inputs: ``.txt``, ``.md``, ``.html``/``.htm``, ``.json`` (one object,
a list of objects, or ``{"articles": [...]}``) and ``.jsonl`` (one object a
line), folders (recursively, hidden files skipped) and ``-`` for stdin.

Bad input never stops the run: each problem becomes one line in
``IngestResult.errors`` naming the input and the reason, and the other inputs
are still read.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from summarize.models import Article

TEXT_SUFFIXES = {".txt"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES

STDIN = "-"

# JSON may escape half of a surrogate pair ("\ud800") alone: no valid text
# holds one, and it cannot be encoded to print, split or send.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Plain-text metadata, as the sample articles carry it.
_DATE_MARKER = re.compile(r"^\s*date[:\s]\s*(\d{4}-\d{2}-\d{2})\b[ \t]*", re.IGNORECASE)
_BYLINE = re.compile(r"^\s*By\s+(?P<names>[A-Z][^\n.!?]{1,150})$")
_NAME_SEPARATOR = re.compile(r"\s*(?:,\s*and\s+|,\s*|\s+and\s+|\s*&\s*)")
# A dateline naming the outlet: "Washington/Istanbul (Reuters) - ...".
_DATELINE_OUTLET = re.compile(r"^[^\n()]{2,60}?\((?P<outlet>[A-Z][A-Za-z.&' ]{1,30})\)\s*[-\u2013\u2014]")
_TERMINAL_PUNCTUATION = tuple(".!?:;\"'\u201d\u2019)")
_MAX_TITLE_WORDS = 25


class IngestError(ValueError):
    """An input that cannot be read as articles; the message names it and says why."""


@dataclass
class IngestResult:
    """The articles read, in input order, and one line per input that failed."""

    articles: list[Article] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_articles(paths: Sequence[str | Path], stdin: str | None = None) -> IngestResult:
    """Read every article under ``paths``.

    ``-`` reads ``stdin`` (the caller passes the text, so this stays testable)
    as one plain-text article, or as JSON lines when every non-empty line is a
    JSON object. Folders are walked recursively in sorted order; files with
    unsupported extensions inside folders are skipped, named ones are errors.
    Article ids are made unique within the result.
    """
    result = IngestResult()
    for raw in paths:
        if str(raw) == STDIN:
            _collect(result, lambda: _read_stdin(stdin or ""), "<stdin>")
            continue
        path = Path(raw)
        if not path.exists():
            result.errors.append(f"{path}: no such file or folder")
        elif path.is_dir():
            files = sorted(p for p in path.rglob("*") if _is_article_file(p, path))
            if not files:
                result.errors.append(f"{path}: folder holds no article files ({_suffix_list()})")
            for file in files:
                _collect(result, lambda f=file: read_file(f), str(file))
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            result.errors.append(f"{path}: unsupported file type {path.suffix or '(none)'!r}; expected {_suffix_list()}")
        else:
            _collect(result, lambda p=path: read_file(p), str(path))
    result.articles = _unique_ids(result.articles)
    return result


def read_file(path: Path) -> list[Article]:
    """Read the articles of one file; raises IngestError naming the file."""
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror or exc})") from None
    text = decode_bytes(data, str(path))
    if not text.strip():
        raise IngestError(f"{path}: file is empty")
    if suffix in JSONL_SUFFIXES:
        return _parse_jsonl(text, str(path), path.stem)
    if suffix in JSON_SUFFIXES:
        return _parse_json(text, str(path), path.stem)
    if suffix in HTML_SUFFIXES:
        return [parse_html(text, article_id=path.stem, origin=str(path))]
    if suffix in MARKDOWN_SUFFIXES:
        return [parse_markdown(text, article_id=path.stem, origin=str(path))]
    return [parse_plain_text(text, article_id=path.stem, origin=str(path))]


def decode_bytes(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM), falling back to cp1252, then latin-1.

    Raises IngestError for binary data (NUL bytes), which no text encoding fits.
    """
    if b"\x00" in data[:8192]:
        raise IngestError(f"{name}: looks like a binary file, not text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def parse_plain_text(text: str, article_id: str, origin: str = "") -> Article:
    """Parse a plain-text article with optional leading metadata.

    Recognised, in any order before the body: a ``date YYYY-MM-DD`` marker
    (possibly followed by body text on the same line), a ``By A and B`` byline
    and a title line (short, no closing punctuation, followed by more text).
    A dateline such as ``Istanbul (Reuters) -`` names the outlet.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    date: dt.date | None = None
    authors: tuple[str, ...] = ()
    title: str | None = None
    index = _skip_blank(lines, 0)
    while index < len(lines):
        line = lines[index]
        match = _DATE_MARKER.match(line)
        if date is None and match:
            date = _parse_date(match.group(1))
            rest = line[match.end():]
            if rest.strip():
                lines[index] = rest
                continue
            index = _skip_blank(lines, index + 1)
            continue
        byline = _BYLINE.match(line)
        if not authors and byline and len(line.split()) <= 20:
            authors = tuple(n for n in _NAME_SEPARATOR.split(byline.group("names").strip()) if n)
            index = _skip_blank(lines, index + 1)
            continue
        if title is None and _looks_like_title(line) and _skip_blank(lines, index + 1) < len(lines):
            title = line.strip()
            index = _skip_blank(lines, index + 1)
            continue
        break
    body = "\n".join(line.strip() for line in lines[index:]).strip()
    outlet = _DATELINE_OUTLET.match(body)
    return Article(
        id=article_id,
        text=body,
        title=title,
        date=date,
        source=outlet.group("outlet").strip() if outlet else None,
        authors=authors,
        origin=origin,
    )


def parse_markdown(text: str, article_id: str, origin: str = "") -> Article:
    """Parse a Markdown article: the first ``#`` heading is the title.

    Markdown is parsed with markdown-it (a CommonMark parser, not regexes);
    each block becomes one line of plain text with inline markup removed.
    """
    from markdown_it import MarkdownIt

    tokens = MarkdownIt().parse(text)
    title: str | None = None
    blocks: list[str] = []
    for position, token in enumerate(tokens):
        if token.type != "inline":
            continue
        plain = "".join(child.content for child in token.children or [] if child.type in {"text", "code_inline"})
        plain = plain.strip() or token.content.strip()
        opener = tokens[position - 1] if position else None
        if title is None and opener is not None and opener.type == "heading_open" and opener.tag == "h1":
            title = plain
            continue
        blocks.append(plain)
    article = parse_plain_text("\n\n".join(blocks), article_id, origin)
    if title:
        article = _replace(article, title=title)
    return article


def parse_html(html: str, article_id: str, origin: str = "", url: str | None = None) -> Article:
    """Extract the main text and metadata of an HTML page with trafilatura."""
    import trafilatura

    document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    text = getattr(document, "text", None) if document is not None else None
    if not text or not text.strip():
        raise IngestError(f"{origin or article_id}: no article text found in the HTML")
    return Article(
        id=article_id,
        text=text.strip(),
        title=getattr(document, "title", None) or None,
        url=getattr(document, "url", None) or url,
        date=_parse_date(getattr(document, "date", None)),
        source=getattr(document, "sitename", None) or None,
        authors=tuple(a.strip() for a in (getattr(document, "author", None) or "").split(";") if a.strip()),
        origin=origin,
    )


def articles_from_records(records: Iterable[dict], origin: str, id_prefix: str | None = None) -> list[Article]:
    """Build articles from dicts with ``id``, ``title``, ``text``, ``url``, ``date``, ``source``.

    An article without an ``id`` gets ``<prefix>:<n>`` (n counting from 1).
    Raises IngestError naming ``origin`` and the record for a record without text.
    """
    prefix = id_prefix or Path(origin).stem or origin
    articles = []
    for number, record in enumerate(records, start=1):
        articles.append(_article_from_record(record, f"{origin}:{number}", f"{prefix}:{number}"))
    return articles


def _article_from_record(record: object, where: str, default_id: str) -> Article:
    if not isinstance(record, dict):
        raise IngestError(f"{where}: expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise IngestError(f"{where}: record has no 'text'")
    authors = record.get("authors") or ()
    if isinstance(authors, str):
        authors = (authors,)
    title = record.get("title")
    url, source = record.get("url"), record.get("source")
    return Article(
        id=_valid_text(str(record["id"])) if record.get("id") not in (None, "") else default_id,
        text=_valid_text(text.strip()),
        title=_valid_text(str(title).strip()) if title else None,
        url=_valid_text(str(url)) if url else None,
        date=_parse_date(record.get("date")),
        source=_valid_text(str(source)) if source else None,
        authors=tuple(_valid_text(str(a)) for a in authors),
        origin=where,
    )


def _valid_text(value: str) -> str:
    """``value`` with any lone surrogate replaced by U+FFFD (the replacement character)."""
    return _LONE_SURROGATE.sub("\ufffd", value)


def _parse_jsonl(text: str, origin: str, stem: str) -> list[Article]:
    articles, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            record = json.loads(line)
            articles.append(_article_from_record(record, where, f"{stem}:{number}"))
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: invalid JSON ({exc.msg})")
        except IngestError as exc:
            problems.append(str(exc))
    if problems:
        raise _PartialRead(articles, problems)
    return articles


def _parse_json(text: str, origin: str, stem: str) -> list[Article]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(f"{origin}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    records = data if isinstance(data, list) else [data]
    articles, problems = [], []
    for number, record in enumerate(records, start=1):
        default_id = stem if len(records) == 1 else f"{stem}:{number}"
        try:
            articles.append(_article_from_record(record, f"{origin}[{number}]", default_id))
        except IngestError as exc:
            problems.append(str(exc))
    if problems:
        raise _PartialRead(articles, problems)
    return articles


class _PartialRead(IngestError):
    """Some records of a file were read, others were not."""

    def __init__(self, articles: list[Article], problems: list[str]):
        super().__init__(problems[0])
        self.articles = articles
        self.problems = problems


def _read_stdin(text: str) -> list[Article]:
    if not text.strip():
        raise IngestError("<stdin>: no input")
    lines = [line for line in text.splitlines() if line.strip()]
    if all(line.lstrip().startswith("{") for line in lines):
        return _parse_jsonl(text, "<stdin>", "stdin")
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return [parse_plain_text(text, article_id=f"stdin-{digest}", origin="<stdin>")]


def _collect(result: IngestResult, read, name: str) -> None:
    try:
        result.articles.extend(read())
    except _PartialRead as exc:
        result.articles.extend(exc.articles)
        result.errors.extend(exc.problems)
    except IngestError as exc:
        result.errors.append(str(exc))
    except Exception as exc:  # an extraction library failing on odd input must not end the run
        result.errors.append(f"{name}: could not be read ({type(exc).__name__}: {exc})")


def _is_article_file(path: Path, root: Path) -> bool:
    relative = path.relative_to(root)
    hidden = any(part.startswith(".") for part in relative.parts)
    return path.is_file() and not hidden and path.suffix.lower() in SUPPORTED_SUFFIXES


def _unique_ids(articles: list[Article]) -> list[Article]:
    seen: dict[str, int] = {}
    unique = []
    for article in articles:
        count = seen.get(article.id, 0) + 1
        seen[article.id] = count
        unique.append(article if count == 1 else _replace(article, id=f"{article.id}#{count}"))
    return unique


def _looks_like_title(line: str) -> bool:
    stripped = line.strip()
    words = stripped.split()
    return 0 < len(words) <= _MAX_TITLE_WORDS and not stripped.endswith(_TERMINAL_PUNCTUATION) and stripped[0].isupper()


def _skip_blank(lines: list[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _parse_date(value: object) -> dt.date | None:
    """ISO dates and datetimes, and RFC 2822 dates (feeds); None when unparseable."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).date()
    except (TypeError, ValueError):
        return None


def _replace(article: Article, **changes) -> Article:
    from dataclasses import replace

    return replace(article, **changes)


def _suffix_list() -> str:
    return ", ".join(sorted(SUPPORTED_SUFFIXES))
