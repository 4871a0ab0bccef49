"""Story continuity: a digest's stories matched against the stories of earlier digests.

A reader of a daily digest follows stories, not articles. Each story of a new
digest is matched against the stories of the digests sent within the
look-back (``[continuity] lookback``, 30 days by default) with the grouping's
own method and thresholds: ``summarize.group.attach_articles``, the same
features, evidence and threshold as ``group_articles``, with article dates as
a soft signal through its evidence (an undated article is given the day it
was first seen). Then:

- **Matching.** The new digest's articles are grouped beside the earlier
  stories (``attach_to_earlier``, the pipeline's grouping step for the
  digest): a story whose articles join an earlier story continues it, the
  others are new; an article sent before belongs to its earlier story for
  sure. Grouping with the earlier stories in view keeps a follow-up of one
  event from joining a look-alike event of the same day.
- **Stable id.** A continuing story takes the earlier story's id; a new story's
  id is its key's first characters (``new_story_id``), so the id of a story
  is the key of its first entry.
- **Day.** ``Developing: day N`` counts calendar days in the reader's time zone
  from the story's first digest (day 1) to this one (``story_day``).
- **Update summaries.** A continuing story's ``EarlierCoverage`` is what its
  reader got: the summaries of its earlier entries within the look-back, as
  sent, oldest first. ``Continuity`` gives ``summarize.pipeline.build_briefing``
  both its grouping step and its ``earlier``.
- **Nothing new.** A continuing story whose update summary is empty (everything
  its new articles say was told) is not sent again as news: the digest leaves
  it out and names it in one line (``nothing_new_line``).

Everything here is pure: records of the state database and articles in,
matches and threads out; ``summarize.digest.state`` reads and writes them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from summarize.digest.state import ArticleText, StoryEntry, StoryRecord, story_key
from summarize.models import Article, Briefing, EarlierCoverage, EarlierSummary, Story, StorySummary
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


def attach_to_earlier(
    earlier: Sequence[EarlierStory],
    articles: Sequence[Article],
    hash_of: Mapping[str, str],
    settings=None,
) -> tuple[list[list[Article]], list[int | None]]:
    """``articles`` grouped into stories as grouping would group them beside the ``earlier`` stories.

    Returns the groups (in order of their first article, articles in input
    order) and, per group, the index in ``earlier`` of the story it
    continues, or None for a new story. An article sent before (its content
    hash in an earlier story) continues that story. The others are attached
    to the earlier stories whose texts were kept, all at once, with
    ``summarize.group.attach_articles`` (the grouping's features, evidence and
    threshold; IDF and neighbours over the earlier and new articles
    together; earlier stories never merge with one another); with none to
    attach to, that is ``group_articles``. ``settings`` are the grouping's.
    """
    from summarize.group import attach_articles

    owner = {h: index for index, story in enumerate(earlier) for h in story.article_hashes}
    label: dict[str, tuple[str, int]] = {a.id: ("earlier", owner[hash_of[a.id]]) for a in articles if hash_of.get(a.id) in owner}
    rest = [a for a in articles if a.id not in label]
    candidates = [index for index, story in enumerate(earlier) if story.articles]
    found = attach_articles([earlier[i].articles for i in candidates], rest, settings=settings) if rest else []
    for article, number in zip(rest, found):
        label[article.id] = ("earlier", candidates[number]) if number < len(candidates) else ("new", number)
    groups: dict[tuple[str, int], list[Article]] = {}
    for article in articles:
        groups.setdefault(label[article.id], []).append(article)
    return list(groups.values()), [index if kind == "earlier" else None for kind, index in groups]


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
    """A digest's stories in their threads, for ``build_briefing(..., group=continuity.group, earlier=continuity)``.

    ``group`` groups the pipeline's articles (cleaned, near-duplicates set
    aside) beside the ``earlier`` stories (``attach_to_earlier``); called
    with each story so grouped, the object returns its ``EarlierCoverage``
    when it continues one (None for a new story, and for every story when
    ``updates`` is False: a forced run sends plain summaries); ``thread``
    then gives each summarised story its thread. ``hash_of`` maps article
    ids to content hashes; ``articles`` holds the grouped articles as the
    pipeline cleaned them, by id (their texts are kept for later digests).
    """

    def __init__(
        self,
        earlier: Sequence[EarlierStory],
        hash_of: Mapping[str, str],
        *,
        now: dt.datetime,
        zone: dt.tzinfo | None = None,
        updates: bool = True,
        settings=None,
    ):
        self.earlier = list(earlier)
        self.hash_of, self.now, self.zone, self.updates, self.settings = hash_of, now, zone, updates, settings
        self.articles: dict[str, Article] = {}
        self._continues: dict[str, int] = {}  # article id -> index in earlier, for articles of continuing stories
        self._stories: dict[str, int | None] = {}  # pipeline story id -> index in earlier, or None
        self._updated: set[str] = set()  # stories given earlier coverage

    def group(self, articles: Sequence[Article]) -> list[list[Article]]:
        """The pipeline's grouping step: ``articles`` split into stories beside the earlier ones."""
        self.articles = {a.id: a for a in articles}
        groups, continued = attach_to_earlier(self.earlier, articles, self.hash_of, self.settings)
        self._continues = {a.id: index for group, index in zip(groups, continued) if index is not None for a in group}
        return groups

    def __call__(self, story: Story) -> EarlierCoverage | None:
        index = next((self._continues[a.id] for a in story.articles if a.id in self._continues), None)
        self._stories[story.id] = index
        if index is None or not self.updates:
            return None
        coverage = self.earlier[index].coverage(self.zone)
        if not coverage.summaries:
            return None
        self._updated.add(story.id)
        return coverage

    def thread(self, summary: StorySummary, story_key: str) -> StoryThread:
        """The thread of a summarised story (``story_key``: the key of its articles)."""
        index = self._stories.get(summary.story_id)
        if index is None:
            return StoryThread(new_story_id(story_key))
        story = self.earlier[index]
        day = story_day(story.first_shown, self.now, self.zone) if story.first_shown else 1
        return StoryThread(story.story_id, continues=True, day=day, earlier=story.shown)

    def nothing_new(self, summary: StorySummary) -> bool:
        """Whether ``summary`` is an update that says nothing new (empty: everything was told before)."""
        return summary.story_id in self._updated and not summary.sentences

    def edition(self, briefing: Briefing) -> Edition:
        """The briefing's stories in their threads, the continuing ones with nothing new set apart."""
        edition = Edition([], [], self.hash_of, self.articles)
        for summary in briefing.stories:
            key = story_key(edition.hashes(summary))
            place = edition.left_out if self.nothing_new(summary) else edition.shown
            place.append((summary, key, self.thread(summary, key)))
        return edition


