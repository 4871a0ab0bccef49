"""Delivery channels and the outbox loop: mail, webhook and feed, each tracked on its own.

A channel renders a new digest into the bytes of its outbox file (``render``),
reads back which digest a file belongs to (``digest_id``) and delivers a file
(``deliver``), raising ``DeliveryError`` with one line when it cannot.
``deliver_pending`` goes through the outbox, channel by channel, oldest file
first: a file is removed only after its channel accepted it and the state
database recorded that; at a channel's first failure that channel stops for
this run (its later files must not overtake the failed one) and the others go
on. So the promise is the same for every channel: nothing is lost, and a
file is delivered twice only when the process dies between the service
accepting it and the record (then it is the very same message: same
``Message-ID``, same webhook body, same feed entry ids).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from summarize.digest.config import DEFAULT_SUBJECT, DigestConfig
from summarize.digest.continuity import StoryThread
from summarize.digest.feedfile import feed_entries, merge_entries, write_feed
from summarize.digest.mail import briefing_json, build_message, message_bytes, parse_envelope
from summarize.digest.outbox import Outbox
from summarize.digest.send import DeliveryError, send_message
from summarize.digest.state import DeliveryRecord, DigestRecord, StateDB
from summarize.digest.webhook import host_of, post_webhook, webhook_posts
from summarize.models import Briefing
from summarize.wording import count

log = logging.getLogger("briefing.digest")

INVALID_FOLDER = "invalid"
ITEM_VERSION = 1  # of the JSON outbox files

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class NewDigest:
    """What every channel renders a new digest from.

    ``story_keys`` and ``threads`` go with ``briefing.stories``, one each
    (``threads`` may be empty: no continuity); ``left_out`` is the line naming
    the continuing stories left out as saying nothing new ("" when none).
    """

    message_id: str
    created: dt.datetime
    content_hash: str
    subject: str
    briefing: Briefing
    article_count: int
    story_keys: tuple[str, ...]
    zone: dt.tzinfo | None = None
    threads: tuple[StoryThread, ...] = ()
    left_out: str = ""


@dataclass
class DeliveryReport:
    """What ``deliver_pending`` did: delivered ``(digest id, channel, outcome)``, and one failure line per channel."""

    delivered: list[tuple[str, str, str]] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)

    def digest_ids(self) -> list[str]:
        return list(dict.fromkeys(message_id for message_id, _, _ in self.delivered))


class MailChannel:
    """The email, sent over SMTP; the outbox file is the message itself (``.eml``)."""

    name = "mail"

    def __init__(self, config: DigestConfig, password: str | None = None):
        self.mail = config.mail
        self.password = password

    def render(self, digest: NewDigest) -> bytes:
        message = build_message(
            digest.briefing,
            self.mail,
            created=digest.created,
            content_hash=digest.content_hash,
            article_count=digest.article_count,
            json_text=briefing_json(digest.briefing) if self.mail.attach_json else None,
            zone=digest.zone,
            threads=digest.threads,
            left_out=digest.left_out,
        )
        return message_bytes(message)

    def digest_id(self, raw: bytes) -> str:
        return parse_envelope(raw).message_id

    def deliver(self, raw: bytes, record: DeliveryRecord, db: StateDB, clock: Clock) -> str:
        envelope = parse_envelope(raw)
        log.info("smtp: sending %s to %s:%d (%s), %s", envelope.message_id, self.mail.host, self.mail.port,
                 self.mail.security, count(len(envelope.recipients), "recipient"))  # fmt: skip
        delivery = send_message(raw, envelope.sender, envelope.recipients, self.mail, self.password)
        log.info("smtp: %s accepted by %s:%d for %s", envelope.message_id, self.mail.host, self.mail.port,
                 count(len(delivery.accepted), "recipient"))  # fmt: skip
        for recipient, reply in delivery.refused.items():
            log.warning("smtp: recipient %s refused (%s); the others got the message, it is not sent again", recipient, reply)
        return f"to {count(len(delivery.accepted), 'recipient')}"


class WebhookChannel:
    """Posts to an incoming webhook; the outbox file holds the JSON bodies, fixed when the digest was made."""

    name = "webhook"

    def __init__(self, config: DigestConfig, url: str | None = None, sleep: Callable[[float], None] | None = None):
        self.webhook = config.webhook
        self.url = url
        self.sleep = sleep

    def render(self, digest: NewDigest) -> bytes:
        posts = webhook_posts(digest.briefing, self.webhook.format, digest.subject, digest.threads, digest.left_out)
        return _item(digest.message_id, self.name, format=self.webhook.format, posts=posts)

    def digest_id(self, raw: bytes) -> str:
        return _read_item(raw, "posts")["digest_id"]

    def deliver(self, raw: bytes, record: DeliveryRecord, db: StateDB, clock: Clock) -> str:
        item = _read_item(raw, "posts")
        posts = item["posts"]
        host = host_of(self.url or "")
        if record.parts_sent:
            log.info("webhook: %s: %d of %s were accepted before; sending the rest", record.message_id, record.parts_sent,
                     count(len(posts), "post"))  # fmt: skip
        for index in range(record.parts_sent, len(posts)):
            log.info("webhook: posting %s part %d/%d to %s (%s)", record.message_id, index + 1, len(posts), host, item["format"])
            kwargs = {"sleep": self.sleep} if self.sleep else {}
            attempts = post_webhook(self.url, posts[index], timeout=self.webhook.timeout, retries=self.webhook.retries, **kwargs)
            if attempts > 1:
                log.info("webhook: accepted after %s", count(attempts, "attempt"))
            # Recorded part by part: a failure later in a long digest resends only what was not accepted.
            db.record_attempt(record.message_id, self.name, clock(), parts_sent=index + 1)
        return f"to the webhook at {host} ({count(len(posts), 'post')})"


class FeedChannel:
    """Entries in a feed file; the outbox file holds the digest's entries, fixed when the digest was made."""

    name = "feed"

    def __init__(self, config: DigestConfig):
        self.feed = config.feed

    def render(self, digest: NewDigest) -> bytes:
        entries = feed_entries(digest.briefing, digest.message_id, digest.created, digest.story_keys, digest.threads, digest.zone)
        return _item(digest.message_id, self.name, entries=entries)

    def digest_id(self, raw: bytes) -> str:
        return _read_item(raw, "entries")["digest_id"]

    def deliver(self, raw: bytes, record: DeliveryRecord, db: StateDB, clock: Clock) -> str:
        new = _read_item(raw, "entries")["entries"]
        entries = merge_entries(new, db.feed_entries(), self.feed.max_entries)
        try:
            write_feed(entries, self.feed, clock())
        except OSError as exc:
            raise DeliveryError(f"feed {self.feed.path}: cannot write ({exc.strerror or exc})") from None
        # The file first, then the record: dying in between rewrites the same entries next run.
        db.put_feed_entries(record.message_id, new, self.feed.max_entries)
        log.info("feed: wrote %s to %s (%d new)", count(len(entries), "entry"), self.feed.path, len(new))
        return f"to the feed {self.feed.path}"


