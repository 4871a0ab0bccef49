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
- ``deliveries``: one row per digest and channel (``mail``, ``webhook``,
  ``feed``): its outbox file, ``status`` (``pending``, ``sent``, ``dropped``),
  how many parts of it were accepted (a long digest is several webhook posts),
  attempts and the last error. Each channel is tracked on its own, so a failed
  webhook post is retried without mailing the digest again. ``digests.sent_at``
  is set by the first channel that delivers it.
- ``digest_stories`` and ``story_articles``: each digest's stories in reading
  order, with headline, summary text, sources and the content hashes of their
  articles. ``story_key`` hashes the story's article hashes; ``story_id`` is
  the story's stable id across digests (story continuity, see
  ``summarize.digest.continuity``); ``shown`` is 0 for a continuing story
  left out of the digest because its update said nothing new.
- ``article_texts``: the cleaned title and text (zlib-compressed) and the date
  of each article of a digest's stories, for matching later stories against
  them; kept only while a digest within the continuity look-back covers the
  article (``prune_article_texts``).
- ``feed_entries``: the entries of the feed file, newest kept, as written.

``PRAGMA user_version`` holds the schema version; ``StateDB`` creates or
migrates the file when it opens it and refuses a file from a newer version.

The file is in WAL mode with ``synchronous = FULL``: every change is one
transaction, a process killed at any point leaves the last committed state,
and readers (``briefing history``, ``briefing doctor``) never block a run.
``PRAGMA integrity_check`` runs when a run opens the file; a corrupt file is
refused with one line (the outbox is kept) instead of being written to.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import sqlite3
import threading
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from summarize.models import Article, Source, StorySummary, SummarySentence

SCHEMA_VERSION = 3
# Seconds a write waits for another process that holds the database's write lock.
BUSY_TIMEOUT = 30.0

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
    """
    CREATE TABLE deliveries (
        message_id TEXT NOT NULL REFERENCES digests(message_id) ON DELETE CASCADE,
        channel TEXT NOT NULL,
        file TEXT,
        status TEXT NOT NULL DEFAULT 'pending',
        sent_at TEXT,
        parts_sent INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_attempt TEXT,
        last_error TEXT,
        PRIMARY KEY (message_id, channel)
    );
    INSERT INTO deliveries (message_id, channel, file, status, sent_at, parts_sent)
        SELECT message_id, 'mail', outbox_file, CASE WHEN sent_at IS NULL THEN 'pending' ELSE 'sent' END, sent_at,
               CASE WHEN sent_at IS NULL THEN 0 ELSE 1 END
        FROM digests;
    CREATE TABLE digest_stories (
        message_id TEXT NOT NULL REFERENCES digests(message_id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        story_key TEXT NOT NULL,
        story_id TEXT,
        headline TEXT NOT NULL,
        summary TEXT NOT NULL,
        sources TEXT NOT NULL,
        PRIMARY KEY (message_id, position)
    );
    CREATE INDEX digest_stories_story_id ON digest_stories(story_id);
    CREATE TABLE story_articles (
        message_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (message_id, position, hash),
        FOREIGN KEY (message_id, position) REFERENCES digest_stories(message_id, position) ON DELETE CASCADE
    );
    CREATE INDEX story_articles_hash ON story_articles(hash);
    CREATE TABLE feed_entries (
        entry_id TEXT PRIMARY KEY,
        message_id TEXT NOT NULL,
        published TEXT NOT NULL,
        data TEXT NOT NULL
    );
    """,
    # Version 3: story continuity. Stories recorded before it keep their own id
    # (their key's first characters, as history showed them); no article texts
    # were kept then, so they continue only through an article sent again.
    """
    ALTER TABLE digest_stories ADD COLUMN shown INTEGER NOT NULL DEFAULT 1;
    UPDATE digest_stories SET story_id = substr(story_key, 1, 12) WHERE story_id IS NULL;
    CREATE TABLE article_texts (
        hash TEXT PRIMARY KEY,
        title TEXT,
        day TEXT,
        text BLOB NOT NULL
    );
    """,
]
CHANNEL_STATUSES = ("pending", "sent", "dropped")


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


