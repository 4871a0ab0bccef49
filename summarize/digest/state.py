"""The digest state: one SQLite file (standard library ``sqlite3``), schema versioned.

Tables:
- ``articles``: every article seen, by content hash, with its first-seen and
  last-seen times (UTC). The window of a run is measured on first-seen times.
- ``summaries``: the summary cache. The pipeline computes each key from the
  engine, model, settings and the story's content hashes; the value is the
  ``StorySummary`` as JSON. Unchanged stories are not summarised again.
- ``digests``: each digest made: creation time, recipients, content hash (of
  the article hashes it covers), Message-ID, and ``sent_at``, which stays NULL
  until an SMTP server accepted the message.
- ``digest_articles``: which articles each digest covers. An article counts as
  sent once a digest covering it has ``sent_at``.

``PRAGMA user_version`` holds the schema version; ``StateDB`` creates or
migrates the file when it opens it and refuses a file from a newer version.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from summarize.models import Article, Source, StorySummary, SummarySentence

SCHEMA_VERSION = 1

# Migrations: MIGRATIONS[n] takes a file from version n to n + 1.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE articles (
        hash TEXT PRIMARY KEY,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        title TEXT,
        origin TEXT
    );
    CREATE TABLE summaries (
        key TEXT PRIMARY KEY,
        summary TEXT NOT NULL,
        created TEXT NOT NULL,
        last_used TEXT NOT NULL
    );
    CREATE TABLE digests (
        message_id TEXT PRIMARY KEY,
        created TEXT NOT NULL,
        sent_at TEXT,
        recipients TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        stories INTEGER NOT NULL DEFAULT 0,
        articles INTEGER NOT NULL DEFAULT 0,
        outbox_file TEXT
    );
    CREATE TABLE digest_articles (
        message_id TEXT NOT NULL REFERENCES digests(message_id) ON DELETE CASCADE,
        hash TEXT NOT NULL,
        PRIMARY KEY (message_id, hash)
    );
    CREATE INDEX digest_articles_hash ON digest_articles(hash);
    """,
]


class StateError(RuntimeError):
    """The state database cannot be used; the message names the file and why."""


@dataclass(frozen=True)
class DigestRecord:
    """One digest as the state database records it."""

    message_id: str
    created: dt.datetime
    recipients: tuple[str, ...]
    content_hash: str
    subject: str = ""
    stories: int = 0
    articles: int = 0
    sent_at: dt.datetime | None = None
    outbox_file: str | None = None