Channel = MailChannel | WebhookChannel | FeedChannel


def make_channels(
    config: DigestConfig, password: str | None = None, url: str | None = None, sleep: Callable[[float], None] | None = None
) -> list[Channel]:
    """The configured channels, mail first. Secrets are needed only to deliver, not to render."""
    channels: list[Channel] = []
    if config.mail is not None:
        channels.append(MailChannel(config, password))
    if config.webhook is not None:
        channels.append(WebhookChannel(config, url, sleep))
    if config.feed is not None:
        channels.append(FeedChannel(config))
    return channels


def digest_subject_template(config: DigestConfig) -> str:
    return config.mail.subject if config.mail is not None else DEFAULT_SUBJECT


def deliver_pending(db: StateDB, outbox: Outbox, channels: Sequence[Channel], clock: Clock) -> DeliveryReport:
    """Deliver every channel's waiting files, oldest first; a channel stops at its first failure.

    A file already recorded as delivered (the run stopped between recording
    and removing it) is removed without delivering it again; a recorded
    delivery whose file is gone (deleted by hand, or never written) is
    dropped with a warning, and its articles go into the next digest unless
    another channel delivered it.
    """
    report = DeliveryReport()
    _drop_missing(db, outbox, [c.name for c in channels])
    for channel in channels:
        pending = outbox.pending(channel.name)
        if pending:
            log.info("outbox: %s waiting in %s", count(len(pending), f"{channel.name} file"), outbox.folder)
        for path in pending:
            raw = path.read_bytes()
            try:
                message_id = channel.digest_id(raw)
            except (ValueError, KeyError, TypeError) as exc:
                _set_aside(outbox, path, exc)
                continue
            record = _delivery_record(db, message_id, channel.name, path, clock)
            if record.status == "sent":
                log.info("outbox: %s (%s) was already delivered at %s; removing it", message_id, channel.name,
                         record.sent_at.isoformat() if record.sent_at else "?")  # fmt: skip
                outbox.remove(path)
                continue
            try:
                outcome = channel.deliver(raw, record, db, clock)
            except DeliveryError as exc:
                db.record_attempt(message_id, channel.name, clock(), error=str(exc))
                report.failures[channel.name] = str(exc)
                later = len(pending) - pending.index(path) - 1
                if later:
                    log.info("outbox: %s wait behind it", count(later, f"later {channel.name} file"))
                break
            db.mark_sent(message_id, clock(), channel.name)
            outbox.remove(path)
            log.info("state: %s marked delivered (%s)", message_id, channel.name)
            report.delivered.append((message_id, channel.name, outcome))
    configured = {c.name for c in channels}
    for name in ("mail", "webhook", "feed"):
        if name not in configured and outbox.pending(name):
            log.warning("outbox: %s wait for a channel that is not configured; configure it or delete them from %s",
                        count(len(outbox.pending(name)), f"{name} file"), outbox.folder)  # fmt: skip
    return report


