"""The digest email: a ``multipart/alternative`` message built from a Briefing.

``build_message`` renders a plain-text part and an HTML part from Jinja2
templates (the package's ``templates/digest.txt.j2`` and ``digest.html.j2``,
or files named in the config) and, when asked, attaches the briefing as JSON.
The HTML environment autoescapes every value, so article-derived text (titles,
summaries, outlets, notes) arrives as text, never as markup; only ``http(s)``
URLs become links.

``Message-ID`` and ``Date`` are fixed when the message is built and written to
the outbox with it, so every retry sends the very same message; the id is
derived from the creation time and the content hash of the articles covered.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import json
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import jinja2

from summarize.digest.config import MailConfig, subject_fields
from summarize.digest.continuity import StoryThread
from summarize.models import Briefing, StorySummary
from summarize.outlets import web_url  # the one rule for live links: http(s) only
from summarize.wording import local_time

HTML_TEMPLATE = "digest.html.j2"
TEXT_TEMPLATE = "digest.txt.j2"


@dataclass(frozen=True)
class Envelope:
    """What SMTP needs besides the message bytes, read back from a stored message."""

    message_id: str
    sender: str
    recipients: tuple[str, ...]


def make_message_id(created: dt.datetime, content_hash: str, sender: str) -> str:
    """``<20250515060000000000.<hash12>.briefing@sender-domain>``: unique per digest, fixed once made.

    Creation time (UTC, microseconds) and the content hash; short, so that the
    header line is not folded.
    """
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    stamp = created.astimezone(dt.timezone.utc).strftime("%Y%m%d%H%M%S%f")
    return f"<{stamp}.{content_hash[:12]}.briefing@{domain}>"


def make_subject(template: str, briefing: Briefing, article_count: int, zone: dt.tzinfo | None = None) -> str:
    """The subject from its template (fields: date, stories, articles, stories_text).

    ``{date}`` is the day in the reader's time zone (``zone``, or the
    machine's local zone when None): a 06:30 digest in Tokyo is dated that
    morning, not the previous day in UTC.
    """
    day = local_time(briefing.generated_at, zone).date()
    subject = template.format(**subject_fields(day, len(briefing.stories), article_count))
    return " ".join(subject.split())  # a header must not fold in odd places or carry newlines


def digest_context(
    briefing: Briefing,
    subject: str,
    article_count: int,
    zone: dt.tzinfo | None = None,
    threads: Sequence[StoryThread] = (),
    left_out: str = "",
) -> dict:
    """Plain data for the templates: no model objects, links only for http(s) URLs; times in the reader's zone.

    ``threads`` go with the stories (continuity: each story's id, its
    "Developing: day N" marker and its earlier entries); ``left_out`` is the
    line naming continuing stories left out as saying nothing new.
    ``notes`` (the pipeline's) are kept for custom templates; the package's
    templates leave them to the log and the JSON attachment.
    """
    from summarize.render import engine_text
    from summarize.wording import count, date_range_text, day_text, part_of_day

    generated = local_time(briefing.generated_at, zone)
    span = date_range_text(briefing.news_dates)
    coverage = f"{count(len(briefing.stories), 'story')} from {count(article_count, 'article')}"
    return {
        "subject": subject,
        "title": f"{part_of_day(generated)} briefing, {day_text(generated.date())}",
        "kicker": f"{part_of_day(generated)} briefing",
        "date": generated.date().isoformat(),
        "day": day_text(generated.date()),
        "generated_at": f"{generated:%Y-%m-%d %H:%M} {generated.tzname() or ''}".strip(),
        "coverage": f"{coverage}, news {'from' if ' to ' in span else 'of'} {span}" if span else coverage,
        "engine_line": engine_text(briefing),
        "engine": briefing.engine,
        "model": briefing.model,
        "story_count": len(briefing.stories),
        "article_count": article_count,
        "stories": [
            _story_context(story, thread, zone)
            for story, thread in zip(briefing.stories, threads or [None] * len(briefing.stories), strict=True)
        ],
        "left_out": left_out,
        "notes": list(briefing.notes),
    }


def render_bodies(context: dict, html_template: Path | None = None, text_template: Path | None = None) -> tuple[str, str]:
    """The plain-text and HTML bodies. Raises jinja2.TemplateError on a broken template."""
    text = _environment(text_template, autoescape=False).get_template(_name(text_template, TEXT_TEMPLATE))
    html = _environment(html_template, autoescape=True).get_template(_name(html_template, HTML_TEMPLATE))
    return text.render(**context).rstrip() + "\n", html.render(**context)


def build_message(
    briefing: Briefing,
    mail: MailConfig,
    *,
    created: dt.datetime,
    content_hash: str,
    article_count: int,
    json_text: str | None = None,
    zone: dt.tzinfo | None = None,
    threads: Sequence[StoryThread] = (),
    left_out: str = "",
) -> EmailMessage:
    """The whole message: headers, text and HTML alternatives, optional JSON attachment.

    Dates (subject, body, ``Date`` header, attachment name) are in ``zone``,
    the reader's time zone (None: the machine's local zone). ``threads`` and
    ``left_out``: see ``digest_context``.
    """
    subject = make_subject(mail.subject, briefing, article_count, zone)
    context = digest_context(briefing, subject, article_count, zone, threads, left_out)
    text, html = render_bodies(context, mail.html_template, mail.text_template)
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = subject
    message["From"] = mail.sender
    message["To"] = ", ".join(mail.to)
    message["Date"] = email.utils.format_datetime(local_time(created, zone))
    message["Message-ID"] = make_message_id(created, content_hash, mail.sender)
    message["X-Briefing-Content-Hash"] = content_hash
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    if json_text is not None:
        # add_attachment wraps the alternative part in multipart/mixed.
        message.add_attachment(
            json_text.encode("utf-8"),
            maintype="application",
            subtype="json",
            filename=f"briefing-{local_time(created, zone):%Y-%m-%d}.json",
        )
    _fix_boundaries(message, content_hash)
    return message


def message_bytes(message: EmailMessage) -> bytes:
    """The message as sent and stored: CRLF line ends, the SMTP policy."""
    return message.as_bytes(policy=email.policy.SMTP)


def parse_envelope(raw: bytes) -> Envelope:
    """Message-ID, envelope sender and recipients of a stored message; ValueError if incomplete."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = (message.get("Message-ID") or "").strip()
    sender = email.utils.parseaddr(str(message.get("From") or ""))[1]
    recipients = tuple(address for _, address in email.utils.getaddresses(message.get_all("To") or []) if address)
    if not message_id or not sender or not recipients:
        raise ValueError("stored message lacks a Message-ID, From or To header")
    return Envelope(message_id=message_id, sender=sender, recipients=recipients)


