"""Render: a Briefing as Markdown, plain text, HTML or JSON.

Pure functions from a Briefing to a string; writing it anywhere is the
caller's business. HTML goes through a Jinja2 template with autoescaping, so
article-derived text can never inject markup.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable

import jinja2

from summarize.models import Briefing, Source, StorySummary

FORMATS = ("markdown", "text", "html", "json")


def briefing_to_dict(briefing: Briefing) -> dict:
    """The briefing as JSON-ready data.

    Keys: ``generated_at``, ``engine``, ``model``, ``settings``, ``notes`` and
    ``stories[]`` with ``id``, ``headline``, ``summary``, ``sentences[]``
    (``text``, ``supported_by``), ``sources[]``, ``article_ids[]``, ``notes``
    and ``factual``.
    """
    return {
        "generated_at": briefing.generated_at.isoformat(timespec="seconds"),
        "engine": briefing.engine,
        "model": briefing.model,
        "settings": briefing.settings,
        "notes": briefing.notes,
        "stories": [_story_to_dict(story) for story in briefing.stories],
    }


def _story_to_dict(story: StorySummary) -> dict:
    return {
        "id": story.story_id,
        "headline": story.headline,
        "summary": story.summary,
        "sentences": [dataclasses.asdict(s) for s in story.sentences],
        "sources": [_source_to_dict(s) for s in story.sources],
        "article_ids": story.article_ids,
        "notes": story.notes,
        "factual": story.factual,
    }


def _source_to_dict(source: Source) -> dict:
    data = dataclasses.asdict(source)
    data["date"] = source.date.isoformat() if source.date else None
    return data


def render_markdown(briefing: Briefing, cite: bool = False) -> str:
    """Markdown; with ``cite`` each sentence ends with the numbers of its supporting sources."""
    lines = [f"# Morning briefing, {_day(briefing)}", "", f"_{_byline(briefing)}_", ""]
    for number, story in enumerate(briefing.stories, start=1):
        summary = _cited_summary(story, _md_inline, cite)
        lines += [f"## {number}. {_md_inline(story.headline)}", "", summary or "_(no summary)_", ""]
        check = factual_line(story)
        if check:
            lines += [f"_{_md_inline(check)}_", ""]
        lines.append(f"**Sources ({len(story.sources)}):**")
        marker = (lambda i: f"{i}.") if cite else (lambda i: "-")
        lines += [f"{marker(i)} {_md_source_line(source)}" for i, source in enumerate(story.sources, start=1)]
        lines.append("")
    lines += _notes_lines(briefing, prefix="> ", escape=_md_inline)
    return "\n".join(lines).rstrip() + "\n"


def _md_source_line(source: Source) -> str:
    title = _md_inline(source.title)
    parts = [f"[{title}]({source.url})" if source.url else title, _md_inline(source.outlet)]
    if source.date:
        parts.append(source.date.isoformat())
    line = " | ".join(parts)
    if source.duplicate_of:
        line += f" (near-duplicate of {_md_inline(source.duplicate_of)})"
    return line


def render_text(briefing: Briefing, cite: bool = False) -> str:
    """Plain text; ``cite`` as for Markdown."""
    lines = [f"MORNING BRIEFING, {_day(briefing)}", _byline(briefing), ""]
    for number, story in enumerate(briefing.stories, start=1):
        summary = _cited_summary(story, str, cite)
        lines += [f"{number}. {story.headline}", "", summary or "(no summary)", ""]
        check = factual_line(story)
        if check:
            lines += [check, ""]
        lines.append(f"Sources ({len(story.sources)}):")
        marker = (lambda i: f"[{i}]") if cite else (lambda i: "-")
        lines += [f"  {marker(i)} {_source_line(source)}" for i, source in enumerate(story.sources, start=1)]
        lines.append("")
    lines += _notes_lines(briefing, prefix="")
    return "\n".join(lines).rstrip() + "\n"


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("summarize", "templates"),
    autoescape=True,  # every value is escaped: article text may contain markup
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(briefing: Briefing, cite: bool = False) -> str:
    """HTML from the Jinja2 template; ``cite`` adds source numbers after each sentence."""
    template = _TEMPLATES.get_template("briefing.html.j2")
    return template.render(briefing=briefing, day=_day(briefing), byline=_byline(briefing), cite=cite,
                           citations=source_numbers, factual_line=factual_line)


def render_json(briefing: Briefing, cite: bool = False) -> str:
    return json.dumps(briefing_to_dict(briefing), ensure_ascii=False, indent=2, default=str) + "\n"


RENDERERS: dict[str, Callable[..., str]] = {
    "markdown": render_markdown,
    "text": render_text,
    "html": render_html,
    "json": render_json,
}


def render(briefing: Briefing, fmt: str = "markdown", cite: bool = False) -> str:
    """The briefing in ``fmt`` (one of FORMATS); ValueError for an unknown format.

    ``cite`` marks each summary sentence with the numbers of the sources that
    support it (JSON always carries them as ``supported_by``).
    """
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    return RENDERERS[fmt](briefing, cite=cite)


def factual_line(story: StorySummary) -> str:
    """One line on the story's entity check, or "" when there is none."""
    check = story.factual
    if not check or not check.get("entities"):
        return ""
    share = check.get("precision_source")
    line = f"Entity check: {share:.0%} of names, numbers and dates found in the sources"
    if check.get("unsupported"):
        line += "; not found: " + ", ".join(check["unsupported"])
    removed = check.get("removed_sentences") or []
    if removed:
        line += f"; {len(removed)} unsupported {'sentence' if len(removed) == 1 else 'sentences'} removed"
    return line + "."