@dataclass(frozen=True)
class DeliveryRecord:
    """One channel's delivery of one digest."""

    message_id: str
    channel: str
    file: str | None
    status: str = "pending"
    sent_at: dt.datetime | None = None
    parts_sent: int = 0
    attempts: int = 0
    last_attempt: dt.datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class StoryRecord:
    """One story of a digest as recorded: what the reader got, and from which articles."""

    position: int
    story_key: str
    headline: str
    summary: str
    article_hashes: tuple[str, ...]
    sources: tuple[dict, ...] = ()  # {"title", "outlet", "date", "url"}
    story_id: str | None = None
    shown: bool = True  # False: a continuing story left out, its update said nothing new


@dataclass(frozen=True)
class StoryEntry:
    """One story of a sent digest, as story continuity reads it back."""

    story_id: str
    digest_id: str
    created: dt.datetime  # when the digest was made
    story_key: str
    headline: str
    summary: str
    shown: bool
    article_hashes: tuple[str, ...]


@dataclass(frozen=True)
class ArticleText:
    """An article of a digest's story as kept for matching: cleaned title and text, and its date."""

    hash: str
    title: str | None
    text: str
    day: dt.date | None  # the article's date, else the day it was first seen (the reader's zone)


def story_key(article_hashes: Iterable[str]) -> str:
    """A story's key: the hash of its sorted article content hashes (same articles, same key)."""
    return digest_content_hash(article_hashes)


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
    ``close``. Every method raises StateError (one line naming the file and
    the cause: locked by another process, disk full, corrupt, ...) instead of
    a ``sqlite3`` exception; the transaction of a failed change is rolled back.
    """

    def __init__(self, path: str | Path, timeout: float | None = None):
        self.path = Path(path)
        self.timeout = BUSY_TIMEOUT if timeout is None else timeout
        self._lock = threading.Lock()
        self._conn = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # The timeout also covers a dry run writing the summary cache while a real run works.
            self._conn = sqlite3.connect(self.path, timeout=self.timeout, check_same_thread=False)
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._check_integrity()
            if self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                raise StateError(f"{self.path}: state database: cannot switch to WAL mode (is the folder on a network file system?)")
            self._conn.execute("PRAGMA synchronous = FULL")  # a committed "sent" survives a power cut too
            self._migrate()
        except sqlite3.Error as exc:
            self._close_quietly()
            raise _state_error(self.path, exc, self.timeout) from None
        except OSError as exc:
            self._close_quietly()
            raise StateError(f"{self.path}: cannot create the state database ({exc.strerror or exc})") from None
        except StateError:
            self._close_quietly()
            raise

    def __enter__(self) -> StateDB:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _close_quietly(self) -> None:
        try:
            self.close()
        except sqlite3.Error:
            pass

    @contextlib.contextmanager
    def _errors(self):
        """Turn any sqlite3 error into a one-line StateError."""
        try:
            yield
        except sqlite3.Error as exc:
            raise _state_error(self.path, exc, self.timeout) from None

    @contextlib.contextmanager
    def _write(self):
        """One transaction: committed as a whole at the end of the block, or rolled back."""
        with self._lock, self._errors(), self._conn:
            yield self._conn

    def _read(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._errors():
            return self._conn.execute(sql, params).fetchall()

    @property
    def schema_version(self) -> int:
        return self._read("PRAGMA user_version")[0][0]

    def _check_integrity(self) -> None:
        problems = [row[0] for row in self._conn.execute("PRAGMA integrity_check").fetchall()]
        if problems != ["ok"]:
            raise StateError(_corrupt_line(self.path, problems))

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
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO articles (hash, first_seen, last_seen, title, origin) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(hash) DO UPDATE SET last_seen = excluded.last_seen",
                [(h, stamp, stamp, title, origin) for h, title, origin in articles],
            )
        return self.first_seen([h for h, _, _ in articles])

    def first_seen(self, hashes: Iterable[str]) -> dict[str, dt.datetime]:
        """First-seen times of the hashes that were recorded (others are absent)."""
        found = {}
        for batch in _batches(list(hashes)):
            rows = self._read(f"SELECT hash, first_seen FROM articles WHERE hash IN ({_marks(batch)})", batch)
            found.update({h: _parse(t) for h, t in rows})
        return found

    def sent_hashes(self, hashes: Iterable[str]) -> set[str]:
        """The hashes among ``hashes`` covered by a digest that was sent."""
        sent: set[str] = set()
        for batch in _batches(list(hashes)):
            rows = self._read(
                "SELECT DISTINCT a.hash FROM digest_articles a JOIN digests d USING (message_id) "
                f"WHERE d.sent_at IS NOT NULL AND a.hash IN ({_marks(batch)})",
                batch,
            )
            sent.update(h for (h,) in rows)
        return sent

    # -- digests ------------------------------------------------------------------

    def add_digest(
        self,
        record: DigestRecord,
        article_hashes: Iterable[str],
        stories: Sequence[StoryRecord] = (),
        channels: Sequence[tuple[str, str | None]] = (),
        texts: Sequence[ArticleText] = (),
    ) -> None:
        """Record a digest (not yet sent), its articles, its stories, one pending delivery per ``(channel, file)``
        and the texts of its stories' articles (for continuity)."""
        with self._write() as conn:
            conn.execute(
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
            conn.executemany(
                "INSERT OR IGNORE INTO digest_articles (message_id, hash) VALUES (?, ?)",
                [(record.message_id, h) for h in set(article_hashes)],
            )
            conn.executemany(
                "INSERT INTO digest_stories (message_id, position, story_key, story_id, headline, summary, sources, shown) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (record.message_id, s.position, s.story_key, s.story_id, s.headline, s.summary,
                     json.dumps(list(s.sources)), int(s.shown))
                    for s in stories
                ],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO article_texts (hash, title, day, text) VALUES (?, ?, ?, ?)",
                [(t.hash, t.title, t.day.isoformat() if t.day else None, _pack(t.text)) for t in texts],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO story_articles (message_id, position, hash) VALUES (?, ?, ?)",
                [(record.message_id, s.position, h) for s in stories for h in s.article_hashes],
            )
            conn.executemany(
                "INSERT INTO deliveries (message_id, channel, file) VALUES (?, ?, ?)",
                [(record.message_id, channel, file) for channel, file in channels],
            )

    def delete_digest(self, message_id: str) -> None:
        """Forget a digest that never reached the outbox (its articles go into the next digest)."""
        with self._write() as conn:
            conn.execute("DELETE FROM story_articles WHERE message_id = ?", (message_id,))
            conn.execute("DELETE FROM digests WHERE message_id = ?", (message_id,))

    def mark_sent(self, message_id: str, sent_at: dt.datetime, channel: str = "mail") -> None:
        """Mark a channel's delivery done; call only after the server accepted it (or the feed was written).

        The digest counts as sent (its articles are not sent again) from the
        first channel that delivered it.
        """
        stamp = _stamp(sent_at)
        with self._write() as conn:
            conn.execute("UPDATE digests SET sent_at = COALESCE(sent_at, ?) WHERE message_id = ?", (stamp, message_id))
            conn.execute(
                "UPDATE deliveries SET status = 'sent', sent_at = ?, last_error = NULL WHERE message_id = ? AND channel = ?",
                (stamp, message_id, channel),
            )

    def ensure_delivery(self, message_id: str, channel: str, file: str | None) -> None:
        """A pending delivery row for an outbox file whose digest was recorded without it."""
        with self._write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO deliveries (message_id, channel, file) VALUES (?, ?, ?)", (message_id, channel, file)
            )

    def record_attempt(
        self, message_id: str, channel: str, when: dt.datetime, error: str | None = None, parts_sent: int | None = None
    ) -> None:
        """Count a delivery attempt: its time, its error (None: this part was accepted) and the parts accepted so far."""
        with self._write() as conn:
            conn.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_attempt = ?, last_error = ?, "
                "parts_sent = COALESCE(?, parts_sent) WHERE message_id = ? AND channel = ?",
                (_stamp(when), error, parts_sent, message_id, channel),
            )

    def drop_delivery(self, message_id: str, channel: str, reason: str) -> None:
        """Give up a channel's delivery (its outbox file is gone): it is no longer waited for."""
        with self._write() as conn:
            conn.execute(
                "UPDATE deliveries SET status = 'dropped', last_error = ? WHERE message_id = ? AND channel = ?",
                (reason, message_id, channel),
            )

    def delivery(self, message_id: str, channel: str) -> DeliveryRecord | None:
        rows = self._read(f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE message_id = ? AND channel = ?", (message_id, channel))
        return _delivery_from_row(rows[0]) if rows else None

    def deliveries(self, message_id: str | None = None, status: str | None = None) -> list[DeliveryRecord]:
        """Deliveries of one digest or of all, optionally of one status, oldest digest first."""
        sql = f"SELECT {_DELIVERY_COLUMNS} FROM deliveries JOIN digests USING (message_id) WHERE 1 = 1"
        params: list = []
        if message_id is not None:
            sql += " AND message_id = ?"
            params.append(message_id)
        if status is not None:
            sql += " AND status = ?"
            params.append(status)
        rows = self._read(sql + " ORDER BY digests.created, message_id, channel", params)
        return [_delivery_from_row(row) for row in rows]

    def digest(self, message_id: str) -> DigestRecord | None:
        rows = self._read(f"SELECT {_DIGEST_COLUMNS} FROM digests WHERE message_id = ?", (message_id,))
        return _digest_from_row(rows[0]) if rows else None

    def digests(self, limit: int | None = None) -> list[DigestRecord]:
        """Every digest recorded, oldest first (the newest ``limit`` when given)."""
        if limit is None:
            rows = self._read(f"SELECT {_DIGEST_COLUMNS} FROM digests ORDER BY created, message_id")
        else:
            rows = self._read(f"SELECT {_DIGEST_COLUMNS} FROM digests ORDER BY created DESC, message_id DESC LIMIT ?", (limit,))
            rows.reverse()
        return [_digest_from_row(row) for row in rows]

    def last_sent(self) -> DigestRecord | None:
        rows = self._read(f"SELECT {_DIGEST_COLUMNS} FROM digests WHERE sent_at IS NOT NULL ORDER BY sent_at DESC LIMIT 1")
        return _digest_from_row(rows[0]) if rows else None

    # -- stories ------------------------------------------------------------------

    def stories(self, message_id: str) -> list[StoryRecord]:
        """A digest's stories in reading order (those left out as nothing new last)."""
        rows = self._read(
            "SELECT position, story_key, headline, summary, sources, story_id, shown FROM digest_stories "
            "WHERE message_id = ? ORDER BY position",
            (message_id,),
        )
        hashes: dict[int, list[str]] = {}
        for position, digest in self._read("SELECT position, hash FROM story_articles WHERE message_id = ?", (message_id,)):
            hashes.setdefault(position, []).append(digest)
        return [
            StoryRecord(position, key, headline, summary, tuple(sorted(hashes.get(position, []))), tuple(json.loads(sources)),
                        story_id, bool(shown))  # fmt: skip
            for position, key, headline, summary, sources, story_id, shown in rows
        ]

    # -- story continuity ---------------------------------------------------------

    def story_entries(self, since: dt.datetime) -> list[StoryEntry]:
        """The stories of the digests made since ``since`` and sent, oldest first (a digest's in reading order)."""
        sent_since = "JOIN digests d USING (message_id) WHERE d.sent_at IS NOT NULL AND d.created >= ?"
        hashes: dict[tuple[str, int], list[str]] = {}
        for message_id, position, digest in self._read(
            f"SELECT a.message_id, a.position, a.hash FROM story_articles a {sent_since}", (_stamp(since),)
        ):
            hashes.setdefault((message_id, position), []).append(digest)
        rows = self._read(
            "SELECT s.story_id, s.message_id, d.created, s.position, s.story_key, s.headline, s.summary, s.shown "
            f"FROM digest_stories s {sent_since} AND s.story_id IS NOT NULL ORDER BY d.created, s.message_id, s.position",
            (_stamp(since),),
        )
        return [
            StoryEntry(story_id, message_id, _parse(created), key, headline, summary, bool(shown),
                       tuple(sorted(hashes.get((message_id, position), []))))  # fmt: skip
            for story_id, message_id, created, position, key, headline, summary, shown in rows
        ]

    def first_shown(self, story_ids: Iterable[str]) -> dict[str, dt.datetime]:
        """When each story was first in a sent digest (shown, not left out); stories never shown are absent."""
        found = {}
        for batch in _batches(sorted(set(story_ids))):
            rows = self._read(
                "SELECT s.story_id, MIN(d.created) FROM digest_stories s JOIN digests d USING (message_id) "
                f"WHERE d.sent_at IS NOT NULL AND s.shown = 1 AND s.story_id IN ({_marks(batch)}) GROUP BY s.story_id",
                batch,
            )
            found.update({story_id: _parse(created) for story_id, created in rows})
        return found

    def article_texts(self, hashes: Iterable[str]) -> dict[str, ArticleText]:
        """The kept texts of the articles ``hashes`` (pruned ones are absent)."""
        found = {}
        for batch in _batches(sorted(set(hashes))):
            rows = self._read(f"SELECT hash, title, day, text FROM article_texts WHERE hash IN ({_marks(batch)})", batch)
            for digest, title, day, text in rows:
                found[digest] = ArticleText(digest, title, _unpack(text), dt.date.fromisoformat(day) if day else None)
        return found

    def prune_article_texts(self, before: dt.datetime) -> int:
        """Drop the texts of articles that no digest made since ``before`` covers; return how many."""
        with self._write() as conn:
            cursor = conn.execute(
                "DELETE FROM article_texts WHERE hash NOT IN "
                "(SELECT a.hash FROM story_articles a JOIN digests d USING (message_id) WHERE d.created >= ?)",
                (_stamp(before),),
            )
        return cursor.rowcount

    def count_article_texts(self) -> int:
        return self._read("SELECT COUNT(*) FROM article_texts")[0][0]

    def story_mentions(self, key_prefix: str) -> list[tuple[str, StoryRecord]]:
        """The story whose key (or story id) starts with ``key_prefix`` and every digest story sharing an article with it.

        ``(message_id, story)`` pairs, oldest digest first. Until story
        continuity assigns ``story_id``, stories are linked by the articles
        they share; with it, stories with the same ``story_id`` are linked too.
        """
        pattern = key_prefix.replace("%", "").replace("_", "") + "%"
        seeds = self._read(
            "SELECT message_id, position, story_id FROM digest_stories WHERE story_key LIKE ? OR story_id LIKE ?",
            (pattern, pattern),
        )
        if not seeds:
            return []
        linked: set[tuple[str, int]] = set()
        for message_id, position, story_id in seeds:
            linked.add((message_id, position))
            linked.update(
                self._read(
                    "SELECT DISTINCT b.message_id, b.position FROM story_articles a JOIN story_articles b ON a.hash = b.hash "
                    "WHERE a.message_id = ? AND a.position = ?",
                    (message_id, position),
                )
            )
            if story_id:
                linked.update(self._read("SELECT message_id, position FROM digest_stories WHERE story_id = ?", (story_id,)))
        by_digest: dict[str, set[int]] = {}
        for message_id, position in linked:
            by_digest.setdefault(message_id, set()).add(position)
        mentions = []
        for record in self.digests():
            for story in self.stories(record.message_id):
                if story.position in by_digest.get(record.message_id, ()):
                    mentions.append((record.message_id, story))
        return mentions

    # -- feed ---------------------------------------------------------------------

    def feed_entries(self) -> list[dict]:
        """The feed's entries as written, newest first."""
        rows = self._read("SELECT data FROM feed_entries ORDER BY published DESC, entry_id DESC")
        return [json.loads(data) for (data,) in rows]

    def put_feed_entries(self, message_id: str, entries: Sequence[dict], keep: int) -> None:
        """Add a digest's entries (an id already there stays as it was) and keep the newest ``keep``, in one transaction."""
        with self._write() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO feed_entries (entry_id, message_id, published, data) VALUES (?, ?, ?, ?)",
                [(e["id"], message_id, e["published"], json.dumps(e, sort_keys=True)) for e in entries],
            )
            conn.execute(
                "DELETE FROM feed_entries WHERE entry_id NOT IN "
                "(SELECT entry_id FROM feed_entries ORDER BY published DESC, entry_id DESC LIMIT ?)",
                (keep,),
            )

    # -- summary cache ------------------------------------------------------------

    def get_summary(self, key: str, now: dt.datetime) -> str | None:
        with self._write() as conn:
            row = conn.execute("SELECT summary FROM summaries WHERE key = ?", (key,)).fetchone()
            if row:
                conn.execute("UPDATE summaries SET last_used = ? WHERE key = ?", (_stamp(now), key))
        return row[0] if row else None

    def put_summary(self, key: str, value: str, now: dt.datetime) -> None:
        stamp = _stamp(now)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO summaries (key, summary, created, last_used) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET summary = excluded.summary, last_used = excluded.last_used",
                (key, value, stamp, stamp),
            )

    def prune_summaries(self, unused_since: dt.datetime) -> int:
        """Drop cached summaries not used since ``unused_since``; return how many."""
        with self._write() as conn:
            cursor = conn.execute("DELETE FROM summaries WHERE last_used < ?", (_stamp(unused_since),))
        return cursor.rowcount

    def count_summaries(self) -> int:
        return self._read("SELECT COUNT(*) FROM summaries")[0][0]


