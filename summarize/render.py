"""Render: a Briefing as Markdown, plain text, HTML or JSON.

Pure functions from a Briefing to a string; writing it anywhere is the
caller's business. What a reader sees holds the stories, their sources and
one line saying which engine wrote the summaries; the pipeline's notes
(repeated sentences, split chunks, skipped files, the fallback's raw error)
stay in the JSON and on stderr. Dates are shown in the reader's time zone.

Article text is never markup: HTML goes through a Jinja2 template with
autoescaping, Markdown escapes every character that could start emphasis, a
link, a heading or a list, and only http(s) URLs ever become links
(``summarize.outlets.web_url``), in every format.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable

import jinja2

from summarize.models import Briefing, Source, StorySummary
from summarize.outlets import web_url
from summarize.records import envelope, source_record, to_json, tool_version
from summarize.wording import count, date_range_text, date_text, day_text, local_time, part_of_day

FORMATS = ("markdown", "text", "html", "json")


def briefing_to_dict(briefing: Briefing) -> dict:
    """The briefing as JSON-ready data (``kind`` "briefing", see ``summarize.records``).

    Keys after the header: ``generated_at`` (UTC), ``engine``, ``model``,
    ``fallback``, ``settings``, ``engine_usage`` (model engines: ``generate_calls``,
    ``input_tokens``, ``padded_input_tokens``, ``output_tokens`` for this
    briefing; null otherwise), ``notes``, ``news_dates`` (first and last
    article date) and ``stories[]`` with ``id``, ``headline``, ``summary``,
    ``sentences[]`` (``text``, ``supported_by``, ``unsupported``),
    ``sources[]`` (``title`` null when the article has none, ``headline``,
    ``outlet``, ``date``, ``url``, ``origin``, ``duplicate_of``),
    ``article_ids[]``, ``notes``, ``factual`` and ``previously`` (the one-line
    recap of an update summary, null otherwise).
    """
    dates = sorted(briefing.news_dates)
    return envelope("briefing", {
        "generated_at": briefing.generated_at.isoformat(timespec="seconds"),
        "engine": briefing.engine,
        "model": briefing.model,
        "fallback": briefing.fallback,
        "settings": briefing.settings,
        "engine_usage": briefing.engine_usage,
        "notes": briefing.notes,
        "news_dates": {"first": dates[0].isoformat(), "last": dates[-1].isoformat()} if dates else None,
        "stories": [_story_to_dict(story) for story in briefing.stories],
    })


def _story_to_dict(story: StorySummary) -> dict:
    return {
        "id": story.story_id,
        "headline": story.headline,
        "summary": story.summary,
        "sentences": [dataclasses.asdict(s) for s in story.sentences],
        "sources": [source_record(s) for s in story.sources],
        "article_ids": story.article_ids,
        "notes": story.notes,
        "factual": story.factual,
        "previously": story.previously,
    }


# --- what every reader-facing format shares -------------------------------------------------


def title_text(briefing: Briefing, tz: dt.tzinfo | None = None) -> str:
    """``Morning briefing, Thursday 15 May 2025`` in the reader's time zone."""
    return ", ".join(title_parts(briefing, tz))


def title_parts(briefing: Briefing, tz: dt.tzinfo | None = None) -> tuple[str, str]:
    """``("Morning briefing", "Thursday 15 May 2025")``: the kind of briefing by the local hour, and its day."""
    moment = local_time(briefing.generated_at, tz)
    return f"{part_of_day(moment)} briefing", day_text(moment.date())


def coverage_text(briefing: Briefing) -> str:
    """``2 stories from 7 articles, news from 14 to 15 May 2025``."""
    line = f"{count(len(briefing.stories), 'story')} from {count(briefing.article_count, 'article')}"
    span = date_range_text(briefing.news_dates)
    return f"{line}, news {'of' if ' to ' not in span else 'from'} {span}" if span else line


