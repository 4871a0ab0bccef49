"""Whole digest runs against a real SMTP server (aiosmtpd), real SQLite files and the extractive engine."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import shutil
import sqlite3
import threading
import time

import pytest

from summarize.digest.config import load_config
from summarize.digest.runner import (
    EXIT_CONFIG,
    EXIT_DELIVERY_FAILED,
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_OK,
    RunOptions,
    run_digest,
)
from summarize.digest.state import StateDB

from digest_support import WAIT, digest_config, free_port, self_signed_certificate, server_tls_context, smtp_server
from test_feeds import ATOM, RSS

T0 = dt.datetime(2025, 5, 15, 6, 0, tzinfo=dt.timezone.utc)

FERRY = """Ferry service resumes after storm

The harbour ferry resumed service on Thursday after a storm closed the port for two days. Operators said fourteen crossings would run every day until the end of the month. Passengers queued at the ferry terminal before dawn, and the harbour master said the breakwater had held during the storm.
"""
FERRY_2 = """Harbour ferry back after two-day storm closure

Ferry crossings restarted on Thursday once the storm that shut the harbour for two days had passed. The operator plans fourteen ferry crossings a day, and the harbour master praised the breakwater, which held through the storm.
"""
LIBRARY = """Library <script>alert('x')</script> extends opening hours

The central library will stay open until nine in the evening from June, the council said on Wednesday. Librarians had asked for longer opening hours for students preparing exams. The council will pay for two extra library staff, and the reading rooms will gain new desks. Readers wrote <script>alert('x')</script> in the library guest book, the council added.
"""
CHOIR = """School choir wins regional singing prize

The school choir won the regional singing prize on Saturday with a programme of old folk songs. Forty pupils sang in the final, held in the cathedral. The choir director said the singers had rehearsed every morning for three months and would now travel to the national final in the autumn.
"""


class Clock:
    """A clock the test moves: runs see exactly the times the test chooses."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture()
def articles(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "ferry.txt").write_text(FERRY)
    (folder / "ferry-2.txt").write_text(FERRY_2)
    (folder / "library.txt").write_text(LIBRARY)
    return folder


def _config(tmp_path, article_paths, port, **sections):
    return load_config(digest_config(tmp_path, article_paths, port=port, **sections), environ={})


def _parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def _outbox_files(config):
    return sorted(config.outbox.glob("*.eml"))


def test_digest_arrives_and_parses(tmp_path, articles):
    with smtp_server() as server:
        config = _config(tmp_path, [articles], server.port)
        result = run_digest(config, clock=Clock(T0))
    assert result.exit_code == EXIT_OK, result.message
    assert len(server.messages) == 1
    received = server.messages[0]
    assert received.mail_from == "briefing@example.org" and received.rcpt_tos == ["reader@example.org"]
    message = _parse(received.data)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Morning briefing 2025-05-15: 2 stories"
    assert message["Message-ID"] == result.message_id
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "ferry" in text.lower() and "library" in text.lower()
    assert "<script>" in text  # plain text carries the article text as it is
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Sources (2)" in text and "Sources (1)" in text
    assert result.message.startswith(f"sent {result.message_id}: 2 stories from 3 articles (3 new) to 1 recipient")
    assert _outbox_files(config) == []
    with StateDB(config.state_db) as db:
        (record,) = db.digests()
        assert record.message_id == result.message_id and record.sent_at is not None
        assert record.recipients == ("reader@example.org",) and record.articles == 3 and record.stories == 2


def test_second_run_sends_nothing_unless_forced(tmp_path, articles, caplog):
    clock = Clock(T0)
    with smtp_server() as server:
        config = _config(tmp_path, [articles], server.port)
        assert run_digest(config, clock=clock).exit_code == EXIT_OK
        clock.advance(hours=1)
        with caplog.at_level(logging.INFO, logger="briefing.digest"):
            second = run_digest(config, clock=clock)
        assert second.exit_code == EXIT_OK
        assert second.message == "nothing new: all 3 articles in the window were sent before (--force sends them again)"
        assert caplog.records[-1].getMessage() == second.message  # the run's last line says it
        assert len(server.messages) == 1
        clock.advance(hours=1)
        forced = run_digest(config, RunOptions(force=True), clock=clock)
        assert forced.exit_code == EXIT_OK and forced.cache_hits == 2 and forced.cache_misses == 0
        assert len(server.messages) == 2
    ids = [_parse(m.data)["Message-ID"] for m in server.messages]
    assert ids[0] != ids[1]