def check_state(path: str | Path) -> list[str]:
    """Problems of the state database at ``path``, one line each; ``[]`` when healthy.

    Read-only (for ``briefing doctor``): it never creates, migrates or writes
    the file, and does not wait for a run that is writing it. A file that does
    not exist yet is healthy (the first run creates it).
    """
    path = Path(path).expanduser()
    if not path.exists():
        return []
    if not path.is_file():
        return [f"{path}: the state database is not a regular file"]
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
    except sqlite3.Error as exc:
        return [str(_state_error(path, exc, 1))]
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.Error as exc:
        return [str(_state_error(path, exc, 1))]
    finally:
        conn.close()
    lines = []
    if problems != ["ok"]:
        lines.append(_corrupt_line(path, problems))
    if version > SCHEMA_VERSION:
        lines.append(f"{path}: state schema version {version} is newer than this program's ({SCHEMA_VERSION}); upgrade briefing")
    return lines


def _corrupt_line(path: Path, problems: list[str]) -> str:
    first = " ".join(str(problems[0]).split())
    return (
        f"{path}: the state database is corrupt (PRAGMA integrity_check: {first}"
        f"{f'; {len(problems)} problems' if len(problems) > 1 else ''}); nothing was written and the outbox is kept: "
        "restore a backup, or move the file aside to start a new one (digests of the last window may then be sent again)"
    )


