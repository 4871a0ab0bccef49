"""The digest as a feed file (Atom or RSS 2.0), written with ``feedgen``: any feed reader follows the briefing.

``feed_entries`` (pure) turns a digest's stories into entries, one per story,
each with an id fixed by the story's articles (a ``urn:uuid`` of the story
key): rewriting the feed never makes a reader show an entry twice, and a story
that a later digest repeats unchanged (same articles, a window that overlaps)
keeps its entry instead of appearing again. A story with new articles is a new
entry. A continuing story's entry says so (its title ends "(developing: day 3)",
its content opens with the marker and lists the earlier entries' dates and
headlines) and, in Atom, points at its previous entry with the threading
extension (RFC 4685, ``<thr:in-reply-to ref="urn:uuid:..."/>``), so a reader
can follow the thread; every entry names its story id as a category
(``story:3f2a9c0d1e2b``).
``write_feed`` renders the newest entries (at most ``max_entries``, the rest
drop off the end) and replaces the file atomically, so a reader polling it sees
the old feed or the new one, never half of one.

An entry's time is the digest's creation time, less one second per place in
the digest, so readers that sort by time keep the digest's reading order.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from pathlib import Path

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from markupsafe import escape

from summarize.digest.config import FeedConfig
from summarize.digest.continuity import StoryThread
from summarize.digest.mail import is_web_url
from summarize.digest.outbox import write_atomic
from summarize.models import Briefing, Source

GENERATOR = "briefing digest"
THREAD_NAMESPACE = "http://purl.org/syndication/thread/1.0"


def entry_id(story_key: str) -> str:
    """The stable id of a story's entry: the same articles give the same id."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"briefing-story:{story_key}").urn


def feed_entries(
    briefing: Briefing,
    digest_id: str,
    created: dt.datetime,
    story_keys: Sequence[str],
    threads: Sequence[StoryThread] = (),
    zone: dt.tzinfo | None = None,
) -> list[dict]:
    """One JSON-ready entry per story: ``id``, ``title``, ``published`` (UTC ISO), ``link``, ``html``, ``text``,
    and with ``threads`` (one per story) ``story_id`` and, for a continuing story, ``in_reply_to`` (the id of
    its previous entry). Earlier entries' dates are in the reader's ``zone``."""
    entries = []
    threads = threads or [None] * len(briefing.stories)
    for position, (story, key, thread) in enumerate(zip(briefing.stories, story_keys, threads, strict=True)):
        published = (created - dt.timedelta(seconds=position)).astimezone(dt.timezone.utc)
        sources = [s for s in story.sources if not s.duplicate_of]
        links = [s.url for s in sources if is_web_url(s.url)]
        items = "".join(_source_item(s) for s in sources)
        html = f"<p>{escape(story.summary)}</p>"
        if story.previously:
            html += f"<p><em>Previously:</em> {escape(story.previously)}</p>"
        html += _earlier_html(thread, zone) + (f"<p>Sources:</p><ul>{items}</ul>" if items else "")
        entry = {
            "id": entry_id(key),
            "digest_id": digest_id,
            "position": position + 1,
            "title": story.headline,
            "published": published.isoformat(timespec="microseconds"),
            "link": links[0] if links else None,
            "html": html,
            "text": story.summary,
        }
        if thread is not None:
            entry["story_id"] = thread.story_id
        if thread is not None and thread.continues:
            entry["title"] = f"{story.headline} ({thread.marker.lower()})"
            entry["html"] = f"<p><strong>{escape(thread.marker)}</strong></p>" + html
            if thread.earlier:
                entry["in_reply_to"] = entry_id(thread.earlier[-1].story_key)
        entries.append(entry)
    return entries


def _source_item(source: Source) -> str:
    """A source as the email lists it: its title (linked when it has a web URL), then its outlet when known."""
    title = escape(source.display_title)
    if is_web_url(source.url):
        title = f'<a href="{escape(source.url)}">{title}</a>'
    return f"<li>{title}{f' — {escape(source.outlet)}' if source.outlet else ''}</li>"


def _earlier_html(thread: StoryThread | None, zone: dt.tzinfo | None) -> str:
    """The earlier entries of a continuing story, newest first, as an HTML list ("" for a new story)."""
    if thread is None or not thread.earlier:
        return ""
    links, more = thread.links(zone)
    items = "".join(f"<li>{escape(link['date_text'])}: {escape(link['headline'])}</li>" for link in links)
    if more:
        items += f"<li>and {more} earlier</li>"
    return f"<p>Earlier in this story:</p><ul>{items}</ul>"


def render_feed(entries: Sequence[dict], config: FeedConfig, updated: dt.datetime) -> bytes:
    """The feed document of ``entries`` (newest first), Atom or RSS as configured."""
    from feedgen.feed import FeedGenerator

    generator = FeedGenerator()
    generator.register_extension("thr", _ThreadExtension, _ThreadEntryExtension, atom=True, rss=False)
    generator.id(uuid.uuid5(uuid.NAMESPACE_URL, f"briefing-feed:{config.link or config.path}").urn)
    generator.title(config.title)
    generator.updated(updated)
    generator.generator(GENERATOR)
    generator.description(config.title)  # RSS requires a description; Atom shows it as the subtitle
    generator.link(href=config.link or Path(config.path).resolve().as_uri(), rel="alternate")
    generator.language("en")
    for item in entries:
        published = dt.datetime.fromisoformat(item["published"])
        entry = generator.add_entry(order="append")
        entry.id(item["id"])
        entry.guid(item["id"], permalink=False)
        entry.title(item["title"])
        entry.published(published)
        entry.updated(published)
        # Atom: the HTML as content and the plain summary; RSS: the HTML as description (escaped, as RSS does it).
        entry.summary(item["text"])
        entry.description(item["html"], isSummary=False)
        if config.format == "atom":
            entry.content(item["html"], type="html")
        if item.get("link"):
            entry.link(href=item["link"], rel="alternate")
        if item.get("story_id"):
            entry.category(term=f"story:{item['story_id']}")
        if item.get("in_reply_to"):
            entry.thr.in_reply_to = item["in_reply_to"]
    return generator.rss_str(pretty=True) if config.format == "rss" else generator.atom_str(pretty=True)


class _ThreadExtension(BaseExtension):
    """Atom threading (RFC 4685): declares the ``thr`` namespace (feedgen has no built-in extension for it)."""

    def extend_ns(self) -> dict:
        return {"thr": THREAD_NAMESPACE}


class _ThreadEntryExtension(BaseEntryExtension):
    """``<thr:in-reply-to ref="..."/>`` on an entry whose ``in_reply_to`` is set: the entry it follows up."""

    def __init__(self) -> None:
        self.in_reply_to: str | None = None

    def extend_atom(self, entry):
        if self.in_reply_to:
            from lxml import etree

            etree.SubElement(entry, f"{{{THREAD_NAMESPACE}}}in-reply-to", ref=self.in_reply_to)
        return entry


def merge_entries(new: Sequence[dict], existing: Sequence[dict], keep: int) -> list[dict]:
    """New and existing entries, newest first, an id once (an entry already in the feed stays as it was), at most ``keep``."""
    seen = {item["id"] for item in existing}
    merged = [item for item in new if item["id"] not in seen] + list(existing)
    merged.sort(key=lambda item: (item["published"], item["id"]), reverse=True)
    return merged[:keep]


def write_feed(entries: Sequence[dict], config: FeedConfig, updated: dt.datetime) -> Path:
    """Render and atomically replace the feed file; raises OSError when it cannot be written."""
    return write_atomic(Path(config.path), render_feed(entries, config, updated))

