"""One digest run, start to finish; safe to start from cron at any time.

``run_digest`` does, in order, logging one line per step:

1. take the run lock (a concurrent run exits at once with EXIT_LOCKED);
2. send what waits in the outbox, oldest first; a message is marked sent and
   removed only after the server accepted it; a failure ends the run with
   EXIT_DELIVERY_FAILED and the message stays for the next run;
3. read the sources (folders, files, JSONL, RSS/Atom) and record each article's
   content hash with its first-seen time;
4. take the articles in the window (first seen within ``since``, or not yet in
   any sent digest); when none of them is new (all were sent before) stop with
   EXIT_OK and one line, unless ``force``;
5. build the briefing of the window with the summary cache, so that unchanged
   stories are not summarised again;
6. render the message, record it and write it to the outbox, then send it and
   mark it sent.

A dry run does steps 3 to 6 without the lock, without writing article or
digest records, and writes the message to ``outbox/dry-run/`` (or ``output``)
instead of sending it.

Exit codes: EXIT_OK 0 (sent, nothing new, or dry run written),
EXIT_DELIVERY_FAILED 1 (SMTP failed; the message stays in the outbox),
EXIT_CONFIG 2 (configuration or usage error), EXIT_LOCKED 3 (another run is
active), EXIT_FAILED 4 (no source could be read, the engine or the state or
outbox failed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from summarize.digest.config import ConfigError, DigestConfig, format_duration, smtp_password
from summarize.digest.feeds import read_feeds
from summarize.digest.lock import LockBusy, RunLock
from summarize.digest.mail import briefing_json, build_message, message_bytes, parse_envelope
from summarize.digest.outbox import Outbox, message_file_name, write_atomic
from summarize.digest.send import DeliveryError, send_message
from summarize.digest.state import (
    DigestRecord,
    StateDB,
    StateError,
    SummaryCache,
    article_hash,
    digest_content_hash,
)
from summarize.models import Article

if TYPE_CHECKING:  # the pipeline (and its engines) is imported only when a briefing is built
    from summarize.pipeline import BriefingOptions

EXIT_OK = 0
EXIT_DELIVERY_FAILED = 1
EXIT_CONFIG = 2
EXIT_LOCKED = 3
EXIT_FAILED = 4

# Cached summaries unused for this long are dropped; stories older than any window are never asked for again.
CACHE_TTL = dt.timedelta(days=90)
INVALID_FOLDER = "invalid"
# Generation settings that `briefing brief` takes as options; in [engine] they go into `generation`.
GENERATION_KEYS = ("num_beams", "max_new_tokens")
UNSUPPORTED_MODES = ("remove", "flag")  # the factual guard, as `briefing brief --unsupported`

log = logging.getLogger("briefing.digest")

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class RunOptions:
    """Command-line choices for one run."""

    dry_run: bool = False
    force: bool = False
    since: dt.timedelta | None = None  # overrides the config's window
    output: Path | None = None  # dry run: write the message here instead of the outbox


@dataclass
class RunResult:
    """How a run ended: the exit code, the one-line outcome and what happened."""

    exit_code: int
    message: str
    delivered: list[str] = field(default_factory=list)  # Message-IDs the server accepted in this run
    message_file: Path | None = None  # the message written in this run (outbox or dry run)
    message_id: str | None = None
    stories: int = 0
    articles: int = 0
    new_articles: int = 0
    cache_hits: int = 0
    cache_misses: int = 0


def run_digest(
    config: DigestConfig,
    options: RunOptions = RunOptions(),
    environ: Mapping[str, str] | None = None,
    clock: Clock | None = None,
) -> RunResult:
    """Run once; never raises for user, network or server problems (see RunResult.exit_code)."""
    environ = os.environ if environ is None else environ
    clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
    password = None
    if not options.dry_run:
        try:
            password = smtp_password(config, environ)
        except ConfigError as exc:
            return _finish(RunResult(EXIT_CONFIG, str(exc)))
    lock = RunLock(config.lock)
    if not options.dry_run:
        try:
            lock.acquire()
        except LockBusy as exc:
            return _finish(RunResult(EXIT_LOCKED, str(exc)))
        except OSError as exc:
            return _finish(RunResult(EXIT_FAILED, f"cannot create the lock file {config.lock} ({exc.strerror or exc})"))
        log.info("lock: holding %s", config.lock)
    try:
        with StateDB(config.state_db) as db:
            log.info("state: %s (schema %d)", config.state_db, db.schema_version)
            return _finish(_run(config, options, db, password, clock))
    except StateError as exc:
        return _finish(RunResult(EXIT_FAILED, str(exc)))
    finally:
        lock.release()


def briefing_options(config: DigestConfig) -> BriefingOptions:
    """``BriefingOptions`` from ``[engine]``; ConfigError names an unknown or mistyped key."""
    from summarize.pipeline import BriefingOptions

    fields = {f.name: f for f in dataclasses.fields(BriefingOptions)}
    values: dict[str, object] = {"engine": config.engine}
    for name in ("model", "max_words", "threads"):
        if getattr(config, name) is not None:
            values[name] = getattr(config, name)
    problems = []
    generation: dict[str, object] = {}
    for key, value in config.engine_options.items():
        if key in GENERATION_KEYS:  # as `briefing brief --num-beams/--max-new-tokens`
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append(f"{config.path}: engine.{key}: expected a positive whole number, got {value!r}")
            generation[key] = value
            continue
        spec = fields.get(key)
        if spec is None or key in ("engine", "model", "max_words", "threads"):
            others = (n for n in fields if n not in ("engine", "model", "max_words", "threads"))
            known = ", ".join(["name", "model", "max_words", "threads", *GENERATION_KEYS, *others])
            problems.append(f"{config.path}: unknown key engine.{key} (known: {known})")
            continue
        if key == "unsupported" and value not in UNSUPPORTED_MODES:
            problems.append(f"{config.path}: engine.unsupported: must be one of {', '.join(UNSUPPORTED_MODES)} (got {value!r})")
            continue
        default = spec.default_factory() if spec.default_factory is not dataclasses.MISSING else spec.default
        if default is not None and default is not dataclasses.MISSING and not _same_kind(value, default):
            problems.append(f"{config.path}: engine.{key}: expected {type(default).__name__}, got {type(value).__name__}")
            continue
        values[key] = value
    if problems:
        raise ConfigError(problems)
    if generation:
        values["generation"] = {**dict(values.get("generation") or {}), **generation}
    return BriefingOptions(**values)


def deliver_pending(db: StateDB, outbox: Outbox, config: DigestConfig, password: str | None, clock: Clock) -> list[str]:
    """Send the outbox's messages, oldest first; raises DeliveryError at the first failure.

    A message already recorded as sent (the run stopped between recording and
    removing it) is removed without sending it again.
    """
    delivered = []
    pending = outbox.pending()
    if pending:
        log.info("outbox: %d message(s) waiting in %s", len(pending), outbox.folder)
    for path in pending:
        raw = path.read_bytes()
        try:
            envelope = parse_envelope(raw)
        except ValueError as exc:
            target = outbox.folder / INVALID_FOLDER / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            log.warning("outbox: %s is not a digest message (%s); moved to %s", path.name, exc, target)
            continue
        record = db.digest(envelope.message_id)
        if record is not None and record.sent_at is not None:
            log.info("outbox: %s was already sent at %s; removing it", envelope.message_id, record.sent_at.isoformat())
            outbox.remove(path)
            continue
        log.info("outbox: sending %s (%s) to %d recipient(s)", path.name, envelope.message_id, len(envelope.recipients))
        delivery = send_message(raw, envelope.sender, envelope.recipients, config.mail, password)
        if record is None:  # written by a run that stopped before recording it
            db.add_digest(
                DigestRecord(envelope.message_id, clock(), envelope.recipients, content_hash="", outbox_file=str(path)),
                [],
            )
        db.mark_sent(envelope.message_id, clock())
        outbox.remove(path)
        _log_delivery(envelope.message_id, config, delivery)
        delivered.append(envelope.message_id)
    return delivered


def collect_articles(config: DigestConfig) -> tuple[list[Article], list[str]]:
    """Every article of the configured sources and one line per problem."""
    from summarize.ingest import read_articles

    articles: list[Article] = []
    errors: list[str] = []
    if config.paths:
        result = read_articles([str(p) for p in config.paths])
        log.info("sources: %d article(s) from %d path(s)", len(result.articles), len(config.paths))
        articles += result.articles
        errors += result.errors
    if config.feeds:
        feeds = read_feeds(config.feeds, timeout=config.feed_timeout)
        for source, count in feeds.counts.items():
            log.info("feed: %d article(s) from %s", count, source)
        articles += feeds.articles
        errors += feeds.errors
    return articles, errors


def unique_articles(articles: Sequence[Article]) -> list[tuple[Article, str]]:
    """Articles with their content hashes: repeats dropped, ids made unique across sources."""
    seen_hashes: set[str] = set()
    seen_ids: dict[str, int] = {}
    unique = []
    for article in articles:
        digest = article_hash(article)
        if digest in seen_hashes:
            continue
        seen_hashes.add(digest)
        count = seen_ids.get(article.id, 0) + 1
        seen_ids[article.id] = count
        if count > 1:
            article = dataclasses.replace(article, id=f"{article.id}#{count}")
        unique.append((article, digest))
    return unique


def _run(config: DigestConfig, options: RunOptions, db: StateDB, password: str | None, clock: Clock) -> RunResult:
    outbox = Outbox(config.outbox)
    delivered: list[str] = []
    if not options.dry_run:
        try:
            delivered = deliver_pending(db, outbox, config, password, clock)
        except DeliveryError as exc:
            return RunResult(
                EXIT_DELIVERY_FAILED,
                f"delivery failed: {exc}; the message stays in the outbox {outbox.folder} and the next run sends it first",
            )
    elif outbox.pending():
        log.info("outbox: %d message(s) waiting; a dry run does not send them", len(outbox.pending()))

    articles, errors = collect_articles(config)
    for line in errors:
        log.warning("source: %s", line)
    if not articles and errors:
        return RunResult(EXIT_FAILED, f"no articles could be read ({len(errors)} problem(s), see above)", delivered)
    hashed = unique_articles(articles)

    now = clock()
    if options.dry_run:
        first_seen = db.first_seen(h for _, h in hashed)
        first_seen = {h: first_seen.get(h, now) for _, h in hashed}
    else:
        first_seen = db.record_seen([(h, a.title, a.origin) for a, h in hashed], now)
    sent = db.sent_hashes(h for _, h in hashed)
    since = options.since or config.since
    if since is not None:
        window = [(a, h) for a, h in hashed if first_seen[h] >= now - since]
        window_text = f"first seen in the last {format_duration(since)}"
    else:
        window = [(a, h) for a, h in hashed if h not in sent]
        window_text = "not in any digest sent so far"
    new = [(a, h) for a, h in window if h not in sent]
    log.info("window: %d of %d article(s) %s, %d new", len(window), len(hashed), window_text, len(new))
    prefix = f"delivered {len(delivered)} waiting message(s); " if delivered else ""
    if not window:
        return RunResult(EXIT_OK, f"{prefix}nothing new: no articles {window_text}", delivered)
    if not new and not options.force:
        return RunResult(
            EXIT_OK,
            f"{prefix}nothing new: all {len(window)} article(s) in the window were sent before (--force sends them again)",
            delivered,
        )

    try:
        briefing_opts = briefing_options(config)
    except ConfigError as exc:
        return RunResult(EXIT_CONFIG, str(exc), delivered)
    from summarize.engines import EngineError
    from summarize.pipeline import build_briefing

    cache = SummaryCache(db, clock)
    try:
        briefing = build_briefing([a for a, _ in window], briefing_opts, summary_cache=cache, now=now)
    except EngineError as exc:
        return RunResult(EXIT_FAILED, f"engine: {exc}", delivered)
    log.info(
        "briefing: %d story(ies) from %d article(s); engine %s%s",
        len(briefing.stories), len(window), briefing.engine, f", model {briefing.model}" if briefing.model else "",
    )  # fmt: skip
    log.info("summary cache: %d hit(s), %d miss(es); %d story(ies) summarised", cache.hits, cache.misses, cache.stores)
    db.prune_summaries(now - CACHE_TTL)
    counts = dict(
        stories=len(briefing.stories), articles=len(window), new_articles=len(new),
        cache_hits=cache.hits, cache_misses=cache.misses,
    )  # fmt: skip
    if not briefing.stories:
        return RunResult(EXIT_OK, f"{prefix}nothing to send: no story left after cleaning the new articles", delivered, **counts)

    hashes = [h for _, h in window]
    content_hash = digest_content_hash(hashes)
    message = build_message(
        briefing,
        config.mail,
        created=now,
        content_hash=content_hash,
        article_count=len(window),
        json_text=briefing_json(briefing) if config.mail.attach_json else None,
    )
    raw = message_bytes(message)
    message_id = str(message["Message-ID"])
    name = message_file_name(now, content_hash)
    log.info("message: %s, %r, %d bytes", message_id, str(message["Subject"]), len(raw))

    if options.dry_run:
        try:
            path = write_atomic(options.output, raw) if options.output else outbox.put_dry_run(name, raw)
        except OSError as exc:
            where = options.output or outbox.dry_run_folder
            return RunResult(EXIT_FAILED, f"cannot write {where} ({exc.strerror or exc})", delivered, **counts)
        return RunResult(
            EXIT_OK,
            f"dry run: wrote {path} ({_stories(len(briefing.stories))} from {len(window)} article(s)); nothing sent",
            delivered, message_file=path, message_id=message_id, **counts,
        )  # fmt: skip

    db.add_digest(
        DigestRecord(
            message_id=message_id, created=now, recipients=tuple(config.mail.recipients), content_hash=content_hash,
            subject=str(message["Subject"]), stories=len(briefing.stories), articles=len(window),
            outbox_file=str(outbox.folder / name),
        ),
        hashes,
    )  # fmt: skip
    try:
        path = outbox.put(name, raw)
    except OSError as exc:
        return RunResult(EXIT_FAILED, f"cannot write the outbox {outbox.folder} ({exc.strerror or exc})", delivered, **counts)
    log.info("outbox: wrote %s", path)
    log.info("smtp: sending to %s:%d (%s)", config.mail.host, config.mail.port, config.mail.security)
    try:
        delivery = send_message(raw, config.mail.envelope_sender, config.mail.recipients, config.mail, password)
    except DeliveryError as exc:
        return RunResult(
            EXIT_DELIVERY_FAILED,
            f"delivery failed: {exc}; the message stays in the outbox ({path}) and the next run sends it first",
            delivered, message_file=path, message_id=message_id, **counts,
        )  # fmt: skip
    db.mark_sent(message_id, clock())
    outbox.remove(path)
    _log_delivery(message_id, config, delivery)
    delivered.append(message_id)
    return RunResult(
        EXIT_OK,
        f"{prefix}sent {message_id}: {_stories(len(briefing.stories))} from {len(window)} article(s) "
        f"({len(new)} new) to {len(delivery.accepted)} recipient(s)",
        delivered, message_file=path, message_id=message_id, **counts,
    )  # fmt: skip


def _log_delivery(message_id: str, config: DigestConfig, delivery) -> None:
    log.info("smtp: %s accepted by %s:%d for %d recipient(s)", message_id, config.mail.host, config.mail.port, len(delivery.accepted))
    for recipient, reply in delivery.refused.items():
        log.warning("smtp: recipient %s refused (%s); the others got the message, it is not sent again", recipient, reply)
    log.info("state: %s marked sent", message_id)


def _finish(result: RunResult) -> RunResult:
    """Log the outcome line: INFO when the run did its job, ERROR otherwise."""
    log.log(logging.INFO if result.exit_code == EXIT_OK else logging.ERROR, "%s", result.message)
    return result


def _same_kind(value: object, default: object) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, type(default))


def _stories(count: int) -> str:
    return f"{count} {'story' if count == 1 else 'stories'}"
