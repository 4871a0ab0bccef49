"""The digest config: TOML parsing, defaults, environment overrides, checks, masking."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path

import pytest

from summarize.digest.config import (
    ConfigError,
    describe_config,
    find_config,
    load_config,
    parse_duration,
    smtp_password,
    toml_value,
    webhook_url,
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
    assert '# password = "********"  (from $DIGEST_PW: set)' in shown
    assert 'username = "bot"' in shown
    assert "NOT SET" in describe_config(config, environ={})


def test_username_without_password_variable_is_an_error(tmp_path):
    path = digest_config(tmp_path, [tmp_path], mail={"username": "bot"})
    with pytest.raises(ConfigError, match="mail.password_env is not"):
        load_config(path, environ={})


def test_template_overrides_must_exist(tmp_path):
    path = digest_config(tmp_path, [tmp_path], mail={"html_template": "missing.html.j2"})
    with pytest.raises(ConfigError, match="mail.html_template: no such file"):
        load_config(path, environ={})


def test_check_output_is_toml_that_reads_back_as_the_same_config(tmp_path):
    path = digest_config(
        tmp_path, [tmp_path], mail={"username": "bot", "password_env": "DIGEST_PW", "subject": 'News "{date}" \\ {stories}'},
        engine={"generation": {"length_penalty": 1.5}}, delivery={"webhook": {"format": "discord", "url": "https://hooks.example.org/T0/B0/secret-part"}},
    )  # fmt: skip
    config = load_config(path, environ={"DIGEST_PW": "hunter2-xyz", "BRIEFING_DIGEST_TIMEZONE": "Asia/Tokyo"})
    shown = describe_config(config, environ={"DIGEST_PW": "hunter2-xyz"})
    assert "hunter2-xyz" not in shown and "secret-part" not in shown
    data = tomllib.loads(shown)  # real TOML
    assert data["timezone"] == "Asia/Tokyo" and data["mail"]["subject"] == 'News "{date}" \\ {stories}'
    assert data["engine"]["generation"] == {"length_penalty": 1.5}
    assert data["delivery"]["webhook"]["format"] == "discord" and "url" not in data["delivery"]["webhook"]
    assert 'timezone = "Asia/Tokyo"  # from $BRIEFING_DIGEST_TIMEZONE' in shown
    # Fed back as a config (with the secret from the environment instead), it gives the same values.
    again_path = tmp_path / "again.toml"
    again_path.write_text(shown, encoding="utf-8")
    again = load_config(again_path, environ={"BRIEFING_DIGEST_DELIVERY_WEBHOOK_URL": "https://hooks.example.org/x"})
    assert again.mail == config.mail and again.paths == config.paths and again.engine_options == config.engine_options
    assert again.timezone == "Asia/Tokyo" and again.webhook.format == "discord"


def test_toml_values_escape_what_toml_needs():
    for text in ('quote " and back\\slash', "new\nline\ttab", "del\x7fchar \x00 nul", "emoji 🌍 and é", ""):
        assert tomllib.loads(f"v = {toml_value(text)}")["v"] == text
    assert tomllib.loads(f"v = {toml_value({'a b': [1, 2.5, True]})}")["v"] == {"a b": [1, 2.5, True]}


def test_config_is_found_in_xdg_config_home_when_not_given(tmp_path):
    xdg = tmp_path / "xdg-config"
    with pytest.raises(ConfigError) as caught:
        find_config(None, {"XDG_CONFIG_HOME": str(xdg)})
    (line,) = caught.value.problems
    assert "--config" in line and "BRIEFING_DIGEST_CONFIG" in line and str(xdg / "briefing" / "digest.toml") in line
    (xdg / "briefing").mkdir(parents=True)
    (xdg / "briefing" / "digest.toml").write_text("")
    assert find_config(None, {"XDG_CONFIG_HOME": str(xdg)}) == xdg / "briefing" / "digest.toml"
    assert find_config(None, {"XDG_CONFIG_HOME": str(xdg), "BRIEFING_DIGEST_CONFIG": "/etc/d.toml"}) == Path("/etc/d.toml")
    assert find_config("given.toml", {"BRIEFING_DIGEST_CONFIG": "/etc/d.toml"}) == Path("given.toml")


def test_a_fifo_as_config_is_refused_at_once(tmp_path):
    fifo = tmp_path / "config.fifo"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError) as caught:
        load_config(fifo, environ={})  # would block for ever if it waited for a writer
    assert caught.value.problems == [f"{fifo}: not a regular file (a FIFO); give the path of a TOML file"]
    with pytest.raises(ConfigError, match="a folder"):
        load_config(tmp_path, environ={})
    with pytest.raises(ConfigError, match="a character device"):
        load_config("/dev/zero", environ={})


def test_a_config_that_is_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('[mail]\nfrom = "Café <c@example.org>"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert caught.value.problems == [f"{path}: not UTF-8 text (byte 0xe9 at offset 18); a TOML file must be UTF-8"]


def test_webhook_and_feed_channels_are_read_and_mail_is_optional(tmp_path):
    path = tmp_path / "d.toml"
    path.write_text(toml_text({
        "sources": {"paths": ["."]},
        "delivery": {"webhook": {"format": "mattermost", "url_env": "MM_HOOK"}, "feed": {"path": "out/briefing.xml", "max_entries": 5}},
    }))  # fmt: skip
    config = load_config(path, environ={"BRIEFING_DIGEST_DELIVERY_WEBHOOK_TIMEOUT": "4"})
    assert config.mail is None and config.channels == ("webhook", "feed")
    assert config.webhook.format == "mattermost" and config.webhook.timeout == 4.0
    assert config.feed.path == tmp_path / "out" / "briefing.xml" and config.feed.max_entries == 5 and config.feed.format == "atom"
    with pytest.raises(ConfigError, match="MM_HOOK is not set"):
        webhook_url(config, environ={})
    assert webhook_url(config, environ={"MM_HOOK": "https://chat.example.org/hooks/abc"}) == "https://chat.example.org/hooks/abc"


def test_delivery_problems_are_one_line_each(tmp_path):
    path = tmp_path / "d.toml"
    path.write_text(toml_text({
        "sources": {"paths": ["."]},
        "delivery": {"webhook": {"format": "teams", "url": "ftp://x/secret"}, "feed": {"format": "json"}, "pigeon": {"x": 1}},
    }))  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    text = "\n".join(caught.value.problems)
    for expected in ("delivery.webhook.format: must be one of slack, mattermost, discord (got 'teams')",
                     "delivery.webhook.url: not an http(s) URL", "delivery.feed.path: the feed file to write is required",
                     "delivery.feed.format: must be one of atom, rss", "unknown section [delivery.pigeon]"):  # fmt: skip
        assert expected in text, expected
    assert "secret" not in text
    empty = tmp_path / "e.toml"
    empty.write_text(toml_text({"sources": {"paths": ["."]}}))
    with pytest.raises(ConfigError, match=r"give at least one delivery: \[mail\], \[delivery.webhook\] or \[delivery.feed\]"):
        load_config(empty, environ={})


def test_timezone_must_be_a_known_zone(tmp_path):
    path = digest_config(tmp_path, [tmp_path])
    assert load_config(path, environ={"BRIEFING_DIGEST_TIMEZONE": "Asia/Tokyo"}).timezone == "Asia/Tokyo"
    with pytest.raises(ConfigError, match="timezone: unknown time zone 'Mars/Olympus'"):
        load_config(path, environ={"BRIEFING_DIGEST_TIMEZONE": "Mars/Olympus"})


def test_continuity_settings_have_defaults_environment_overrides_and_checks(tmp_path):
    default = load_config(digest_config(tmp_path, [tmp_path]), environ={})
    assert (default.lookback, default.recap) == (dt.timedelta(days=30), False)
    described = describe_config(default, environ={})
    assert '[continuity]\nlookback = "30d"  # default\nrecap = false  # default' in described
    assert tomllib.loads(described)["continuity"] == {"lookback": "30d", "recap": False}
    path = digest_config(tmp_path, [tmp_path], continuity={"lookback": "14d", "recap": True})
    chosen = load_config(path, environ={"BRIEFING_DIGEST_CONTINUITY_LOOKBACK": "2w"})
    assert (chosen.lookback, chosen.recap) == (dt.timedelta(weeks=2), True)
    with pytest.raises(ConfigError) as caught:
        load_config(digest_config(tmp_path, [tmp_path], continuity={"lookback": "forever", "recap": "yes", "span": 3}), environ={})
    assert sorted(caught.value.problems) == [
        f"{path}: continuity.lookback: 'forever' is not a duration such as 30m, 24h, 7d or 1d12h",
        f"{path}: continuity.recap: expected true or false, got a string",
        f"{path}: unknown key continuity.span (known in [continuity]: lookback, recap)",
    ]


def test_run_on_ray_is_off_by_default_set_by_file_or_environment_and_checked(tmp_path):
    default = load_config(digest_config(tmp_path, [tmp_path]), environ={})
    assert (default.ray, default.ray_actors) == (None, None)
    assert "[run]" not in describe_config(default, environ={})
    path = digest_config(tmp_path, [tmp_path], run={"ray": "auto", "ray_actors": 2})
    chosen = load_config(path, environ={"BRIEFING_DIGEST_RUN_RAY": "10.0.0.5:6379"})
    assert (chosen.ray, chosen.ray_actors) == ("10.0.0.5:6379", 2)
    assert tomllib.loads(describe_config(chosen, environ={}))["run"] == {"ray": "10.0.0.5:6379", "ray_actors": 2}
    with pytest.raises(ConfigError) as caught:
        load_config(digest_config(tmp_path, [tmp_path], run={"ray_actors": 0}), environ={})
    assert sorted(caught.value.problems) == [
        f"{path}: run.ray_actors: must be a positive whole number (got 0)",
        f"{path}: run.ray_actors: needs run.ray (auto, local or HOST:PORT)",
    ]