def test_new_article_gives_a_new_digest_of_the_new_story_alone(tmp_path, articles, caplog):
    clock = Clock(T0)
    with smtp_server() as server:
        config = _config(tmp_path, [articles], server.port)
        first = run_digest(config, clock=clock)
        assert (first.cache_hits, first.cache_misses) == (0, 2)
        (articles / "choir.txt").write_text(CHOIR)
        clock.advance(hours=2)
        with caplog.at_level(logging.INFO, logger="briefing.digest"):
            second = run_digest(config, clock=clock)
    assert second.exit_code == EXIT_OK, second.message
    # The ferry and library articles are still in the 24-hour window, but they were sent: not news again.
    assert (second.cache_hits, second.cache_misses) == (0, 1)
    assert "summary cache: 0 hits, 1 miss; 1 story summarised" in caplog.text
    assert second.new_articles == 1 and second.stories == 1 and second.articles == 1
    assert second.message.startswith(f"sent {second.message_id}: 1 story from 1 article (1 new) to 1 recipient")
    assert len(server.messages) == 2
    text = _parse(server.messages[1].data).get_body(("plain",)).get_content()
    assert "choir" in text.lower() and "ferry" not in text.lower() and "library" not in text.lower()


def test_server_down_then_up_delivers_exactly_one_copy(tmp_path, articles):
    port = free_port()  # nothing listens yet
    config = _config(tmp_path, [articles], port)
    clock = Clock(T0)
    failed = run_digest(config, clock=clock)
    assert failed.exit_code == EXIT_DELIVERY_FAILED
    assert f"SMTP 127.0.0.1:{port}: connection refused" in failed.message and "stays in the outbox" in failed.message
    assert "\n" not in failed.message
    (kept,) = _outbox_files(config)
    assert _parse(kept.read_bytes())["Message-ID"] == failed.message_id
    with StateDB(config.state_db) as db:
        assert db.digest(failed.message_id).sent_at is None
    clock.advance(minutes=30)
    again = run_digest(config, clock=clock)  # still down: still kept, nothing duplicated
    assert again.exit_code == EXIT_DELIVERY_FAILED and len(_outbox_files(config)) == 1
    clock.advance(minutes=30)
    with smtp_server(port=port) as server:
        retried = run_digest(config, clock=clock)
        assert retried.exit_code == EXIT_OK, retried.message
        assert retried.delivered == [failed.message_id]
        assert retried.message.startswith("delivered 1 waiting message; nothing new")
        clock.advance(minutes=30)
        assert run_digest(config, clock=clock).exit_code == EXIT_OK
    assert len(server.messages) == 1
    assert _parse(server.messages[0].data)["Message-ID"] == failed.message_id
    assert _outbox_files(config) == []
    with StateDB(config.state_db) as db:
        assert [d.sent_at is not None for d in db.digests()] == [True]


def test_4xx_reply_keeps_the_message_and_the_next_run_sends_it(tmp_path, articles):
    with smtp_server() as server:
        config = _config(tmp_path, [articles], server.port)
        server.handler.reply = "451 4.3.0 mailbox busy, try later"
        failed = run_digest(config, clock=Clock(T0))
        assert failed.exit_code == EXIT_DELIVERY_FAILED
        assert "message refused (451 4.3.0 mailbox busy, try later)" in failed.message
        assert len(_outbox_files(config)) == 1 and server.messages == []
        server.handler.reply = None
        retried = run_digest(config, clock=Clock(T0 + dt.timedelta(hours=1)))
    assert retried.exit_code == EXIT_OK and retried.delivered == [failed.message_id]
    assert len(server.messages) == 1 and _outbox_files(config) == []


def test_message_recorded_as_sent_but_left_in_the_outbox_is_not_sent_again(tmp_path, articles):
    with smtp_server() as server:
        config = _config(tmp_path, [articles], server.port)
        sent = run_digest(config, clock=Clock(T0))
        # As if the run had stopped after recording the delivery but before removing the file.
        copy = config.outbox / sent.message_file.name
        (tmp_path / "saved.eml").write_bytes(server.messages[0].data)
        shutil.copy(tmp_path / "saved.eml", copy)
        result = run_digest(config, clock=Clock(T0 + dt.timedelta(hours=1)))
    assert result.exit_code == EXIT_OK and result.delivered == []
    assert len(server.messages) == 1 and _outbox_files(config) == []


