"""RSS and Atom feeds as articles, parsed with ``feedparser``.

A feed is a URL (fetched with a timeout) or a local file. Each entry becomes an
article through ``summarize.ingest.articles_from_records``: its text is the
entry's full content when the feed carries it, else its summary; HTML in either
is turned into plain text with lxml's HTML parser. Entries are never fetched
from their links: a feed that only carries summaries yields summaries.

Problems never stop the run: a feed that cannot be fetched or parsed, or an
entry without any text, becomes one line in ``FeedResult.errors``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from summarize.models import Article

USER_AGENT = "briefing-digest (+https://github.com/; feed reader)"
# Elements after which text continues on a new line.
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "table", "tr", "section", "article", "header", "footer", "figure", "figcaption", "hr",
}  # fmt: skip
_HTML_TYPES = {"text/html", "application/xhtml+xml", "html", "xhtml"}


class FeedError(RuntimeError):
    """A feed could not be fetched or parsed; the message names it and says why."""


@dataclass
class FeedResult:
    """Articles from all feeds, in feed order, and one line per problem."""

    articles: list[Article] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # feed -> articles read


Fetcher = Callable[[str, float], tuple[bytes, dict[str, str]]]


def is_url(source: str) -> bool:
    return urllib.parse.urlsplit(source).scheme in ("http", "https")


def read_feeds(sources: Sequence[str], timeout: float = 30.0, fetch: Fetcher | None = None) -> FeedResult:
    """Read every feed; a failing feed is reported and the others are still read."""
    result = FeedResult()
    for source in sources:
        try:
            articles, problems = read_feed(source, timeout, fetch)
        except FeedError as exc:
            result.errors.append(str(exc))
            continue
        result.articles.extend(articles)
        result.errors.extend(problems)
        result.counts[source] = len(articles)
    return result


def read_feed(source: str, timeout: float = 30.0, fetch: Fetcher | None = None) -> tuple[list[Article], list[str]]:
    """Read one feed (URL or local file): its articles and one line per skipped entry.

    Raises FeedError when the feed cannot be fetched or is not RSS/Atom.
    """
    import feedparser

    from summarize.ingest import articles_from_records

    if is_url(source):
        data, headers = (fetch or fetch_url)(source, timeout)
    else:
        try:
            data, headers = Path(source).read_bytes(), {}
        except OSError as exc:
            raise FeedError(f"{source}: cannot read feed ({exc.strerror or exc})") from None
    parsed = feedparser.parse(data, response_headers=headers)
    if parsed.get("bozo") and not parsed.entries and not parsed.feed:
        reason = parsed.get("bozo_exception")
        raise FeedError(f"{source}: not an RSS or Atom feed ({reason or 'no feed elements found'})")
    records, problems = entry_records(parsed, source)
    articles = articles_from_records(records, origin=source) if records else []
    return articles, problems


def fetch_url(url: str, timeout: float) -> tuple[bytes, dict[str, str]]:
    """GET a feed with a timeout; its body and response headers (for the encoding)."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read(), {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as exc:
        raise FeedError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FeedError(f"{url}: cannot fetch feed ({exc.reason})") from None
    except TimeoutError:
        raise FeedError(f"{url}: no answer within {timeout:g} s") from None
    except OSError as exc:
        raise FeedError(f"{url}: cannot fetch feed ({exc})") from None


def entry_records(parsed, origin: str) -> tuple[list[dict], list[str]]:
    """Turn parsed feed entries into article records; entries without text are reported."""
    feed_title = html_to_text(parsed.feed.get("title", "")) or None
    records, problems = [], []
    for number, entry in enumerate(parsed.entries, start=1):
        text = entry_text(entry)
        name = entry.get("id") or entry.get("link") or f"entry {number}"
        if not text:
            problems.append(f"{origin}: entry {name!r} has neither content nor summary text; skipped")
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
