"""The ``briefing`` config file: defaults for any command's options.

``$XDG_CONFIG_HOME/briefing/config.toml`` (``~/.config/briefing/config.toml``
when XDG_CONFIG_HOME is unset), or the file ``BRIEFING_CONFIG`` or
``briefing --config FILE`` names. One table per command, keys named after
the command's long options::

    [brief]
    engine = "extractive"
    max_words = 100
    format = "html"
    timezone = "Europe/Berlin"

    [bench]
    threads = 2

Precedence: command line, then the option's ``BRIEFING_*`` environment
variable (each option's help names it), then this file, then the built-in
default. The digest keeps its own file (``digest.toml``, see docs/digest.md).

The file becomes the command-line parser's ``default_map`` (click's, as typer vendors it), so every value is parsed and
checked by the very option it sets (its type, range and choices) and the
help of each command shows the configured value as the default. That is why
this is not pydantic-settings: it would define every option a second time, in
a schema that could drift from the command line's.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

import typer

CONFIG_ENV = "BRIEFING_CONFIG"
NOT_CONFIGURABLE = {"help", "output", "paths"}  # per-run choices, not preferences


class ConfigError(ValueError):
    """Problems with the config file, one line each, naming the file and the key."""

    def __init__(self, problems: list[str]):
        super().__init__(problems[0] if problems else "invalid config")
        self.problems = problems


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the config file is looked for when neither --config nor BRIEFING_CONFIG names one."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CONFIG_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".config") / "briefing" / "config.toml"


def find_config(explicit: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The config file in force: ``explicit``, else ``BRIEFING_CONFIG``, else the default path if it exists."""
    environ = os.environ if environ is None else environ
    named = explicit or environ.get(CONFIG_ENV, "").strip()
    if named:
        return Path(named).expanduser()
    path = default_config_path(environ)
    return path if path.is_file() else None


def load_defaults(path: Path, commands: Mapping[str, object], text: str | None = None) -> dict[str, dict]:
    """The file at ``path`` (or ``text``) as click's ``default_map``; ConfigError lists every problem."""
    try:
        data = tomllib.loads(text if text is not None else path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such config file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML ({exc})"]) from None
    problems: list[str] = []
    defaults: dict[str, dict] = {}
    for section, values in data.items():
        command = commands.get(section)
        options = _configurable(command) if command is not None else {}
        if not options or not isinstance(values, dict):
            known = ", ".join(f"[{name}]" for name, cmd in commands.items() if _configurable(cmd))
            problems.append(f"{path}: unknown table [{section}] (known: {known})")
            continue
        defaults[section] = {}
        for key, value in values.items():
            option = options.get(key.replace("-", "_"))
            if option is None:
                problems.append(f"{path}: [{section}] unknown key {key!r} (known: {', '.join(sorted(options))})")
                continue
            try:
                option.process_value(typer.Context(command), value)
            except typer.BadParameter as exc:
                problems.append(f"{path}: [{section}] {key}: {exc.message}")
                continue
            defaults[section][option.name] = value
    if problems:
        raise ConfigError(problems)
    return defaults


def _configurable(command) -> dict[str, object]:
    """The options of a (typer) command that a config file may set."""
    return {
        param.name: param
        for param in command.params
        if param.param_type_name == "option" and param.name and param.name not in NOT_CONFIGURABLE
    }
