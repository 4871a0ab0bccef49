"""Ingest: read articles from files, folders, URLs, feeds, JSON/JSONL and stdin.

Supported inputs: ``.txt``, ``.md``, ``.html``/``.htm``, ``.json`` (one object,
a list of objects, or ``{"articles": [...]}``), ``.jsonl`` (one object a
line), RSS/Atom feeds (``.rss``, ``.atom``, ``.xml``), http(s) URLs of web
pages or feeds, folders (recursively, hidden files skipped) and ``-`` for
stdin.

Bad input never stops the run: each problem becomes one line in
``IngestResult.errors`` naming the input and the reason, and the other inputs
are still read. Two kinds are told apart (see ``docs/robustness.md``):

- an input *you named* that cannot be read at all (no such path, a dangling
  symlink or a loop, a FIFO or device, no permission, an unsupported file
  type, over the size limit, a URL that cannot be fetched) is also listed in
  ``IngestResult.failed``: the command line exits 2 after writing the
  briefing of the rest;
- anything else is skipped with its line and the run succeeds: content with
  nothing usable (an empty or binary file, invalid JSON, a record without
  text), bad lines of a JSONL file (each costs its line only), and every
  problem met inside a folder.

Reading is bounded by ``IngestLimits``; each limit reached is one line too.
Files and stdin are decoded by the same rules (``summarize.textio``), and
control characters (NUL, ESC, ...) are removed from every article's fields.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from summarize.fetch import fetch_url, is_url
from summarize.models import Article
from summarize.textio import (
    InputError,
    UnreadableInput,
    decode_bytes,
    display_name,
    file_kind,
    format_size,
    open_failure_reason,
    parse_json,
    read_file_bytes,
    read_stream_bytes,
    regular_file_problem,
    strip_controls,
)

TEXT_SUFFIXES = {".txt"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
FEED_SUFFIXES = {".rss", ".atom", ".xml"}
SUPPORTED_SUFFIXES = (
    TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES | FEED_SUFFIXES
)

STDIN = "-"
STDIN_NAME = "<stdin>"

# JSON may escape half of a surrogate pair ("\ud800") alone: no valid text
# holds one, and it cannot be encoded to print, split or send.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Plain-text metadata, as the sample articles carry it: "date 2025-05-15 ..."
# (the body may follow on the same line), or a "Date:" line in any format
# python-dateutil reads ("Date: May 14, 2025").
_DATE_MARKER = re.compile(r"^\s*date[:\s]\s*(\d{4}-\d{2}-\d{2})\b[ \t]*", re.IGNORECASE)
_DATE_LINE = re.compile(r"^\s*date:\s*(?P<date>.{6,60}?)\s*$", re.IGNORECASE)
_YEAR = re.compile(r"\b\d{4}\b")
_HEADER_LINES = 32  # metadata (date, byline, title) is looked for in this many first lines,
_HEADER_CHARS = 16_384  # within this many first characters
_LINE_EDGES = re.compile(r"[^\S\n]+\n[^\S\n]*|\n[^\S\n]+")  # spaces around line breaks: each line is stripped
_BYLINE = re.compile(r"^\s*By\s+(?P<names>[A-Z][^\n.!?]{1,150})$")
_NAME_SEPARATOR = re.compile(r"\s*(?:,\s*and\s+|,\s*|\s+and\s+|\s*&\s*)")
# A dateline naming the outlet: "Washington/Istanbul (Reuters) - ...".
_DATELINE_OUTLET = re.compile(r"^[^\n()]{2,60}?\((?P<outlet>[A-Z][A-Za-z.&' ]{1,30})\)\s*[-\u2013\u2014]")
_TERMINAL_PUNCTUATION = tuple(".!?:;\"'\u201d\u2019)")
_MAX_TITLE_WORDS = 25


class IngestError(InputError):
    """An input that cannot be read as articles; the message names it and says why."""


@dataclass(frozen=True)
class IngestLimits:
    """Resource limits of one run's reading, with safe defaults.

    Each limit reached is one line in ``IngestResult.errors``; the rest of the
    run goes on. ``max_file_bytes`` bounds every file, stdin and every fetched
    page or feed (a larger one is refused whole: a cut JSON or article would
    be read as something it is not); ``max_articles`` the articles of one run
    (inputs past it are not read); ``max_line_chars`` each line of article
    text (a longer one is cut at a word boundary).
    """

    max_file_bytes: int = 64 << 20
    max_articles: int = 10_000
    max_line_chars: int = 1_000_000
    fetch_timeout: float = 30.0  # seconds for a whole URL fetch

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_articles", "max_line_chars"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.fetch_timeout <= 0:
            raise ValueError(f"fetch_timeout must be positive, got {self.fetch_timeout}")


@dataclass
class IngestResult:
    """The articles read, in input order, and one line per problem.

    ``errors`` holds every problem and limit reached, in order; ``failed`` the
    lines of ``errors`` about named inputs that could not be read at all.
    """

    articles: list[Article] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


StdinSource = str | bytes | BinaryIO


def read_articles(
    paths: Sequence[str | Path], stdin: StdinSource | None = None, limits: IngestLimits | None = None
) -> IngestResult:
    """Read every article under ``paths`` (files, folders, URLs, ``-``).

    ``-`` reads ``stdin``: text, bytes, or a binary stream read up to
    ``limits.max_file_bytes`` (the caller passes it, so this stays
    testable). It is one plain-text article, or JSON lines when every
    non-empty line is a JSON object. Folders are walked recursively in sorted
    order (symlinked folders followed once); files of other types inside
    folders are counted in one line per folder, named ones are errors.
    Article ids are made unique within the result.
    """
    run = _Run(limits or IngestLimits())
    for raw in paths:
        if run.full:
            run.stop_at(str(raw))
            break
        name = str(raw)
        if name == STDIN:
            run.collect(STDIN_NAME, lambda: _read_stdin(stdin if stdin is not None else "", run.limits), named=True)
        elif is_url(name):
            run.collect(name, lambda u=name: read_url(u, run.limits), named=True)
        elif os.path.isdir(name):
            _read_folder(Path(name), run)
        elif Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
            reason = regular_file_problem(name) or (
                f"unsupported file type {Path(name).suffix or '(none)'!r}; expected {_suffix_list()}")
            run.fail(f"{display_name(name)}: {reason}")
        else:
            run.collect(name, lambda p=Path(name): read_file(p, run.limits), named=True)
    run.result.articles = _unique_ids(run.result.articles)
    return run.result


class _Run:
    """What one ``read_articles`` call has read so far, and the limits it reads under."""

    def __init__(self, limits: IngestLimits):
        self.limits = limits
        self.result = IngestResult()
        self._stopped = False

    @property
    def full(self) -> bool:
        return len(self.result.articles) >= self.limits.max_articles

    def fail(self, line: str) -> None:
        self.result.errors.append(line)
        self.result.failed.append(line)

    def skip(self, line: str) -> None:
        self.result.errors.append(line)

    def stop_at(self, name: str) -> None:
        """Note, once, that the article limit stopped reading at ``name``."""
        if not self._stopped:
            self._stopped = True
            self.skip(f"{display_name(name)}: not read: the limit of {self.limits.max_articles:,} articles "
                      f"per run was reached (raise it with --max-articles); later inputs were not read either")

    def collect(self, name: str, read: Callable[[], list[Article]], named: bool = False) -> None:
        """Add the articles ``read()`` returns; its problems become lines (see the module doc)."""
        try:
            articles = read()
        except _PartialRead as exc:
            articles = exc.articles
            for problem in exc.problems:
                self.skip(problem)
        except UnreadableInput as exc:
            (self.fail if named else self.skip)(str(exc))
            return
        except InputError as exc:
            self.skip(str(exc))
            return
        except Exception as exc:  # an extraction library failing on odd input must not end the run
            self.skip(f"{display_name(name)}: could not be read ({type(exc).__name__}: {_first_line(exc)})")
            return
        room = self.limits.max_articles - len(self.result.articles)
        for article in articles[:room]:
            article, cut = _cap_lines(_without_controls(article), self.limits.max_line_chars)
            if not article.text.strip():
                self.skip(f"{display_name(article.origin or name)}: no text but control characters")
                continue
            if cut:
                self.skip(f"{display_name(article.origin or name)}: {cut} longer than "
                          f"{self.limits.max_line_chars:,} characters cut there at a word boundary "
                          f"(raise the limit with --max-line-chars)")
            self.result.articles.append(article)
        if len(articles) > room:
            self.stop_at(name)


def read_file(path: Path, limits: IngestLimits | None = None) -> list[Article]:
    """Read the articles of one file; raises an InputError naming the file.

    Only regular files are read, at most ``limits.max_file_bytes`` of them
    (see ``summarize.textio.read_file_bytes``).
    """
    limits = limits or IngestLimits()
    data = read_file_bytes(path, limits.max_file_bytes)
    suffix, origin = path.suffix.lower(), str(path)
    if suffix in FEED_SUFFIXES:
        from summarize.feeds import parse_feed

        return _feed_articles(parse_feed(data, {}, origin))
    text = decode_bytes(data, origin)
    del data  # a large file's bytes are not kept while its text is parsed
    if not text.strip():
        raise IngestError(f"{display_name(origin)}: file is empty")
    if suffix in JSONL_SUFFIXES:
        return _parse_jsonl(text, origin, path.stem)
    if suffix in JSON_SUFFIXES:
        return _parse_json(text, origin, path.stem)
    if suffix in HTML_SUFFIXES:
        return [parse_html(text, article_id=path.stem, origin=origin)]
    if suffix in MARKDOWN_SUFFIXES:
        return [parse_markdown(text, article_id=path.stem, origin=origin)]
    return [parse_plain_text(text, article_id=path.stem, origin=origin)]


def read_url(url: str, limits: IngestLimits | None = None) -> list[Article]:
    """The articles of a URL: a feed's entries, or a web page's main text (trafilatura).

    Fetched within ``limits.fetch_timeout`` seconds and ``limits.max_file_bytes``;
    raises an InputError naming the URL.
    """
    limits = limits or IngestLimits()
    data, headers = fetch_url(url, limits.fetch_timeout, limits.max_file_bytes)
    from summarize.feeds import looks_like_feed, parse_feed

    if looks_like_feed(data, headers):
        return _feed_articles(parse_feed(data, headers, url))
    return [parse_html(_decode_page(data, headers, url), article_id=url, origin=url, url=url)]


def _decode_page(data: bytes, headers: dict[str, str], url: str) -> str:
    """A fetched page's text: the charset its headers declare, else the usual ladder."""
    charset = re.search(r"charset=[\"']?([\w.:-]+)", headers.get("content-type", ""), re.IGNORECASE)
    if charset:
        try:
            return data.decode(charset.group(1), errors="replace")
        except LookupError:  # a charset Python does not know
            pass
    return decode_bytes(data, url)


