"""Story continuity: a digest's stories matched against the stories of earlier digests.

A reader of a daily digest follows stories, not articles. Each story of a new
digest is matched against the stories of the digests sent within the
look-back (``[continuity] lookback``, 30 days by default), with the grouping's
own method and thresholds: the articles of the new digest are attached to the
earlier stories by ``summarize.group.attach_articles`` (the same features,
evidence and threshold as ``group_articles``; article dates are a soft signal
through its evidence, and an undated article is given the day it was first
seen). Then:

- **Matching.** A story continues the earlier story to which at least half of
  its (distinct) articles attach, the one with the most (on a tie, the one
  seen last); an article sent before belongs to its earlier story for sure.
  Otherwise it is a new story.
- **Stable id.** A continuing story takes the earlier story's id; a new story's
  id is its key's first characters (``new_story_id``), so the id of a story
  is the key of its first entry.
- **Day.** ``Developing: day N`` counts calendar days in the reader's time zone
  from the story's first digest (day 1) to this one (``story_day``).
- **Update summaries.** A continuing story's ``EarlierCoverage`` is what its
  reader got: the summaries of its earlier entries within the look-back, as
  sent, oldest first. ``Continuity`` is the ``earlier`` callable of
  ``summarize.pipeline.build_briefing``.
- **Nothing new.** A continuing story whose update summary is empty (everything
  its new articles say was told) is not sent again as news: the digest leaves
  it out and names it in one line (``nothing_new_line``).

Everything here is pure: records of the state database and articles in,
matches and threads out; ``summarize.digest.state`` reads and writes them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from summarize.digest.state import ArticleText, StoryEntry
from summarize.models import Article, EarlierCoverage, EarlierSummary, Story, StorySummary
from summarize.wording import count, date_text, local_time

STORY_ID_CHARS = 12
EARLIER_LINKS = 3  # earlier entries a digest names; `briefing history --story` shows them all


@dataclass(frozen=True)
class EarlierStory:
    """A story of the earlier digests within the look-back: its entries as sent and its articles' kept texts.

    ``entries`` are oldest first, shown ones and those left out as nothing
    new; ``articles`` hold the kept texts (ids are content hashes; an article
    whose text was not kept is absent); ``first_shown`` is when the story was
    first in a digest, at any age (None if never shown).
    """

    story_id: str
    entries: tuple[StoryEntry, ...]
    articles: tuple[Article, ...]
    first_shown: dt.datetime | None = None

    @property
    def shown(self) -> tuple[StoryEntry, ...]:
        """The entries the reader got."""
        return tuple(e for e in self.entries if e.shown)

    @property
    def article_hashes(self) -> set[str]:
        return {h for entry in self.entries for h in entry.article_hashes}

    @property
    def last_seen(self) -> dt.datetime:
        return self.entries[-1].created

    def coverage(self, zone: dt.tzinfo | None = None) -> EarlierCoverage:
        """What the reader already read of the story: its shown summaries, oldest first, dated in ``zone``."""
        return EarlierCoverage(tuple(
            EarlierSummary(e.summary, local_time(e.created, zone).date()) for e in self.shown if e.summary.strip()
        ))


def earlier_stories(
    entries: Iterable[StoryEntry], texts: Mapping[str, ArticleText], first_shown: Mapping[str, dt.datetime]
) -> list[EarlierStory]:
    """The earlier stories from their entries (oldest first), the kept ``texts`` by hash and first-shown times by id.

    Stories come in the order of their first entry; each article once.
    """
    by_id: dict[str, list[StoryEntry]] = {}
    for entry in entries:
        by_id.setdefault(entry.story_id, []).append(entry)
    stories = []
    for story_id, story_entries in by_id.items():
        hashes = dict.fromkeys(h for e in story_entries for h in e.article_hashes)
        articles = tuple(
            Article(id=h, text=texts[h].text, title=texts[h].title, date=texts[h].day) for h in hashes if h in texts
        )
        stories.append(EarlierStory(story_id, tuple(story_entries), articles, first_shown.get(story_id)))
    return stories


def match_articles(
    earlier: Sequence[EarlierStory],
    articles: Sequence[Article],
    hash_of: Mapping[str, str],
    settings=None,
) -> dict[str, int]:
    """The earlier story each of ``articles`` continues: article id -> index in ``earlier`` (absent: none).

    An article sent before (its content hash in an earlier story) belongs to
    that story. The others are attached with ``attach_articles`` to the
    earlier stories whose texts were kept, all at once, so that IDF and
    neighbours are computed as grouping computes them; ``settings`` are the
    grouping's (its defaults when None).
    """
    from summarize.group import attach_articles

    owner = {h: index for index, story in enumerate(earlier) for h in story.article_hashes}
    matched = {a.id: owner[hash_of[a.id]] for a in articles if hash_of.get(a.id) in owner}
    rest = [a for a in articles if a.id not in matched]
    candidates = [index for index, story in enumerate(earlier) if story.articles]
    if rest and candidates:
        labels = attach_articles([earlier[i].articles for i in candidates], rest, settings=settings)
        matched.update({a.id: candidates[label] for a, label in zip(rest, labels) if label < len(candidates)})
    return matched


def continued_story(story: Story, matched: Mapping[str, int], earlier: Sequence[EarlierStory]) -> int | None:
    """The index of the earlier story that ``story`` continues, or None (a new story).

    At least half of the story's distinct articles must attach to it; among
    several, the one with the most articles, then the one seen last.
    """
    articles = story.distinct_articles or story.articles
    votes = Counter(matched[a.id] for a in articles if a.id in matched)
    if not votes:
        return None
    index = max(votes, key=lambda i: (votes[i], earlier[i].last_seen, -i))
    return index if 2 * votes[index] >= len(articles) else None


def new_story_id(story_key: str) -> str:
    """A new story's id: the first characters of its key (the key of its first entry)."""
    return story_key[:STORY_ID_CHARS]


