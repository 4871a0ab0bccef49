"""Webhook delivery: the Slack, Mattermost and Discord shapes, and posting against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from summarize.digest import webhook
from summarize.digest.continuity import StoryThread
from summarize.digest.send import DeliveryError
from summarize.digest.webhook import post_webhook, split_text, webhook_posts
from summarize.models import Briefing, Source, StorySummary, SummarySentence

from digest_support import Reply, free_port, webhook_server

T0 = dt.datetime(2025, 5, 15, 6, 0, tzinfo=dt.timezone.utc)


def _story(number: int, summary: str = "The ferry runs again & on time.") -> StorySummary:
    return StorySummary(
        f"s{number}",
        f"Ferry <b>{number}</b> resumes @channel",
        [SummarySentence(summary)],
        [
            Source(f"a{number}", "Ferry back", "Harbour Gazette", None, f"https://gazette.example.org/ferry/{number}"),
            Source(f"b{number}", "Ferry | back", "Evil", None, "javascript:alert(1)"),
        ],
    )


def _briefing(count: int = 2, summary: str = "The ferry runs again & on time.") -> Briefing:
    return Briefing(T0, "extractive", None, [_story(n, summary) for n in range(1, count + 1)])


def test_slack_payload_is_block_kit_with_escaped_text_and_only_web_links():
    (post,) = webhook_posts(_briefing(), "slack", "Morning briefing 2025-05-15: 2 stories")
    assert post["text"].startswith("Morning briefing 2025-05-15: 2 stories: 1. Ferry &lt;b&gt;1&lt;/b&gt;")
    header, section, context, divider = post["blocks"][:4]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": "Morning briefing 2025-05-15: 2 stories", "emoji": False}}
    assert section["text"] == {"type": "mrkdwn", "text": "*1. Ferry &lt;b&gt;1&lt;/b&gt; resumes @channel*\nThe ferry runs again &amp; on time."}
    assert context["elements"][0]["text"] == "Sources: <https://gazette.example.org/ferry/1|Harbour Gazette>, Evil"
    assert divider == {"type": "divider"} and len(post["blocks"]) == 1 + 2 * 3
    assert "javascript" not in json.dumps(post)


def test_mattermost_payload_is_markdown_that_pings_nobody():
    (post,) = webhook_posts(_briefing(), "mattermost", "Morning briefing")
    text = post["text"]
    assert text.startswith("### Morning briefing\n\n#### 1. Ferry \\<b\\>1\\</b\\> resumes @\u200bchannel\n\nThe ferry runs again & on time.")
    assert "[Harbour Gazette](https://gazette.example.org/ferry/1), Evil" in text and "javascript" not in text


def test_discord_payload_has_one_embed_per_story_and_no_mentions():
    (post,) = webhook_posts(_briefing(), "discord", "Morning briefing")
    assert post["content"] == "Morning briefing" and post["allowed_mentions"] == {"parse": []}
    first = post["embeds"][0]
    assert first["title"] == "1. Ferry <b>1</b> resumes @channel" and first["url"] == "https://gazette.example.org/ferry/1"
    assert first["description"].startswith("The ferry runs again & on time.\n\nSources: [Harbour Gazette](https://gazette")
    assert len(post["embeds"]) == 2


def test_every_shape_carries_the_developing_marker_the_recap_and_the_left_out_line():
    briefing = _briefing()
    briefing.stories[0].previously = "The ferry stopped *for* two days."
    threads = [StoryThread("3f2a9c0d1e2b", continues=True, day=3), StoryThread("s2")]
    left_out = "Nothing new since the last digest in 1 developing story: Library_hours."
    (slack,) = webhook_posts(briefing, "slack", "Morning briefing", threads, left_out)
    assert slack["blocks"][1]["text"]["text"] == ("*1. Ferry &lt;b&gt;1&lt;/b&gt; resumes @channel*\n_Developing: day 3_\n"
                                                  "The ferry runs again &amp; on time.\n_Previously: The ferry stopped *for* two days._")  # fmt: skip
    assert "Developing" not in slack["blocks"][4]["text"]["text"]
    assert slack["blocks"][-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": left_out}]}
    (mattermost,) = webhook_posts(briefing, "mattermost", "Morning briefing", threads, left_out)
    assert "#### 1. Ferry \\<b\\>1\\</b\\> resumes @\u200bchannel\n_Developing: day 3_\n\nThe ferry" in mattermost["text"]
    assert "_Previously: The ferry stopped \\*for\\* two days._" in mattermost["text"]
    assert mattermost["text"].endswith("_Nothing new since the last digest in 1 developing story: Library\\_hours._")
    (discord,) = webhook_posts(briefing, "discord", "Morning briefing", threads, left_out)
    assert discord["embeds"][0]["description"].startswith("*Developing: day 3*\n\nThe ferry runs again & on time.\n\n*Previously: ")
    assert discord["embeds"][-1] == {"description": "Nothing new since the last digest in 1 developing story: Library\\_hours."}


@pytest.mark.parametrize("fmt", ["slack", "mattermost", "discord"])
def test_a_long_digest_becomes_several_posts_within_the_limits_and_loses_nothing(fmt):
    long_summary = " ".join(f"word{i}" for i in range(1500))  # ~12,000 characters: beyond any single block or embed
    briefing = _briefing(count=30, summary=long_summary)
    posts = webhook_posts(briefing, fmt, "Morning briefing")
    assert len(posts) > 1
    text = json.dumps(posts)
    for number in (1, 30):
        assert f"Ferry <b>{number}</b>" in text or f"Ferry &lt;b&gt;{number}" in text or f"Ferry \\\\<b\\\\>{number}" in text
    words = sum(t.count("word1499") for t in [json.dumps(p) for p in posts])
    assert words == 30  # every story's last word arrives: nothing cut off
    for post in posts:
        if fmt == "slack":
            assert len(post["blocks"]) <= webhook.SLACK_MAX_BLOCKS
            assert all(len(b["text"]["text"]) <= webhook.SLACK_SECTION_CHARS for b in post["blocks"] if b["type"] == "section")
        elif fmt == "mattermost":
            assert len(post["text"]) <= webhook.MATTERMOST_POST_CHARS
        else:
            assert len(post["embeds"]) <= webhook.DISCORD_EMBEDS
            assert sum(len(e.get("title", "")) + len(e["description"]) for e in post["embeds"]) <= webhook.DISCORD_EMBED_TOTAL
            assert all(len(e["description"]) <= webhook.DISCORD_DESCRIPTION_CHARS for e in post["embeds"])


def test_split_text_cuts_at_spaces_and_keeps_every_character():
    text = "alpha beta gamma delta " * 50
    pieces = split_text(text.strip(), 40)
    assert all(len(p) <= 40 for p in pieces) and " ".join(pieces) == text.strip()
    assert split_text("x" * 100, 30) == ["x" * 30, "x" * 30, "x" * 30, "x" * 10]


def test_post_200():
    with webhook_server() as server:
        assert post_webhook(server.url, {"text": "hi"}, timeout=5) == 1
    assert server.received == [{"text": "hi"}] and server.paths == ["/hooks/T000/B000/secret-token-123"]


@pytest.mark.parametrize("first", [Reply(429, b"rate_limited", {"Retry-After": "0"}), Reply(500, b"oops"), Reply(503, b"busy")])
def test_429_and_5xx_are_retried_then_succeed(first, monkeypatch):
    waits = []
    with webhook_server() as server:
        server.replies = [first]
        assert post_webhook(server.url, {"text": "hi"}, timeout=5, retries=2, sleep=waits.append) == 2
    assert server.received == [{"text": "hi"}]
    assert waits == ([0.0] if first.status == 429 else [webhook.RETRY_BASE_DELAY])


def test_retries_exhausted_or_a_long_retry_after_fail_naming_the_host_not_the_url():
    with webhook_server() as server:
        server.replies = [Reply(500, b"down " + server.url.encode())] * 3
        with pytest.raises(DeliveryError) as caught:
            post_webhook(server.url, {"text": "hi"}, timeout=5, retries=2, sleep=lambda s: None)
        assert str(caught.value) == "webhook 127.0.0.1: HTTP 500 Internal Server Error: down <webhook URL> after 3 attempts"
        server.replies = [Reply(429, b"slow down", {"Retry-After": "3600"})]
        with pytest.raises(DeliveryError, match="HTTP 429 Too Many Requests: slow down after 1 attempt"):
            post_webhook(server.url, {"text": "hi"}, timeout=5, retries=2, sleep=lambda s: None)
        server.replies = [Reply(404, b"no_service")]
        with pytest.raises(DeliveryError, match=r"HTTP 404 Not Found: no_service \(check the webhook URL\)"):
            post_webhook(server.url, {"text": "hi"}, timeout=5)
    assert server.received == []


def test_timeout_is_not_retried():
    with webhook_server() as server:
        server.replies = [Reply(200, delay=5)]
        with pytest.raises(DeliveryError, match="webhook 127.0.0.1: timed out after 0.3 s"):
            post_webhook(server.url, {"text": "hi"}, timeout=0.3, retries=2, sleep=lambda s: None)
        assert len(server.paths) == 1  # it may have arrived: a second post could be a duplicate


def test_refused_connection():
    port = free_port()
    with pytest.raises(DeliveryError) as caught:
        post_webhook(f"http://127.0.0.1:{port}/hooks/secret", {"text": "hi"}, timeout=2)
    assert str(caught.value) == "webhook 127.0.0.1: connection refused (is the service up?)"
