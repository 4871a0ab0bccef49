"""``briefing history``: past digests and one story's timeline, from the state database.

``digest_history(db, limit)`` and ``story_timeline(db, key)`` return plain
JSON-ready data; ``history_text`` and ``timeline_text`` lay it out for a
terminal. The command opens the state database without creating it and only
reads it (in WAL mode a reader never blocks a running digest).

A story's timeline lists every digest story that shares an article with the
story asked for (or, once story continuity assigns them, the same story id).
"""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from summarize.console import fail
from summarize.digest.config import ConfigError, find_config, load_config, local_time
from summarize.digest.state import StateDB, StateError

SCHEMA_VERSION = 1  # of the JSON output
KEY_CHARS = 12  # story keys are shown (and may be given) this short


class HistoryFormat(str, Enum):
    text = "text"
    json = "json"


def digest_history(db: StateDB, limit: int | None = None) -> list[dict]:
    """The newest ``limit`` digests (all when None), oldest first, with their stories and deliveries."""
    out = []
    for record in db.digests(limit):
        out.append(
            {
                "id": record.message_id,
                "created": record.created.isoformat(),
                "sent_at": record.sent_at.isoformat() if record.sent_at else None,
                "subject": record.subject,
                "articles": record.articles,
                "recipients": list(record.recipients),
                "deliveries": [
                    {
                        "channel": d.channel,
                        "status": d.status,
                        "sent_at": d.sent_at.isoformat() if d.sent_at else None,
                        "attempts": d.attempts,
                        "last_error": d.last_error,
                    }
                    for d in db.deliveries(record.message_id)
                ],
                "stories": [_story(s) for s in db.stories(record.message_id)],
            }
        )
    return out


def story_timeline(db: StateDB, key: str) -> list[dict]:
    """Each appearance of the story ``key`` (a story key or id, or its first characters), oldest first."""
    entries = []
    for message_id, story in db.story_mentions(key):
        record = db.digest(message_id)
        entries.append({"digest": message_id, "created": record.created.isoformat() if record else None, **_story(story)})
    return entries


def history_text(digests: list[dict], zone: dt.tzinfo | None = None) -> str:
    """One block per digest: time, status, subject, deliveries, then its stories with their keys."""
    if not digests:
        return "no digests recorded yet\n"
    lines = []
    for digest in digests:
        when = _when(digest["created"], zone)
        status = "sent" if digest["sent_at"] else "not sent"
        channels = ", ".join(_delivery_text(d) for d in digest["deliveries"]) or "no delivery recorded"
        lines.append(f"{when}  {status:<8}  {digest['subject'] or digest['id']}")
        lines.append(f"    {digest['id']}  {_count(len(digest['stories']), 'story', 'stories')}, "
                     f"{_count(digest['articles'], 'article', 'articles')}; {channels}")  # fmt: skip
        for story in digest["stories"]:
            lines.append(f"    {story['position']:>2}. [{story['key'][:KEY_CHARS]}] {story['headline']}")
        lines.append("")
    return "\n".join(lines)


def timeline_text(key: str, entries: list[dict], zone: dt.tzinfo | None = None) -> str:
    if not entries:
        return f"no story {key!r} in the recorded digests\n"
    lines = [f"story {key}: {_count(len(entries), 'appearance', 'appearances')}", ""]
    for entry in entries:
        lines.append(f"{_when(entry['created'], zone)}  [{entry['key'][:KEY_CHARS]}] {entry['headline']}")
        lines.append(f"    {entry['summary']}")
        lines.append(f"    digest {entry['digest']}, place {entry['position']}, {_count(len(entry['articles']), 'article', 'articles')}")
        lines.append("")
    return "\n".join(lines)


def json_document(**content) -> str:
    """The JSON output: ``schema_version``, the tool's version, then ``content``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        tool_version = version("briefing")
    except PackageNotFoundError:
        tool_version = "unknown"
    data = {"schema_version": SCHEMA_VERSION, "tool": "briefing", "version": tool_version, **content}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def history(
    config: Annotated[
        Optional[Path],
        typer.Option("--config", "-c", envvar="BRIEFING_DIGEST_CONFIG", dir_okay=False, show_default=False,
                     help="The digest's TOML config file (for paths.state_db and timezone). [default: $XDG_CONFIG_HOME/briefing/digest.toml]"),
    ] = None,  # fmt: skip
    state: Annotated[
        Optional[Path], typer.Option("--state", dir_okay=False, show_default=False, help="Read this state database instead of the config's.")
    ] = None,
    story: Annotated[
        Optional[str], typer.Option("--story", metavar="KEY", help="Show one story's timeline (its key as listed, or its first characters).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show the newest N digests.")] = 20,
    format: Annotated[HistoryFormat, typer.Option("--format", "-f", help="Output format.")] = HistoryFormat.text,
) -> None:
    """List past digests (what was sent, where, with which stories), or one story's timeline.

    Examples: briefing history;  briefing history --story 3f2a9c;  briefing history --format json

    Exit codes: 0 done; 2 bad config or no state database; 4 the state database cannot be read.
    """
    zone = None
    if state is None:
        try:
            loaded = load_config(find_config(config, None))
        except ConfigError as exc:
            raise fail(exc.problems + ["(or name the state database with --state FILE)"], 2) from None
        state, zone = loaded.state_db, loaded.zone()
    if not state.is_file():
        raise fail(f"{state}: no state database (no digest was made with this config yet)", 2)
    try:
        with StateDB(state) as db:
            if story is not None:
                entries = story_timeline(db, story)
                text = json_document(story=story, timeline=entries) if format == HistoryFormat.json else timeline_text(story, entries, zone)
            else:
                digests = digest_history(db, limit)
                text = json_document(digests=digests) if format == HistoryFormat.json else history_text(digests, zone)
    except StateError as exc:
        raise fail(str(exc), 4) from None
    typer.echo(text, nl=False)


def _story(story) -> dict:
    return {
        "position": story.position,
        "key": story.story_key,
        "story_id": story.story_id,
        "headline": story.headline,
        "summary": story.summary,
        "articles": list(story.article_hashes),
        "sources": list(story.sources),
    }


def _delivery_text(delivery: dict) -> str:
    if delivery["status"] == "sent":
        return f"{delivery['channel']} sent"
    if delivery["status"] == "dropped":
        return f"{delivery['channel']} dropped"
    tail = f" ({delivery['attempts']} attempt(s), last: {delivery['last_error']})" if delivery["attempts"] else ""
    return f"{delivery['channel']} waiting{tail}"


def _when(stamp: str | None, zone: dt.tzinfo | None) -> str:
    if not stamp:
        return "?"
    return local_time(dt.datetime.fromisoformat(stamp), zone).strftime("%Y-%m-%d %H:%M %Z").strip()


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"