def article_hash(article: Article) -> str:
    """The content hash of an article: its title and text, whitespace normalised.

    Ids and origins are left out on purpose: the same article read from a
    folder today and a feed tomorrow is the same article.
    """
    normal = unicodedata.normalize("NFC", f"{article.title or ''}\n{article.text}")
    normal = " ".join(normal.split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def digest_content_hash(hashes: Iterable[str]) -> str:
    """The content hash of a digest: a hash of the sorted article hashes it covers."""
    return hashlib.sha256("\n".join(sorted(set(hashes))).encode("ascii")).hexdigest()


class StateDB:
    """The state file, opened (created or migrated when needed) on construction.

    Times are stored as ISO 8601 UTC strings. Use as a context manager or call
    ``close``. Raises StateError when the file cannot be opened or was written
    by a newer schema.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # A long busy timeout: a dry run may write the cache while a real run works.
            self._conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{self.path}: cannot use the state database ({exc})") from None
        except OSError as exc:
            raise StateError(f"{self.path}: cannot create the state database ({exc.strerror or exc})") from None
        self._lock = threading.Lock()

    def __enter__(self) -> StateDB:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    @property
    def schema_version(self) -> int:
        return self._conn.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise StateError(
                f"{self.path}: state schema version {version} is newer than this program's ({SCHEMA_VERSION}); "
                "upgrade briefing or point paths.state_db elsewhere"
            )
        for number in range(version, SCHEMA_VERSION):
            # executescript commits first; the script and the version bump run in one transaction.
            self._conn.executescript(f"BEGIN; {MIGRATIONS[number]}; PRAGMA user_version = {number + 1}; COMMIT;")

    # -- articles -----------------------------------------------------------------

    def record_seen(self, articles: Sequence[tuple[str, str | None, str]], now: dt.datetime) -> dict[str, dt.datetime]:
        """Record ``(hash, title, origin)`` as seen at ``now``; return each hash's first-seen time."""
        stamp = _stamp(now)
        with self._lock, self._conn:
            self._conn.executemany(
                "INSERT INTO articles (hash, first_seen, last_seen, title, origin) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(hash) DO UPDATE SET last_seen = excluded.last_seen",
                [(h, stamp, stamp, title, origin) for h, title, origin in articles],
            )
        return self.first_seen([h for h, _, _ in articles])

    def first_seen(self, hashes: Iterable[str]) -> dict[str, dt.datetime]:
        """First-seen times of the hashes that were recorded (others are absent)."""
        found = {}
        for batch in _batches(list(hashes)):
            rows = self._conn.execute(
                f"SELECT hash, first_seen FROM articles WHERE hash IN ({_marks(batch)})", batch
            ).fetchall()
            found.update({h: _parse(t) for h, t in rows})
        return found

    def sent_hashes(self, hashes: Iterable[str]) -> set[str]:
        """The hashes among ``hashes`` covered by a digest that was sent."""
        sent: set[str] = set()
        for batch in _batches(list(hashes)):
            rows = self._conn.execute(
                "SELECT DISTINCT a.hash FROM digest_articles a JOIN digests d USING (message_id) "
                f"WHERE d.sent_at IS NOT NULL AND a.hash IN ({_marks(batch)})",
                batch,
            ).fetchall()
            sent.update(h for (h,) in rows)
        return sent

    # -- digests ------------------------------------------------------------------

    def add_digest(self, record: DigestRecord, article_hashes: Iterable[str]) -> None:
        """Record a digest (not yet sent) and the articles it covers."""
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO digests (message_id, created, sent_at, recipients, content_hash, subject, stories, "
                "articles, outbox_file) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.message_id,
                    _stamp(record.created),
                    _stamp(record.sent_at) if record.sent_at else None,
                    json.dumps(list(record.recipients)),
                    record.content_hash,
                    record.subject,
                    record.stories,
                    record.articles,
                    record.outbox_file,
                ),
            )
            self._conn.executemany(
                "INSERT OR IGNORE INTO digest_articles (message_id, hash) VALUES (?, ?)",
                [(record.message_id, h) for h in set(article_hashes)],
            )

    def mark_sent(self, message_id: str, sent_at: dt.datetime) -> None:
        """Mark a digest sent; call only after the SMTP server accepted it."""
        with self._lock, self._conn:
            self._conn.execute("UPDATE digests SET sent_at = ? WHERE message_id = ?", (_stamp(sent_at), message_id))

    def digest(self, message_id: str) -> DigestRecord | None:
        row = self._conn.execute(f"SELECT {_DIGEST_COLUMNS} FROM digests WHERE message_id = ?", (message_id,)).fetchone()
        return _digest_from_row(row) if row else None

    def digests(self) -> list[DigestRecord]:
        """Every digest recorded, oldest first."""
        rows = self._conn.execute(f"SELECT {_DIGEST_COLUMNS} FROM digests ORDER BY created, message_id").fetchall()
        return [_digest_from_row(row) for row in rows]

    def last_sent(self) -> DigestRecord | None:
        row = self._conn.execute(
            f"SELECT {_DIGEST_COLUMNS} FROM digests WHERE sent_at IS NOT NULL ORDER BY sent_at DESC LIMIT 1"
        ).fetchone()
        return _digest_from_row(row) if row else None

    # -- summary cache ------------------------------------------------------------

    def get_summary(self, key: str, now: dt.datetime) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT summary FROM summaries WHERE key = ?", (key,)).fetchone()
            if row:
                with self._conn:
                    self._conn.execute("UPDATE summaries SET last_used = ? WHERE key = ?", (_stamp(now), key))
        return row[0] if row else None

    def put_summary(self, key: str, value: str, now: dt.datetime) -> None:
        stamp = _stamp(now)
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO summaries (key, summary, created, last_used) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET summary = excluded.summary, last_used = excluded.last_used",
                (key, value, stamp, stamp),
            )

    def prune_summaries(self, unused_since: dt.datetime) -> int:
        """Drop cached summaries not used since ``unused_since``; return how many."""
        with self._lock, self._conn:
            cursor = self._conn.execute("DELETE FROM summaries WHERE last_used < ?", (_stamp(unused_since),))
        return cursor.rowcount

    def count_summaries(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM summaries").fetchone()[0]


class SummaryCache:
    """The summary cache that ``build_briefing(summary_cache=...)`` uses.

    ``get(key)`` returns the cached ``StorySummary`` or None; ``put(key,
    summary)`` stores one. ``hits``, ``misses`` and ``stores`` count calls, so
    a run can report how many stories were summarised again. An entry that no
    longer deserialises (the dataclasses changed) counts as a miss.
    """

    def __init__(self, db: StateDB, clock=None):
        self._db = db
        self._clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self.hits = 0
        self.misses = 0
        self.stores = 0

    def get(self, key: str) -> StorySummary | None:
        text = self._db.get_summary(key, self._clock())
        summary = None
        if text is not None:
            try:
                summary = summary_from_json(text)
            except (ValueError, TypeError, KeyError):
                summary = None
        if summary is None:
            self.misses += 1
        else:
            self.hits += 1
        return summary

    def put(self, key: str, summary: StorySummary) -> None:
        self._db.put_summary(key, summary_to_json(summary), self._clock())
        self.stores += 1


def summary_to_json(summary: StorySummary) -> str:
    """Serialise a StorySummary (dates as ISO strings)."""
    return json.dumps(dataclasses.asdict(summary), default=_json_default, sort_keys=True)


def summary_from_json(text: str) -> StorySummary:
    """The inverse of ``summary_to_json``; raises ValueError, TypeError or KeyError on bad input."""
    data = json.loads(text)
    sources = []
    for item in data["sources"]:
        item = _known_fields(Source, item)
        if item.get("date"):
            item["date"] = dt.date.fromisoformat(item["date"])
        sources.append(Source(**item))
    sentences = [SummarySentence(**_known_fields(SummarySentence, item)) for item in data["sentences"]]
    rest = _known_fields(StorySummary, data)
    rest.update(sentences=sentences, sources=sources)
    return StorySummary(**rest)


# -- helpers ----------------------------------------------------------------------

_DIGEST_COLUMNS = "message_id, created, recipients, content_hash, subject, stories, articles, sent_at, outbox_file"


def _digest_from_row(row: tuple) -> DigestRecord:
    message_id, created, recipients, content_hash, subject, stories, articles, sent_at, outbox_file = row
    return DigestRecord(
        message_id=message_id,
        created=_parse(created),
        recipients=tuple(json.loads(recipients)),
        content_hash=content_hash,
        subject=subject,
        stories=stories,
        articles=articles,
        sent_at=_parse(sent_at) if sent_at else None,
        outbox_file=outbox_file,
    )


def _stamp(moment: dt.datetime) -> str:
    """UTC ISO 8601 with microseconds: one format, so strings sort like times."""
    if moment.tzinfo is None:
        raise ValueError("state times must be timezone-aware")
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _json_default(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _known_fields(cls, data: dict) -> dict:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _marks(batch: Sequence[str]) -> str:
    return ", ".join("?" * len(batch))


def _batches(items: list[str], size: int = 500) -> Iterable[list[str]]:
    # SQLite limits the number of bound parameters per statement.
    for start in range(0, len(items), size):
        yield items[start : start + size]
