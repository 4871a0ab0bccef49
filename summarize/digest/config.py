"""The digest configuration: a TOML file, overridden by environment variables.

``find_config(explicit, environ)`` says which file to read: ``--config``, else
``$BRIEFING_DIGEST_CONFIG``, else ``$XDG_CONFIG_HOME/briefing/digest.toml``.
``load_config(path, environ)`` reads it with ``tomllib``, applies
``BRIEFING_DIGEST_<SECTION>_<KEY>`` environment overrides, checks every value
and returns a frozen ``DigestConfig``; every problem found becomes one line of
``ConfigError.problems`` naming the file, the key and the reason.

The checks are written here rather than with pydantic-settings on purpose:
paths in the file are relative to the file and paths in the environment to the
working directory, ``--check-config`` tells where each value came from, and the
environment names are made from the schema (``MAIL_PASSWORD_ENV``,
``DELIVERY_WEBHOOK_URL``: keys with underscores at two depths, which a
delimiter-splitting settings source cannot tell apart). pydantic-settings would
need custom sources and custom messages for each of these, which is more code
than the table-driven checks below.

The SMTP password is never read from the file: ``mail.password_env`` names the
environment variable that holds it, and ``smtp_password`` reads it only when a
message is about to be sent. ``describe_config`` prints the effective values
as TOML with the secrets masked, for ``briefing digest --check-config``.

Delivery channels: ``[mail]`` (SMTP), ``[delivery.webhook]`` (Slack,
Mattermost or Discord incoming webhooks; the URL is a secret, so it may come
from an environment variable named in ``url_env``) and ``[delivery.feed]`` (an
Atom or RSS file). At least one is required.

Relative paths in the file are relative to the file's folder (cron starts jobs
in the home folder); relative paths in environment variables are relative to
the working directory.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import os
import re
import stat
import tomllib
import urllib.parse
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from summarize.wording import count

ENV_PREFIX = "BRIEFING_DIGEST_"
SINCE_LAST_DIGEST = "last-digest"
SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_SUBJECT = "Morning briefing {date}: {stories_text}"
DEFAULT_LOOKBACK = "30d"  # how far back a story of an earlier digest can be continued
# Fields a subject template may use; ``subject_fields`` fills them.
SUBJECT_FIELDS = ("date", "stories", "articles", "stories_text")
ENGINE_NAMES = ("auto", "abstractive", "extractive")
WEBHOOK_FORMATS = ("slack", "mattermost", "discord")
FEED_FORMATS = ("atom", "rss")
CONFIG_ENV = "BRIEFING_DIGEST_CONFIG"
CONFIG_FILE_NAME = "digest.toml"
MAX_CONFIG_BYTES = 1 << 20  # a config is a few KB; more is a mistake (a log, /dev/zero through a symlink)

# section -> key -> kind. Kinds: str, int, float, bool, list (of str), path, paths,
# feeds (URLs kept, local files resolved like paths).
# The section "" holds the keys at the top of the file (before any table).
SCHEMA: dict[str, dict[str, str]] = {
    "": {"timezone": "str"},
    "sources": {"paths": "paths", "feeds": "feeds", "feed_timeout": "float"},
    "window": {"since": "str"},
    "engine": {"name": "str", "model": "str", "max_words": "int", "threads": "int"},
    "continuity": {"lookback": "str", "recap": "bool"},
    "run": {"ray": "str", "ray_actors": "int"},  # summarise on Ray (docs/ray.md): auto, local or HOST:PORT
    "mail": {
        "to": "list",
        "from": "str",
        "subject": "str",
        "host": "str",
        "port": "int",
        "security": "str",
        "username": "str",
        "password_env": "str",
        "timeout": "float",
        "ca_file": "path",
        "attach_json": "bool",
        "html_template": "path",
        "text_template": "path",
    },
    "delivery.webhook": {"url": "str", "url_env": "str", "format": "str", "timeout": "float", "retries": "int"},
    "delivery.feed": {"path": "path", "format": "str", "max_entries": "int", "title": "str", "link": "str"},
    "paths": {"state_db": "path", "outbox": "path", "lock": "path"},
    "log": {"level": "str", "file": "path"},
}
# Tables whose own tables are sections: [delivery.webhook], [delivery.feed].
PARENT_SECTIONS = {"delivery"}
# Keys whose values are secrets: never printed, never logged.
SECRET_KEYS = {"delivery.webhook.url"}
# ``[engine]`` may also hold any other generation option of ``BriefingOptions``;
# those are passed through as they are and checked when the options are built.
OPEN_SECTIONS = {"engine"}

_DURATION_PART = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class ConfigError(ValueError):
    """The configuration is unusable; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class MailConfig:
    """Who gets the digest and how it is delivered."""

    to: tuple[str, ...]
    sender: str
    subject: str = DEFAULT_SUBJECT
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password_env: str | None = None
    timeout: float = 30.0
    ca_file: Path | None = None  # a CA bundle to trust besides the system's (private CAs, tests)
    attach_json: bool = False
    html_template: Path | None = None
    text_template: Path | None = None

    @property
    def envelope_sender(self) -> str:
        return email.utils.parseaddr(self.sender)[1]

    @property
    def recipients(self) -> list[str]:
        return [email.utils.parseaddr(address)[1] for address in self.to]


