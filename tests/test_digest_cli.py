"""``briefing digest`` through typer's runner: the example config, exit codes, one-line errors, masking."""

from __future__ import annotations

import email
import email.policy
import io
import json
import logging
import os
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarize.cli import app
from summarize.digest.cli import configure_logging
from summarize.digest.lock import RunLock

from digest_support import digest_config, free_port, smtp_server

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "digest.toml"
PASSWORD = "correct-horse-battery-staple"

runner = CliRunner()


@pytest.fixture()
def xdg(tmp_path, monkeypatch):
    """Keep the example's default state and outbox inside the test's folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    for name in ("BRIEFING_SMTP_PASSWORD", "BRIEFING_DIGEST_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "xdg" / "briefing"


def _articles(tmp_path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "ferry.txt").write_text(
        "Ferry service resumes after storm\n\nThe harbour ferry resumed service on Thursday after a storm closed "
        "the port for two days. Operators said fourteen crossings would run every day.\n"
    )
    return folder


def test_help_lists_the_digest_command():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "digest" in result.stdout


def test_dry_run_of_the_example_config_writes_a_message_a_client_can_show(xdg):
    result = runner.invoke(app, ["digest", "--config", str(EXAMPLE), "--dry-run"])
    assert result.exit_code == 0, result.output
    (path,) = (xdg / "outbox" / "dry-run").glob("*.eml")
    assert f"dry run: wrote {path}" in result.stderr.splitlines()[-1]
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["From"] == "Morning briefing <briefing@example.com>" and message["To"] == "you@example.com"
    assert message["Subject"].startswith("Morning briefing ") and message["Subject"].endswith(": 1 story")
    assert message["Message-ID"] and message["Date"]
    assert message.get_content_type() == "multipart/mixed"  # attach_json = true
    alternative, attachment = list(message.iter_parts())
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Sources (5)" in text and ">Sources</p>" in html
    assert "Istanbul" in text and "Advertisement" not in text
    briefing = json.loads(attachment.get_content())
    assert len(briefing["stories"]) == 1 and len(briefing["stories"][0]["article_ids"]) == 5
    assert list((xdg / "outbox").glob("*.eml")) == []  # nothing waits to be sent


def test_dry_run_output_file(xdg, tmp_path):
    output = tmp_path / "preview.eml"
    result = runner.invoke(app, ["digest", "-c", str(EXAMPLE), "--dry-run", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert email.message_from_bytes(output.read_bytes(), policy=email.policy.default).get_body(("html",)) is not None


def test_check_config_prints_effective_values_with_the_password_masked(xdg):
    result = runner.invoke(app, ["digest", "--config", str(EXAMPLE), "--check-config"], env={"BRIEFING_SMTP_PASSWORD": PASSWORD})
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert '# password = "********"  (from $BRIEFING_SMTP_PASSWORD: set)' in result.stdout
    assert f'paths = ["{REPO / "seeds"}"]' in result.stdout
    assert f'state_db = "{xdg / "digest.sqlite3"}"  # default' in result.stdout
    data = tomllib.loads(result.stdout)  # real TOML
    assert data["sources"]["paths"] == [str(REPO / "seeds")] and data["mail"]["to"] == ["you@example.com"]
    assert "password" not in data["mail"]
    overridden = runner.invoke(
        app, ["digest", "--config", str(EXAMPLE), "--check-config"],
        env={"BRIEFING_SMTP_PASSWORD": PASSWORD, "BRIEFING_DIGEST_MAIL_HOST": "relay.internal"},
    )  # fmt: skip
    assert 'host = "relay.internal"  # from $BRIEFING_DIGEST_MAIL_HOST' in overridden.stdout
    assert tomllib.loads(overridden.stdout)["mail"]["host"] == "relay.internal"


def test_check_config_of_the_example_without_a_password_is_a_warning(xdg):
    result = runner.invoke(app, ["digest", "--config", str(EXAMPLE), "--check-config"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"briefing: warning: {EXAMPLE}: mail.password_env: environment variable BRIEFING_SMTP_PASSWORD is not set; a real run needs it",
        f"# {EXAMPLE}: configuration is valid",
    ]
    assert "NOT SET" in result.stdout and tomllib.loads(result.stdout)


def test_bad_config_and_options_are_one_line_errors_with_exit_2(tmp_path, xdg):
    bad = tmp_path / "bad.toml"
    bad.write_text('[mail]\nsecurity = "tls"\nto = ["a@example.org"]\nfrom = "b@example.org"\n[sources]\npaths = ["."]\n')
    result = runner.invoke(app, ["digest", "--config", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"briefing: error: {bad}: mail.security: must be one of starttls, ssl, none (got 'tls')"
    missing = runner.invoke(app, ["digest", "--config", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2 and "no such config file" in missing.stderr
    since = runner.invoke(app, ["digest", "--config", str(EXAMPLE), "--dry-run", "--since", "yesterday"])
    assert since.exit_code == 2 and since.stderr.startswith("briefing: error: --since:")
    output = runner.invoke(app, ["digest", "--config", str(EXAMPLE), "--output", str(tmp_path / "x.eml")])
    assert output.exit_code == 2 and "--output is only used with --dry-run" in output.stderr
    for run in (result, missing, since, output):
        assert "Traceback" not in run.output


def test_send_then_nothing_new_then_locked(tmp_path):
    with smtp_server() as server:
        config = digest_config(tmp_path, [_articles(tmp_path)], port=server.port)
        sent = runner.invoke(app, ["digest", "--config", str(config)])
        assert sent.exit_code == 0, sent.output
        assert len(server.messages) == 1
        lines = sent.stderr.strip().splitlines()
        assert all(" INFO " in line for line in lines)  # one line per step, with its level
        assert any("outbox: wrote" in line for line in lines) and "sent <" in lines[-1]
        again = runner.invoke(app, ["digest", "--config", str(config)])
        assert again.exit_code == 0
        assert again.stderr.strip().splitlines()[-1].endswith("were sent before (--force sends them again)")
        with RunLock(tmp_path / "state.sqlite3.lock"):
            locked = runner.invoke(app, ["digest", "--config", str(config)])
        assert locked.exit_code == 3
        assert " INFO another digest run holds the lock" in locked.stderr.strip().splitlines()[-1]  # a harmless overlap
    assert len(server.messages) == 1


def test_delivery_failure_is_exit_1_naming_the_cause_without_the_password(tmp_path):
    port = free_port()
    config = digest_config(
        tmp_path, [_articles(tmp_path)], port=port, mail={"username": "bot", "password_env": "DIGEST_PW"},
        log={"file": str(tmp_path / "logs" / "digest.log"), "level": "DEBUG"},
    )  # fmt: skip
    result = runner.invoke(app, ["digest", "--config", str(config)], env={"DIGEST_PW": PASSWORD})
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert " ERROR delivery failed: SMTP 127.0.0.1:" in last and "connection refused" in last
    assert PASSWORD not in result.output
    log_text = (tmp_path / "logs" / "digest.log").read_text()
    assert "delivery failed" in log_text and PASSWORD not in log_text
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_log_handlers_mask_the_password_wherever_it_appears(tmp_path):
    handlers = configure_logging("INFO", tmp_path / "d.log", [PASSWORD])
    stream = io.StringIO()
    handlers[0].setStream(stream)
    logger = logging.getLogger("briefing.digest")
    try:
        logger.warning("server said: %s", f"bad credentials {PASSWORD}")
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
            handler.close()
    for text in (stream.getvalue(), (tmp_path / "d.log").read_text()):
        assert "server said: bad credentials ********" in text and PASSWORD not in text


def test_config_is_found_in_xdg_config_home(tmp_path, monkeypatch):
    monkeypatch.delenv("BRIEFING_DIGEST_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    missing = runner.invoke(app, ["digest", "--check-config"])
    assert missing.exit_code == 2 and "no digest config: pass --config FILE" in missing.stderr
    assert "Traceback" not in missing.output
    (tmp_path / "config" / "briefing").mkdir(parents=True)
    digest_config(tmp_path, [tmp_path]).rename(tmp_path / "config" / "briefing" / "digest.toml")
    found = runner.invoke(app, ["digest", "--check-config"])
    assert found.exit_code == 0, found.output
    assert found.stdout.startswith(f"# effective digest configuration from {tmp_path / 'config' / 'briefing' / 'digest.toml'}")


def test_dry_run_output_dash_writes_the_message_to_stdout(xdg):
    result = runner.invoke(app, ["digest", "-c", str(EXAMPLE), "--dry-run", "--output", "-"])
    assert result.exit_code == 0, result.stderr
    message = email.message_from_bytes(result.stdout_bytes, policy=email.policy.default)
    assert message["Subject"].startswith("Morning briefing ") and message.get_body(("html",)) is not None
    assert "dry run: wrote stdout" in result.stderr.splitlines()[-1]
    assert not Path("-").exists()


def test_fifo_and_non_utf8_configs_are_one_line_errors(tmp_path, xdg):
    fifo = tmp_path / "digest.fifo"
    os.mkfifo(fifo)
    result = runner.invoke(app, ["digest", "--config", str(fifo), "--check-config"])
    assert result.exit_code == 2
    assert result.stderr == f"briefing: error: {fifo}: not a regular file (a FIFO); give the path of a TOML file\n"
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b"[mail]\nfrom = \"Caf\xe9 <c@example.org>\"\n")
    result = runner.invoke(app, ["digest", "--config", str(latin)])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1 and "not UTF-8 text" in result.stderr


def test_lock_collision_is_silent_at_warning_level(tmp_path):
    """cron mails whatever a job prints; with --log-level WARNING an overlap prints nothing (exit 3 still says it)."""
    config = digest_config(tmp_path, [_articles(tmp_path)], port=free_port())
    with RunLock(tmp_path / "state.sqlite3.lock"):
        quiet = runner.invoke(app, ["digest", "--config", str(config), "--log-level", "WARNING"])
        info = runner.invoke(app, ["digest", "--config", str(config)])
    assert quiet.exit_code == 3 and quiet.stderr == ""
    assert info.exit_code == 3 and " INFO another digest run holds the lock" in info.stderr.splitlines()[-1]


def test_a_short_password_does_not_garble_log_lines(tmp_path):
    handlers = configure_logging("INFO", None, ["ab"])
    stream = io.StringIO()
    handlers[0].setStream(stream)
    logger = logging.getLogger("briefing.digest")
    try:
        logger.info("tabs and labels stay as they are; the password ab or 'ab' or pw=ab is masked")
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
    assert stream.getvalue().rstrip().endswith(
        "INFO tabs and labels stay as they are; the password ******** or '********' or pw=******** is masked"
    )
