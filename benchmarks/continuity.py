"""Story continuity on real stories split in time: is a day-2 article linked to its own day-1 story, and only to it?

Each development file's gold stories are split into a day 1 and a day 2; the
day-1 parts are the earlier digest's stories (as if day 1 had been grouped
perfectly, so that only the matching is measured), and every day-2 article
must be linked to the day-1 part of its own story, or to none when its story
has no day-1 part (a new story):

- DUC 2003 (``mds_dev.jsonl``, dated by the DUC document ids): each story split
  at its median date (``digest_updates.split_in_time``); every third story
  (by id) comes on day 2 only, as a new story. Also scored with the dates
  removed, to see what time as a soft signal adds.
- Multi-News (the other clusters of ``mds_dev.jsonl``, undated): the first half
  of each cluster's documents on day 1, the rest on day 2; every third
  cluster on day 2 only.
- ECB+ (``clusters_dev.jsonl``, undated): each topic holds two look-alike
  events (two earthquakes, two hostage takings); the first event is split in
  halves, the second comes on day 2 only. Linking it to the first is the
  mistake the issue names: a look-alike event taken for a continuation.

Systems: ``continuity`` is the digest's (``summarize.digest.continuity.
attach_to_earlier``: ``attach_articles`` with the grouping's defaults, the
earlier stories locked); ``baseline`` is the issue's plain grouping (TF-IDF,
average linkage at cosine distance 0.85, ``benchmarks/grouping.py``) run over
the day-1 and day-2 articles at once, a day-2 article linked to the day-1
story with the most articles in its cluster.

Measures, per day-2 article: link precision (of the links made, the share to
the right story), link recall (of the articles whose story has a day-1 part,
the share linked to it), their F1, and "new kept new" (of the articles of
new stories, the share linked to nothing). The F1 difference carries a 95%
paired bootstrap interval over stories (ECB+: topics), 1000 resamples.

``--state-size`` simulates a digest run daily for ``--days`` days with
``--per-day`` articles a day (real texts from the files, cycled) under the
default 30-day look-back, and reports the state database's size and the
article texts it keeps.

Usage:
    .venv/bin/python benchmarks/continuity.py
    .venv/bin/python benchmarks/continuity.py --state-size --days 60 --per-day 60
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the code beside this script, not an installed copy
sys.path.insert(0, str(REPO / "benchmarks"))

from digest_updates import split_in_time  # noqa: E402
from grouping import CLUSTERS_DATA, MDS_DATA, Item, baseline_labels, load_ecb, load_mds  # noqa: E402

from eval.report import markdown_table  # noqa: E402
from summarize.digest.continuity import EarlierStory, attach_to_earlier  # noqa: E402
from summarize.models import Article  # noqa: E402

BOOTSTRAP_SAMPLES = 1000
NEW_EVERY = 3  # every third story comes on day 2 only (DUC, Multi-News)


@dataclass
class Split:
    """A file's stories split in time: day-1 parts (the earlier stories) and day-2 articles with their gold links."""

    name: str
    earlier: dict[str, list[Article]]  # gold story -> its day-1 articles
    day2: list[Article]
    gold: list[str | None]  # per day-2 article: its story when that has a day-1 part, else None
    units: list[str]  # per day-2 article: what the bootstrap resamples


def _article(item: Item, index: int, dated: bool = True) -> Article:
    date = dt.date.fromordinal(item.day) if dated and item.day else None
    return Article(f"{item.story}/{index}", item.text, date=date)


def _by_story(items: Sequence[Item]) -> dict[str, list[tuple[int, Item]]]:
    stories: dict[str, list[tuple[int, Item]]] = {}
    for index, item in enumerate(items):
        stories.setdefault(item.story, []).append((index, item))
    return stories


def _split(name: str, parts: dict[str, tuple[list[Article], list[Article]]], unit_of: dict[str, str]) -> Split:
    earlier = {story: day1 for story, (day1, _) in parts.items() if day1}
    day2, gold, units = [], [], []
    for story, (_, later) in parts.items():
        for article in later:
            day2.append(article)
            gold.append(story if story in earlier else None)
            units.append(unit_of[story])
    return Split(name, earlier, day2, gold, units)