def _delivery_record(db: StateDB, message_id: str, channel: str, path: Path, clock: Clock) -> DeliveryRecord:
    """The delivery row of an outbox file, made when a run stopped before recording it."""
    record = db.delivery(message_id, channel)
    if record is None:
        if db.digest(message_id) is None:
            db.add_digest(DigestRecord(message_id, clock(), (), content_hash="", outbox_file=str(path)), [])
        db.ensure_delivery(message_id, channel, path.name)
        record = db.delivery(message_id, channel)
    return record  # type: ignore[return-value]


def _drop_missing(db: StateDB, outbox: Outbox, channels: Sequence[str]) -> None:
    for record in db.deliveries(status="pending"):
        if record.channel not in channels or not record.file:
            continue
        if not (outbox.folder / Path(record.file).name).exists():
            reason = "its outbox file is missing (deleted, or the run stopped before writing it)"
            log.warning("outbox: %s (%s): %s; not delivered", record.message_id, record.channel, reason)
            db.drop_delivery(record.message_id, record.channel, reason)


def _set_aside(outbox: Outbox, path: Path, exc: Exception) -> None:
    target = outbox.folder / INVALID_FOLDER / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    log.warning("outbox: %s is not a digest delivery (%s); moved to %s", path.name, exc, target)


def _item(message_id: str, channel: str, **content) -> bytes:
    data = {"version": ITEM_VERSION, "digest_id": message_id, "channel": channel, **content}
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _read_item(raw: bytes, key: str) -> dict:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("digest_id"), str) or not isinstance(data.get(key), list):
        raise ValueError(f"lacks digest_id or {key}")
    return data
