"""The digest configuration: a TOML file, overridden by environment variables.

``load_config(path, environ)`` reads the file with ``tomllib``, applies
``BRIEFING_DIGEST_<SECTION>_<KEY>`` environment overrides, checks every value
and returns a frozen ``DigestConfig``; every problem found becomes one line of
``ConfigError.problems`` naming the file, the key and the reason.

The SMTP password is never read from the file: ``mail.password_env`` names the
environment variable that holds it, and ``smtp_password`` reads it only when a
message is about to be sent. ``describe_config`` prints the effective values
with the password masked, for ``briefing digest --check-config``.

Relative paths in the file are relative to the file's folder (cron starts jobs
in the home folder); relative paths in environment variables are relative to
the working directory.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import os
import re
import tomllib
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ENV_PREFIX = "BRIEFING_DIGEST_"
SINCE_LAST_DIGEST = "last-digest"
SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_SUBJECT = "Morning briefing {date}: {stories_text}"
# Fields a subject template may use; ``subject_fields`` fills them.
SUBJECT_FIELDS = ("date", "stories", "articles", "stories_text")
ENGINE_NAMES = ("auto", "abstractive", "extractive")

# section -> key -> kind. Kinds: str, int, float, bool, list (of str), path, paths,
# feeds (URLs kept, local files resolved like paths).
SCHEMA: dict[str, dict[str, str]] = {
    "sources": {"paths": "paths", "feeds": "feeds", "feed_timeout": "float"},
    "window": {"since": "str"},
    "engine": {"name": "str", "model": "str", "max_words": "int", "threads": "int"},
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
    "paths": {"state_db": "path", "outbox": "path", "lock": "path"},
    "log": {"level": "str", "file": "path"},
}
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
class DigestConfig:
    """The effective configuration of a digest run.

    ``since`` is the window: a duration, or None for "since the last digest
    that was sent". ``engine_options`` holds the extra ``[engine]`` keys for
    ``BriefingOptions``. ``effective`` and ``origins`` (dotted key -> "file",
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
    mail: MailConfig
    state_db: Path
    outbox: Path
    lock: Path
    feed_timeout: float = 30.0
    engine_options: dict = field(default_factory=dict)
    log_level: str = "INFO"
    log_file: Path | None = None
    effective: dict = field(default_factory=dict)
    origins: dict = field(default_factory=dict)


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
        "stories_text": f"{stories} {'story' if stories == 1 else 'stories'}",
    }


def load_config(path: str | Path, environ: Mapping[str, str] | None = None) -> DigestConfig:
    """Read, override and check the configuration; raises ConfigError."""
    environ = os.environ if environ is None else environ
    path = Path(path).expanduser()
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such config file"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read ({exc.strerror or exc})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: invalid TOML ({exc})"]) from None
    return _build(path, data, environ)


def smtp_password(config: DigestConfig, environ: Mapping[str, str] | None = None) -> str | None:
    """The SMTP password from the environment variable the config names.

    None when no username is configured. Raises ConfigError naming the
    variable (never its value) when a username is set and the variable is
    unset or empty.
    """
    environ = os.environ if environ is None else environ
    if not config.mail.username:
        return None
    name = config.mail.password_env or ""
    value = environ.get(name, "")
    if not value:
        raise ConfigError([f"{config.path}: mail.password_env: environment variable {name} is not set"])
    return value


def describe_config(config: DigestConfig, environ: Mapping[str, str] | None = None) -> str:
    """The effective configuration as TOML-like lines, the password masked."""
    environ = os.environ if environ is None else environ
    lines = [f"# effective digest configuration from {config.path} (secrets masked)"]
    for key, value in config.effective.items():
        origin = config.origins.get(key, "file")
        note = "" if origin == "file" else f"  # {origin}"
        lines.append(f"{key} = {_toml_value(value)}{note}")
    if config.mail.password_env:
        state = "set" if environ.get(config.mail.password_env) else "NOT SET"
        masked = '"********"' if state == "set" else '""'
        lines.append(f"mail.password = {masked}  # from ${config.mail.password_env} ({state})")
    return "\n".join(lines)


# -- building ---------------------------------------------------------------------


def _build(path: Path, data: dict, environ: Mapping[str, str]) -> DigestConfig:
    problems: list[str] = []
    where = str(path)
    base = path.parent
    raw: dict[str, object] = {}  # dotted key -> value (paths already resolved)
    origins: dict[str, str] = {}
    extra_engine: dict[str, object] = {}

    for section, table in data.items():
        if section not in SCHEMA:
            problems.append(f"{where}: unknown section [{section}] (known: {', '.join(SCHEMA)})")
            continue
        if not isinstance(table, dict):
            problems.append(f"{where}: {section} must be a table ([{section}])")
            continue
        for key, value in table.items():
            dotted = f"{section}.{key}"
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
                problems.append(f"{where}: unknown key {dotted} (known in [{section}]: {', '.join(SCHEMA[section])})")
                continue
            try:
                raw[dotted] = _coerce(kind, value, base, from_env=False)
                origins[dotted] = "file"
            except ValueError as exc:
                problems.append(f"{where}: {dotted}: {exc}")

    for section, keys in SCHEMA.items():
        for key, kind in keys.items():
            name = f"{ENV_PREFIX}{section}_{key}".upper()
            if name in environ:
                dotted = f"{section}.{key}"
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

    engine = str(get("engine.name", "auto"))
    if engine not in _engine_names():
        problems.append(f"{where}: engine.name: must be one of {', '.join(_engine_names())} (got {engine!r})")
    model = get("engine.model")
    max_words = get("engine.max_words")
    threads = get("engine.threads")
    for dotted, value in (("engine.max_words", max_words), ("engine.threads", threads)):
        if value is not None and value <= 0:  # type: ignore[operator]
            problems.append(f"{where}: {dotted}: must be a positive whole number (got {value})")

    mail = _build_mail(get, where, problems)

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
    effective = {key: raw[key] for key in sorted(raw, key=_key_order)}
    return DigestConfig(
        path=path,
        paths=paths,  # type: ignore[arg-type]
        feeds=feeds,
        since=since,
        engine=engine,
        model=model,  # type: ignore[arg-type]
        max_words=max_words,  # type: ignore[arg-type]
        threads=threads,  # type: ignore[arg-type]
        mail=mail,  # type: ignore[arg-type]
        state_db=state_db,  # type: ignore[arg-type]
        outbox=outbox,  # type: ignore[arg-type]
        lock=lock,  # type: ignore[arg-type]
        feed_timeout=feed_timeout,
        engine_options=extra_engine,
        log_level=level,
        log_file=log_file,  # type: ignore[arg-type]
        effective=effective,
        origins=origins,
    )


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


def _key_order(dotted: str) -> tuple[int, int, str]:
    section, _, key = dotted.partition(".")
    sections = list(SCHEMA)
    keys = list(SCHEMA.get(section, {}))
    return (sections.index(section), keys.index(key) if key in keys else len(keys), key)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if value is None:
        return "(not set)"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