def duc_split(items: Sequence[Item], dated: bool = True) -> Split:
    """DUC stories split at their median date; every third story on day 2 only."""
    parts = {}
    for number, (story, members) in enumerate(sorted(_by_story(items).items())):
        articles = [_article(item, index) for index, item in members]
        halves = split_in_time(articles) if number % NEW_EVERY != NEW_EVERY - 1 else None
        day1, day2 = halves if halves else ([], articles)
        if not dated:
            day1, day2 = ([dataclasses.replace(a, date=None) for a in half] for half in (day1, day2))
        parts[story] = (day1, day2)
    return _split("DUC 2003 (dated)" if dated else "DUC 2003, dates removed", parts, {s: s for s in parts})


def halves_split(name: str, items: Sequence[Item]) -> Split:
    """Each story's first half on day 1, the rest on day 2; every third story on day 2 only."""
    parts = {}
    for number, (story, members) in enumerate(sorted(_by_story(items).items())):
        articles = [_article(item, index) for index, item in members]
        cut = 0 if number % NEW_EVERY == NEW_EVERY - 1 else (len(articles) + 1) // 2
        parts[story] = (articles[:cut], articles[cut:])
    return _split(name, parts, {s: s for s in parts})


def ecb_split(items: Sequence[Item]) -> Split:
    """Per topic: the first event in halves over both days, its look-alike on day 2 only."""
    by_story = _by_story(items)
    unit_of = {item.story: item.unit for item in items}
    parts = {}
    for unit in sorted(set(unit_of.values())):
        first, *others = sorted(story for story, u in unit_of.items() if u == unit)
        articles = [_article(item, index) for index, item in by_story[first]]
        cut = (len(articles) + 1) // 2
        parts[first] = (articles[:cut], articles[cut:])
        for story in others:
            parts[story] = ([], [_article(item, index) for index, item in by_story[story]])
    return _split("ECB+ (look-alike events on day 2)", parts, unit_of)


# -- systems ----------------------------------------------------------------------------------


def continuity_links(split: Split) -> list[str | None]:
    """The digest's links: day-2 articles grouped beside the locked day-1 stories."""
    names = list(split.earlier)
    earlier = [EarlierStory(name, (), tuple(split.earlier[name])) for name in names]
    groups, continued = attach_to_earlier(earlier, split.day2, {})
    link = {a.id: (names[index] if index is not None else None) for group, index in zip(groups, continued) for a in group}
    return [link[a.id] for a in split.day2]


def baseline_links(split: Split) -> list[str | None]:
    """The issue's plain grouping over both days at once; a day-2 article joins the day-1 story most of its cluster holds."""
    day1 = [(story, a) for story, articles in split.earlier.items() for a in articles]
    labels = baseline_labels([a.text for _, a in day1] + [a.text for a in split.day2])
    members: dict[int, Counter] = {}
    for (story, _), label in zip(day1, labels[: len(day1)]):
        members.setdefault(int(label), Counter())[story] += 1
    links = []
    for label in labels[len(day1):]:
        votes = members.get(int(label))
        links.append(max(sorted(votes), key=votes.__getitem__) if votes else None)
    return links


# -- measures ---------------------------------------------------------------------------------


def link_scores(links: Sequence[str | None], gold: Sequence[str | None]) -> dict[str, float]:
    made = [(l, g) for l, g in zip(links, gold) if l is not None]
    due = [(l, g) for l, g in zip(links, gold) if g is not None]
    new = [l for l, g in zip(links, gold) if g is None]
    precision = sum(l == g for l, g in made) / len(made) if made else 1.0
    recall = sum(l == g for l, g in due) / len(due) if due else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    kept_new = sum(l is None for l in new) / len(new) if new else 1.0
    return {"P": precision, "R": recall, "F1": f1, "new kept new": kept_new}


