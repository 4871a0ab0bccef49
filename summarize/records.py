"""The one JSON shape of every command's machine-readable output.

``brief``, ``stories``, ``eval`` and ``bench`` all write an object that opens
with the same three keys::

    {"schema_version": 1, "kind": "briefing" | "stories" | "eval" | "bench",
     "tool": {"name": "briefing", "version": "0.1.0"}, ...}

followed by the kind's own fields. ``schema_version`` changes only when a
field is removed or changes meaning; new fields may appear at any time.
Record builders live here (one function per record) so that a new field is
added in one place.
"""

from __future__ import annotations

import dataclasses
import json
from importlib import metadata

from typing import TYPE_CHECKING

from summarize.models import Article, Source, Story

if TYPE_CHECKING:  # explain pulls in the TF-IDF features; records stay light to import
    from summarize.explain import StoryExplanation

SCHEMA_VERSION = 1
KINDS = ("briefing", "stories", "eval", "bench")


def tool_version() -> str:
    """The installed version of the ``briefing`` distribution (the package's own when not installed)."""
    try:
        return metadata.version("briefing")
    except metadata.PackageNotFoundError:
        from summarize import __version__

        return __version__


def envelope(kind: str, payload: dict) -> dict:
    """``payload`` under the common header (see the module docstring)."""
    if kind not in KINDS:
        raise ValueError(f"unknown record kind {kind!r}: expected one of {', '.join(KINDS)}")
    return {"schema_version": SCHEMA_VERSION, "kind": kind, "tool": {"name": "briefing", "version": tool_version()}, **payload}


def to_json(data: dict) -> str:
    """Indented UTF-8 JSON with a final newline; dates and paths as strings."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"


def source_record(source: Source) -> dict:
    """One source of a story: ``title`` stays None when the article has none."""
    data = dataclasses.asdict(source)
    data["date"] = source.date.isoformat() if source.date else None
    return data


def article_record(article: Article, story: Story) -> dict:
    """One article of a ``stories`` record."""
    return {
        "id": article.id,
        "title": article.title,
        "outlet": article.outlet,
        "date": article.date.isoformat() if article.date else None,
        "url": article.url,
        "origin": article.origin,
        "duplicate_of": story.duplicates.get(article.id),
    }


def story_record(story: Story, headline: str, why: StoryExplanation | None = None) -> dict:
    """One story of ``briefing stories --format json``: its headline and articles,
    and with ``why`` what holds them together (``summarize.explain``).

    Further per-story fields are added here, in this one place.
    """
    record = {
        "id": story.id,
        "headline": headline,
        "articles": [article_record(article, story) for article in story.articles],
    }
    if why is not None:
        record["why"] = why.to_dict()
    return record