@dataclass(frozen=True)
class WebhookConfig:
    """An incoming webhook (Slack, Mattermost or Discord) that gets each digest as JSON.

    The URL is a secret (whoever knows it can post): it comes from ``url`` or
    from the environment variable named by ``url_env``, read only when posting.
    """

    format: str
    url: str | None = None
    url_env: str | None = None
    timeout: float = 30.0
    retries: int = 2  # further attempts within one run after a 429 or 5xx reply

    @property
    def source(self) -> str:
        """Where the URL comes from, for messages (never the URL itself)."""
        return f"${self.url_env}" if self.url_env and not self.url else "delivery.webhook.url"


@dataclass(frozen=True)
class FeedConfig:
    """An Atom or RSS file that gets one entry per story of each digest."""

    path: Path
    format: str = "atom"
    max_entries: int = 50
    title: str = "Morning briefing"
    link: str | None = None  # the web address where the feed is published, if any


@dataclass(frozen=True)
class DigestConfig:
    """The effective configuration of a digest run.

    ``since`` is the window: a duration, or None for "since the last digest
    that was sent". ``mail``, ``webhook`` and ``feed`` are the delivery
    channels (None when not configured; at least one is). ``engine_options``
    holds the extra ``[engine]`` keys for ``BriefingOptions``. ``effective`` and ``origins`` (dotted key -> "file",
    "default" or "$ENV_NAME") feed ``describe_config``.
    """

    path: Path
    paths: tuple[Path, ...]
    feeds: tuple[str, ...]
    since: dt.timedelta | None
    engine: str
    model: str | None
    max_words: int | None
    threads: int | None
    mail: MailConfig | None
    state_db: Path
    outbox: Path
    lock: Path
    webhook: WebhookConfig | None = None
    feed: FeedConfig | None = None
    timezone: str | None = None  # an IANA name; None: the machine's local time zone
    lookback: dt.timedelta = dt.timedelta(days=30)  # [continuity]: earlier digests' stories a story can continue
    recap: bool = False  # [continuity]: a one-line "Previously:" recap under a continuing story's update
    ray: str | None = None  # [run]: summarise on this Ray cluster (auto, local, HOST:PORT); None: in this process
    ray_actors: int | None = None  # [run]: engines loaded at once on Ray; None: one per GPU, else per CPU
    feed_timeout: float = 30.0
    engine_options: dict = field(default_factory=dict)
    log_level: str = "INFO"
    log_file: Path | None = None
    effective: dict = field(default_factory=dict)
    origins: dict = field(default_factory=dict)


    @property
    def channels(self) -> tuple[str, ...]:
        """The configured delivery channels, in delivery order."""
        return tuple(name for name in ("mail", "webhook", "feed") if getattr(self, name) is not None)

    def zone(self) -> dt.tzinfo | None:
        """The reader's time zone: ``timezone`` or None for the machine's local zone."""
        return zoneinfo.ZoneInfo(self.timezone) if self.timezone else None


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/briefing/digest.toml`` (``~/.config/briefing/digest.toml``)."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CONFIG_HOME") or ""
    # platformdirs reads os.environ; honour an explicit environment mapping (tests, doctor).
    if base and os.path.isabs(base):
        return Path(base) / "briefing" / CONFIG_FILE_NAME
    import platformdirs

    return platformdirs.user_config_path("briefing") / CONFIG_FILE_NAME


