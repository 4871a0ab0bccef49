"""The plain data that flows through the pipeline, one stage to the next.

ingest -> Article -> clean -> Article -> dedup/group -> Story -> chunk -> Chunk
-> summarise/fuse -> StorySummary -> Briefing -> render.

Every stage takes these values and returns new ones; nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One news article as read from a file, a JSON line, a feed entry or stdin.

    ``id`` is unique within a run. ``origin`` says where it came from (a path,
    ``path:line`` for JSON lines, ``<stdin>``) so errors and sources can name it.
    """

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    date: dt.date | None = None
    source: str | None = None  # the outlet ("Reuters"), when known
    authors: tuple[str, ...] = ()
    origin: str = ""

    @property
    def outlet(self) -> str | None:
        """The outlet by name when something names it, else None (never a file name; see ``summarize.outlets``)."""
        from summarize.outlets import outlet_of

        return outlet_of(self)


@dataclass(frozen=True, slots=True)  # slots: a huge story holds hundreds of thousands
class Sentence:
    """A sentence with where it came from: its article and its index there."""

    text: str
    article_id: str = ""
    position: int = 0


@dataclass
class Story:
    """Articles about one event.

    ``articles`` holds every source of the story. ``duplicates`` maps the id of a
    near-duplicate article to the id of the article it copies: duplicates stay
    sources of the story but their text is not summarised again.
    """

    id: str
    articles: list[Article]
    duplicates: dict[str, str] = field(default_factory=dict)

    @property
    def distinct_articles(self) -> list[Article]:
        """The articles whose text is summarised (near-duplicates left out)."""
        return [a for a in self.articles if a.id not in self.duplicates]

    @property
    def latest_date(self) -> dt.date | None:
        dates = [a.date for a in self.articles if a.date]
        return max(dates) if dates else None


@dataclass
class Chunk:
    """Whole sentences of one story that together fit the model's input.

    ``level`` 0 holds sentences of the story's articles; level n > 0 holds
    sentences of the summaries of level n - 1, to be fused.
    """

    story_id: str
    sentences: list[Sentence]
    level: int = 0
    # What the reader already saw of the story (sentences of earlier digests'
    # summaries): engines that weigh content may give it no weight. Never
    # part of the input text; empty for a story told for the first time.
    known: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass
class Source:
    """How a briefing names one article of a story.

    ``title`` is the article's own title (None when it has none: nothing is
    invented in its place); ``headline`` is what a reader sees, the title or
    a headline made from the article's lead. ``outlet`` names the publisher
    (None when nothing names it); ``origin`` is the file (and line) it was
    read from, kept for machines, never shown as an outlet.
    """

    article_id: str
    title: str | None
    outlet: str | None
    date: dt.date | None = None
    url: str | None = None
    duplicate_of: str | None = None
    headline: str | None = None
    origin: str = ""

    @property
    def display_title(self) -> str:
        return self.headline or self.title or "Untitled article"


@dataclass
class SummarySentence:
    """A sentence of a story summary and the articles that support it."""

    text: str
    supported_by: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # entities not found in the sources (flag mode)


@dataclass
class StorySummary:
    """One story of the briefing: headline, summary, sources."""

    story_id: str
    headline: str
    sentences: list[SummarySentence]
    sources: list[Source]
    notes: list[str] = field(default_factory=list)  # what was dropped, and why
    factual: dict | None = None  # entity check of the summary against its sources
    previously: str | None = None  # one-line recap of the last digest's summary (update summaries, when asked)

    @property
    def summary(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def article_ids(self) -> list[str]:
        return [s.article_id for s in self.sources]


@dataclass(frozen=True)
class EarlierSummary:
    """One earlier digest's summary of a story, as its reader saw it."""

    text: str
    date: dt.date | None = None  # when that digest went out (a date or a datetime)


@dataclass(frozen=True)
class EarlierCoverage:
    """What the reader of a continuing story already saw: earlier digests' summaries, oldest first.

    Given per story to the summariser, it turns the story's summary into an
    update summary (see ``summarize.updates``).
    """

    summaries: tuple[EarlierSummary, ...]

    @property
    def latest(self) -> EarlierSummary | None:
        """The last summary the reader saw (the last of ``summaries``)."""
        return self.summaries[-1] if self.summaries else None


@dataclass
class Briefing:
    """The whole briefing: stories in reading order plus how it was made."""

    generated_at: dt.datetime
    engine: str  # "abstractive", "extractive" or "extractive (fallback: ...)"
    model: str | None
    stories: list[StorySummary]
    notes: list[str] = field(default_factory=list)  # run-level: skipped inputs, truncation
    settings: dict = field(default_factory=dict)
    fallback: str | None = None  # why the model was not used, when the engine fell back
    engine_usage: dict | None = None  # model engines: generate calls and tokens fed/generated for this briefing

    @property
    def article_count(self) -> int:
        return sum(len(s.sources) for s in self.stories)

    @property
    def news_dates(self) -> list[dt.date]:
        """The dates of the articles covered, for the date range a reader sees."""
        return [source.date for story in self.stories for source in story.sources if source.date]
