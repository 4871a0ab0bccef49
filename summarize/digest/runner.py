"""One digest run, start to finish; safe to start from cron at any time.

``run_digest`` does, in order, logging one line per step:

1. take the run lock (a concurrent run exits at once with EXIT_LOCKED, logged
   at INFO: an overlap is harmless and must not make cron mail anyone);
2. deliver what waits in the outbox, each channel (mail, webhook, feed) on its
   own, oldest first; a file is marked delivered and removed only after its
   channel accepted it; if any channel still has a file waiting, the run ends
   with EXIT_DELIVERY_FAILED and makes no new digest (no piles after an
   outage);
3. read the sources (folders, files, JSONL, RSS/Atom) and record each article's
   content hash with its first-seen time;
4. take the articles in the window (first seen within ``since``, or not yet in
   any sent digest) that no sent digest covered (all of the window with
   ``force``); when there are none stop with EXIT_OK and one line;
5. match them against the stories of the digests sent within the look-back
   (``summarize.digest.continuity``) and build the briefing with the summary
   cache: a continuing story keeps its id and gets an update summary, one
   whose update says nothing new is left out (one line names it);
6. render the digest for every channel, record it (with its stories and
   their articles' texts) and write each channel's file to the outbox, then
   deliver them as in step 2.

A dry run does steps 3 to 6 without the lock, without writing article or
digest records, and writes each channel's file to ``outbox/dry-run/`` (or the
first channel's to ``output``, ``-`` for stdout) instead of delivering it.

Exit codes: EXIT_OK 0 (sent, nothing new, or dry run written),
EXIT_DELIVERY_FAILED 1 (a channel failed; its file stays in the outbox),
EXIT_CONFIG 2 (configuration or usage error), EXIT_LOCKED 3 (another run is
active), EXIT_FAILED 4 (no source could be read, the engine or the state or
outbox failed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from summarize.digest.config import ConfigError, DigestConfig, format_duration, smtp_password, webhook_url
from summarize.digest.continuity import (
    Continuity,
    EarlierStory,
    Edition,
    clear_given_dates,
    date_undated,
    earlier_stories,
)
from summarize.digest.delivery import (
    DeliveryReport,
    NewDigest,
    deliver_pending,
    digest_subject_template,
    make_channels,
)
from summarize.digest.feeds import read_feeds
from summarize.digest.lock import LockBusy, RunLock
from summarize.digest.mail import make_message_id, make_subject
from summarize.digest.outbox import Outbox, message_file_name, write_atomic
from summarize.digest.state import (
    DigestRecord,
    StateDB,
    StateError,
    SummaryCache,
    article_hash,
    digest_content_hash,
)
from summarize.models import Article, Briefing
from summarize.wording import count

if TYPE_CHECKING:  # the pipeline (and its engines) is imported only when a briefing is built
    from summarize.pipeline import BriefingOptions

EXIT_OK = 0
EXIT_DELIVERY_FAILED = 1
EXIT_CONFIG = 2
EXIT_LOCKED = 3
EXIT_FAILED = 4

# Cached summaries unused for this long are dropped; stories older than any window are never asked for again.
CACHE_TTL = dt.timedelta(days=90)
STDOUT = Path("-")  # --output -: the dry run's message goes to stdout
# Generation settings that `briefing brief` takes as options; in [engine] they go into `generation`.
GENERATION_KEYS = ("num_beams", "max_new_tokens")
UNSUPPORTED_MODES = ("remove", "flag")  # the factual guard, as `briefing brief --unsupported`
BACKENDS = ("auto", "torch", "ctranslate2")  # the seq2seq runtime, as `briefing brief --backend`

log = logging.getLogger("briefing.digest")

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class RunOptions:
    """Command-line choices for one run."""

    dry_run: bool = False
    force: bool = False
    since: dt.timedelta | None = None  # overrides the config's window
    output: Path | None = None  # dry run: write the message here instead of the outbox ("-": stdout)


@dataclass
class RunResult:
    """How a run ended: the exit code, the one-line outcome and what happened."""

    exit_code: int
    message: str
    delivered: list[str] = field(default_factory=list)  # digests (Message-IDs) a channel accepted in this run
    message_file: Path | None = None  # the message written in this run (outbox or dry run)
    message_id: str | None = None
    stories: int = 0
    articles: int = 0
    new_articles: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    continuing: int = 0  # stories of the digest that continue a story of an earlier digest
    left_out: int = 0  # continuing stories left out: nothing new since the last digest


def run_digest(
    config: DigestConfig,
    options: RunOptions = RunOptions(),
    environ: Mapping[str, str] | None = None,
    clock: Clock | None = None,
) -> RunResult:
    """Run once; never raises for user, network or server problems (see RunResult.exit_code)."""
    environ = os.environ if environ is None else environ
    clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
    password = url = None
    if not options.dry_run:
        try:
            password = smtp_password(config, environ)
            url = webhook_url(config, environ)
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
            return _finish(_run(config, options, db, make_channels(config, password, url), clock))
    except StateError as exc:
        return _finish(RunResult(EXIT_FAILED, str(exc)))
    finally:
        lock.release()


def story_mapper(config: DigestConfig, options: BriefingOptions):
    """``build_briefing``'s ``map_stories``: Ray's with ``[run] ray`` (joining the cluster now), else None.

    Raises ``summarize.distributed.DistributedError`` when Ray is missing or the cluster cannot be reached.
    """
    if not config.ray:
        return None
    from summarize.distributed import RayOptions, RayStoryMapper, connect

    connect(config.ray)
    log.info("ray: summarising on %s with %s", config.ray,
             f"{config.ray_actors} actor(s)" if config.ray_actors else "one actor per GPU, else per CPU")
    return RayStoryMapper(RayOptions(config.ray, config.ray_actors), options.model, options.engine_options())


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
        if key == "backend" and value not in BACKENDS:
            problems.append(f"{config.path}: engine.backend: must be one of {', '.join(BACKENDS)} (got {value!r})")
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


def collect_articles(config: DigestConfig) -> tuple[list[Article], list[str]]:
    """Every article of the configured sources and one line per problem."""
    from summarize.ingest import read_articles

    articles: list[Article] = []
    errors: list[str] = []
    if config.paths:
        result = read_articles([str(p) for p in config.paths])
        log.info("sources: %s from %s", count(len(result.articles), "article"), count(len(config.paths), "path"))
        articles += result.articles
        errors += result.errors
    if config.feeds:
        feeds = read_feeds(config.feeds, timeout=config.feed_timeout)
        for source, number in feeds.counts.items():
            log.info("feed: %s from %s", count(number, "article"), source)
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


def _run(config: DigestConfig, options: RunOptions, db: StateDB, channels: list, clock: Clock) -> RunResult:
    outbox = Outbox(config.outbox)
    delivered: list[str] = []
    if not options.dry_run:
        report = deliver_pending(db, outbox, channels, clock)
        delivered = report.digest_ids()
        if report.failures:
            return RunResult(EXIT_DELIVERY_FAILED, _failure_line(report, outbox), delivered)
    else:
        waiting = sum(len(outbox.pending(c.name)) for c in channels)
        if waiting:
            log.info("outbox: %s waiting; a dry run does not deliver them", count(waiting, "file"))

    articles, errors = collect_articles(config)
    for line in errors:
        log.warning("source: %s", line)
    if not articles and errors:
        return RunResult(EXIT_FAILED, f"no articles could be read ({count(len(errors), 'problem')}, see above)", delivered)
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
    log.info("window: %d of %s %s, %d new", len(window), count(len(hashed), "article"), window_text, len(new))
    prefix = f"delivered {count(len(delivered), 'waiting message')}; " if delivered else ""
    if not window:
        return RunResult(EXIT_OK, f"{prefix}nothing new: no articles {window_text}", delivered)
    if not new and not options.force:
        return RunResult(
            EXIT_OK,
            f"{prefix}nothing new: all {count(len(window), 'article')} in the window were sent before (--force sends them again)",
            delivered,
        )
    # An article that a sent digest covered is not sent again as news (unless forced): continuity links its story.
    chosen = window if options.force else new

    try:
        briefing_opts = briefing_options(config)
    except ConfigError as exc:
        return RunResult(EXIT_CONFIG, str(exc), delivered)
    from summarize.distributed import DistributedError  # Ray itself is imported only with [run] ray
    from summarize.engines import EngineError
    from summarize.pipeline import build_briefing

    zone = config.zone()
    dated, undated = date_undated(chosen, first_seen, zone)
    hash_of = {a.id: h for a, h in dated}
    earlier = _earlier_stories(db, now - config.lookback)
    continuity = Continuity(earlier, hash_of, now=now, zone=zone, updates=not options.force)
    cache = SummaryCache(db, clock)
    try:
        map_stories = story_mapper(config, briefing_opts)
        briefing = build_briefing([a for a, _ in dated], briefing_opts, summary_cache=cache, now=now,
                                  earlier=continuity, recap=config.recap, group=continuity.group,
                                  map_stories=map_stories)  # fmt: skip
    except EngineError as exc:
        return RunResult(EXIT_FAILED, f"engine: {exc}", delivered)
    except DistributedError as exc:
        return RunResult(EXIT_FAILED, f"ray: {exc}", delivered)
    clear_given_dates(briefing, undated)
    log.info(
        "briefing: %s from %s; engine %s%s",
        count(len(briefing.stories), "story"), count(len(chosen), "article"), briefing.engine,
        f", model {briefing.model}" if briefing.model else "",
    )  # fmt: skip
    log.info("summary cache: %s, %s; %s summarised", count(cache.hits, "hit"), count(cache.misses, "miss"), count(cache.stores, "story"))
    db.prune_summaries(now - CACHE_TTL)
    edition = continuity.edition(briefing)
    log.info("continuity: %s, %d continuing (of %s within %s), %d left out as nothing new",
             count(len(edition.shown) - edition.continuing, "new story"), edition.continuing,
             count(len(earlier), "earlier story"), format_duration(config.lookback), len(edition.left_out))  # fmt: skip
    shown = dataclasses.replace(briefing, stories=[summary for summary, _, _ in edition.shown])
    counts = dict(
        stories=len(shown.stories), articles=shown.article_count, new_articles=len(new),
        cache_hits=cache.hits, cache_misses=cache.misses, continuing=edition.continuing, left_out=len(edition.left_out),
    )  # fmt: skip
    if not briefing.stories:
        return RunResult(EXIT_OK, f"{prefix}nothing to send: no story left after cleaning the new articles", delivered, **counts)
    if not shown.stories:
        return RunResult(EXIT_OK, f"{prefix}nothing sent: {edition.left_out_line}", delivered, **counts)

    hashes = [h for _, h in chosen]
    content_hash = digest_content_hash(hashes)
    sender = config.mail.sender if config.mail is not None else ""
    digest = NewDigest(
        message_id=make_message_id(now, content_hash, sender),
        created=now,
        content_hash=content_hash,
        subject=make_subject(digest_subject_template(config), shown, shown.article_count, zone),
        briefing=shown,
        article_count=shown.article_count,
        story_keys=tuple(key for _, key, _ in edition.shown),
        zone=zone,
        threads=tuple(thread for _, _, thread in edition.shown),
        left_out=edition.left_out_line,
    )
    files = {c.name: (message_file_name(now, content_hash, c.name), c.render(digest)) for c in channels}
    log.info("digest: %s, %r; %s", digest.message_id, digest.subject, ", ".join(f"{n} {len(raw)} bytes" for n, (_, raw) in files.items()))

    if options.dry_run:
        return _dry_run(options, outbox, files, shown, edition, digest.message_id, delivered, counts)

    db.add_digest(
        DigestRecord(
            message_id=digest.message_id, created=now, recipients=tuple(config.mail.recipients if config.mail else ()),
            content_hash=content_hash, subject=digest.subject, stories=len(shown.stories), articles=shown.article_count,
            outbox_file=str(outbox.folder / files[channels[0].name][0]),
        ),
        hashes,
        edition.records(),
        [(name, file_name) for name, (file_name, _) in files.items()],
        edition.texts(),
    )  # fmt: skip
    db.prune_article_texts(now - config.lookback)
    written = []
    try:
        for file_name, raw in files.values():
            written.append(outbox.put(file_name, raw))
    except OSError as exc:
        return _unwritten(db, outbox, written, digest.message_id, exc, delivered, counts)
    log.info("outbox: wrote %s", ", ".join(p.name for p in written))
    first = written[0]
    report = deliver_pending(db, outbox, channels, clock)
    delivered += [m for m in report.digest_ids() if m not in delivered]
    if report.failures:
        return RunResult(EXIT_DELIVERY_FAILED, _failure_line(report, outbox), delivered,
                         message_file=first, message_id=digest.message_id, **counts)  # fmt: skip
    outcomes = [outcome for message_id, _, outcome in report.delivered if message_id == digest.message_id]
    return RunResult(
        EXIT_OK,
        f"{prefix}sent {digest.message_id}: {_contents(shown, edition, len(new))} {', '.join(outcomes)}",
        delivered, message_file=first, message_id=digest.message_id, **counts,
    )  # fmt: skip


def _earlier_stories(db: StateDB, since: dt.datetime) -> list[EarlierStory]:
    """The stories of the digests sent since ``since``, with their articles' kept texts."""
    entries = db.story_entries(since)
    texts = db.article_texts(h for entry in entries for h in entry.article_hashes)
    return earlier_stories(entries, texts, db.first_shown(entry.story_id for entry in entries))


