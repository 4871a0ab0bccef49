"""The ``briefing digest`` and ``briefing history`` commands: parse options, call the library, print.

``register(app)`` adds both to the ``briefing`` typer app. ``digest`` logs to
stderr (and to ``log.file`` when configured), one line per step with time and
level; every handler masks the secrets (SMTP password, webhook URL) should
they ever appear in a message. It exits with the run's exit code (see
``runner``). ``history`` reads the state database and prints past digests or
one story's timeline, as text or JSON.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from summarize.cli_common import QuietOpt
from summarize.console import fail
from summarize.digest.config import (
    ConfigError,
    DigestConfig,
    describe_config,
    find_config,
    load_config,
    mask_secrets,
    missing_secrets,
    parse_duration,
    secrets,
)
from summarize.digest.runner import (
    EXIT_CONFIG,
    EXIT_FAILED,
    STDOUT,
    RunOptions,
    briefing_options,
    run_digest,
)

LOGGER = "briefing.digest"
LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


class RedactSecrets(logging.Filter):
    """Masks each secret in a record's final message (whole tokens only; see ``mask_secrets``)."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg, record.args = mask_secrets(record.getMessage(), self.secrets), ()
        return True


def configure_logging(level: str, log_file: Path | None, secrets: list[str]) -> list[logging.Handler]:
    """Attach stderr (and file) handlers to the digest logger; returns them for removal."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(level)
    logger.propagate = False
    formatter = logging.Formatter(LOG_FORMAT, DATE_FORMAT)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(RedactSecrets(secrets))
        logger.addHandler(handler)
    return handlers


def register(app: typer.Typer) -> None:
    """Add ``briefing digest`` and ``briefing history`` to ``app``."""
    app.command("digest")(digest)
    from summarize.digest.history import history

    app.command("history")(history)


ConfigOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--config", "-c", envvar="BRIEFING_DIGEST_CONFIG", dir_okay=False, show_default=False,
        help="The digest's TOML config file. [default: $XDG_CONFIG_HOME/briefing/digest.toml]",
    ),
]  # fmt: skip


def digest(
    config: ConfigOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write the message to the outbox's dry-run/ folder (or --output); send nothing.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Send a digest even when every article in the window was sent before.")] = False,
    since: Annotated[
        Optional[str], typer.Option("--since", metavar="DURATION", help="Window override: articles first seen within DURATION (30m, 24h, 7d).")
    ] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", dir_okay=False, help="With --dry-run: write the .eml here (- for stdout).")] = None,
    check_config: Annotated[
        bool, typer.Option("--check-config", help="Check the config and print the effective values (secrets masked); run nothing.")
    ] = False,
    log_level: Annotated[Optional[str], typer.Option("--log-level", metavar="LEVEL", help="DEBUG, INFO, WARNING or ERROR.", show_default="log.level")] = None,
    quiet: QuietOpt = False,
    ray: Annotated[Optional[str], typer.Option("--ray", metavar="ADDRESS", help="Summarise on a Ray cluster: auto, local or HOST:PORT (docs/ray.md).", show_default="run.ray")] = None,
    ray_actors: Annotated[Optional[int], typer.Option("--ray-actors", min=1, metavar="N", help="With --ray: models loaded at once.", show_default="run.ray_actors")] = None,
) -> None:
    """Send the briefing of new articles by email, webhook and/or feed file; safe to run from cron.

    Example: briefing digest --config ~/.config/briefing/digest.toml

    The config is --config, else $BRIEFING_DIGEST_CONFIG, else
    $XDG_CONFIG_HOME/briefing/digest.toml. Every key can be overridden by
    BRIEFING_DIGEST_<SECTION>_<KEY> (e.g. BRIEFING_DIGEST_MAIL_HOST).

    Exit codes: 0 sent, nothing new or dry run done; 1 delivery failed (what
    failed stays in the outbox, the next run retries it); 2 bad config or
    usage; 3 another run is active; 4 sources, engine, state or outbox failed.
    """
    environ = dict(os.environ)
    if log_level is not None or quiet:
        environ["BRIEFING_DIGEST_LOG_LEVEL"] = log_level or "ERROR"  # --quiet: errors only, as every command
    # Options override the config as its environment variables do (and show so in --check-config).
    for name, value in (("BRIEFING_DIGEST_RUN_RAY", ray), ("BRIEFING_DIGEST_RUN_RAY_ACTORS", ray_actors)):
        if value is not None:
            environ[name] = str(value)
    try:
        loaded = load_config(find_config(config, environ), environ)
    except ConfigError as exc:
        raise fail(exc.problems, EXIT_CONFIG) from None
    if check_config:
        _check(loaded, environ)
        return
    if output is not None and not dry_run:
        raise fail(["--output is only used with --dry-run"], EXIT_CONFIG)
    window = None
    if since is not None:
        try:
            window = parse_duration(since)
        except ValueError as exc:
            raise fail([f"--since: {exc}"], EXIT_CONFIG) from None
    if output is not None and str(output) == "-":
        output = STDOUT
    try:
        handlers = configure_logging(loaded.log_level, loaded.log_file, secrets(loaded, environ))
    except OSError as exc:
        raise fail([f"log.file: cannot open {loaded.log_file} ({exc.strerror or exc})"], EXIT_CONFIG) from None
    logger = logging.getLogger(LOGGER)
    try:
        logger.info(
            "config: %s (%d path(s), %d feed(s), engine %s, delivery: %s)%s",
            loaded.path, len(loaded.paths), len(loaded.feeds), loaded.engine, ", ".join(loaded.channels),
            " [dry run]" if dry_run else "",
        )  # fmt: skip
        options = RunOptions(dry_run=dry_run, force=force, since=window, output=output)
        try:
            result = run_digest(loaded, options, environ=environ)
        except Exception as exc:  # a bug must still end in one line and a known exit code
            logger.error("digest failed unexpectedly: %s: %s", type(exc).__name__, exc)
            logger.debug("traceback", exc_info=True)
            raise typer.Exit(EXIT_FAILED) from None
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
            handler.close()
    raise typer.Exit(result.exit_code)


def _check(config: DigestConfig, environ: dict[str, str]) -> None:
    """Print the effective config as TOML; exit 2 listing every problem a real run would hit.

    A secret whose environment variable is not set is a warning, not an
    error: the variable is often set only where the job runs (cron, systemd).
    """
    problems = []
    try:
        briefing_options(config)
    except ConfigError as exc:
        problems += exc.problems
    for path in config.paths:
        if not path.exists():
            problems.append(f"{config.path}: sources.paths: no such file or folder {path}")
    for feed in config.feeds:
        if "://" not in feed and not Path(feed).is_file():
            problems.append(f"{config.path}: sources.feeds: no such file {feed}")
    typer.echo(describe_config(config, environ), nl=False)
    for line in missing_secrets(config, environ):
        typer.echo(f"briefing: warning: {line}; a real run needs it", err=True)
    if problems:
        raise fail(problems, EXIT_CONFIG)
    typer.echo(f"# {config.path}: configuration is valid", err=True)