def find_config(explicit: str | Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """The config file to read: ``explicit`` (``--config``), else ``$BRIEFING_DIGEST_CONFIG``, else the XDG file.

    Raises ConfigError naming every place looked at when none is given and the
    XDG file does not exist.
    """
    environ = os.environ if environ is None else environ
    if explicit is not None and str(explicit) != "":
        return Path(explicit).expanduser()
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV]).expanduser()
    default = default_config_path(environ)
    if default.exists():
        return default
    raise ConfigError(
        [f"no digest config: pass --config FILE, set ${CONFIG_ENV}, or create {default} (see examples/digest.toml)"]
    )


def default_data_dir() -> Path:
    """The user's data folder for briefing (``$XDG_DATA_HOME/briefing`` on Linux)."""
    import platformdirs

    return platformdirs.user_data_path("briefing")


def parse_duration(text: str) -> dt.timedelta:
    """Parse ``30m``, ``24h``, ``7d``, ``2w``, ``1d12h``; raises ValueError otherwise."""
    cleaned = text.strip().replace(" ", "")
    parts = _DURATION_PART.findall(cleaned)
    if not cleaned or "".join(n + u for n, u in parts).lower() != cleaned.lower():
        raise ValueError(f"{text!r} is not a duration such as 30m, 24h, 7d or 1d12h")
    delta = dt.timedelta()
    for number, unit in parts:
        delta += dt.timedelta(**{_DURATION_UNITS[unit.lower()]: int(number)})
    if delta <= dt.timedelta():
        raise ValueError(f"{text!r} is not a positive duration")
    return delta


def format_duration(delta: dt.timedelta) -> str:
    """The inverse of ``parse_duration`` for display (``1d12h``)."""
    seconds = int(delta.total_seconds())
    # One unit when it divides exactly: "24h" reads better than "1d", "7d" than "1w".
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0 and (unit != "d" or seconds >= 2 * size):
            return f"{seconds // size}{unit}"
    out = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(out) or "0s"


def subject_fields(date: dt.date, stories: int, articles: int) -> dict[str, str | int]:
    """The values a subject template can use."""
    return {
        "date": date.isoformat(),
        "stories": stories,
        "articles": articles,
        "stories_text": count(stories, "story"),
    }


def load_config(path: str | Path, environ: Mapping[str, str] | None = None) -> DigestConfig:
    """Read, override and check the configuration; raises ConfigError."""
    environ = os.environ if environ is None else environ
    path = Path(path).expanduser()
    raw = _read_config_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); a TOML file must be UTF-8"]
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: invalid TOML ({exc})"]) from None
    return _build(path, data, environ)


