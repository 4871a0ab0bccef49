"""The digest as incoming-webhook posts: Slack, Mattermost and Discord, and posting them with httpx.

``webhook_posts(briefing, fmt, title, threads, left_out)`` is pure: it
returns the JSON bodies to post, in order, each within the limits of the
service (a long digest becomes several posts; nothing is cut off). A
continuing story carries its marker ("Developing: day 3") in italics under
its headline, and its "Previously:" recap when there is one; the line naming
the continuing stories left out (nothing new) closes the digest.

- ``slack``: Block Kit (``header``, a ``section`` per story in mrkdwn, a
  ``context`` line of sources), at most 50 blocks and 3,000 characters per
  section; ``text`` is the notification's fallback.
- ``mattermost``: one Markdown ``text`` per post, at most 16,000 characters.
- ``discord``: ``content`` plus one embed per story, at most 10 embeds and
  6,000 characters per post; ``allowed_mentions`` is empty, so no text from an
  article can ping anyone.

Article text is escaped for each service's markup, and only http(s) URLs
become links. ``post_webhook`` sends one body and returns only on a 2xx
reply; a 429 or 5xx reply is retried within the run (after ``Retry-After``
when the service says how long), anything else raises ``DeliveryError`` with
one line naming the host (never the URL: its path is the secret).

httpx rather than urllib: typed errors that tell a timeout from a refused
connection from a bad reply, one timeout for connect, read and write, and no
redirects followed for a POST.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from summarize.digest.continuity import StoryThread
from summarize.digest.mail import is_web_url
from summarize.digest.send import DeliveryError
from summarize.models import Briefing, StorySummary
from summarize.wording import count

SLACK_MAX_BLOCKS = 50
SLACK_SECTION_CHARS = 3000
SLACK_HEADER_CHARS = 150
MATTERMOST_POST_CHARS = 16000  # servers accept 16,383 characters per post (4,000 before Mattermost 5.0)
DISCORD_CONTENT_CHARS = 2000
DISCORD_EMBEDS = 10
DISCORD_EMBED_TOTAL = 6000
DISCORD_TITLE_CHARS = 256
DISCORD_DESCRIPTION_CHARS = 4096
RETRY_BASE_DELAY = 1.0  # seconds before the first retry when the service does not say (doubles each time)
MAX_RETRY_WAIT = 30.0  # a longer Retry-After leaves the post for the next run instead of holding this one

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_MENTION = re.compile(r"@(?=\w)")


def webhook_posts(
    briefing: Briefing, fmt: str, title: str, threads: Sequence[StoryThread] = (), left_out: str = ""
) -> list[dict]:
    """The JSON bodies that post ``briefing`` to a ``fmt`` webhook, in order.

    ``threads`` go with the stories (empty: no continuity); ``left_out`` is
    the line naming continuing stories left out ("" when none).
    """
    markers = [thread.marker for thread in threads] or [""] * len(briefing.stories)
    stories = [_story_parts(number, story, marker)
               for number, (story, marker) in enumerate(zip(briefing.stories, markers, strict=True), 1)]  # fmt: skip
    if fmt == "slack":
        return _slack(title, stories, left_out)
    if fmt == "mattermost":
        return _mattermost(title, stories, left_out)
    if fmt == "discord":
        return _discord(title, stories, left_out)
    raise ValueError(f"unknown webhook format {fmt!r}")


def host_of(url: str) -> str:
    """The host of a webhook URL, the only part of it that messages show."""
    return urllib.parse.urlsplit(url).hostname or "?"


def post_webhook(
    url: str,
    body: dict,
    *,
    timeout: float,
    retries: int = 2,
    sleep: Callable[[float], None] = time.sleep,
    client: httpx.Client | None = None,
) -> int:
    """POST ``body`` as JSON; return the number of attempts once a 2xx reply came.

    Raises DeliveryError on a refused connection, a timeout (not retried: the
    post may have arrived) or a reply that is not 2xx after the retries.
    """
    where = f"webhook {host_of(url)}"
    own = client is None
    client = client or httpx.Client(timeout=timeout, follow_redirects=False)
    try:
        for attempt in range(retries + 1):
            try:
                response = client.post(url, json=body)
            except httpx.TimeoutException:
                raise DeliveryError(f"{where}: timed out after {timeout:g} s") from None
            except httpx.ConnectError as exc:
                refused = isinstance(exc.__context__, ConnectionRefusedError) or "refused" in str(exc).lower()
                cause = "connection refused (is the service up?)" if refused else f"cannot connect ({_plain(exc, url)})"
                raise DeliveryError(f"{where}: {cause}") from None
            except httpx.HTTPError as exc:
                raise DeliveryError(f"{where}: {type(exc).__name__} ({_plain(exc, url)})") from None
            if response.is_success:
                return attempt + 1
            reply = f"HTTP {response.status_code} {response.reason_phrase}".strip() + _body_hint(response, url)
            if response.status_code == 429 or response.status_code >= 500:
                wait = _retry_after(response, RETRY_BASE_DELAY * 2**attempt)
                if attempt < retries and wait <= MAX_RETRY_WAIT:
                    sleep(wait)
                    continue
                raise DeliveryError(f"{where}: {reply} after {count(attempt + 1, 'attempt')}")
            hint = " (check the webhook URL)" if response.status_code in (401, 403, 404, 410) else ""
            raise DeliveryError(f"{where}: {reply}{hint}")
        raise AssertionError("unreachable")
    finally:
        if own:
            client.close()


# -- the services' shapes ------------------------------------------------------------


@dataclass
class _StoryParts:
    """One story as plain pieces; each service escapes and lays them out."""

    number: int
    headline: str
    summary: str
    sources: list[tuple[str, str | None]]
    link: str | None
    marker: str = ""  # "Developing: day 3" for a continuing story
    previously: str = ""  # the recap line, when there is one


def _story_parts(number: int, story: StorySummary, marker: str = "") -> _StoryParts:
    sources = []
    for source in story.sources:
        if source.duplicate_of:
            continue
        url = source.url if is_web_url(source.url) else None
        sources.append((source.outlet or source.title, url))
    link = next((url for _, url in sources if url), None)
    return _StoryParts(number, story.headline, story.summary or "(no summary)", sources, link, marker, story.previously or "")


def _slack(title: str, stories: list[_StoryParts], left_out: str = "") -> list[dict]:
    head: list[dict]
    if len(title) <= SLACK_HEADER_CHARS:
        head = [{"type": "header", "text": {"type": "plain_text", "text": title, "emoji": False}}]
    else:
        head = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{_slack_escape(title)}*"}}]
    groups = []
    for story in stories:
        text = f"*{story.number}. {_slack_escape(story.headline)}*\n"
        text += f"_{_slack_escape(story.marker)}_\n" if story.marker else ""
        text += _slack_escape(story.summary)
        text += f"\n_Previously: {_slack_escape(story.previously)}_" if story.previously else ""
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": piece}} for piece in split_text(text, SLACK_SECTION_CHARS)]
        if story.sources:
            line = "Sources: " + ", ".join(_slack_link(name, url) for name, url in story.sources)
            blocks += [{"type": "context", "elements": [{"type": "mrkdwn", "text": piece}]} for piece in split_text(line, SLACK_SECTION_CHARS)]
        blocks.append({"type": "divider"})
        groups.append(blocks)
    if left_out:
        groups.append([{"type": "context", "elements": [{"type": "mrkdwn", "text": piece}]}
                       for piece in split_text(_slack_escape(left_out), SLACK_SECTION_CHARS)])  # fmt: skip
    posts = _pack(groups, lambda blocks: len(blocks) <= SLACK_MAX_BLOCKS - len(head))
    headlines = "; ".join(f"{s.number}. {s.headline}" for s in stories)
    bodies = []
    for index, blocks in enumerate(posts):
        part = _part(index, len(posts))
        fallback = _slack_escape(f"{title}{part}: {headlines}" if index == 0 else f"{title}{part}")
        bodies.append({"text": fallback, "blocks": (head if index == 0 else []) + blocks})
    return bodies


def _mattermost(title: str, stories: list[_StoryParts], left_out: str = "") -> list[dict]:
    groups = []
    for story in stories:
        lines = [f"#### {story.number}. {_markdown_escape(story.headline)}"]
        lines += [f"_{_markdown_escape(story.marker)}_"] if story.marker else []
        lines += ["", _markdown_escape(story.summary)]
        lines += ["", f"_Previously: {_markdown_escape(story.previously)}_"] if story.previously else []
        if story.sources:
            lines += ["", "Sources: " + ", ".join(_markdown_link(name, url) for name, url in story.sources)]
        # A story longer than a whole post (a huge summary budget) is split over posts at word boundaries.
        groups.append(split_text("\n".join(lines), MATTERMOST_POST_CHARS - len(title) - 40))
    if left_out:
        groups.append(split_text(f"_{_markdown_escape(left_out)}_", MATTERMOST_POST_CHARS - len(title) - 40))
    pieces = [piece for group in groups for piece in group]
    posts = _pack([[p] for p in pieces], lambda items: len("\n\n".join(items)) <= MATTERMOST_POST_CHARS - len(title) - 40)
    return [
        {"text": f"### {_markdown_escape(title)}{_part(index, len(posts))}\n\n" + "\n\n".join(items)}
        for index, items in enumerate(posts)
    ]


def _discord(title: str, stories: list[_StoryParts], left_out: str = "") -> list[dict]:
    groups = []
    for story in stories:
        description = f"*{_markdown_escape(story.marker)}*\n\n" if story.marker else ""
        description += _markdown_escape(story.summary)
        description += f"\n\n*Previously: {_markdown_escape(story.previously)}*" if story.previously else ""
        if story.sources:
            description += "\n\nSources: " + ", ".join(_markdown_link(name, url) for name, url in story.sources)
        heading = f"{story.number}. {story.headline}"
        embed_title = heading if len(heading) <= DISCORD_TITLE_CHARS else heading[: DISCORD_TITLE_CHARS - 1] + "…"
        if embed_title != heading:  # the whole headline goes first in the text, so nothing is lost
            description = f"**{_markdown_escape(heading)}**\n\n{description}"
        embeds = []
        for index, piece in enumerate(split_text(description, DISCORD_DESCRIPTION_CHARS)):
            embed: dict = {"description": piece}
            if index == 0:
                embed["title"] = embed_title
                if story.link:
                    embed["url"] = story.link
            embeds.append(embed)
        groups.append(embeds)
    if left_out:
        groups.append([{"description": piece} for piece in split_text(_markdown_escape(left_out), DISCORD_DESCRIPTION_CHARS)])
    size = lambda embeds: sum(len(e.get("title", "")) + len(e["description"]) for e in embeds)  # noqa: E731
    posts = _pack(groups, lambda embeds: len(embeds) <= DISCORD_EMBEDS and size(embeds) <= DISCORD_EMBED_TOTAL)
    content = _markdown_escape(title)
    return [
        {
            "content": (content + _part(index, len(posts)))[:DISCORD_CONTENT_CHARS],
            "embeds": embeds,
            "allowed_mentions": {"parse": []},  # an "@everyone" in an article must not ping a whole server
        }
        for index, embeds in enumerate(posts)
    ]


def _pack(groups: Sequence[list], fits: Callable[[list], bool]) -> list[list]:
    """Concatenate groups (a story's items) into as few posts as fit, keeping a story in one post when it can."""
    posts: list[list] = []
    current: list = []
    for group in groups:
        if current and fits(current + group):
            current = current + group
            continue
        if current:
            posts.append(current)
        current = []
        if fits(group):
            current = list(group)
            continue
        for item in group:  # a story too big for one post: its items, one post as full as it goes
            if current and not fits(current + [item]):
                posts.append(current)
                current = []
            current.append(item)
    if current:
        posts.append(current)
    return posts or [[]]


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at whitespace (inside a word only if it is longer)."""
    pieces = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit + 1)
        if cut <= limit // 2:
            cut = text.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return pieces + [text] if text or not pieces else pieces


def _part(index: int, count: int) -> str:
    return f" ({index + 1}/{count})" if count > 1 else ""


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn needs only these three escaped; "<!channel>" cannot be formed once "<" is.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(name: str, url: str | None) -> str:
    label = _slack_escape(name).replace("|", "¦")
    if not url:
        return label
    return f"<{url.replace('|', '%7C').replace('>', '%3E').replace('<', '%3C')}|{label}>"


def _markdown_escape(text: str) -> str:
    """CommonMark backslash escapes, and a zero-width space after "@" so that "@all" or "@here" pings nobody."""
    return _MENTION.sub("@\u200b", _MARKDOWN_SPECIAL.sub(r"\\\1", text))


def _markdown_link(name: str, url: str | None) -> str:
    label = _markdown_escape(name)
    if not url:
        return label
    return f"[{label}]({url.replace('(', '%28').replace(')', '%29').replace(' ', '%20')})"



def _retry_after(response: httpx.Response, default: float) -> float:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date), else ``default``."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


def _body_hint(response: httpx.Response, url: str) -> str:
    """The start of the reply's body (Slack says "invalid_payload", Discord a JSON error), on one line."""
    try:
        text = " ".join(response.text.split())
    except (UnicodeDecodeError, httpx.HTTPError):
        return ""
    text = text.replace(url, "<webhook URL>")
    return f": {text[:200]}" if text else ""


def _plain(exc: Exception, url: str) -> str:
    return " ".join(str(exc).replace(url, "<webhook URL>").split()) or type(exc).__name__
