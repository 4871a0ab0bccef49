"""``briefing history``: past digests and one story's timeline, from the state database.

``digest_history(db, limit)`` and ``story_timeline(db, key)`` return plain
JSON-ready data; ``history_text`` and ``timeline_text`` lay it out for a
terminal. The command opens the state database without creating it and only
reads it (in WAL mode a reader never blocks a running digest).

Stories are listed by their story id, stable across digests (story
continuity, ``summarize.digest.continuity``), with the day of a continuing
story ("day 3": calendar days in the reader's zone since its first digest).
A story's timeline (``--story ID``) lists every digest entry with that story
id, and every entry that shares an article with one of them.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from summarize.console import fail
from summarize.digest.config import ConfigError, find_config, load_config
from summarize.digest.continuity import story_day
from summarize.digest.state import StateDB, StateError
from summarize.wording import count, local_time

SCHEMA_VERSION = 1  # of the JSON output
KEY_CHARS = 12  # story keys are shown (and may be given) this short


class HistoryFormat(str, Enum):
    text = "text"
    json = "json"


def digest_history(db: StateDB, limit: int | None = None, zone: dt.tzinfo | None = None) -> list[dict]:
    """The newest ``limit`` digests (all when None), oldest first, with their stories and deliveries.

    Each story's ``day`` counts from its first digest in the reader's ``zone``.
    """
    records = db.digests(limit)
    stories = {record.message_id: db.stories(record.message_id) for record in records}
    first = db.first_shown(s.story_id for found in stories.values() for s in found if s.story_id)
    out = []
    for record in records:
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
                "stories": [_story(s, record.created, first, zone) for s in stories[record.message_id]],
            }
        )
    return out


def story_timeline(db: StateDB, key: str, zone: dt.tzinfo | None = None) -> list[dict]:
    """Each appearance of the story ``key`` (a story id or key, or its first characters), oldest first."""
    mentions = db.story_mentions(key)
    first = db.first_shown(story.story_id for _, story in mentions if story.story_id)
    entries = []
    for message_id, story in mentions:
        record = db.digest(message_id)
        created = record.created if record else None
        entries.append({"digest": message_id, "created": created.isoformat() if created else None, **_story(story, created, first, zone)})
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
        shown = [story for story in digest["stories"] if story["shown"]]
        lines.append(f"    {digest['id']}  {count(len(shown), 'story')}, {count(digest['articles'], 'article')}; {channels}")
        for story in digest["stories"]:
            lines.append(f"    {story['position']:>2}. [{_story_label(story)}] {story['headline']}{_state_text(story)}")
        lines.append("")
    return "\n".join(lines)


def timeline_text(key: str, entries: list[dict], zone: dt.tzinfo | None = None) -> str:
    if not entries:
        return f"no story {key!r} in the recorded digests\n"
    ids = sorted({entry["story_id"] for entry in entries if entry["story_id"]})
    named = f" (story id {', '.join(ids)})" if ids and ids != [key] else ""
    lines = [f"story {key}: {count(len(entries), 'appearance')}{named}", ""]
    for entry in entries:
        day = f"day {entry['day']}  " if entry["day"] else ""
        lines.append(f"{_when(entry['created'], zone)}  {day}{entry['headline']}{_state_text(entry, developing=False)}")
        if entry["summary"]:
            lines.append(f"    {entry['summary']}")
        lines.append(f"    digest {entry['digest']}, place {entry['position']}, {count(len(entry['articles']), 'article')}, "
                     f"key {entry['key'][:KEY_CHARS]}")  # fmt: skip
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
                entries = story_timeline(db, story, zone)
                text = json_document(story=story, timeline=entries) if format == HistoryFormat.json else timeline_text(story, entries, zone)
            else:
                digests = digest_history(db, limit, zone)
                text = json_document(digests=digests) if format == HistoryFormat.json else history_text(digests, zone)
    except StateError as exc:
        raise fail(str(exc), 4) from None
    typer.echo(text, nl=False)


def _story(story, created: dt.datetime | None, first_shown: dict[str, dt.datetime], zone: dt.tzinfo | None) -> dict:
    first = first_shown.get(story.story_id) if story.story_id else None
    return {
        "position": story.position,
        "key": story.story_key,
        "story_id": story.story_id,
        "day": story_day(first, created, zone) if first and created else None,  # 1: the story's first digest
        "continues": bool(first and created and created > first),  # a later entry of a story shown before
        "shown": story.shown,  # false: a continuing story left out, nothing new since the last digest
        "headline": story.headline,
        "summary": story.summary,
        "articles": list(story.article_hashes),
        "sources": list(story.sources),
    }


def _story_label(story: dict) -> str:
    return (story["story_id"] or story["key"])[:KEY_CHARS]


def _state_text(story: dict, developing: bool = True) -> str:
    if not story["shown"]:
        return "  (left out: nothing new since the last digest)"
    if developing and story["continues"]:
        return f"  (developing: day {story['day']})"
    return ""


def _delivery_text(delivery: dict) -> str:
    if delivery["status"] == "sent":
        return f"{delivery['channel']} sent"
    if delivery["status"] == "dropped":
        return f"{delivery['channel']} dropped"
    tail = f" ({count(delivery['attempts'], 'attempt')}, last: {delivery['last_error']})" if delivery["attempts"] else ""
    return f"{delivery['channel']} waiting{tail}"


def _when(stamp: str | None, zone: dt.tzinfo | None) -> str:
    if not stamp:
        return "?"
    return local_time(dt.datetime.fromisoformat(stamp), zone).strftime("%Y-%m-%d %H:%M %Z").strip()