def _feed_articles(parsed: tuple[list[Article], list[str]]) -> list[Article]:
    articles, problems = parsed
    if problems:
        raise _PartialRead(articles, problems)
    return articles


def _read_folder(root: Path, run: _Run) -> None:
    """Read the article files under ``root``; every entry skipped gets its line."""
    other_types: dict[str, int] = {}
    found = 0
    for path in _walk(root, run, other_types):
        if run.full:
            run.stop_at(str(path))
            return
        found += 1
        run.collect(str(path), lambda p=path: read_file(p, run.limits))
    if other_types:
        counts = ", ".join(f"{n} {suffix or '(no suffix)'}" for suffix, n in sorted(other_types.items()))
        run.skip(f"{display_name(root)}: files of other types not read ({counts}); expected {_suffix_list()}")
    elif not found:
        run.skip(f"{display_name(root)}: folder holds no article files ({_suffix_list()})")


def _walk(folder: Path, run: _Run, other_types: dict[str, int], seen: set | None = None) -> Iterator[Path]:
    """The article files under ``folder`` in sorted order, recursively; hidden entries left out.

    A symlink is followed to a file or a folder; one into a folder already
    walked (a loop) is not. Dangling symlinks, loops and special files
    (FIFOs, devices, sockets) are skipped with a line each; files of other
    types are counted in ``other_types``.
    """
    seen = seen if seen is not None else set()
    try:
        info = os.stat(folder)
        seen.add((info.st_dev, info.st_ino))
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        run.skip(f"{display_name(folder)}: cannot list the folder ({exc.strerror or exc})")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            info = os.stat(path)  # follows symlinks
        except OSError as exc:
            run.skip(f"{display_name(path)}: {open_failure_reason(path, exc)}")
            continue
        if stat.S_ISDIR(info.st_mode):
            if (info.st_dev, info.st_ino) in seen:
                run.skip(f"{display_name(path)}: symlink loop (leads back to a folder already read)")
            else:
                yield from _walk(path, run, other_types, seen)
        elif not stat.S_ISREG(info.st_mode):
            run.skip(f"{display_name(path)}: is {file_kind(info.st_mode)}, not a regular file")
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            yield path
        else:
            other_types[path.suffix.lower()] = other_types.get(path.suffix.lower(), 0) + 1