def test_concurrent_runs_send_exactly_one_digest(tmp_path, articles):
    with smtp_server() as server:
        config = _config(tmp_path, [articles], server.port)
        server.handler.gate = threading.Event()  # hold the first run inside its delivery
        results = {}
        first = threading.Thread(target=lambda: results.setdefault("first", run_digest(config, clock=Clock(T0))))
        first.start()
        try:
            assert server.handler.entered.wait(WAIT), "the first run never reached the server"
            started = time.monotonic()
            second = run_digest(config, clock=Clock(T0))
            assert time.monotonic() - started < 5  # refused at once, not after waiting
        finally:
            server.handler.gate.set()
            first.join(WAIT)
        assert second.exit_code == EXIT_LOCKED
        assert second.message.startswith(f"another digest run holds the lock {config.lock}")
        assert results["first"].exit_code == EXIT_OK
        third = run_digest(config, clock=Clock(T0 + dt.timedelta(minutes=5)))
        assert third.exit_code == EXIT_OK and third.message.startswith("nothing new")
    assert len(server.messages) == 1


def test_starttls_and_auth_end_to_end_never_log_the_password(tmp_path, articles, caplog):
    cert, key = self_signed_certificate(tmp_path)
    password = "Tr0ub4dor-and-3"
    with smtp_server(starttls=server_tls_context(cert, key), credentials=("digest-bot", password)) as server:
        mail = {"security": "starttls", "username": "digest-bot", "password_env": "DIGEST_SMTP_PW", "ca_file": str(cert)}
        config = _config(tmp_path, [articles], server.port, mail=mail)
        with caplog.at_level(logging.DEBUG, logger="briefing.digest"):
            wrong = run_digest(config, environ={"DIGEST_SMTP_PW": "not-" + password}, clock=Clock(T0))
            assert wrong.exit_code == EXIT_DELIVERY_FAILED and "authentication as 'digest-bot' refused (535" in wrong.message
            right = run_digest(config, environ={"DIGEST_SMTP_PW": password}, clock=Clock(T0 + dt.timedelta(hours=1)))
        missing = run_digest(config, environ={}, clock=Clock(T0))
    assert right.exit_code == EXIT_OK and right.delivered == [wrong.message_id]
    assert [m.login for m in server.messages] == ["digest-bot"]
    assert password not in caplog.text and password not in wrong.message
    assert missing.exit_code == EXIT_CONFIG and "DIGEST_SMTP_PW is not set" in missing.message


def test_local_rss_and_atom_feeds_make_a_digest(tmp_path):
    (tmp_path / "gazette.rss").write_text(RSS)
    (tmp_path / "courier.atom").write_text(ATOM)
    with smtp_server() as server:
        config = _config(tmp_path, [], server.port, sources={"feeds": ["gazette.rss", "courier.atom"]})
        result = run_digest(config, clock=Clock(T0))
    assert result.exit_code == EXIT_OK, result.message
    assert result.articles == 4
    text = _parse(server.messages[0].data).get_body(("plain",)).get_content()
    for outlet in ("Harbour Gazette", "Valley Courier"):
        assert outlet in text
    assert "https://gazette.example.org/ferry" in text


def test_window_leaves_out_articles_first_seen_before_it(tmp_path, articles):
    clock = Clock(T0)
    with smtp_server() as server:
        config = _config(tmp_path, [articles], server.port)
        run_digest(config, clock=clock)
        (articles / "choir.txt").write_text(CHOIR)
        clock.advance(hours=25)
        later = run_digest(config, clock=clock)
        assert later.exit_code == EXIT_OK and later.articles == 1 and later.stories == 1
        wide = run_digest(config, RunOptions(force=True, since=dt.timedelta(days=2)), clock=clock)
        assert wide.articles == 4
    assert len(server.messages) == 3


def test_since_last_digest_window_takes_only_unsent_articles(tmp_path, articles):
    clock = Clock(T0)
    with smtp_server() as server:
        config = _config(tmp_path, [articles], server.port, window={"since": "last-digest"})
        assert run_digest(config, clock=clock).articles == 3
        (articles / "choir.txt").write_text(CHOIR)
        clock.advance(days=10)
        second = run_digest(config, clock=clock)
        assert second.articles == 1 and second.cache_hits == 0
        assert run_digest(config, clock=clock).message.startswith("nothing new: no articles not in any digest sent")
    assert len(server.messages) == 2


