"""Whole runs with several channels: mail (aiosmtpd), a webhook (a real HTTP server) and a feed file, each tracked on its own."""

from __future__ import annotations

import datetime as dt
import json

import feedparser

from summarize.digest import webhook
from summarize.digest.config import load_config
from summarize.digest.runner import EXIT_DELIVERY_FAILED, EXIT_OK, RunOptions, run_digest
from summarize.digest.state import StateDB, check_state

from digest_support import Reply, digest_config, smtp_server, webhook_server
from test_digest_runner import CHOIR, T0, Clock, articles  # noqa: F401 (fixture)

HOOK_ENV = "TEST_WEBHOOK_URL"


def _config(tmp_path, folder, smtp_port=None, fmt="slack", max_entries=50, mail=True):
    sections = {"delivery": {"webhook": {"format": fmt, "url_env": HOOK_ENV, "timeout": 3},
                             "feed": {"path": str(tmp_path / "public" / "briefing.xml"), "max_entries": max_entries}}}  # fmt: skip
    if not mail:
        sections["mail"] = None
    return load_config(digest_config(tmp_path, [folder], port=smtp_port or 25, **sections), environ={})


def _pending(config):
    return sorted(p.name for p in config.outbox.iterdir() if p.is_file())


def test_mail_webhook_and_feed_end_to_end(tmp_path, articles):  # noqa: F811
    with smtp_server() as smtp, webhook_server() as hook:
        config = _config(tmp_path, articles, smtp.port)
        result = run_digest(config, environ={HOOK_ENV: hook.url}, clock=Clock(T0))
    assert result.exit_code == EXIT_OK, result.message
    assert result.message.startswith(f"sent {result.message_id}: 2 stories from 3 articles (3 new) to 1 recipient, "
                                     "to the webhook at 127.0.0.1 (1 post), to the feed ")  # fmt: skip
    assert len(smtp.messages) == 1 and len(hook.received) == 1
    assert hook.received[0]["blocks"][0]["text"]["text"] == "Morning briefing 2025-05-15: 2 stories"
    feed = feedparser.parse(str(config.feed.path))
    assert not feed.bozo and len(feed.entries) == 2
    assert _pending(config) == [] and check_state(config.state_db) == []
    with StateDB(config.state_db) as db:
        assert [(d.channel, d.status) for d in db.deliveries(result.message_id)] == [("feed", "sent"), ("mail", "sent"), ("webhook", "sent")]
        stories = db.stories(result.message_id)
        assert [len(s.article_hashes) for s in stories] == [2, 1] and stories[0].summary
        assert [s.story_id for s in stories] == [s.story_key[:12] for s in stories]  # new stories: their key's start


def test_a_failing_webhook_is_retried_next_run_without_mailing_again(tmp_path, articles):  # noqa: F811
    clock = Clock(T0)
    with smtp_server() as smtp, webhook_server() as hook:
        config = _config(tmp_path, articles, smtp.port)
        hook.replies = [Reply(500, b"down")] * 3  # the first attempt and both retries
        failed = run_digest(config, environ={HOOK_ENV: hook.url}, clock=clock)
        assert failed.exit_code == EXIT_DELIVERY_FAILED
        assert "webhook 127.0.0.1: HTTP 500 Internal Server Error: down after 3 attempts" in failed.message
        assert "secret-token" not in failed.message
        assert len(smtp.messages) == 1 and hook.received == []
        assert [n.endswith(".webhook.json") for n in _pending(config)] == [True]
        clock.advance(hours=1)
        (articles / "choir.txt").write_text(CHOIR)  # new news waits until the webhook caught up: no pile of digests
        retried = run_digest(config, environ={HOOK_ENV: hook.url}, clock=clock)
        assert retried.exit_code == EXIT_OK, retried.message
        assert retried.delivered[0] == failed.message_id
        assert len(smtp.messages) == 2  # the choir digest; the first email was not sent again
        assert len(hook.received) == 2 and "Ferry" in json.dumps(hook.received[0])
    with StateDB(config.state_db) as db:
        webhook = db.delivery(failed.message_id, "webhook")
        assert webhook.status == "sent" and webhook.attempts == 2 and webhook.last_error is None


def test_a_long_digest_resumes_at_the_post_that_failed(tmp_path, articles, monkeypatch):  # noqa: F811
    monkeypatch.setattr(webhook, "DISCORD_EMBEDS", 1)  # one story per post: the two stories make two posts
    clock = Clock(T0)
    with webhook_server() as hook:
        config = _config(tmp_path, articles, fmt="discord", mail=False)
        hook.replies = [Reply(200), Reply(404, b"Unknown Webhook")]
        failed = run_digest(config, environ={HOOK_ENV: hook.url}, clock=clock)
        assert failed.exit_code == EXIT_DELIVERY_FAILED and "HTTP 404 Not Found: Unknown Webhook (check the webhook URL)" in failed.message
        posts = json.loads((config.outbox / _pending(config)[0]).read_text())["posts"]
        assert len(posts) >= 2 and len(hook.received) == 1
        clock.advance(hours=1)
        retried = run_digest(config, environ={HOOK_ENV: hook.url}, clock=clock)
    assert retried.exit_code == EXIT_OK, retried.message
    assert hook.received == posts  # each post once, in order: the accepted first part was not posted again


def test_feed_keeps_the_newest_entries_with_stable_ids(tmp_path, articles):  # noqa: F811
    clock = Clock(T0)
    with webhook_server() as hook:
        config = _config(tmp_path, articles, max_entries=2, mail=False)
        first = run_digest(config, environ={HOOK_ENV: hook.url}, clock=clock)
        ids_before = [e.id for e in feedparser.parse(str(config.feed.path)).entries]
        (articles / "choir.txt").write_text(CHOIR)
        clock.advance(hours=2)
        second = run_digest(config, environ={HOOK_ENV: hook.url}, clock=clock)
    assert first.exit_code == second.exit_code == EXIT_OK
    feed = feedparser.parse(str(config.feed.path))
    assert len(ids_before) == 2 and len(feed.entries) == 2  # bounded: the oldest entry dropped off
    assert "choir" in feed.entries[0].title.lower() and feed.entries[1].id == ids_before[0]


def test_dry_run_writes_every_channel_file_and_needs_no_secret(tmp_path, articles):  # noqa: F811
    config = _config(tmp_path, articles, mail=False)
    result = run_digest(config, RunOptions(dry_run=True), environ={}, clock=Clock(T0))
    assert result.exit_code == EXIT_OK and "(and 1 other channel file beside it)" in result.message
    names = sorted(p.name for p in (config.outbox / "dry-run").iterdir())
    assert [n.rsplit("-", 1)[1].split(".", 1)[1] for n in names] == ["feed.json", "webhook.json"]
    assert not config.feed.path.exists()
