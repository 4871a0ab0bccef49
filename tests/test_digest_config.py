"""The digest config: TOML parsing, defaults, environment overrides, checks, masking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from summarize.digest.config import (
    ConfigError,
    describe_config,
    load_config,
    parse_duration,
    smtp_password,
)

from digest_support import digest_config, toml_text


def test_durations_parse_and_reject_nonsense():
    assert parse_duration("24h") == dt.timedelta(hours=24)
    assert parse_duration("1d12h") == dt.timedelta(days=1, hours=12)
    assert parse_duration("30m") == dt.timedelta(minutes=30)
    assert parse_duration("2w") == dt.timedelta(weeks=2)
    for bad in ("", "24", "h", "24x", "-1h", "0h", "1h and more"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_full_config_is_read_with_paths_relative_to_the_file(tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "feeds").mkdir()
    config_path = tmp_path / "digest.toml"
    config_path.write_text(
        toml_text(
            {
                "sources": {"paths": ["articles"], "feeds": ["feeds/world.xml", "https://example.com/rss"]},
                "window": {"since": "last-digest"},
                "engine": {"name": "extractive", "max_words": 80, "batch_size": 2},
                "mail": {
                    "to": ["a@example.org", "B <b@example.org>"],
                    "from": "briefing@example.org",
                    "subject": "News {date} ({stories})",
                    "security": "ssl",
                    "username": "bot",
                    "password_env": "MY_SMTP_PASSWORD",
                    "attach_json": True,
                },
                "paths": {"state_db": "state/db.sqlite3", "outbox": "out"},
            }
        )
    )
    config = load_config(config_path, environ={})
    assert config.paths == (tmp_path / "articles",)
    assert config.feeds == (str(tmp_path / "feeds" / "world.xml"), "https://example.com/rss")
    assert config.since is None  # since the last digest
    assert config.engine == "extractive" and config.max_words == 80
    assert config.engine_options == {"batch_size": 2}
    assert config.mail.port == 465  # the default port of implicit TLS
    assert config.mail.recipients == ["a@example.org", "b@example.org"]
    assert config.mail.attach_json is True
    assert config.state_db == tmp_path / "state" / "db.sqlite3"
    assert config.lock == Path(f"{tmp_path / 'state' / 'db.sqlite3'}.lock")


def test_state_and_outbox_default_to_the_xdg_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    path = tmp_path / "digest.toml"
    path.write_text(toml_text({"sources": {"paths": ["."]}, "mail": {"to": ["a@example.org"], "from": "b@example.org"}}))
    config = load_config(path, environ={})
    assert config.state_db == tmp_path / "xdg" / "briefing" / "digest.sqlite3"
    assert config.outbox == tmp_path / "xdg" / "briefing" / "outbox"
    assert config.since == dt.timedelta(hours=24)
    assert config.mail.security == "starttls" and config.mail.port == 587


def test_environment_overrides_config_values(tmp_path):
    path = digest_config(tmp_path, [tmp_path])
    environ = {
        "BRIEFING_DIGEST_MAIL_HOST": "mail.internal",
        "BRIEFING_DIGEST_MAIL_PORT": "2525",
        "BRIEFING_DIGEST_MAIL_TO": "x@example.org, y@example.org",
        "BRIEFING_DIGEST_MAIL_ATTACH_JSON": "yes",
        "BRIEFING_DIGEST_WINDOW_SINCE": "7d",
    }
    config = load_config(path, environ=environ)
    assert config.mail.host == "mail.internal" and config.mail.port == 2525
    assert config.mail.to == ("x@example.org", "y@example.org")
    assert config.mail.attach_json is True
    assert config.since == dt.timedelta(days=7)
    assert config.origins["mail.host"] == "from $BRIEFING_DIGEST_MAIL_HOST"


def test_every_problem_is_one_line_naming_file_and_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        toml_text(
            {
                "sources": {"paths": [], "colour": "blue"},
                "window": {"since": "soon"},
                "engine": {"name": "telepathy"},
                "mail": {"to": ["not-an-address"], "security": "tls", "port": "25", "subject": "{weather}"},
                "extras": {"x": "y"},
            }
        )
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={"BRIEFING_DIGEST_MAIL_TIMEOUT": "soon"})
    problems = caught.value.problems
    text = "\n".join(problems)
    for expected in (
        "unknown key sources.colour",
        "unknown section [extras]",
        "window.since",
        "engine.name",
        "mail.to: 'not-an-address'",
        "mail.from",
        "mail.security",
        "mail.port: expected a whole number",
        "mail.subject: bad template",
        "$BRIEFING_DIGEST_MAIL_TIMEOUT",
        "give at least one of sources.paths or sources.feeds",
    ):
        assert expected in text, expected
    assert all("\n" not in line and (str(path) in line or line.startswith("$")) for line in problems)


def test_invalid_toml_and_missing_file_are_one_line_errors(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[mail\nto = ")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(broken, environ={})
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "absent.toml", environ={})


def test_a_password_in_the_file_is_refused_without_echoing_it(tmp_path):
    path = digest_config(tmp_path, [tmp_path], mail={"password": "s3cret-in-file"})
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert "mail.password" in str(caught.value) and "password_env" in str(caught.value)
    assert "s3cret-in-file" not in str(caught.value)


def test_password_comes_from_the_named_variable_and_is_masked(tmp_path):
    path = digest_config(tmp_path, [tmp_path], mail={"username": "bot", "password_env": "DIGEST_PW"})
    config = load_config(path, environ={})
    with pytest.raises(ConfigError, match="DIGEST_PW is not set"):
        smtp_password(config, environ={})
    assert smtp_password(config, environ={"DIGEST_PW": "hunter2-xyz"}) == "hunter2-xyz"
    shown = describe_config(config, environ={"DIGEST_PW": "hunter2-xyz"})
    assert "hunter2-xyz" not in shown
    assert 'mail.password = "********"  # from $DIGEST_PW (set)' in shown
    assert 'mail.username = "bot"' in shown
    assert "NOT SET" in describe_config(config, environ={})


def test_username_without_password_variable_is_an_error(tmp_path):
    path = digest_config(tmp_path, [tmp_path], mail={"username": "bot"})
    with pytest.raises(ConfigError, match="mail.password_env is not"):
        load_config(path, environ={})


def test_template_overrides_must_exist(tmp_path):
    path = digest_config(tmp_path, [tmp_path], mail={"html_template": "missing.html.j2"})
    with pytest.raises(ConfigError, match="mail.html_template: no such file"):
        load_config(path, environ={})