def source_numbers(story: StorySummary, sentence) -> list[int]:
    """1-based positions in ``story.sources`` of the articles supporting ``sentence``."""
    position = {source.article_id: i for i, source in enumerate(story.sources, start=1)}
    return sorted(position[a] for a in sentence.supported_by if a in position)


def _cited_summary(story: StorySummary, escape: Callable[[str], str], cite: bool) -> str:
    """The summary, each sentence followed by its flag and (with ``cite``) its source numbers."""
    parts = []
    for sentence in story.sentences:
        numbers = source_numbers(story, sentence) if cite else []
        flag = f" (unsupported: {', '.join(sentence.unsupported)})" if sentence.unsupported else ""
        parts.append(escape(sentence.text + flag) + ("".join(f"[{n}]" for n in numbers)))
    return " ".join(parts)


def _day(briefing: Briefing) -> str:
    return briefing.generated_at.astimezone(dt.timezone.utc).strftime("%A %d %B %Y")


def _byline(briefing: Briefing) -> str:
    stories = len(briefing.stories)
    articles = sum(len(s.sources) for s in briefing.stories)
    model = f", model: {briefing.model}" if briefing.model else ""
    return (
        f"{stories} {'story' if stories == 1 else 'stories'} from {articles} "
        f"{'article' if articles == 1 else 'articles'}; engine: {briefing.engine}{model}"
    )


def _source_line(source: Source) -> str:
    parts = [source.title, source.outlet]
    if source.date:
        parts.append(source.date.isoformat())
    line = " | ".join(parts)
    if source.url:
        line += f" <{source.url}>"
    if source.duplicate_of:
        line += f" (near-duplicate of {source.duplicate_of})"
    return line


def _notes_lines(briefing: Briefing, prefix: str, escape: Callable[[str], str] = str) -> list[str]:
    notes = list(briefing.notes)
    for story in briefing.stories:
        notes += [f"{story.headline}: {note}" for note in story.notes]
    if not notes:
        return []
    return [f"{prefix}Notes:"] + [f"{prefix}- {escape(note)}" for note in notes]


def _md_inline(text: str) -> str:
    # Keep article text from becoming Markdown structure (headings, lists, HTML).
    escaped = text.replace("<", "&lt;").replace(">", "&gt;")
    return escaped.lstrip("#").lstrip() if escaped.startswith("#") else escaped
