"""RSS and Atom feeds as articles, parsed with ``feedparser``.

A feed is a URL (fetched by ``summarize.fetch`` within a time limit and a size
cap) or a local file (read by ``summarize.textio``: regular files only, at most
``max_bytes``). Each entry becomes an article through
``summarize.ingest.articles_from_records``: its text is the entry's full
content when the feed carries it, else its summary; HTML in either is turned
into plain text with lxml's HTML parser. Entries are never fetched from their
links: a feed that only carries summaries yields summaries.

Problems never stop the run: a feed that cannot be fetched or parsed, or an
entry without any text, becomes one line in ``FeedResult.errors``.
``briefing brief``/``stories`` read feeds through ``summarize.ingest`` and the
digest through ``read_feeds``: one implementation for both.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from summarize.fetch import fetch_url, is_url
from summarize.ingest import IngestLimits, articles_from_records
from summarize.models import Article
from summarize.textio import InputError, display_name, read_file_bytes

DEFAULT_MAX_BYTES = IngestLimits().max_file_bytes  # a larger feed is refused, as any input
# Elements after which text continues on a new line.
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "table", "tr", "section", "article", "header", "footer", "figure", "figcaption", "hr",
}  # fmt: skip
_HTML_TYPES = {"text/html", "application/xhtml+xml", "html", "xhtml"}
FEED_CONTENT_TYPES = ("rss", "atom", "rdf", "/xml", "+xml")


class FeedError(InputError):
    """A feed could not be fetched or parsed; the message names it and says why."""


@dataclass
class FeedResult:
    """Articles from all feeds, in feed order, and one line per problem."""

    articles: list[Article] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # feed -> articles read


Fetcher = Callable[[str, float], tuple[bytes, dict[str, str]]]


def read_feeds(
    sources: Sequence[str], timeout: float = 30.0, fetch: Fetcher | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> FeedResult:
    """Read every feed; a failing feed is reported and the others are still read."""
    result = FeedResult()
    for source in sources:
        try:
            articles, problems = read_feed(source, timeout, fetch, max_bytes)
        except InputError as exc:
            result.errors.append(str(exc))
            continue
        result.articles.extend(articles)
        result.errors.extend(problems)
        result.counts[source] = len(articles)
    return result


def read_feed(
    source: str, timeout: float = 30.0, fetch: Fetcher | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[Article], list[str]]:
    """Read one feed (URL or local file): its articles and one line per skipped entry.

    Raises FeedError when the feed is not RSS/Atom, and the ``InputError`` of
    ``summarize.textio``/``summarize.fetch`` when it cannot be read or fetched.
    """
    if is_url(source):
        data, headers = fetch(source, timeout) if fetch else fetch_url(source, timeout, max_bytes)
    else:
        data, headers = read_file_bytes(source, max_bytes), {}
    return parse_feed(data, headers, source)


def looks_like_feed(data: bytes, headers: dict[str, str]) -> bool:
    """Whether a fetched body is RSS/Atom rather than a web page: by its content type,
    else by its first element."""
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and "html" not in content_type and any(k in content_type for k in FEED_CONTENT_TYPES):
        return True
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<rss", b"<feed")):
        return True
    return head.startswith(b"<?xml") and any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf"))


def parse_feed(data: bytes, headers: dict[str, str], source: str) -> tuple[list[Article], list[str]]:
    """The articles of a feed's bytes and one line per skipped entry; FeedError if it is not RSS/Atom."""
    import feedparser

    parsed = feedparser.parse(data, response_headers=headers)
    if parsed.get("bozo") and not parsed.entries and not parsed.feed:
        reason = parsed.get("bozo_exception")
        raise FeedError(f"{display_name(source)}: not an RSS or Atom feed ({reason or 'no feed elements found'})")
    records, problems = entry_records(parsed, source)
    articles = articles_from_records(records, origin=source) if records else []
    return articles, problems


def entry_records(parsed, origin: str) -> tuple[list[dict], list[str]]:
    """Turn parsed feed entries into article records; entries without text are reported."""
    feed_title = html_to_text(parsed.feed.get("title", "")) or None
    records, problems = [], []
    for number, entry in enumerate(parsed.entries, start=1):
        text = entry_text(entry)
        name = entry.get("id") or entry.get("link") or f"entry {number}"
        if not text:
            problems.append(f"{display_name(origin)}: entry {name!r} has neither content nor summary text; skipped")
            continue
        title_detail = entry.get("title_detail") or {}
        title = entry.get("title") or ""
        if title_detail.get("type") in _HTML_TYPES:
            title = html_to_text(title)
        records.append(
            {
                "id": entry.get("id") or entry.get("link") or None,
                "title": title.strip() or None,
                "text": text,
                "url": entry.get("link") or None,
                "date": _entry_date(entry),
                "source": feed_title,
            }
        )
    return records, problems


def entry_text(entry) -> str:
    """The entry's full content when present (the longest), else its summary, as plain text."""
    candidates = []
    for content in entry.get("content") or []:
        candidates.append((content.get("value") or "", content.get("type") or ""))
    if not any(value.strip() for value, _ in candidates):
        detail = entry.get("summary_detail") or {}
        candidates = [(entry.get("summary") or "", detail.get("type") or "text/html")]
    texts = [html_to_text(value) if kind in _HTML_TYPES else value.strip() for value, kind in candidates]
    return max(texts, key=len, default="")


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: block elements end lines, scripts and styles dropped."""
    if not markup or not markup.strip():
        return ""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return markup.strip()
    for element in list(root.iter("script", "style")):
        element.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


def _entry_date(entry) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            # feedparser normalises dates to UTC struct_time.
            return dt.datetime.fromtimestamp(calendar.timegm(value), dt.timezone.utc).date().isoformat()
    return None
