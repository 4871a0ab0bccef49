"""Story continuity: digest stories matched against earlier digests' stories, kept under one id, told as updates.

The pure parts (matching, day counting, threads) on small dated fixtures; then
whole digest runs on two (or three) days against a real SMTP server
(aiosmtpd), a real HTTP server for the webhook, a feed file and real SQLite
files, with the extractive engine.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from typer.testing import CliRunner

from summarize.cli import app
from summarize.digest.config import load_config
from summarize.digest.continuity import (
    Continuity,
    StoryThread,
    attach_to_earlier,
    earlier_stories,
    new_story_id,
    nothing_new_line,
    story_day,
)
from summarize.digest.feedfile import THREAD_NAMESPACE, entry_id
from summarize.digest.runner import EXIT_OK, RunOptions, run_digest
from summarize.digest.state import ArticleText, StateDB, StoryEntry
from summarize.engines import load_engine
from summarize.models import Article
from summarize.pipeline import build_briefing
from summarize.updates import KnownContent

from digest_support import digest_config, smtp_server, webhook_server
from test_digest_runner import CHOIR, FERRY, Clock

THURSDAY = dt.datetime(2025, 5, 15, 6, 0, tzinfo=dt.timezone.utc)
FRIDAY = THURSDAY + dt.timedelta(days=1)
HOOK_ENV = "TEST_WEBHOOK_URL"
ATOM = "{http://www.w3.org/2005/Atom}"

# A continuing story: the Istanbul talks open on Thursday; on Friday the outcome,
# with the background that Friday's reports retell.
TALKS_THURSDAY = [
    {"id": "thu-1", "title": "Russia and Ukraine send delegations to Istanbul for first direct talks", "date": "2025-05-15",
     "source": "Wire", "url": "https://wire.example/thu-1", "text": (
        "ISTANBUL (AP) _ Russian and Ukrainian delegations arrived in Istanbul on Thursday for the first direct peace "
        "talks between the two countries in three years. The Kremlin sent a delegation led by presidential aide Vladimir "
        "Medinsky, a historian and former culture minister. Ukrainian President Volodymyr Zelensky called the Russian "
        "team a theatrical delegation and said he would not meet it. Turkish President Recep Tayyip Erdogan offered to "
        "host the talks at the Dolmabahce Palace on the Bosphorus.")},
    {"id": "thu-2", "title": "Istanbul to host first Russia-Ukraine peace talks in three years", "date": "2025-05-15",
     "source": "Daily", "text": (
        "Russia and Ukraine will hold their first direct peace talks in three years in Istanbul, officials in both "
        "capitals said on Thursday. The Kremlin delegation is led by presidential aide Vladimir Medinsky, a historian "
        "and former culture minister. Zelensky said Ukraine was ready for a ceasefire of at least thirty days. US "
        "Secretary of State Marco Rubio said he did not expect a breakthrough from the Istanbul talks.")},
]
TALKS_FRIDAY = [
    {"id": "fri-1", "title": "Russia and Ukraine agree to swap a thousand prisoners each", "date": "2025-05-16",
     "source": "Wire", "url": "https://wire.example/fri-1", "text": (
        "ISTANBUL (AP) _ Russia and Ukraine held their first direct peace talks in three years in Istanbul on Friday. "
        "The Kremlin delegation was led by presidential aide Vladimir Medinsky, a historian and former culture minister. "
        "Negotiators agreed to exchange one thousand prisoners of war each, the largest swap since the war began. "
        "Ukrainian Defence Minister Rustem Umerov said the next step should be a meeting between the two presidents.")},
    {"id": "fri-2", "title": "Istanbul talks end with prisoner exchange deal", "date": "2025-05-16", "source": "Daily",
     "text": (
        "Delegations from Moscow and Kyiv wrapped up their first face-to-face negotiations since 2022 in Istanbul on "
        "Friday. The Kremlin delegation was led by presidential aide Vladimir Medinsky, a historian and former culture "
        "minister. Officials said the exchange of one thousand prisoners of war on each side would be carried out in the "
        "coming days. The delegations agreed to present detailed ceasefire proposals before meeting again.")},
]
MEDINSKY = "presidential aide vladimir medinsky"

# Two look-alike events: earthquakes in two Indonesian provinces, told in the same words, a day apart.
ACEH = [
    {"id": "aceh-1", "date": "2025-05-15", "title": "Earthquake kills 12 in Aceh", "text": (
        "A 6.1-magnitude earthquake struck Aceh province on Thursday, killing at least 12 people in the Bener Meriah "
        "and Central Aceh districts, officials said.")},
    {"id": "aceh-2", "date": "2025-05-15", "title": "Rescuers search rubble in Bener Meriah", "text": (
        "Rescuers in Bener Meriah dug through collapsed houses after Thursday's earthquake in Aceh. The disaster agency "
        "said 12 people were killed and a mosque in Central Aceh was destroyed.")},
]
ACEH_FOLLOW_UP = {"id": "aceh-3", "date": "2025-05-16", "title": "Aceh earthquake toll rises", "text": (
    "The death toll from the Aceh earthquake rose to 15, most of them in Bener Meriah, where landslides cut the road "
    "to Takengon.")}
PAPUA = [
    {"id": "papua-1", "date": "2025-05-16", "title": "Earthquake kills seven in Papua", "text": (
        "A 6.4-magnitude earthquake hit Papua province on Friday, killing seven people in Jayapura and Sentani, "
        "officials said.")},
    {"id": "papua-2", "date": "2025-05-16", "title": "Rescuers search hotel in Jayapura", "text": (
        "Rescuers in Jayapura searched a collapsed hotel after Friday's earthquake in Papua. The disaster agency said "
        "seven people were killed and the airport at Sentani was closed.")},
    {"id": "papua-3", "date": "2025-05-16", "title": "Papua earthquake toll at seven", "text": (
        "The death toll from the Papua earthquake rose to seven, most of them in Jayapura, where a shopping centre and "
        "a church collapsed.")},
]


def _article(record: dict) -> Article:
    date = dt.date.fromisoformat(record["date"]) if record.get("date") else None
    return Article(record["id"], record["text"], title=record.get("title"), date=date, source=record.get("source"))


def _write(folder: Path, *records: dict) -> None:
    folder.mkdir(exist_ok=True)
    for record in records:
        (folder / f"{record['id']}.json").write_text(json.dumps(record), encoding="utf-8")


def _entry(story_id: str, articles: list[Article], created=THURSDAY, summary="", shown=True, key=None) -> StoryEntry:
    return StoryEntry(story_id, f"<{story_id}@x>", created, key or story_id * 2, f"{story_id} headline", summary, shown,
                      tuple(a.id for a in articles))  # fmt: skip


def _texts(*articles: Article) -> dict[str, ArticleText]:
    return {a.id: ArticleText(a.id, a.title, a.text, a.date) for a in articles}


# -- matching, days and threads (pure) -------------------------------------------------


def test_new_articles_are_grouped_beside_the_earlier_stories_and_a_look_alike_is_not_a_continuation():
    talks, aceh = [_article(r) for r in TALKS_THURSDAY], [_article(r) for r in ACEH]
    earlier = earlier_stories([_entry("talks", talks), _entry("aceh", aceh)], _texts(*talks, *aceh), {})
    new = [_article(r) for r in TALKS_FRIDAY + PAPUA + [ACEH_FOLLOW_UP]]
    groups, continued = attach_to_earlier(earlier, new, {a.id: f"hash-{a.id}" for a in new})
    assert [[a.id for a in group] for group in groups] == [["fri-1", "fri-2"], ["papua-1", "papua-2", "papua-3"], ["aceh-3"]]
    assert continued == [0, None, 1]  # the Papua earthquake, the same kind of event in another place, is new


def test_an_article_sent_before_belongs_to_its_story_even_without_its_text():
    old = _article(TALKS_THURSDAY[0])
    earlier = earlier_stories([_entry("talks", [old])], {}, {})  # texts pruned, or a digest from before schema 3
    assert earlier[0].articles == ()
    again, other = Article("again", old.text, title=old.title), _article(ACEH[0])
    groups, continued = attach_to_earlier(earlier, [again, other], {"again": old.id})
    assert [[a.id for a in g] for g in groups] == [["again"], ["aceh-1"]] and continued == [0, None]


@pytest.mark.parametrize(("zone", "day"), [(None, 2), (ZoneInfo("Asia/Tokyo"), 3), (ZoneInfo("America/Los_Angeles"), 2)])
def test_story_day_counts_calendar_days_in_the_readers_zone(zone, day):
    first = dt.datetime(2025, 5, 15, 14, 0, tzinfo=dt.timezone.utc)  # Tokyo: 15 May 23:00; Los Angeles: 15 May 07:00
    now = dt.datetime(2025, 5, 16, 16, 0, tzinfo=dt.timezone.utc)  # Tokyo: 17 May 01:00; Los Angeles: 16 May 09:00
    assert story_day(first, now, zone) == day
    assert story_day(first, first, zone) == 1


def test_a_thread_links_its_latest_earlier_entries_newest_first():
    entries = tuple(_entry("s", [], created=THURSDAY + dt.timedelta(days=i)) for i in range(5))
    thread = StoryThread("s", continues=True, day=6, earlier=entries)
    links, more = thread.links(limit=3)
    assert [link["date"] for link in links] == ["2025-05-19", "2025-05-18", "2025-05-17"] and more == 2
    assert links[0]["date_text"] == "19 May 2025" and thread.marker == "Developing: day 6"
    assert StoryThread(new_story_id("f" * 64)) == StoryThread("f" * 12) and StoryThread("x").marker == ""
    assert nothing_new_line(["A", "B"]) == "Nothing new since the last digest in 2 developing stories: A; B."


def test_continuity_gives_continuing_stories_their_earlier_summaries_and_threads():
    extractive = load_engine("extractive")
    thursday = [_article(r) for r in TALKS_THURSDAY]
    told = build_briefing(thursday, engine=extractive).stories[0].summary
    earlier = earlier_stories([_entry("talks", thursday, summary=told, key="k" * 64)], _texts(*thursday), {"talks": THURSDAY})
    friday = [_article(r) for r in TALKS_FRIDAY] + [Article("choir", CHOIR.split("\n\n", 1)[1], title="Choir wins prize")]
    continuity = Continuity(earlier, {a.id: f"h-{a.id}" for a in friday}, now=FRIDAY)
    briefing = build_briefing(friday, engine=extractive, earlier=continuity, group=continuity.group)
    talks = next(s for s in briefing.stories if "fri-1" in s.article_ids)
    choir = next(s for s in briefing.stories if "choir" in s.article_ids)
    assert MEDINSKY not in talks.summary.lower() and "prisoners of war" in talks.summary
    assert not KnownContent([told]).already_told(talks.sentences[0].text)  # it leads with what is new
    thread = continuity.thread(talks, "a" * 64)
    assert (thread.story_id, thread.continues, thread.day, thread.marker) == ("talks", True, 2, "Developing: day 2")
    assert [e.summary for e in thread.earlier] == [told]
    assert continuity.thread(choir, "c" * 64) == StoryThread("c" * 12)
    assert not continuity.nothing_new(talks) and not continuity.nothing_new(choir)
    forced = Continuity(earlier, {a.id: f"h-{a.id}" for a in friday}, now=FRIDAY, updates=False)
    plain = build_briefing(friday, engine=extractive, earlier=forced, group=forced.group)
    assert MEDINSKY in next(s for s in plain.stories if "fri-1" in s.article_ids).summary.lower()  # a forced run: plain
    assert forced.thread(next(s for s in plain.stories if "fri-1" in s.article_ids), "a" * 64).story_id == "talks"


# -- whole runs ---------------------------------------------------------------------------


def _config(tmp_path, folder, port, **sections):
    base = {"window": {"since": "48h"},  # Thursday's articles are still in Friday's window: they must not be news again
            "delivery": {"webhook": {"format": "slack", "url_env": HOOK_ENV, "timeout": 3},
                         "feed": {"path": str(tmp_path / "public" / "briefing.xml")}}}  # fmt: skip
    base.update(sections)
    return load_config(digest_config(tmp_path, [folder], port=port, timezone="UTC", **base), environ={})


def _bodies(message: bytes) -> tuple[str, str]:
    parsed = email.message_from_bytes(message, policy=email.policy.default)
    text, html = (parsed.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))
    return text, html


def _story_block(text: str, headline_part: str) -> str:
    """The plain-text block of the story whose headline contains ``headline_part``."""
    start = text.index(headline_part)
    end = text.find("\n\n\n", start)
    return text[start:end if end > 0 else None]


def test_a_continuing_story_across_two_runs_is_an_update_under_its_id_linked_to_its_earlier_entry(tmp_path):
    folder = tmp_path / "articles"
    _write(folder, *TALKS_THURSDAY)
    (folder / "ferry.txt").write_text(FERRY)
    clock = Clock(THURSDAY)
    with smtp_server() as smtp, webhook_server() as hook:
        config = _config(tmp_path, folder, smtp.port, continuity={"recap": True})
        environ = {HOOK_ENV: hook.url}
        first = run_digest(config, environ=environ, clock=clock)
        assert first.exit_code == EXIT_OK and first.stories == 2 and first.continuing == 0, first.message
        _write(folder, *TALKS_FRIDAY)
        (folder / "choir.txt").write_text(CHOIR)
        clock.advance(days=1)
        second = run_digest(config, environ=environ, clock=clock)
    assert second.exit_code == EXIT_OK, second.message
    assert (second.stories, second.continuing, second.new_articles, second.articles) == (2, 1, 3, 3)
    assert f"sent {second.message_id}: 2 stories from 3 articles (3 new, 1 continuing) to 1 recipient" in second.message

    with StateDB(config.state_db) as db:
        day1, day2 = db.stories(first.message_id), db.stories(second.message_id)
        talks1 = next(s for s in day1 if "Istanbul" in s.headline)
        talks2, choir = day2[0] if "prisoner" in day2[0].summary else day2[1], next(s for s in day2 if "choir" in s.summary.lower())
        assert talks2.story_id == talks1.story_id == talks1.story_key[:12]  # keeps its id
        assert choir.story_id == choir.story_key[:12] and choir.story_id not in {s.story_id for s in day1}  # a new id
        # Thursday's articles (and the ferry) were sent: they are not news again, though still in the window.
        thursday_hashes = set(talks1.article_hashes)
        assert not thursday_hashes & set(talks2.article_hashes) and len(talks2.article_hashes) == 2
        assert all("erry" not in s.headline for s in day2)
        # Undated articles are matched and stored with the day they were first seen.
        (choir_hash,) = choir.article_hashes
        assert db.article_texts([choir_hash])[choir_hash].day == dt.date(2025, 5, 16)

    # The email: marked as an update, linked to its earlier entry, leading with the new development.
    text, html = _bodies(smtp.messages[1].data)
    block = _story_block(text, talks2.headline)
    lines = block.splitlines()
    assert lines[2] == "Developing: day 2"
    summary = " ".join(lines[4:lines.index("", 4)])
    assert summary.startswith(talks2.summary.split(". ")[0]) and "prisoners of war" in summary
    assert MEDINSKY not in summary.lower() and not KnownContent([talks1.summary]).already_told(talks2.summary.split(". ")[0])
    assert f"Earlier in this story:\n  15 May 2025: {talks1.headline}" in block
    assert f"Previously: {talks1.summary.split('. ')[0]}" in " ".join(block.split())
    assert "Developing: day 2" not in _story_block(text, choir.headline)
    assert "Developing: day 2</p>" in html and f"15 May 2025: <span style=\"color:#1d1d1f;\">{talks1.headline}</span>" in html
    assert "<em>Previously:</em>" in html

    # The webhook post carries the marker; the feed links the entry to the earlier one.
    talks_section = next(b["text"]["text"] for b in hook.received[1]["blocks"] if b["type"] == "section" and "prisoner" in b["text"]["text"])
    assert "\n_Developing: day 2_\n" in talks_section and "_Previously: " in talks_section
    assert "Developing" not in json.dumps(hook.received[0])
    root = ElementTree.parse(config.feed.path).getroot()
    entries = {e.find(f"{ATOM}id").text: e for e in root.iter(f"{ATOM}entry")}
    talks_entry = entries[entry_id(talks2.story_key)]
    assert talks_entry.find(f"{ATOM}title").text == f"{talks2.headline} (developing: day 2)"
    assert talks_entry.find(f"{{{THREAD_NAMESPACE}}}in-reply-to").get("ref") == entry_id(talks1.story_key)
    assert [c.get("term") for c in talks_entry.iter(f"{ATOM}category")] == [f"story:{talks1.story_id}"]
    assert entries[entry_id(choir.story_key)].find(f"{{{THREAD_NAMESPACE}}}in-reply-to") is None
    parsed = feedparser.parse(str(config.feed.path))
    assert not parsed.bozo and len(parsed.entries) == 4
    assert "Earlier in this story" in next(e for e in parsed.entries if "developing" in e.title).content[0].value

    # History: the story's timeline by its id.
    runner = CliRunner()
    timeline = runner.invoke(app, ["history", "-c", str(config.path), "--story", talks1.story_id])
    assert timeline.exit_code == 0, timeline.output
    assert timeline.stdout.startswith(f"story {talks1.story_id}: 2 appearances")
    assert f"2025-05-15 06:00 UTC  day 1  {talks1.headline}" in timeline.stdout
    assert f"2025-05-16 06:00 UTC  day 2  {talks2.headline}" in timeline.stdout
    listing = runner.invoke(app, ["history", "-c", str(config.path)]).stdout
    assert f"[{talks1.story_id}] {talks2.headline}  (developing: day 2)" in listing
    data = json.loads(runner.invoke(app, ["history", "-c", str(config.path), "--story", talks1.story_id, "-f", "json"]).stdout)
    assert [(e["day"], e["continues"], e["shown"]) for e in data["timeline"]] == [(1, False, True), (2, True, True)]


def test_a_look_alike_event_elsewhere_is_a_new_story_and_a_follow_up_continues(tmp_path):
    folder = tmp_path / "articles"
    _write(folder, *ACEH)
    clock = Clock(THURSDAY)
    with smtp_server() as smtp:
        config = _config(tmp_path, folder, smtp.port, delivery=None)
        first = run_digest(config, clock=clock)
        _write(folder, *PAPUA, ACEH_FOLLOW_UP)
        clock.advance(days=1)
        second = run_digest(config, clock=clock)
    assert first.exit_code == second.exit_code == EXIT_OK, second.message
    assert (second.stories, second.continuing) == (2, 1)
    with StateDB(config.state_db) as db:
        (aceh,) = db.stories(first.message_id)
        stories = {len(s.article_hashes): s for s in db.stories(second.message_id)}
    assert stories[1].story_id == aceh.story_id  # the Aceh follow-up
    assert stories[3].story_id != aceh.story_id  # the Papua earthquake: same kind of event, other place
    text, _ = _bodies(smtp.messages[1].data)
    assert "Developing: day 2" in _story_block(text, stories[1].headline)
    assert "Developing" not in _story_block(text, stories[3].headline) and "Previously" not in text  # recap is off


def test_a_continuing_story_with_nothing_new_is_left_out_with_one_line(tmp_path):
    folder = tmp_path / "articles"
    _write(folder, *TALKS_THURSDAY)
    clock = Clock(THURSDAY)
    with smtp_server() as smtp, webhook_server() as hook:
        config = _config(tmp_path, folder, smtp.port)
        environ = {HOOK_ENV: hook.url}
        first = run_digest(config, environ=environ, clock=clock)
        with StateDB(config.state_db) as db:
            (told,) = db.stories(first.message_id)
        # A late report that retells what the reader was told on Thursday, and nothing else.
        _write(folder, {"id": "late", "title": "Talks in Istanbul: what we know", "date": "2025-05-15", "text": told.summary})
        clock.advance(days=1)
        alone = run_digest(config, environ=environ, clock=clock)
        assert alone.exit_code == EXIT_OK and alone.left_out == 1 and len(smtp.messages) == 1
        assert alone.message.startswith("nothing sent: Nothing new since the last digest in 1 developing story: Talks in Istanbul")
        (folder / "choir.txt").write_text(CHOIR)
        clock.advance(hours=1)
        second = run_digest(config, environ=environ, clock=clock)
    assert second.exit_code == EXIT_OK and (second.stories, second.left_out) == (1, 1), second.message
    text, html = _bodies(smtp.messages[1].data)
    line = "Nothing new since the last digest in 1 developing story:"
    assert told.headline not in text.split(line)[0] and line in " ".join(text.split()) and line in html
    assert line in json.dumps(hook.received[1])
    with StateDB(config.state_db) as db:
        records = db.stories(second.message_id)
        assert [(r.shown, r.story_id == told.story_id) for r in records] == [(True, False), (False, True)]
        assert db.sent_hashes(records[1].article_hashes) == set(records[1].article_hashes)  # covered: not tried again
    listing = CliRunner().invoke(app, ["history", "-c", str(config.path)]).stdout
    assert "(left out: nothing new since the last digest)" in listing


def test_a_cached_plain_summary_is_never_served_as_an_update(tmp_path):
    folder = tmp_path / "articles"
    _write(folder, *TALKS_THURSDAY)
    clock = Clock(THURSDAY)
    with smtp_server() as smtp:
        config = _config(tmp_path, folder, smtp.port, delivery=None, window={"since": "24h"})
        assert run_digest(config, clock=clock).exit_code == EXIT_OK
        _write(folder, *TALKS_FRIDAY)
        clock.advance(days=1)
        plain = run_digest(config, RunOptions(dry_run=True, force=True), clock=clock)  # caches Friday's plain summary
        assert plain.exit_code == EXIT_OK and plain.cache_misses == 1
        update = run_digest(config, clock=clock)
    assert update.exit_code == EXIT_OK and (update.cache_hits, update.cache_misses, update.continuing) == (0, 1, 1)
    text, _ = _bodies(smtp.messages[1].data)
    assert MEDINSKY not in text.lower() and "Developing: day 2" in text


@pytest.mark.parametrize(("lookback", "marker"), [("30d", "Developing: day 3"), ("36h", None)])
def test_only_stories_within_the_lookback_are_continued(tmp_path, lookback, marker):
    folder = tmp_path / "articles"
    _write(folder, *TALKS_THURSDAY)
    clock = Clock(THURSDAY)
    with smtp_server() as smtp:
        config = _config(tmp_path, folder, smtp.port, delivery=None, continuity={"lookback": lookback})
        first = run_digest(config, clock=clock)
        _write(folder, *TALKS_FRIDAY)
        clock.advance(days=2)  # Saturday: Friday's reports, two days after Thursday's digest
        later = run_digest(config, clock=clock)
    assert first.exit_code == later.exit_code == EXIT_OK, later.message
    text, _ = _bodies(smtp.messages[1].data)
    with StateDB(config.state_db) as db:
        (thursday,), (saturday,) = db.stories(first.message_id), db.stories(later.message_id)
    if marker:
        assert marker in text and saturday.story_id == thursday.story_id and later.continuing == 1
    else:
        assert "Developing" not in text and saturday.story_id != thursday.story_id and later.continuing == 0


BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"


@pytest.mark.skipif(not (BENCH / "clusters_dev.jsonl").exists() or not (BENCH / "mds_dev.jsonl").exists(),
                    reason="../shared/bench is not available")
def test_links_are_at_or_above_the_plain_baseline_on_every_dev_file():
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("continuity_benchmark", Path(__file__).resolve().parents[1] / "benchmarks" / "continuity.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # dataclasses look their module up while it loads
    spec.loader.exec_module(bench)
    duc, multinews = bench.load_mds(bench.MDS_DATA)
    for split in (bench.ecb_split(bench.load_ecb(bench.CLUSTERS_DATA)), bench.duc_split(duc), bench.halves_split("MN", multinews)):
        ours = bench.link_scores(bench.continuity_links(split), split.gold)
        theirs = bench.link_scores(bench.baseline_links(split), split.gold)
        assert ours["F1"] >= theirs["F1"] and ours["new kept new"] >= theirs["new kept new"], split.name