def story_day(first_shown: dt.datetime, now: dt.datetime, zone: dt.tzinfo | None = None) -> int:
    """Day N of a story: calendar days in the reader's zone from its first digest (day 1) to ``now``."""
    return (local_time(now, zone).date() - local_time(first_shown, zone).date()).days + 1


@dataclass(frozen=True)
class StoryThread:
    """A story of the new digest in its thread: its stable id and, when it continues one, its earlier entries.

    ``day`` counts from the story's first digest (1 for a new story);
    ``earlier`` are the entries the reader got within the look-back, oldest
    first (empty for a new story).
    """

    story_id: str
    continues: bool = False
    day: int = 1
    earlier: tuple[StoryEntry, ...] = ()

    @property
    def marker(self) -> str:
        """``Developing: day 3`` for a continuing story, "" for a new one."""
        return f"Developing: day {self.day}" if self.continues else ""

    def links(self, zone: dt.tzinfo | None = None, limit: int = EARLIER_LINKS) -> tuple[list[dict], int]:
        """The latest ``limit`` earlier entries, newest first (``date``, ``date_text``, ``headline``,
        ``story_key``, ``digest``), and how many earlier ones are not listed."""
        latest = list(reversed(self.earlier))[:limit]
        links = [
            {
                "date": local_time(e.created, zone).date().isoformat(),
                "date_text": date_text(local_time(e.created, zone).date()),
                "headline": e.headline,
                "story_key": e.story_key,
                "digest": e.digest_id,
            }
            for e in latest
        ]
        return links, len(self.earlier) - len(latest)


class Continuity:
    """The digest's stories in their threads; ``build_briefing``'s ``earlier``.

    Built from the earlier stories and the articles of the new digest (as
    read: they are cleaned and their near-duplicates set aside here as the
    pipeline does before grouping, then matched at once, see
    ``match_articles``). ``hash_of`` maps article ids to content hashes.
    Called with each story the pipeline grouped, it returns the story's
    ``EarlierCoverage`` when it continues one (None for a new story, or for
    every story when ``updates`` is False: a forced run sends plain
    summaries); ``thread`` then gives each summarised story its thread.
    """

    def __init__(
        self,
        earlier: Sequence[EarlierStory],
        articles: Sequence[Article],
        hash_of: Mapping[str, str],
        *,
        now: dt.datetime,
        zone: dt.tzinfo | None = None,
        updates: bool = True,
        settings=None,
    ):
        # Imported here: dedup (scikit-learn) takes seconds to import, which `briefing history` need not pay.
        from summarize.clean import clean_article
        from summarize.dedup import find_near_duplicates

        self.earlier = list(earlier)
        self.now, self.zone, self.updates = now, zone, updates
        self.articles = {a.id: a for a in (clean_article(a) for a in articles) if a.text.strip()}
        duplicates = find_near_duplicates(list(self.articles.values()))
        distinct = [a for a in self.articles.values() if a.id not in duplicates]
        self.matched = match_articles(self.earlier, distinct, hash_of, settings) if self.earlier else {}
        self._continues: dict[str, int | None] = {}  # pipeline story id -> index in earlier
        self._updated: set[str] = set()  # stories given earlier coverage

    def __call__(self, story: Story) -> EarlierCoverage | None:
        index = continued_story(story, self.matched, self.earlier)
        self._continues[story.id] = index
        if index is None or not self.updates:
            return None
        coverage = self.earlier[index].coverage(self.zone)
        if not coverage.summaries:
            return None
        self._updated.add(story.id)
        return coverage

    def thread(self, summary: StorySummary, story_key: str) -> StoryThread:
        """The thread of a summarised story (``story_key``: the key of its articles)."""
        index = self._continues.get(summary.story_id)
        if index is None:
            return StoryThread(new_story_id(story_key))
        story = self.earlier[index]
        day = story_day(story.first_shown, self.now, self.zone) if story.first_shown else 1
        return StoryThread(story.story_id, continues=True, day=day, earlier=story.shown)

    def nothing_new(self, summary: StorySummary) -> bool:
        """Whether ``summary`` is an update that says nothing new (empty: everything was told before)."""
        return summary.story_id in self._updated and not summary.sentences


def nothing_new_line(headlines: Sequence[str]) -> str:
    """The one line naming the continuing stories left out: ``Nothing new since the last digest in 2 developing stories: A; B.``"""
    if not headlines:
        return ""
    return f"Nothing new since the last digest in {count(len(headlines), 'developing story')}: {'; '.join(headlines)}."