def _without_controls(article: Article) -> Article:
    """The article with control characters (NUL, ESC, ...) removed from its text fields:
    they are no text, and ESC printed to a terminal starts an escape sequence."""
    fields = {name: getattr(article, name) for name in ("id", "text", "title", "url", "source", "origin")}
    changes = {name: strip_controls(value) for name, value in fields.items() if value and strip_controls(value) is not value}
    if any(strip_controls(a) is not a for a in article.authors):
        changes["authors"] = tuple(strip_controls(a) for a in article.authors)
    return replace(article, **changes) if changes else article


def _has_line_over(text: str, limit: int) -> bool:
    """Whether a line of ``text`` is longer than ``limit`` characters (without splitting the text)."""
    if len(text) <= limit:
        return False
    start = 0
    while (end := text.find("\n", start)) >= 0:
        if end - start > limit:
            return True
        start = end + 1
    return len(text) - start > limit


def _cap_lines(article: Article, limit: int) -> tuple[Article, str]:
    """The article with every text line over ``limit`` characters cut at its last word boundary within it.

    Returns the article and what was cut, in words ("" when nothing was).
    """
    text = article.text
    if not _has_line_over(text, limit):
        return article, ""
    lines = text.split("\n")
    cut = 0
    for number, line in enumerate(lines):
        if len(line) > limit:
            head = line[: limit + 1]
            boundary = max(head.rfind(" "), head.rfind("\t"))
            lines[number] = (head[:boundary] if boundary > 0 else head[:limit]).rstrip()
            cut += 1
    return replace(article, text="\n".join(lines)), (f"{cut} lines" if cut > 1 else "1 line")


