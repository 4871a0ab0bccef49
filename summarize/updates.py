"""Update summaries: what a continuing story's new articles add to what its reader already saw.

A digest reader who read yesterday's summary of a story wants today's to say
what happened since, not to tell the story again: the update summarisation
task of TAC 2008-2011 (summarise set B for a reader who has read set A).
Given a story and the earlier digests' summaries of it (``EarlierCoverage``),
the pipeline turns the story's summary into an update summary by these rules,
which chunking and fusion call through ``StoryUpdate``:

1. **Content.** A sentence's concepts are its content bigrams, counted as the
   extractive engine counts them: adjacent words, case-folded, plurals folded
   with Harman's S-stemmer, pairs of two stop words left out. What the reader
   knows (``KnownContent``) is the set of concepts of the earlier summaries.
2. **Already told.** A sentence is already told when at least
   ``ALREADY_TOLD`` (half) of its concepts are known: more of what it says
   was in the earlier summaries than was not. A sentence without concepts
   (stop words only) is never already told.
3. **Before the engine** (every engine): the story's sentences already told
   are left out, so no engine is given them to summarise again; the rest is
   chunked as usual, and each chunk carries the earlier summaries' sentences
   as ``Chunk.known``. The sentence-selecting engines give known content no
   weight (``extractive`` counts its concepts as already covered, ``lexrank``
   scales a sentence's score by its unknown share), so a partly known
   sentence is worth only its new part.
4. **After fusion** (every engine): output sentences already told are
   dropped (a model can restate background it was given inside a sentence
   that mixed old and new), then the summary is put newest first
   (``newest_first``): the lead is the latest development.
5. **Recap** (when asked): one line from the latest earlier summary, its
   lead sentence (``recap_line``).

Everything here is pure: texts and dates in, texts out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from summarize.chunk import ChunkPlan, pack_sentences, story_sentences
from summarize.models import Article, EarlierCoverage, Story
from summarize.sentences import sentence_tokens, split_sentences

# A sentence is already told when at least this share of its concepts is
# known. One half is the point where a sentence says more that the reader has
# read than it says anew; docs/updates.md shows the benchmark on either side.
ALREADY_TOLD = 0.5
RECAP_WORDS = 30  # a recap longer than this is cut after a whole word, with an ellipsis

Concept = tuple[str, str]


def concepts(text: str) -> frozenset[Concept]:
    """The content bigrams of ``text``: the extractive engine's concepts, as word pairs.

    Words are ``sentence_tokens`` (case-folded letters and digits), each
    folded by ``s_stem``; a pair of two stop words is no concept.
    """
    s_stem, stop_words = _stemmer_and_stop_words()
    tokens = sentence_tokens(text)
    stems = [s_stem(token) for token in tokens]
    stop = [token in stop_words for token in tokens]
    return frozenset(
        (stems[i], stems[i + 1]) for i in range(len(tokens) - 1) if not (stop[i] and stop[i + 1])
    )


@lru_cache(maxsize=1)
def _stemmer_and_stop_words():
    # The extractive engine's stemmer and stop words (scikit-learn's list),
    # imported on first use: scikit-learn takes a second or more to import,
    # which a briefing without update summaries need not pay for.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from summarize.engines.extractive import s_stem

    return s_stem, frozenset(ENGLISH_STOP_WORDS)


class KnownContent:
    """What a reader already knows: the sentences and concepts of texts they read.

    ``sentences`` are the texts split into sentences, in order;
    ``known_share(text)`` is the share of the concepts of ``text`` among the
    known ones (0 for a text without concepts).
    """

    def __init__(self, texts: Iterable[str]) -> None:
        self.sentences: tuple[str, ...] = tuple(s for text in texts for s in split_sentences(text))
        self.concepts: frozenset[Concept] = frozenset().union(*map(concepts, self.sentences))

    def known_share(self, text: str) -> float:
        """The share of the concepts of ``text`` that are known."""
        own = concepts(text)
        return len(own & self.concepts) / len(own) if own else 0.0

    def already_told(self, text: str) -> bool:
        """Whether at least ``ALREADY_TOLD`` of the concepts of ``text`` are known."""
        return bool(self.concepts) and self.known_share(text) >= ALREADY_TOLD


@dataclass
class StoryUpdate:
    """The update rules for one story, given what its reader already saw (see the module docstring).

    ``recap``: whether the summary gets a "Previously:" line.
    """

    coverage: EarlierCoverage
    recap: bool = False
    known: KnownContent = field(init=False)

    def __post_init__(self) -> None:
        self.known = KnownContent(s.text for s in self.coverage.summaries)

    def chunk(self, story: Story, count_tokens: Callable[[str], int], max_tokens: int | None) -> ChunkPlan:
        """The story's sentences that are not already told, packed into chunks that carry what is known.

        Like ``summarize.chunk.chunk_story`` (repeats dropped, whole sentences
        packed to ``max_tokens``), with the sentences already told left out
        and a note saying how many. When every sentence was told, no chunk.
        """
        sentences, repeated = story_sentences(story)
        new = [s for s in sentences if not self.known.already_told(s.text)]
        plan = pack_sentences(new, story.id, count_tokens, max_tokens)
        plan.repeated_sentences = repeated
        for chunk in plan.chunks:
            chunk.known = self.known.sentences
        told = len(sentences) - len(new)
        if told:
            plan.notes.append(f"{_sentences(told)} already told in earlier digests left out before summarising")
        return plan

    def finish(self, sentences: Sequence[str], story: Story) -> tuple[list[str], list[str]]:
        """The summary sentences without those already told, newest first; and notes on what was dropped."""
        kept = [s for s in sentences if not self.known.already_told(s)]
        notes = []
        if len(kept) < len(sentences):
            notes.append(f"{_sentences(len(sentences) - len(kept))} of the summary already told in earlier digests left out")
        if not kept and sentences:
            notes.append("nothing new since the last digest")
        return newest_first(kept, story.distinct_articles), notes

    def previously(self) -> str | None:
        """The "Previously:" line (``recap_line``) when a recap was asked for, else None."""
        return recap_line(self.coverage) if self.recap else None


def update_settings(coverage: EarlierCoverage, recap: bool) -> dict:
    """What an update summary depends on beyond its story and the engine (for summary cache keys)."""
    return {
        "earlier": [[s.text, s.date.isoformat() if s.date else None] for s in coverage.summaries],
        "recap": recap,
        "already_told": ALREADY_TOLD,
    }


def newest_first(sentences: Sequence[str], articles: Sequence[Article]) -> list[str]:
    """``sentences`` ordered by when their content was first reported, newest first.

    A sentence's sources are the articles holding the sentence that shares
    the most of its concepts (all of them on a tie); its date is the earliest
    date among its dated sources, so content that a later article repeats
    from an earlier one dates from the earlier one. The order is stable:
    sentences of the same date keep the order they came in (the engine's:
    most important first, a dangling sentence after its predecessor).

    Without dates, "newest" cannot be known: sentences without a dated
    source come after the dated ones, in the order they came; when no
    sentence has a dated source, the order is unchanged.
    """
    stated = [
        (article.date.toordinal() if article.date else None, [concepts(s) for s in split_sentences(article.text)])
        for article in articles
    ]
    days = [_first_reported(concepts(sentence), stated) for sentence in sentences]
    if all(day is None for day in days):
        return list(sentences)
    order = sorted(range(len(sentences)), key=lambda i: (0, -days[i]) if days[i] is not None else (1, 0))
    return [sentences[i] for i in order]


def _first_reported(own: frozenset[Concept], stated: Sequence[tuple[int | None, list[frozenset[Concept]]]]) -> int | None:
    """The earliest day among the dated articles that best state a sentence of concepts ``own``.

    ``stated`` holds each article's day (an ordinal, or None) and its sentences' concepts.
    """
    best, days = 0, []
    for day, sentence_concepts in stated:
        overlap = max((len(own & c) for c in sentence_concepts), default=0)
        if overlap and overlap >= best:
            if overlap > best:
                best, days = overlap, []
            if day is not None:
                days.append(day)
    return min(days) if days else None


def recap_line(coverage: EarlierCoverage, max_words: int = RECAP_WORDS) -> str | None:
    """The lead sentence of the latest earlier summary, as one line; None when there is none.

    A lead longer than ``max_words`` words is cut after a whole word and
    ends with an ellipsis, so the recap stays one line.
    """
    latest = coverage.latest
    sentences = split_sentences(latest.text) if latest else []
    if not sentences:
        return None
    words = sentences[0].split()
    if len(words) <= max_words:
        return sentences[0]
    return " ".join(words[:max_words]).rstrip(",;:") + "…"


def _sentences(n: int) -> str:
    return f"{n} sentence{'' if n == 1 else 's'}"