def _state_error(path: Path, exc: sqlite3.Error, timeout: float) -> StateError:
    """One line for a sqlite3 error, by its result code."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name.startswith("SQLITE_BUSY") or name.startswith("SQLITE_LOCKED") or "database is locked" in text:
        reason = f"locked by another process (waited {timeout:g} s); nothing was changed, try again later"
    elif name.startswith("SQLITE_FULL") or "disk is full" in text:
        reason = "the disk is full; the change was rolled back and nothing was lost: free space and run again"
    elif name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text or "not a database" in text:
        return StateError(_corrupt_line(path, [text]) if "malformed" in text else f"{path}: cannot use the state database ({text})")
    elif name.startswith("SQLITE_READONLY"):
        reason = f"read-only ({text}); check the file's and its folder's permissions"
    elif name.startswith("SQLITE_IOERR") or name.startswith("SQLITE_CANTOPEN"):
        reason = f"I/O error ({text}; {name}); is the disk full or the folder unwritable?"
    else:
        reason = text
    return StateError(f"{path}: state database: {reason}")


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

_DELIVERY_COLUMNS = "message_id, channel, file, status, deliveries.sent_at, parts_sent, attempts, last_attempt, last_error"


def _delivery_from_row(row: tuple) -> DeliveryRecord:
    message_id, channel, file, status, sent_at, parts_sent, attempts, last_attempt, last_error = row
    return DeliveryRecord(
        message_id=message_id, channel=channel, file=file, status=status,
        sent_at=_parse(sent_at) if sent_at else None, parts_sent=parts_sent, attempts=attempts,
        last_attempt=_parse(last_attempt) if last_attempt else None, last_error=last_error,
    )  # fmt: skip


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


def _pack(text: str) -> bytes:
    # Article texts would be most of the file; zlib stores news text in about half its size.
    return zlib.compress(text.encode("utf-8"), 6)


def _unpack(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8")


def _marks(batch: Sequence[str]) -> str:
    return ", ".join("?" * len(batch))


def _batches(items: list[str], size: int = 500) -> Iterable[list[str]]:
    # SQLite limits the number of bound parameters per statement.
    for start in range(0, len(items), size):
        yield items[start : start + size]