def f1_difference_interval(first, second, gold, units, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> tuple[float, float]:
    """95% paired bootstrap interval of link F1(first) - F1(second), resampling ``units``."""
    members: dict[str, list[int]] = {}
    for index, unit in enumerate(units):
        members.setdefault(unit, []).append(index)
    groups = list(members.values())
    rng = np.random.default_rng(seed)
    differences = []
    for _ in range(samples):
        chosen = [i for g in rng.integers(0, len(groups), len(groups)) for i in groups[g]]
        pick = lambda values: [values[i] for i in chosen]  # noqa: E731
        differences.append(link_scores(pick(first), pick(gold))["F1"] - link_scores(pick(second), pick(gold))["F1"])
    low, high = np.percentile(differences, [2.5, 97.5])
    return float(low), float(high)


def run_quality() -> None:
    ecb = load_ecb(CLUSTERS_DATA)
    duc, multinews = load_mds(MDS_DATA)
    splits = [ecb_split(ecb), duc_split(duc), duc_split(duc, dated=False), halves_split("Multi-News", multinews)]
    rows = []
    for split in splits:
        started = time.perf_counter()
        ours = continuity_links(split)
        seconds = time.perf_counter() - started
        theirs = baseline_links(split)
        low, high = f1_difference_interval(ours, theirs, split.gold, split.units)
        new = sum(g is None for g in split.gold)
        for system, links in (("continuity", ours), ("baseline", theirs)):
            s = link_scores(links, split.gold)
            gain = f"{s['F1'] - link_scores(theirs, split.gold)['F1']:+.3f} [{low:+.3f}, {high:+.3f}]" if system == "continuity" else ""
            rows.append([split.name if system == "continuity" else "", system, f"{len(split.earlier)}",
                         f"{len(split.day2)} ({new} new)", f"{s['P']:.3f}", f"{s['R']:.3f}", f"**{s['F1']:.3f}**"
                         if system == "continuity" else f"{s['F1']:.3f}", f"{s['new kept new']:.3f}", gain])  # fmt: skip
        print(f"{split.name}: continuity linked {len(split.day2)} articles in {seconds:.1f} s", file=sys.stderr)
    print(markdown_table(["data", "system", "day-1 stories", "day-2 articles", "link P", "link R", "link F1",
                          "new kept new", "F1 gain [95% CI]"], rows))  # fmt: skip


# -- the state database's size ------------------------------------------------------------------


def run_state_size(days: int, per_day: int) -> None:
    """Daily digests of ``per_day`` real articles for ``days`` days under the default look-back; sizes every 10 days."""
    from summarize.digest.continuity import new_story_id
    from summarize.digest.state import ArticleText, DigestRecord, StateDB, StoryRecord, article_hash

    lookback = dt.timedelta(days=30)
    duc, multinews = load_mds(MDS_DATA)
    texts = [item.text for item in duc + multinews]
    raw_bytes: dict[str, int] = {}
    rows = []
    start = dt.datetime(2025, 1, 1, 6, tzinfo=dt.timezone.utc)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.sqlite3"
        with StateDB(path) as db:
            for day in range(days):
                now = start + dt.timedelta(days=day)
                articles = [Article(f"{day}/{i}", f"{texts[(day * per_day + i) % len(texts)]}\n(day {day}, {i})",
                                    title=f"Article {i} of day {day}") for i in range(per_day)]  # fmt: skip
                hashes = [article_hash(a) for a in articles]
                for a, h in zip(articles, hashes):
                    raw_bytes[h] = len(a.text.encode("utf-8"))
                stories = [StoryRecord(i + 1, h, a.title, a.text[:600], (h,), ({"title": a.title},), new_story_id(h))
                           for i, (a, h) in enumerate(zip(articles, hashes))]  # fmt: skip
                message_id = f"<{day}@bench>"
                db.record_seen([(h, a.title, "") for a, h in zip(articles, hashes)], now)
                db.add_digest(DigestRecord(message_id, now, (), f"c{day}"), hashes, stories,
                              texts=[ArticleText(h, a.title, a.text, now.date()) for a, h in zip(articles, hashes)])  # fmt: skip
                db.mark_sent(message_id, now)
                db.prune_article_texts(now - lookback)
                if (day + 1) % 10 == 0 or day + 1 == days:
                    db._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    kept = db._read("SELECT hash, length(text) FROM article_texts")
                    stored = sum(size for _, size in kept)
                    raw = sum(raw_bytes[h] for h, _ in kept)
                    rows.append([str(day + 1), f"{(day + 1) * per_day}", str(len(kept)), f"{raw / 1e6:.2f}",
                                 f"{stored / 1e6:.2f}", f"{path.stat().st_size / 1e6:.2f}"])  # fmt: skip
    print(f"Daily digests of {per_day} articles (real DUC and Multi-News texts), 30-day look-back:\n")
    print(markdown_table(["days", "articles sent", "texts kept", "their text (MB)", "stored, zlib (MB)",
                          "state file (MB)"], rows))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state-size", action="store_true", help="simulate daily digests and report the state database's size")
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--per-day", type=int, default=50)
    args = parser.parse_args()
    if not MDS_DATA.exists() or not CLUSTERS_DATA.exists():
        sys.exit(f"{MDS_DATA.parent}: the development data is not there (see ../shared/bench/README.md)")
    if args.state_size:
        run_state_size(args.days, args.per_day)
    else:
        run_quality()


if __name__ == "__main__":
    main()
