"""The digest's feed file: entries per story, stable ids, a bounded number kept, read back with feedparser."""

from __future__ import annotations

import datetime as dt

import feedparser
import pytest

from summarize.digest.config import FeedConfig
from summarize.digest.continuity import StoryThread
from summarize.digest.feedfile import entry_id, feed_entries, merge_entries, write_feed
from summarize.digest.state import StoryEntry
from summarize.models import Briefing, Source, StorySummary, SummarySentence

T0 = dt.datetime(2025, 5, 15, 6, 0, tzinfo=dt.timezone.utc)


def _briefing() -> Briefing:
    return Briefing(
        T0,
        "extractive",
        None,
        [
            StorySummary("s1", "Ferry <resumes> & more", [SummarySentence("The ferry runs <again>.")],
                         [Source("a1", "Ferry back", "Harbour Gazette", None, "https://gazette.example.org/ferry"),
                          Source("a2", "Evil", "Evil", None, "javascript:alert(1)")]),  # fmt: skip
            StorySummary("s2", "Library opens late", [SummarySentence("Open until nine.")], [Source("b1", "Library", "Courier")]),
        ],
    )


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_feed_reads_back_with_feedparser(tmp_path, fmt):
    config = FeedConfig(path=tmp_path / "feed.xml", format=fmt, title="My briefing", link="https://example.org/briefing")
    entries = feed_entries(_briefing(), "<d1@example.org>", T0, ["k1", "k2"])
    write_feed(entries, config, T0)
    parsed = feedparser.parse(str(config.path))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == ("atom10" if fmt == "atom" else "rss20")
    assert parsed.feed.title == "My briefing"
    assert [e.id for e in parsed.entries] == [entry_id("k1"), entry_id("k2")]
    first = parsed.entries[0]
    assert first.title == "Ferry <resumes> & more" and first.link == "https://gazette.example.org/ferry"
    html = first.content[0].value if fmt == "atom" else first.summary  # RSS: the description
    assert "The ferry runs &lt;again&gt;." in html and '<a href="https://gazette.example.org/ferry">Ferry back</a> — Harbour Gazette' in html
    assert "javascript:" not in html
    # The top story is the newest entry, so readers that sort by time keep the digest's order.
    assert first.published_parsed > parsed.entries[1].published_parsed
    assert list(tmp_path.iterdir()) == [config.path]  # no temporary file left


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_a_continuing_story_is_marked_and_threaded_to_its_earlier_entry(tmp_path, fmt):
    earlier = StoryEntry("3f2a9c0d1e2b", "<d0@x>", T0 - dt.timedelta(days=1), "k0", "Ferry stopped by storm", "The ferry stops.",
                         True, ("a0",))  # fmt: skip
    threads = [StoryThread("3f2a9c0d1e2b", continues=True, day=2, earlier=(earlier,)), StoryThread("k2")]
    entries = feed_entries(_briefing(), "<d1@x>", T0, ["k1", "k2"], threads)
    assert entries[0]["in_reply_to"] == entry_id("k0") and "in_reply_to" not in entries[1]
    config = FeedConfig(path=tmp_path / "feed.xml", format=fmt)
    write_feed(entries, config, T0)
    parsed = feedparser.parse(str(config.path))
    assert not parsed.bozo, parsed.get("bozo_exception")
    first, second = parsed.entries
    assert first.title == "Ferry <resumes> & more (developing: day 2)" and second.title == "Library opens late"
    html = first.content[0].value if fmt == "atom" else first.summary
    assert html.startswith("<p><strong>Developing: day 2</strong></p>")
    assert "<p>Earlier in this story:</p><ul><li>14 May 2025: Ferry stopped by storm</li></ul>" in html
    raw = config.path.read_text()
    assert ('<thr:in-reply-to ref="' + entry_id("k0") + '"/>' in raw) == (fmt == "atom")  # Atom threading (RFC 4685)
    assert [t.term for t in first.tags] == ["story:3f2a9c0d1e2b"]


def test_ids_are_stable_and_the_feed_is_bounded():
    day1 = feed_entries(_briefing(), "<d1@x>", T0, ["k1", "k2"])
    again = feed_entries(_briefing(), "<d1@x>", T0, ["k1", "k2"])
    assert [e["id"] for e in day1] == [e["id"] for e in again]
    day2 = feed_entries(_briefing(), "<d2@x>", T0 + dt.timedelta(days=1), ["k3", "k4"])
    merged = merge_entries(day2, merge_entries(day1, [], 10), keep=3)
    assert [e["id"] for e in merged] == [day2[0]["id"], day2[1]["id"], day1[0]["id"]]
    assert merge_entries(day1, merged, keep=10).count(day1[0]) == 1  # rewriting an entry never doubles it
    # A story repeated unchanged by a later digest keeps its entry (and its time): readers see it once.
    repeated = feed_entries(_briefing(), "<d3@x>", T0 + dt.timedelta(days=2), ["k1", "k5"])
    again = merge_entries(repeated, merge_entries(day1, [], 10), keep=10)
    assert [e["id"] for e in again] == [repeated[1]["id"], day1[0]["id"], day1[1]["id"]] and again[1] == day1[0]


def test_a_failed_write_leaves_the_old_feed(tmp_path, monkeypatch):
    config = FeedConfig(path=tmp_path / "feed.xml")
    write_feed(feed_entries(_briefing(), "<d1@x>", T0, ["k1", "k2"]), config, T0)
    before = config.path.read_bytes()
    import os

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError):
        write_feed(feed_entries(_briefing(), "<d2@x>", T0, ["k3", "k4"]), config, T0)
    assert config.path.read_bytes() == before and list(tmp_path.iterdir()) == [config.path]
