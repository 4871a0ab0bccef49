"""The digest state database: a real SQLite file, schema versioned, and the summary cache."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from summarize.digest.state import (
    SCHEMA_VERSION,
    DigestRecord,
    StateDB,
    StateError,
    SummaryCache,
    article_hash,
    check_state,
    digest_content_hash,
    summary_from_json,
    summary_to_json,
)
from summarize.models import Article, Source, StorySummary, SummarySentence

T0 = dt.datetime(2025, 5, 15, 6, 0, tzinfo=dt.timezone.utc)


def test_new_file_gets_the_current_schema_and_reopens(tmp_path):
    path = tmp_path / "sub" / "state.sqlite3"
    with StateDB(path) as db:
        assert db.schema_version == SCHEMA_VERSION
        db.record_seen([("h1", "Title", "a.txt")], T0)
    with StateDB(path) as db:  # reopening migrates nothing and keeps the data
        assert db.first_seen(["h1"]) == {"h1": T0}


def test_a_file_from_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "state.sqlite3"
    StateDB(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StateError, match="newer than this program"):
        StateDB(path)


def test_a_file_that_is_not_sqlite_is_a_one_line_error(tmp_path):
    path = tmp_path / "state.sqlite3"
    path.write_text("not a database" * 100)
    with pytest.raises(StateError, match="cannot use the state database"):
        StateDB(path)


def test_first_seen_is_kept_and_last_seen_moves(tmp_path):
    with StateDB(tmp_path / "s.db") as db:
        first = db.record_seen([("a", None, "x"), ("b", "B", "y")], T0)
        assert first == {"a": T0, "b": T0}
        later = T0 + dt.timedelta(hours=3)
        assert db.record_seen([("a", None, "x"), ("c", None, "z")], later) == {"a": T0, "c": later}


def test_articles_count_as_sent_only_after_mark_sent(tmp_path):
    with StateDB(tmp_path / "s.db") as db:
        record = DigestRecord("<m1@example.org>", T0, ("r@example.org",), digest_content_hash(["a", "b"]), "Subj", 1, 2)
        db.add_digest(record, ["a", "b"])
        assert db.sent_hashes(["a", "b", "c"]) == set()
        assert db.digest("<m1@example.org>").sent_at is None
        db.mark_sent("<m1@example.org>", T0 + dt.timedelta(seconds=5))
        assert db.sent_hashes(["a", "b", "c"]) == {"a", "b"}
        sent = db.last_sent()
        assert sent.message_id == "<m1@example.org>" and sent.recipients == ("r@example.org",)
        assert sent.sent_at == T0 + dt.timedelta(seconds=5)


def test_article_hash_ignores_ids_origins_and_whitespace():
    a = Article(id="1", text="Putin  will not attend.\nTalks open.", title="Talks", origin="a.txt")
    b = Article(id="feed:9", text="Putin will not attend. Talks open.", title="Talks", origin="https://x/rss")
    c = Article(id="1", text="Putin will attend. Talks open.", title="Talks")
    assert article_hash(a) == article_hash(b) != article_hash(c)
    assert digest_content_hash(["b", "a", "a"]) == digest_content_hash(["a", "b"])


def _summary() -> StorySummary:
    return StorySummary(
        story_id="story-1",
        headline="Talks in Istanbul",
        sentences=[SummarySentence("Putin will not attend.", ["a1", "a2"])],
        sources=[Source("a1", "Talks", "Reuters", dt.date(2025, 5, 15), "https://example.org/a1"), Source("a2", "Talks 2", "AP")],
        notes=["one note"],
        factual={"unsupported": []},
    )


def test_summaries_round_trip_through_json():
    summary = _summary()
    assert summary_from_json(summary_to_json(summary)) == summary


def test_summary_cache_counts_hits_and_misses_across_connections(tmp_path):
    path = tmp_path / "s.db"
    with StateDB(path) as db:
        cache = SummaryCache(db, clock=lambda: T0)
        assert cache.get("k1") is None
        cache.put("k1", _summary())
        assert (cache.hits, cache.misses, cache.stores) == (0, 1, 1)
    with StateDB(path) as db:
        cache = SummaryCache(db, clock=lambda: T0)
        assert cache.get("k1") == _summary()
        assert cache.get("k2") is None
        assert (cache.hits, cache.misses) == (1, 1)


def test_an_undecodable_cache_entry_is_a_miss(tmp_path):
    with StateDB(tmp_path / "s.db") as db:
        db.put_summary("k", '{"not": "a summary"}', T0)
        cache = SummaryCache(db)
        assert cache.get("k") is None and cache.misses == 1


def test_unused_summaries_are_pruned(tmp_path):
    with StateDB(tmp_path / "s.db") as db:
        db.put_summary("old", summary_to_json(_summary()), T0)
        db.put_summary("new", summary_to_json(_summary()), T0 + dt.timedelta(days=100))
        assert db.prune_summaries(T0 + dt.timedelta(days=50)) == 1
        assert db.count_summaries() == 1


def test_a_version_1_file_is_migrated_keeping_what_was_sent(tmp_path):
    from summarize.digest.state import MIGRATIONS

    path = tmp_path / "v1.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
        conn.execute("INSERT INTO digests (message_id, created, sent_at, recipients, content_hash, outbox_file) "
                     "VALUES ('<a@x>', '2025-05-15T06:00:00.000000+00:00', '2025-05-15T06:00:05.000000+00:00', '[]', 'h', '/o/a.eml')")  # fmt: skip
        conn.execute("INSERT INTO digests (message_id, created, recipients, content_hash, outbox_file) "
                     "VALUES ('<b@x>', '2025-05-16T06:00:00.000000+00:00', '[]', 'h2', '/o/b.eml')")  # fmt: skip
    with StateDB(path) as db:
        assert db.schema_version == SCHEMA_VERSION == 3
        assert [(d.message_id, d.channel, d.status, d.file) for d in db.deliveries()] == [
            ("<a@x>", "mail", "sent", "/o/a.eml"), ("<b@x>", "mail", "pending", "/o/b.eml")]  # fmt: skip
    assert check_state(path) == []
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_check_state_is_read_only_and_names_problems(tmp_path):
    missing = tmp_path / "none.sqlite3"
    assert check_state(missing) == [] and not missing.exists()  # never creates the file
    path = tmp_path / "s.sqlite3"
    StateDB(path).close()
    assert check_state(path) == []
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    assert check_state(path) == [f"{path}: state schema version {SCHEMA_VERSION + 1} is newer than this program's ({SCHEMA_VERSION}); upgrade briefing"]
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a database" * 100)
    (line,) = check_state(junk)
    assert line.startswith(f"{junk}: ") and "\n" not in line


def test_stories_are_recorded_with_their_articles_for_history(tmp_path):
    from summarize.digest.state import StoryRecord, story_key

    with StateDB(tmp_path / "s.db") as db:
        record = DigestRecord("<m1@x>", T0, (), digest_content_hash(["a", "b", "c"]))
        stories = [StoryRecord(1, story_key(["a", "b"]), "Talks", "Putin will not attend.", ("a", "b"), ({"outlet": "AP"},)),
                   StoryRecord(2, story_key(["c"]), "Ferry", "The ferry runs.", ("c",))]  # fmt: skip
        db.add_digest(record, ["a", "b", "c"], stories, [("mail", "m1.eml"), ("feed", "m1.feed.json")])
        later = DigestRecord("<m2@x>", T0 + dt.timedelta(days=1), (), digest_content_hash(["b", "d"]))
        db.add_digest(later, ["b", "d"], [StoryRecord(1, story_key(["b", "d"]), "Talks end", "A deal.", ("b", "d"))])
        assert db.stories("<m1@x>") == stories
        assert [d.channel for d in db.deliveries("<m1@x>")] == ["feed", "mail"]
        timeline = db.story_mentions(stories[0].story_key[:10])
        assert [(m, s.headline) for m, s in timeline] == [("<m1@x>", "Talks"), ("<m2@x>", "Talks end")]  # linked by article b
        db.delete_digest("<m2@x>")
        assert [m for m, _ in db.story_mentions(stories[0].story_key)] == ["<m1@x>"]


def test_a_version_2_file_is_migrated_its_stories_keeping_their_keys_as_ids(tmp_path):
    from summarize.digest.state import MIGRATIONS, StoryRecord

    path = tmp_path / "v2.sqlite3"
    key = "ab" * 32
    with sqlite3.connect(path) as conn:
        conn.executescript(MIGRATIONS[0] + ";" + MIGRATIONS[1] + "; PRAGMA user_version = 2;")
        conn.execute("INSERT INTO digests (message_id, created, sent_at, recipients, content_hash) "
                     "VALUES ('<a@x>', '2025-05-15T06:00:00.000000+00:00', '2025-05-15T06:00:05.000000+00:00', '[]', 'h')")  # fmt: skip
        conn.execute("INSERT INTO digest_stories (message_id, position, story_key, headline, summary, sources) "
                     f"VALUES ('<a@x>', 1, '{key}', 'Talks', 'They met.', '[]')")  # fmt: skip
        conn.execute("INSERT INTO story_articles (message_id, position, hash) VALUES ('<a@x>', 1, 'h1')")
    with StateDB(path) as db:
        assert db.schema_version == SCHEMA_VERSION == 3
        assert db.stories("<a@x>") == [StoryRecord(1, key, "Talks", "They met.", ("h1",), (), key[:12], shown=True)]
        (entry,) = db.story_entries(T0 - dt.timedelta(days=1))
        assert (entry.story_id, entry.article_hashes, entry.shown) == (key[:12], ("h1",), True)
        assert db.article_texts(["h1"]) == {}  # no texts were kept before version 3
    assert check_state(path) == []


def test_story_entries_come_from_sent_digests_within_the_lookback(tmp_path):
    from summarize.digest.state import StoryRecord

    def digest(name: str, when: dt.datetime, *stories: StoryRecord, sent: bool = True) -> None:
        db.add_digest(DigestRecord(name, when, (), "h"), [h for s in stories for h in s.article_hashes], stories)
        if sent:
            db.mark_sent(name, when)

    with StateDB(tmp_path / "s.db") as db:
        old = StoryRecord(1, "k1", "Talks planned", "Talks are planned.", ("a",), story_id="talks")
        digest("<d1>", T0 - dt.timedelta(days=40), old)
        digest("<d2>", T0, StoryRecord(1, "k2", "Talks open", "They met.", ("b",), story_id="talks"),
               StoryRecord(2, "k3", "Talks retold", "", ("c",), story_id="talks", shown=False))  # fmt: skip
        digest("<d3>", T0 + dt.timedelta(hours=1), StoryRecord(1, "k4", "Ferry", "It runs.", ("d",), story_id="ferry"), sent=False)
        entries = db.story_entries(T0 - dt.timedelta(days=30))
        assert [(e.digest_id, e.story_key, e.shown) for e in entries] == [("<d2>", "k2", True), ("<d2>", "k3", False)]
        assert db.first_shown(["talks", "ferry"]) == {"talks": T0 - dt.timedelta(days=40)}  # at any age; never unsent ones


def test_article_texts_are_kept_compressed_and_pruned_with_their_digests(tmp_path):
    from summarize.digest.state import ArticleText, StoryRecord

    text = "The harbour ferry resumed service on Thursday after a storm closed the port. " * 40
    with StateDB(tmp_path / "s.db") as db:
        for day, digest_hash in enumerate(("a", "b")):
            record = DigestRecord(f"<d{day}>", T0 + dt.timedelta(days=day), (), "h")
            texts = [ArticleText(digest_hash, "Ferry", text, dt.date(2025, 5, 15 + day))]
            db.add_digest(record, [digest_hash], [StoryRecord(1, digest_hash * 2, "Ferry", "", (digest_hash,))], texts=texts)
        assert db.article_texts(["a", "b", "z"]) == {
            "a": ArticleText("a", "Ferry", text, dt.date(2025, 5, 15)), "b": ArticleText("b", "Ferry", text, dt.date(2025, 5, 16))}  # fmt: skip
        stored = db._read("SELECT length(text) FROM article_texts WHERE hash = 'a'")[0][0]
        assert stored < len(text) / 10  # zlib: a repetitive text shrinks a lot, news text to about half
        assert db.prune_article_texts(T0 + dt.timedelta(hours=12)) == 1  # only digest <d1> is recent enough
        assert set(db.article_texts(["a", "b"])) == {"b"} and db.count_article_texts() == 1