def engine_text(briefing: Briefing) -> str:
    """The one line on who wrote the summaries (the fallback's raw error stays in the JSON)."""
    name = briefing.engine.split(" (", 1)[0]
    if briefing.model:
        line = f"Summaries written by {briefing.model} ({name} engine)"
    elif name in ("extractive", "lexrank"):
        line = f"Summaries made of sentences chosen from the articles ({name} engine)"
    else:
        line = f"Summaries by the {name} engine"
    if briefing.fallback:
        line += "; the summarisation model could not be loaded"
    return line + "."


def check_text(story: StorySummary) -> str:
    """A warning when the summary still names entities the sources lack (``--unsupported flag``), else ""."""
    unsupported = (story.factual or {}).get("unsupported") or []
    return f"Not found in the sources: {', '.join(unsupported)}." if unsupported else ""


def source_numbers(story: StorySummary, sentence) -> list[int]:
    """1-based positions in ``story.sources`` of the articles supporting ``sentence``."""
    position = {source.article_id: i for i, source in enumerate(story.sources, start=1)}
    return sorted(position[a] for a in sentence.supported_by if a in position)


def source_facts(story: StorySummary, source: Source) -> list[str]:
    """Outlet, date and near-duplicate note of a source, as the reader sees them."""
    facts = [source.outlet] if source.outlet else []
    if source.date:
        facts.append(date_text(source.date))
    if source.duplicate_of:
        facts.append(duplicate_text(story, source))
    return facts


def duplicate_text(story: StorySummary, source: Source) -> str:
    """``near-copy of source 1`` for a near-duplicate (by number: ids are file names), else ""."""
    if not source.duplicate_of:
        return ""
    numbers = [i for i, s in enumerate(story.sources, start=1) if s.article_id == source.duplicate_of]
    return f"near-copy of source {numbers[0]}" if numbers else "near-copy of another source"


def factual_line(story: StorySummary) -> str:
    """One line on the story's entity check, or "" when there is none (the digest's and JSON's detail)."""
    check = story.factual
    if not check or not check.get("entities"):
        return ""
    share = check.get("precision_source")
    line = f"Entity check: {share:.0%} of names, numbers and dates found in the sources"
    if check.get("unsupported"):
        line += "; not found: " + ", ".join(check["unsupported"])
    removed = check.get("removed_sentences") or []
    if removed:
        line += f"; {count(len(removed), 'unsupported sentence')} removed"
    return line + "."


# --- Markdown ---------------------------------------------------------------------------------

# Characters that can start emphasis, code, links, HTML or tables anywhere in a line.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
# What starts a block when it opens a line: headings, quotes, lists, rules, setext underlines.
_MD_BLOCK_START = re.compile(r"^(\s*)([#>+\-=]|\d{1,9}(?=[.)]))")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")


def md_escape(text: str) -> str:
    """``text`` as Markdown that renders as exactly this text: nothing in it becomes markup."""
    text = " ".join(text.split())
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_ENTITY.sub(r"\\&", text)
    return _MD_BLOCK_START.sub(lambda m: m.group(1) + ("\\" + m.group(2) if not m.group(2).isdigit() else m.group(2) + "\\"), text, count=1)


def _md_link(label: str, url: str | None) -> str:
    safe = web_url(url)
    if safe is None:
        return md_escape(label)
    return f"[{md_escape(label)}](<{safe.replace('<', '%3C').replace('>', '%3E')}>)"


def render_markdown(briefing: Briefing, cite: bool = False, tz: dt.tzinfo | None = None) -> str:
    """Markdown; with ``cite`` each sentence ends with the numbers of its supporting sources."""
    lines = [f"# {md_escape(title_text(briefing, tz))}", "", md_escape(coverage_text(briefing)), ""]
    for number, story in enumerate(briefing.stories, start=1):
        lines += [f"## {number}. {md_escape(story.headline)}", "", _summary_text(story, md_escape, cite) or "_No summary._", ""]
        warning = check_text(story)
        if warning:
            lines += [f"_{md_escape(warning)}_", ""]
        if story.previously:
            lines += [f"_Previously:_ {md_escape(story.previously)}", ""]
        lines += [f"Sources ({len(story.sources)}):", ""]
        for i, source in enumerate(story.sources, start=1):
            facts = ", ".join(md_escape(f) for f in source_facts(story, source))
            lines.append(f"{i}. {_md_link(source.display_title, source.url)}" + (f" — {facts}" if facts else ""))
        lines.append("")
    lines += ["---", "", f"_{md_escape(engine_text(briefing))}_"]
    return "\n".join(lines) + "\n"