def _read_config_bytes(path: Path) -> bytes:
    """The file's bytes; a FIFO, device or folder is refused at once instead of blocking or filling memory."""
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer for ever.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such config file"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read ({exc.strerror or exc})"]) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise ConfigError([f"{path}: not a regular file ({_file_kind(mode)}); give the path of a TOML file"])
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read ({exc.strerror or exc})"]) from None
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError([f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KB; is it really the digest config?"])
    return data


def _file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):  # fmt: skip
        if test(mode):
            return name
    return "not a regular file"


def smtp_password(config: DigestConfig, environ: Mapping[str, str] | None = None) -> str | None:
    """The SMTP password from the environment variable the config names.

    None when no username is configured. Raises ConfigError naming the
    variable (never its value) when a username is set and the variable is
    unset or empty.
    """
    environ = os.environ if environ is None else environ
    if config.mail is None or not config.mail.username:
        return None
    name = config.mail.password_env or ""
    value = environ.get(name, "")
    if not value:
        raise ConfigError([f"{config.path}: mail.password_env: environment variable {name} is not set"])
    return value


def webhook_url(config: DigestConfig, environ: Mapping[str, str] | None = None) -> str | None:
    """The webhook URL from ``url`` or the variable named by ``url_env``; ConfigError when neither is set."""
    environ = os.environ if environ is None else environ
    if config.webhook is None:
        return None
    url = config.webhook.url or environ.get(config.webhook.url_env or "", "")
    if not url:
        raise ConfigError([f"{config.path}: delivery.webhook.url_env: environment variable {config.webhook.url_env} is not set"])
    if urllib.parse.urlsplit(url).scheme not in ("http", "https") or not urllib.parse.urlsplit(url).hostname:
        raise ConfigError([f"{config.path}: {config.webhook.source}: not an http(s) URL"])  # never echo the secret
    return url


def secrets(config: DigestConfig, environ: Mapping[str, str] | None = None) -> list[str]:
    """The secret values a run may hold (SMTP password, webhook URL): masked in every log line."""
    environ = os.environ if environ is None else environ
    found = []
    if config.mail is not None and config.mail.password_env:
        found.append(environ.get(config.mail.password_env, ""))
    if config.webhook is not None:
        found.append(config.webhook.url or environ.get(config.webhook.url_env or "", ""))
    return [value for value in found if value]


MASK = "********"


def mask_secrets(text: str, values: Sequence[str]) -> str:
    """``text`` with each secret value replaced by a mask where it stands as a whole token.

    Whole tokens only: a short password such as ``ab`` must not turn every
    "tabs" of every log line into "t********s", yet the password itself, quoted
    or after a colon, is masked wherever it appears.
    """
    for value in sorted({v for v in values if v}, key=len, reverse=True):
        before = r"(?<![\w])" if value[0].isalnum() or value[0] == "_" else ""
        after = r"(?![\w])" if value[-1].isalnum() or value[-1] == "_" else ""
        text = re.sub(before + re.escape(value) + after, MASK, text)
    return text


def missing_secrets(config: DigestConfig, environ: Mapping[str, str] | None = None) -> list[str]:
    """One line per secret a real run needs whose environment variable is not set."""
    lines = []
    for getter in (smtp_password, webhook_url):
        try:
            getter(config, environ)
        except ConfigError as exc:
            lines += exc.problems
    return lines


def describe_config(config: DigestConfig, environ: Mapping[str, str] | None = None) -> str:
    """The effective configuration as TOML that ``tomllib`` reads back; secrets masked.

    Each value that did not come from the file says where it came from in a
    comment; keys without a value and secrets are comments, so the text is
    also a valid config file.
    """
    environ = os.environ if environ is None else environ
    lines = [f"# effective digest configuration from {config.path} (secrets masked)"]
    by_section: dict[str, list[str]] = {}
    for dotted in config.effective:
        section, _, key = dotted.rpartition(".")
        by_section.setdefault(section, []).append(key)
    for section in sorted(by_section, key=lambda name: _section_order(name)):
        if section:
            lines += ["", f"[{section}]"]
        for key in by_section[section]:
            dotted = f"{section}.{key}" if section else key
            value = config.effective[dotted]
            origin = config.origins.get(dotted, "file")
            note = "" if origin == "file" else f"  # {origin}"
            if dotted in SECRET_KEYS and value is not None:
                lines.append(f'# {key} = "********"  (secret, masked; {origin})')
            elif value is None:
                lines.append(f"# {key} = (not set)")
            else:
                lines.append(f"{key} = {toml_value(value)}{note}")
        if section == "mail" and config.mail is not None and config.mail.password_env:
            state = "set" if environ.get(config.mail.password_env) else "NOT SET"
            lines.append(f'# password = "********"  (from ${config.mail.password_env}: {state})')
        if section == "delivery.webhook" and config.webhook is not None and config.webhook.url_env:
            state = "set" if environ.get(config.webhook.url_env) else "NOT SET"
            lines.append(f'# url = "********"  (from ${config.webhook.url_env}: {state})')
    return "\n".join(lines) + "\n"


# -- building ---------------------------------------------------------------------


def _tables(data: dict, where: str, problems: list[str]):
    """``(section, table)`` pairs of the file: top-level keys as section "", [delivery.*] flattened."""
    top = {key: value for key, value in data.items() if not isinstance(value, dict)}
    if top:
        yield "", top
    for name, table in data.items():
        if not isinstance(table, dict):
            continue
        if name in PARENT_SECTIONS:
            for child, sub in table.items():
                section = f"{name}.{child}"
                if section not in SCHEMA:
                    known = ", ".join(f"[{s}]" for s in SCHEMA if s.startswith(name + "."))
                    problems.append(f"{where}: unknown section [{section}] (known: {known})")
                elif not isinstance(sub, dict):
                    problems.append(f"{where}: {section} must be a table ([{section}])")
                else:
                    yield section, sub
            continue
        yield name, table


def _build(path: Path, data: dict, environ: Mapping[str, str]) -> DigestConfig:
    problems: list[str] = []
    where = str(path)
    base = path.parent
    raw: dict[str, object] = {}  # dotted key -> value (paths already resolved)
    origins: dict[str, str] = {}
    extra_engine: dict[str, object] = {}
    present: set[str] = set()  # sections given in the file or the environment

    for section, table in _tables(data, where, problems):
        if section not in SCHEMA:
            known = ", ".join(s for s in SCHEMA if s and "." not in s)
            problems.append(f"{where}: unknown section [{section}] (known: {known}, delivery.webhook, delivery.feed)")
            continue
        present.add(section)
        for key, value in table.items():
            dotted = f"{section}.{key}" if section else key
            if "password" in key and key != "password_env":
                # Never echo the value: it may be the secret itself.
                problems.append(
                    f"{where}: {dotted}: passwords are not read from the config file; "
                    "put it in an environment variable and name that variable in mail.password_env"
                )
                continue
            kind = SCHEMA[section].get(key)
            if kind is None:
                if section in OPEN_SECTIONS:
                    extra_engine[key] = value
                    continue
                if not section:
                    problems.append(f"{where}: unknown key {key} at the top of the file (known: {', '.join(SCHEMA[''])}; tables: [sources], [mail], ...)")
                    continue
                problems.append(f"{where}: unknown key {dotted} (known in [{section}]: {', '.join(SCHEMA[section])})")
                continue
            try:
                raw[dotted] = _coerce(kind, value, base, from_env=False)
                origins[dotted] = "file"
            except ValueError as exc:
                problems.append(f"{where}: {dotted}: {exc}")

    for section, keys in SCHEMA.items():
        for key, kind in keys.items():
            name = env_name(section, key)
            if name in environ:
                dotted = f"{section}.{key}" if section else key
                present.add(section)
                try:
                    raw[dotted] = _coerce(kind, environ[name], Path.cwd(), from_env=True)
                    origins[dotted] = f"from ${name}"
                except ValueError as exc:
                    problems.append(f"${name}: {exc}")

    def get(dotted: str, default: object = None) -> object:
        if dotted not in raw:
            raw[dotted] = default
            origins.setdefault(dotted, "default")
        return raw[dotted]

    timezone = get("timezone")
    if timezone is not None:
        try:
            zoneinfo.ZoneInfo(str(timezone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(f"{where}: timezone: unknown time zone {timezone!r} (an IANA name such as Europe/Paris or Asia/Tokyo)")

    paths = tuple(get("sources.paths", ()))  # type: ignore[arg-type]
    feeds = tuple(get("sources.feeds", ()))  # type: ignore[arg-type]
    feed_timeout = _positive(get("sources.feed_timeout", 30.0), "sources.feed_timeout", where, problems)
    if not paths and not feeds:
        problems.append(f"{where}: sources: give at least one of sources.paths or sources.feeds")

    since_text = str(get("window.since", "24h"))
    since: dt.timedelta | None = None
    if since_text.strip().lower() != SINCE_LAST_DIGEST:
        try:
            since = parse_duration(since_text)
        except ValueError as exc:
            problems.append(f"{where}: window.since: {exc}, or {SINCE_LAST_DIGEST!r}")

    lookback = parse_duration(DEFAULT_LOOKBACK)
    try:
        lookback = parse_duration(str(get("continuity.lookback", DEFAULT_LOOKBACK)))
    except ValueError as exc:
        problems.append(f"{where}: continuity.lookback: {exc}")
    recap = bool(get("continuity.recap", False))

    engine = str(get("engine.name", "auto"))
    if engine not in _engine_names():
        problems.append(f"{where}: engine.name: must be one of {', '.join(_engine_names())} (got {engine!r})")
    model = get("engine.model")
    max_words = get("engine.max_words")
    threads = get("engine.threads")
    for dotted, value in (("engine.max_words", max_words), ("engine.threads", threads)):
        if value is not None and value <= 0:  # type: ignore[operator]
            problems.append(f"{where}: {dotted}: must be a positive whole number (got {value})")

    ray = get("run.ray")
    ray_actors = get("run.ray_actors")
    if ray is not None and not str(ray).strip():
        problems.append(f"{where}: run.ray: give auto, local or a cluster address (HOST:PORT, ray://HOST:10001)")
    if ray_actors is not None and ray_actors <= 0:  # type: ignore[operator]
        problems.append(f"{where}: run.ray_actors: must be a positive whole number (got {ray_actors})")
    if ray_actors is not None and ray is None:
        problems.append(f"{where}: run.ray_actors: needs run.ray (auto, local or HOST:PORT)")

    mail = _build_mail(get, where, problems) if "mail" in present else None
    webhook = _build_webhook(get, where, problems) if "delivery.webhook" in present else None
    feed = _build_feed(get, where, problems) if "delivery.feed" in present else None
    if not present & {"mail", "delivery.webhook", "delivery.feed"}:
        problems.append(f"{where}: give at least one delivery: [mail], [delivery.webhook] or [delivery.feed]")

    data_dir = None
    state_db = get("paths.state_db")
    outbox = get("paths.outbox")
    if state_db is None or outbox is None:
        data_dir = default_data_dir()
    if state_db is None:
        state_db = raw["paths.state_db"] = data_dir / "digest.sqlite3"  # type: ignore[operator]
    if outbox is None:
        outbox = raw["paths.outbox"] = data_dir / "outbox"  # type: ignore[operator]
    lock = get("paths.lock")
    if lock is None:
        lock = raw["paths.lock"] = Path(f"{state_db}.lock")

    level = str(get("log.level", "INFO")).upper()
    raw["log.level"] = level
    if level not in LOG_LEVELS:
        problems.append(f"{where}: log.level: must be one of {', '.join(LOG_LEVELS)} (got {level!r})")
    log_file = get("log.file")

    for dotted, value in extra_engine.items():
        raw[f"engine.{dotted}"] = value
        origins[f"engine.{dotted}"] = "file"

    if problems:
        raise ConfigError(problems)
    # Only the sections in use are shown; a channel that is not configured has no keys to show.
    shown = {key: raw[key] for key in raw if _section_of(key) in present or _section_of(key) in _ALWAYS_SHOWN}
    effective = {key: shown[key] for key in sorted(shown, key=_key_order)}
    return DigestConfig(
        path=path,
        paths=paths,  # type: ignore[arg-type]
        feeds=feeds,
        since=since,
        engine=engine,
        model=model,  # type: ignore[arg-type]
        max_words=max_words,  # type: ignore[arg-type]
        threads=threads,  # type: ignore[arg-type]
        mail=mail,
        state_db=state_db,  # type: ignore[arg-type]
        outbox=outbox,  # type: ignore[arg-type]
        lock=lock,  # type: ignore[arg-type]
        webhook=webhook,
        feed=feed,
        timezone=timezone,  # type: ignore[arg-type]
        lookback=lookback,
        recap=recap,
        ray=ray,  # type: ignore[arg-type]
        ray_actors=ray_actors,  # type: ignore[arg-type]
        feed_timeout=feed_timeout,
        engine_options=extra_engine,
        log_level=level,
        log_file=log_file,  # type: ignore[arg-type]
        effective=effective,
        origins=origins,
    )


_ALWAYS_SHOWN = {"", "sources", "window", "engine", "continuity", "paths", "log"}


def env_name(section: str, key: str) -> str:
    """``BRIEFING_DIGEST_<SECTION>_<KEY>``: ``MAIL_HOST``, ``DELIVERY_WEBHOOK_URL``, ``TIMEZONE``."""
    parts = [*section.split("."), key] if section else [key]
    return (ENV_PREFIX + "_".join(parts)).upper()


def _section_of(dotted: str) -> str:
    return dotted.rpartition(".")[0]


def _build_mail(get, where: str, problems: list[str]) -> MailConfig | None:
    to = list(get("mail.to", []))
    if not to:
        problems.append(f"{where}: mail.to: give at least one recipient")
    for address in to:
        if not _is_address(address):
            problems.append(f"{where}: mail.to: {address!r} is not an email address")
    sender = get("mail.from")
    if not sender:
        problems.append(f"{where}: mail.from: the sender address is required")
    elif not _is_address(str(sender)):
        problems.append(f"{where}: mail.from: {sender!r} is not an email address")
    subject = str(get("mail.subject", DEFAULT_SUBJECT))
    try:
        subject.format(**subject_fields(dt.date(2000, 1, 1), 2, 3))
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        problems.append(
            f"{where}: mail.subject: bad template ({type(exc).__name__}: {exc}); "
            f"fields: {', '.join('{' + f + '}' for f in SUBJECT_FIELDS)}"
        )
    security = str(get("mail.security", "starttls")).lower()
    if security not in SECURITY_MODES:
        problems.append(f"{where}: mail.security: must be one of {', '.join(SECURITY_MODES)} (got {security!r})")
    port = get("mail.port", DEFAULT_PORTS.get(security, 587))
    if not 0 < int(port) < 65536:  # type: ignore[call-overload]
        problems.append(f"{where}: mail.port: must be between 1 and 65535 (got {port})")
    username = get("mail.username") or None
    password_env = get("mail.password_env") or None
    if username and not password_env:
        problems.append(
            f"{where}: mail.username is set but mail.password_env is not "
            "(name the environment variable that holds the password)"
        )
    timeout = _positive(get("mail.timeout", 30.0), "mail.timeout", where, problems)
    for dotted in ("mail.ca_file", "mail.html_template", "mail.text_template"):
        value = get(dotted)
        if value is not None and not Path(value).is_file():  # type: ignore[arg-type]
            problems.append(f"{where}: {dotted}: no such file {value}")
    if problems:
        return None
    return MailConfig(
        to=tuple(to),
        sender=str(sender),
        subject=subject,
        host=str(get("mail.host", "localhost")),
        port=int(port),  # type: ignore[call-overload]
        security=security,
        username=username,  # type: ignore[arg-type]
        password_env=password_env,  # type: ignore[arg-type]
        timeout=timeout,
        ca_file=get("mail.ca_file"),  # type: ignore[arg-type]
        attach_json=bool(get("mail.attach_json", False)),
        html_template=get("mail.html_template"),  # type: ignore[arg-type]
        text_template=get("mail.text_template"),  # type: ignore[arg-type]
    )


def _build_webhook(get, where: str, problems: list[str]) -> WebhookConfig | None:
    fmt = str(get("delivery.webhook.format", "slack")).lower()
    if fmt not in WEBHOOK_FORMATS:
        problems.append(f"{where}: delivery.webhook.format: must be one of {', '.join(WEBHOOK_FORMATS)} (got {fmt!r})")
    url = get("delivery.webhook.url") or None
    url_env = get("delivery.webhook.url_env") or None
    if not url and not url_env:
        problems.append(
            f"{where}: delivery.webhook: give url_env (the NAME of the environment variable holding the URL) or url"
        )
    if url:
        parts = urllib.parse.urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"{where}: delivery.webhook.url: not an http(s) URL")  # never echo the secret
    timeout = _positive(get("delivery.webhook.timeout", 30.0), "delivery.webhook.timeout", where, problems)
    retries = get("delivery.webhook.retries", 2)
    if retries < 0:  # type: ignore[operator]
        problems.append(f"{where}: delivery.webhook.retries: must be 0 or more (got {retries})")
    if problems:
        return None
    return WebhookConfig(format=fmt, url=url, url_env=url_env, timeout=timeout, retries=retries)  # type: ignore[arg-type]


def _build_feed(get, where: str, problems: list[str]) -> FeedConfig | None:
    path = get("delivery.feed.path")
    if path is None:
        problems.append(f"{where}: delivery.feed.path: the feed file to write is required")
    fmt = str(get("delivery.feed.format", "atom")).lower()
    if fmt not in FEED_FORMATS:
        problems.append(f"{where}: delivery.feed.format: must be one of {', '.join(FEED_FORMATS)} (got {fmt!r})")
    max_entries = get("delivery.feed.max_entries", 50)
    if max_entries < 1:  # type: ignore[operator]
        problems.append(f"{where}: delivery.feed.max_entries: must be 1 or more (got {max_entries})")
    title = str(get("delivery.feed.title", "Morning briefing"))
    link = get("delivery.feed.link")
    if link is not None and urllib.parse.urlsplit(str(link)).scheme not in ("http", "https"):
        problems.append(f"{where}: delivery.feed.link: not an http(s) URL (got {link!r})")
    if problems:
        return None
    return FeedConfig(path=path, format=fmt, max_entries=max_entries, title=title, link=link)  # type: ignore[arg-type]


def _coerce(kind: str, value: object, base: Path, from_env: bool) -> object:
    """Check a value's type; environment values are strings and are parsed."""
    if from_env:
        value = _parse_env(kind, str(value))
    if kind == "str":
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {_type_name(value)}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {_type_name(value)}")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number, got {_type_name(value)}")
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {_type_name(value)}")
        return value
    if kind in ("list", "paths", "feeds"):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("expected a list of strings")
        if kind == "paths":
            return [_resolve_path(v, base) for v in value]
        if kind == "feeds":
            return [_resolve_feed(v, base) for v in value]
        return list(value)
    if kind == "path":
        if not isinstance(value, str) or not value:
            raise ValueError(f"expected a path string, got {_type_name(value)}")
        return _resolve_path(value, base)
    raise AssertionError(kind)


def _parse_env(kind: str, text: str) -> object:
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"expected a whole number, got {text!r}") from None
    if kind == "float":
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"expected a number, got {text!r}") from None
    if kind == "bool":
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"expected true or false, got {text!r}")
    if kind in ("list", "paths", "feeds"):
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def _resolve_path(text: str, base: Path) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def _resolve_feed(text: str, base: Path) -> str:
    """URLs stay as they are; local feed files resolve like other paths."""
    if urllib.parse.urlsplit(text).scheme in ("http", "https"):
        return text
    return str(_resolve_path(text, base))