def parse_plain_text(text: str, article_id: str, origin: str = "") -> Article:
    """Parse a plain-text article with optional leading metadata.

    Recognised, in any order before the body: a ``date YYYY-MM-DD`` marker
    (possibly followed by body text on the same line) or a ``Date: May 14,
    2025`` line (any form ``parse_date`` reads), a ``By A and B`` byline
    and a title line (short, no closing punctuation, followed by more text).
    A dateline such as ``Istanbul (Reuters) -`` names the outlet.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Metadata is looked for in the first lines only, so a huge text is neither
    # split into lines nor copied more than once.
    partial = len(text) > _HEADER_CHARS
    lines = text[:_HEADER_CHARS].split("\n", _HEADER_LINES)
    last = len(lines) - 1 if partial or len(lines) > _HEADER_LINES else len(lines)  # lines[last] may be cut short
    date: dt.date | None = None
    authors: tuple[str, ...] = ()
    title: str | None = None
    first_line_rest: str | None = None  # what follows a date marker on the body's first line
    index = _skip_blank(lines, 0)
    while index < last:
        line = lines[index] if first_line_rest is None else first_line_rest
        match = _DATE_MARKER.match(line)
        if date is None and match:
            date = parse_date(match.group(1))
            rest = line[match.end():]
            if rest.strip():
                first_line_rest = rest
                continue
            index, first_line_rest = _skip_blank(lines, index + 1), None
            continue
        written_date = _DATE_LINE.match(line) if date is None else None
        if written_date and parse_date(written_date.group("date")):
            date = parse_date(written_date.group("date"))
            index, first_line_rest = _skip_blank(lines, index + 1), None
            continue
        byline = _BYLINE.match(line)
        if not authors and byline and len(line.split()) <= 20:
            authors = tuple(n for n in _NAME_SEPARATOR.split(byline.group("names").strip()) if n)
            index, first_line_rest = _skip_blank(lines, index + 1), None
            continue
        if title is None and _looks_like_title(line) and _skip_blank(lines, index + 1) < len(lines):
            title = line.strip()
            index, first_line_rest = _skip_blank(lines, index + 1), None
            continue
        break
    start = sum(len(line) + 1 for line in lines[:index])
    if first_line_rest is not None:
        body = first_line_rest + text[start + len(lines[index]):]
    else:
        body = text[start:] if start else text
    body = _LINE_EDGES.sub("\n", body).strip()
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
        article = replace(article, title=title)
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
        date=parse_date(getattr(document, "date", None)),
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
    """One article from a JSON value; any value may come in, only IngestError goes out."""
    if not isinstance(record, dict):
        raise IngestError(f"{display_name(where)}: expected a JSON object, got {_json_type(record)}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise IngestError(f"{display_name(where)}: record has no 'text'")
    authors = record.get("authors") or ()
    authors = (authors,) if isinstance(authors, str) else authors if isinstance(authors, list) else ()
    record_id = record.get("id")
    return Article(
        id=_valid_text(str(record_id)) if isinstance(record_id, (str, int, float)) and record_id != "" else default_id,
        text=_valid_text(text.strip()),
        title=_text_field(record.get("title")),
        url=_text_field(record.get("url")),
        date=parse_date(record.get("date")),
        source=_text_field(record.get("source")),
        authors=tuple(_valid_text(a.strip()) for a in authors if isinstance(a, str) and a.strip()),
        origin=where,
    )


def _text_field(value: object) -> str | None:
    """A string field of a record, stripped; None when absent, empty or not a string."""
    return _valid_text(value.strip()) if isinstance(value, str) and value.strip() else None


def _json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _valid_text(value: str) -> str:
    """``value`` with any lone surrogate replaced by U+FFFD (the replacement character)."""
    return _LONE_SURROGATE.sub("\ufffd", value)


def _parse_jsonl(text: str, origin: str, stem: str) -> list[Article]:
    """One article a line; a bad line (invalid, too deep, a huge number, no text) costs that line only."""
    articles, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            articles.append(_article_from_record(parse_json(line, display_name(where)), where, f"{stem}:{number}"))
        except InputError as exc:
            problems.append(str(exc))
    if problems:
        raise _PartialRead(articles, problems)
    return articles


def _parse_json(text: str, origin: str, stem: str) -> list[Article]:
    data = parse_json(text, display_name(origin))
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


def _read_stdin(stdin: StdinSource, limits: IngestLimits) -> list[Article]:
    """Stdin's articles: decoded like a file, JSON lines when every line is an object, else plain text."""
    if isinstance(stdin, str):
        text = stdin
    else:
        data = stdin if isinstance(stdin, bytes) else read_stream_bytes(stdin, limits.max_file_bytes, STDIN_NAME)
        if len(data) > limits.max_file_bytes:
            raise UnreadableInput(f"{STDIN_NAME}: more than the limit of {format_size(limits.max_file_bytes)}")
        text = decode_bytes(data, STDIN_NAME)
    if not text.strip():
        raise IngestError(f"{STDIN_NAME}: no input")
    lines = [line for line in text.splitlines() if line.strip()]
    if all(line.lstrip().startswith("{") for line in lines):
        return _parse_jsonl(text, STDIN_NAME, "stdin")
    digest = hashlib.sha1(text.encode("utf-8", errors="replace")).hexdigest()[:12]
    return [parse_plain_text(text, article_id=f"stdin-{digest}", origin=STDIN_NAME)]