@dataclass
class Edition:
    """A digest's stories in their threads: those shown, in reading order, and the continuing ones left out.

    Each is ``(StorySummary, story key, StoryThread)``; ``hash_of`` maps
    article ids to content hashes and ``articles`` holds the grouped
    articles as the pipeline cleaned them.
    """

    shown: list[tuple[StorySummary, str, StoryThread]]
    left_out: list[tuple[StorySummary, str, StoryThread]]
    hash_of: Mapping[str, str]
    articles: Mapping[str, Article]

    @property
    def continuing(self) -> int:
        return sum(1 for _, _, thread in self.shown if thread.continues)

    @property
    def left_out_line(self) -> str:
        return nothing_new_line([summary.headline for summary, _, _ in self.left_out])

    def hashes(self, story: StorySummary) -> tuple[str, ...]:
        return tuple(sorted({self.hash_of[i] for i in story.article_ids if i in self.hash_of}))

    def records(self) -> list[StoryRecord]:
        """The stories as the state database keeps them: the shown ones in reading order, then those left out."""
        records = []
        for position, (story, key, thread) in enumerate(self.shown + self.left_out, 1):
            sources = tuple(
                {"title": s.title, "outlet": s.outlet, "date": s.date.isoformat() if s.date else None, "url": s.url}
                for s in story.sources
            )
            records.append(StoryRecord(position, key, story.headline, story.summary, self.hashes(story), sources,
                                       thread.story_id, shown=position <= len(self.shown)))  # fmt: skip
        return records

    def texts(self) -> list[ArticleText]:
        """The cleaned texts of the stories' articles (near-copies left out), for matching later digests' stories."""
        texts = {}
        for story, _, _ in self.shown + self.left_out:
            for source in story.sources:
                article = self.articles.get(source.article_id)
                if article is not None and not source.duplicate_of and source.article_id in self.hash_of:
                    digest = self.hash_of[source.article_id]
                    texts[digest] = ArticleText(digest, article.title, article.text, article.date)
        return list(texts.values())


def date_undated(
    articles: Sequence[tuple[Article, str]], first_seen: Mapping[str, dt.datetime], zone: dt.tzinfo | None = None
) -> tuple[list[tuple[Article, str]], set[str]]:
    """``(article, hash)`` pairs with each undated article given the day it was first seen (in ``zone``),
    so that matching has a time and an update summary can place it newest first; and the ids dated so."""
    dated, undated = [], set()
    for article, digest in articles:
        if article.date is None:
            article = dataclasses.replace(article, date=local_time(first_seen[digest], zone).date())
            undated.add(article.id)
        dated.append((article, digest))
    return dated, undated


def clear_given_dates(briefing: Briefing, undated: set[str]) -> None:
    """Sources show articles' own dates: the first-seen day ``date_undated`` gave is none."""
    for story in briefing.stories:
        for source in story.sources:
            if source.article_id in undated:
                source.date = None


def nothing_new_line(headlines: Sequence[str]) -> str:
    """The one line naming the continuing stories left out: ``Nothing new since the last digest in 2 developing stories: A; B.``"""
    if not headlines:
        return ""
    return f"Nothing new since the last digest in {count(len(headlines), 'developing story')}: {'; '.join(headlines)}."
