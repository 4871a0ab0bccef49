"""``briefing history``: past digests and a story's timeline from a real state database, as text and JSON."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from summarize.cli import app
from summarize.digest.config import load_config
from summarize.digest.runner import EXIT_DELIVERY_FAILED, EXIT_OK, RunOptions, run_digest

from digest_support import digest_config, free_port, smtp_server
from test_digest_runner import CHOIR, T0, Clock, articles  # noqa: F401 (fixture)

runner = CliRunner()


def _two_digests(tmp_path, folder):
    clock = Clock(T0)
    with smtp_server() as server:
        config = load_config(digest_config(tmp_path, [folder], port=server.port, timezone="UTC"), environ={})
        first = run_digest(config, clock=clock)
        (folder / "choir.txt").write_text(CHOIR)
        clock.advance(hours=2)
        second = run_digest(config, RunOptions(force=True), clock=clock)
    assert first.exit_code == second.exit_code == EXIT_OK
    return config, first, second


def test_history_lists_digests_with_their_stories_and_deliveries(tmp_path, articles):  # noqa: F811
    config, first, second = _two_digests(tmp_path, articles)
    text = runner.invoke(app, ["history", "--config", str(config.path)])
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines[0] == "2025-05-15 06:00 UTC  sent      Morning briefing 2025-05-15: 2 stories"
    assert lines[1] == f"    {first.message_id}  2 stories, 3 articles; mail sent"
    assert any("Library" in line and line.strip().startswith("2. [") for line in lines)
    assert "Morning briefing 2025-05-15: 3 stories" in text.stdout
    data = json.loads(runner.invoke(app, ["history", "--config", str(config.path), "--format", "json", "--limit", "1"]).stdout)
    assert data["schema_version"] == 1 and data["version"]
    (only,) = data["digests"]
    assert only["id"] == second.message_id and len(only["stories"]) == 3
    assert only["deliveries"] == [{"channel": "mail", "status": "sent", "sent_at": only["sent_at"], "attempts": 0, "last_error": None}]
    assert all(len(s["key"]) == 64 and s["summary"] and s["articles"] for s in only["stories"])


def test_a_story_timeline_links_digests_that_share_its_articles(tmp_path, articles):  # noqa: F811
    config, first, second = _two_digests(tmp_path, articles)
    listing = json.loads(runner.invoke(app, ["history", "-c", str(config.path), "-f", "json"]).stdout)
    ferry = next(s for s in listing["digests"][0]["stories"] if "erry" in s["headline"])
    result = runner.invoke(app, ["history", "-c", str(config.path), "--story", ferry["key"][:12]])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"story {ferry['key'][:12]}: 2 appearances")
    timeline = json.loads(runner.invoke(app, ["history", "-c", str(config.path), "--story", ferry["key"][:12], "-f", "json"]).stdout)
    assert [e["digest"] for e in timeline["timeline"]] == [first.message_id, second.message_id]
    unknown = runner.invoke(app, ["history", "-c", str(config.path), "--story", "ffffffff"])
    assert unknown.exit_code == 0 and unknown.stdout == "no story 'ffffffff' in the recorded digests\n"


def test_history_shows_a_waiting_delivery_and_needs_a_state_database(tmp_path, articles):  # noqa: F811
    config = load_config(digest_config(tmp_path, [articles], port=free_port()), environ={})
    missing = runner.invoke(app, ["history", "--config", str(config.path)])
    assert missing.exit_code == 2 and missing.stderr.startswith("briefing: error: ") and "no state database" in missing.stderr
    assert run_digest(config, clock=Clock(T0)).exit_code == EXIT_DELIVERY_FAILED
    result = runner.invoke(app, ["history", "--state", str(config.state_db)])
    assert result.exit_code == 0 and "not sent" in result.stdout
    assert "mail waiting (1 attempt, last: SMTP 127.0.0.1:" in result.stdout