def _unique_ids(articles: list[Article]) -> list[Article]:
    seen: dict[str, int] = {}
    unique = []
    for article in articles:
        count = seen.get(article.id, 0) + 1
        seen[article.id] = count
        unique.append(article if count == 1 else replace(article, id=f"{article.id}#{count}"))
    return unique


def _looks_like_title(line: str) -> bool:
    stripped = line.strip()
    words = stripped.split()
    return 0 < len(words) <= _MAX_TITLE_WORDS and not stripped.endswith(_TERMINAL_PUNCTUATION) and stripped[0].isupper()


def _skip_blank(lines: list[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def parse_date(value: object) -> dt.date | None:
    """The date ``value`` states, or None.

    ISO dates and datetimes, RFC 2822 dates (feeds), and the common written
    forms python-dateutil reads ("May 14, 2025", "14 May 2025 09:30 CET",
    "05/14/2025") when the text holds a four-digit year: without one,
    dateutil would fill the gaps from today's date ("14 May" or a bare "5").
    The date is the one written, whatever its time zone.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()[:100]
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
    except (TypeError, ValueError, IndexError):
        pass
    if not _YEAR.search(text):
        return None
    from dateutil import parser as date_parser

    try:
        return date_parser.parse(text, ignoretz=True, default=dt.datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError):
        return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _suffix_list() -> str:
    return ", ".join(sorted(SUPPORTED_SUFFIXES))