def _contents(briefing: Briefing, edition: Edition, new: int | None = None) -> str:
    """``3 stories from 7 articles (5 new, 1 continuing, 1 left out: nothing new)``."""
    text = f"{count(len(briefing.stories), 'story')} from {count(briefing.article_count, 'article')}"
    extra = [f"{new} new"] if new is not None else []
    extra += [f"{edition.continuing} continuing"] if edition.continuing else []
    extra += [f"{len(edition.left_out)} left out: nothing new"] if edition.left_out else []
    return text + (f" ({', '.join(extra)})" if extra else "")


def _dry_run(options, outbox, files, briefing, edition, message_id, delivered, counts) -> RunResult:
    """Write each channel's file to the dry-run folder, or the first one to ``output``; deliver nothing."""
    first_name, first_raw = next(iter(files.values()))
    try:
        if options.output == STDOUT:
            sys.stdout.buffer.write(first_raw)
            sys.stdout.buffer.flush()
            path = STDOUT
        elif options.output is not None:
            path = write_atomic(options.output, first_raw)
        else:
            path = [outbox.put_dry_run(name, raw) for name, raw in files.values()][0]
    except OSError as exc:
        where = options.output or outbox.dry_run_folder
        return RunResult(EXIT_FAILED, f"cannot write {where} ({exc.strerror or exc})", delivered, **counts)
    where = "stdout" if path == STDOUT else str(path)
    others = f" (and {count(len(files) - 1, 'other channel file')} beside it)" if len(files) > 1 and options.output is None else ""
    return RunResult(
        EXIT_OK,
        f"dry run: wrote {where}{others} ({_contents(briefing, edition)}); nothing sent",
        delivered, message_file=None if path == STDOUT else path, message_id=message_id, **counts,
    )  # fmt: skip