# --- plain text -------------------------------------------------------------------------------


def render_text(briefing: Briefing, cite: bool = False, tz: dt.tzinfo | None = None) -> str:
    """Plain text; ``cite`` as for Markdown. URLs are shown only when they are http(s)."""
    title = title_text(briefing, tz)
    lines = [title.upper(), coverage_text(briefing), ""]
    for number, story in enumerate(briefing.stories, start=1):
        lines += [f"{number}. {_plain(story.headline)}", "", _summary_text(story, _plain, cite) or "(no summary)", ""]
        warning = check_text(story)
        if warning:
            lines += [warning, ""]
        if story.previously:
            lines += [f"Previously: {_plain(story.previously)}", ""]
        lines.append(f"Sources ({len(story.sources)}):")
        for i, source in enumerate(story.sources, start=1):
            facts = ", ".join(_plain(f) for f in source_facts(story, source))
            lines.append(f"  [{i}] {_plain(source.display_title)}" + (f" — {facts}" if facts else ""))
            url = web_url(source.url)
            if url:
                lines.append(f"      {url}")
        lines.append("")
    lines += ["--", engine_text(briefing)]
    return "\n".join(lines) + "\n"


def _plain(text: str) -> str:
    return " ".join(text.split())


def _summary_text(story: StorySummary, escape: Callable[[str], str], cite: bool) -> str:
    """The summary, each sentence followed by its flag and (with ``cite``) its source numbers."""
    parts = []
    for sentence in story.sentences:
        numbers = source_numbers(story, sentence) if cite else []
        flag = f" (unsupported: {', '.join(sentence.unsupported)})" if sentence.unsupported else ""
        marks = "".join(f"[{n}]" for n in numbers)  # literal in Markdown too: escaped article text defines no link references
        parts.append(escape(sentence.text + flag) + marks)
    return " ".join(parts)


# --- HTML -------------------------------------------------------------------------------------

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("summarize", "templates"),
    autoescape=True,  # every value is escaped: article text may contain markup
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def render_html(briefing: Briefing, cite: bool = False, tz: dt.tzinfo | None = None) -> str:
    """A standalone, responsive HTML page (``templates/briefing.html.j2``); ``cite`` links
    each sentence to the sources that support it."""
    moment = local_time(briefing.generated_at, tz)
    template = _TEMPLATES.get_template("briefing.html.j2")
    kicker, day = title_parts(briefing, tz)
    return template.render(
        briefing=briefing, title=title_text(briefing, tz), kicker=kicker, day=day, coverage=coverage_text(briefing),
        engine_line=engine_text(briefing), generated_iso=moment.isoformat(timespec="minutes"),
        generated_time=f"{moment:%H:%M} {moment.tzname() or ''}".strip(), cite=cite, citations=source_numbers,
        duplicate_text=duplicate_text, date_text=date_text, check_text=check_text, web_url=web_url,
        version=tool_version(),
    )


def render_json(briefing: Briefing, cite: bool = False, tz: dt.tzinfo | None = None) -> str:
    return to_json(briefing_to_dict(briefing))


RENDERERS: dict[str, Callable[..., str]] = {
    "markdown": render_markdown,
    "text": render_text,
    "html": render_html,
    "json": render_json,
}


def render(briefing: Briefing, fmt: str = "markdown", cite: bool = False, tz: dt.tzinfo | None = None) -> str:
    """The briefing in ``fmt`` (one of FORMATS); ValueError for an unknown format.

    ``cite`` marks each summary sentence with the numbers of the sources that
    support it (JSON always carries them as ``supported_by``). ``tz`` is the
    reader's time zone (default: ``summarize.wording.reader_timezone()``).
    """
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    return RENDERERS[fmt](briefing, cite=cite, tz=tz)