def briefing_json(briefing: Briefing) -> str:
    """The JSON attachment: the same data as ``briefing brief --format json``."""
    from summarize.render import briefing_to_dict

    return json.dumps(briefing_to_dict(briefing), ensure_ascii=False, indent=2, default=str) + "\n"


def _fix_boundaries(message: EmailMessage, content_hash: str) -> None:
    """Boundaries from the content hash instead of random ones: the same digest gives the same bytes.

    They cannot occur inside a part: the text parts are quoted-printable
    (which writes ``=`` as ``=3D``) and the attachment is base64 (no ``-``).
    """
    for depth, part in enumerate(p for p in message.walk() if p.is_multipart()):
        part.set_boundary(f"==briefing-{depth}-{content_hash[:24]}==")


def _story_context(story: StorySummary, thread: StoryThread | None, zone: dt.tzinfo | None) -> dict:
    from summarize.render import check_text, duplicate_text, factual_line
    from summarize.wording import date_text

    check = story.factual or {}
    flagged = [s for s in story.sentences if getattr(s, "unsupported", None)]
    earlier, more = thread.links(zone) if thread else ([], 0)
    return {
        "story_id": thread.story_id if thread else story.story_id,
        "developing": thread.marker if thread else "",  # "Developing: day 3" for a continuing story
        "day": thread.day if thread else 1,
        "earlier": earlier,  # its latest earlier entries, newest first: date, date_text, headline
        "earlier_more": more,  # earlier entries not listed
        "previously": story.previously or "",  # the one-line recap, when [continuity] recap is on
        "headline": story.headline,
        "summary": story.summary,
        # Each sentence with the entities the factual check did not find in the sources (flag mode).
        "sentences": [{"text": s.text, "unsupported": list(getattr(s, "unsupported", None) or [])} for s in story.sentences],
        "summary_marked": " ".join(
            s.text + (f" [not in the sources: {', '.join(s.unsupported)}]" if getattr(s, "unsupported", None) else "")
            for s in story.sentences
        ),
        "check": factual_line(story),  # the entity check in full (for custom templates)
        "check_failed": bool(check.get("unsupported") or check.get("removed_sentences") or flagged),
        "warning": check_text(story),  # what the reader must know: names the summary keeps that the sources lack
        "sources": [
            {
                "title": source.display_title,
                "outlet": source.outlet,
                "date": source.date.isoformat() if source.date else None,
                "date_text": date_text(source.date) if source.date else None,
                "url": web_url(source.url),
                "duplicate_of": source.duplicate_of,
                "duplicate_text": duplicate_text(story, source),
            }
            for source in story.sources
        ],
        "notes": list(story.notes),
    }


def is_web_url(url: str | None) -> bool:
    """Only http(s) URLs become links, in every channel (the one rule: ``summarize.outlets.web_url``)."""
    return web_url(url) is not None


def _environment(override: Path | None, autoescape: bool) -> jinja2.Environment:
    loader: jinja2.BaseLoader
    if override is not None:
        loader = jinja2.FileSystemLoader(str(Path(override).parent))
    else:
        loader = jinja2.PackageLoader("summarize.digest", "templates")
    return jinja2.Environment(
        loader=loader,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,  # a typo in a user's template is an error, not blank text
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _name(override: Path | None, default: str) -> str:
    return Path(override).name if override is not None else default