def test_dry_run_writes_the_message_and_sends_and_records_nothing(tmp_path, articles):
    with smtp_server() as server:
        config = _config(tmp_path, [articles], server.port)
        dry = run_digest(config, RunOptions(dry_run=True), clock=Clock(T0))
        assert dry.exit_code == EXIT_OK and dry.message.startswith(f"dry run: wrote {dry.message_file}")
        assert dry.message_file.parent == config.outbox / "dry-run"
        assert _parse(dry.message_file.read_bytes()).get_body(("html",)) is not None
        assert server.messages == [] and _outbox_files(config) == []
        output = tmp_path / "preview.eml"
        assert run_digest(config, RunOptions(dry_run=True, output=output), clock=Clock(T0)).message_file == output
        real = run_digest(config, clock=Clock(T0 + dt.timedelta(hours=1)))  # the dry runs changed nothing
        assert real.exit_code == EXIT_OK and real.new_articles == 3
    assert len(server.messages) == 1
    with sqlite3.connect(config.state_db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM digests").fetchone()[0] == 1


def test_unreadable_sources_fail_with_exit_4(tmp_path):
    config = _config(tmp_path, [tmp_path / "no-such-folder"], free_port())
    result = run_digest(config, clock=Clock(T0))
    assert result.exit_code == EXIT_FAILED and result.message == "no articles could be read (1 problem, see above)"


def test_engine_section_maps_to_briefing_options(tmp_path):
    from summarize.digest.config import ConfigError
    from summarize.digest.runner import briefing_options

    engine = {"name": "abstractive", "model": "some/model", "threads": 1, "num_beams": 2, "max_new_tokens": 64,
              "batch_size": 8, "unsupported": "flag", "generation": {"length_penalty": 1.5}}  # fmt: skip
    options = briefing_options(_config(tmp_path, [tmp_path], 25, engine=engine))
    assert (options.engine, options.model, options.threads, options.batch_size) == ("abstractive", "some/model", 1, 8)
    assert options.unsupported == "flag" and options.max_words == 60
    assert options.generation == {"length_penalty": 1.5, "num_beams": 2, "max_new_tokens": 64}
    bad = _config(tmp_path, [tmp_path], 25, engine={"beams": 4, "batch_size": "big", "unsupported": "hide"})
    with pytest.raises(ConfigError) as caught:
        briefing_options(bad)
    unknown, mistyped, mode = (p.split(": ", 1)[1] for p in caught.value.problems)
    assert unknown.startswith("unknown key engine.beams (known: name, model, max_words, threads, num_beams, max_new_tokens, ")
    assert "batch_size" in unknown and "unsupported" in unknown  # the other BriefingOptions fields
    assert mistyped == "engine.batch_size: expected int, got str"
    assert mode == "engine.unsupported: must be one of remove, flag (got 'hide')"


@pytest.mark.parametrize("how", ["TZ", "config"])
def test_subject_is_dated_in_the_readers_time_zone(tmp_path, articles, monkeypatch, how):
    """A 06:30 digest in Tokyo is dated that morning, not the previous day (21:30 UTC)."""
    import time as time_module

    tokyo_morning = dt.datetime(2025, 5, 14, 21, 30, tzinfo=dt.timezone.utc)
    monkeypatch.setenv("TZ", "Asia/Tokyo" if how == "TZ" else "UTC")
    time_module.tzset()
    try:
        with smtp_server() as server:
            config = _config(tmp_path, [articles], server.port)
            if how == "config":
                config = load_config(config.path, environ={"BRIEFING_DIGEST_TIMEZONE": "Asia/Tokyo"})
            result = run_digest(config, clock=Clock(tokyo_morning))
    finally:
        monkeypatch.undo()
        time_module.tzset()
    assert result.exit_code == EXIT_OK, result.message
    message = _parse(server.messages[0].data)
    assert message["Subject"] == "Morning briefing 2025-05-15: 2 stories"
    assert message["Date"].endswith("+0900")
    assert "Made 2025-05-15 06:30 JST" in message.get_body(("plain",)).get_content()