def _positive(value: object, dotted: str, where: str, problems: list[str]) -> float:
    number = float(value)  # type: ignore[arg-type]
    if number <= 0:
        problems.append(f"{where}: {dotted}: must be greater than 0 (got {value})")
    return number


def _is_address(text: str) -> bool:
    address = email.utils.parseaddr(text)[1]
    local, _, domain = address.rpartition("@")
    return bool(local and domain)


def _engine_names() -> tuple[str, ...]:
    try:
        from summarize.engines import ENGINES
    except ImportError:  # the registry is optional here; the run checks the name again
        return ENGINE_NAMES
    return tuple(dict.fromkeys(("auto", *ENGINES)))


def _type_name(value: object) -> str:
    return {dict: "a table", list: "a list", bool: "a boolean", str: "a string"}.get(type(value), type(value).__name__)


def _section_order(section: str) -> int:
    return list(SCHEMA).index(section) if section in SCHEMA else len(SCHEMA)


def _key_order(dotted: str) -> tuple[int, int, str]:
    section, _, key = dotted.rpartition(".")
    keys = list(SCHEMA.get(section, {}))
    return (_section_order(section), keys.index(key) if key in keys else len(keys), key)


def toml_value(value: object) -> str:
    """A TOML value: strings, numbers, booleans, lists and inline tables of them.

    Written here because the standard library reads TOML but does not write
    it, and a whole-document writer (tomli-w) cannot put the origin comments
    that ``--check-config`` shows beside each value.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    return '"' + "".join(_TOML_ESCAPES.get(c) or (f"\\u{ord(c):04x}" if _is_control(c) else c) for c in str(value)) + '"'


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}


def _is_control(char: str) -> bool:
    return ord(char) < 0x20 or ord(char) == 0x7F


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_value(key)