def _unwritten(db, outbox, written, message_id, exc, delivered, counts) -> RunResult:
    """The outbox could not be written (disk full): undo, so the next run makes the digest again."""
    for path in written:
        outbox.remove(path)
    try:
        db.delete_digest(message_id)
    except StateError as undo:  # the next run's outbox check drops the record then
        log.warning("state: could not forget %s (%s); the next run drops it", message_id, undo)
    reason = exc.strerror or str(exc)
    return RunResult(
        EXIT_FAILED,
        f"cannot write the outbox {outbox.folder} ({reason}); nothing was sent, and the next run makes the digest again",
        delivered, **counts,
    )  # fmt: skip


def _failure_line(report: DeliveryReport, outbox: Outbox) -> str:
    done = f"; delivered meanwhile: {count(len(report.delivered), 'file')}" if report.delivered else ""
    what = "the message stays" if list(report.failures) == ["mail"] else "what failed stays"
    return (
        f"delivery failed: {'; '.join(report.failures.values())}; {what} in the outbox {outbox.folder} "
        f"and the next run sends it first{done}"
    )


def _finish(result: RunResult) -> RunResult:
    """Log the outcome line: INFO when the run did its job or another run is doing it, ERROR otherwise."""
    level = logging.INFO if result.exit_code in (EXIT_OK, EXIT_LOCKED) else logging.ERROR
    log.log(level, "%s", result.message)
    return result


def _same_kind(value: object, default: object) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, type(default))

