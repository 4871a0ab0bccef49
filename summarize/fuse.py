"""Fuse: turn a story's chunk summaries into one story summary with sources.

For engines with a bounded input, chunk summaries are summarised again: in one
pass when their concatenation fits the model, hierarchically (re-chunked and
summarised level by level) when it does not. All stories advance level by
level together, so each level is one batched engine call. Then redundant
sentences are removed, the factual guard drops (or flags) sentences naming
entities the sources lack, sentences referring back to something left out are
dropped, the word budget is kept by whole sentences, and each sentence is
attributed to the articles that support it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from summarize.chunk import chunk_story, pack_sentences
from summarize.engines.base import Summarizer
from summarize.headlines import MAX_WORDS as MAX_HEADLINE_WORDS
from summarize.headlines import article_headline, story_headline
from summarize.models import Article, EarlierCoverage, Sentence, Source, Story, StorySummary, SummarySentence
from summarize.outlets import outlet_of
from summarize.wording import count
from summarize.sentences import sentence_key, sentence_tokens, split_sentences, word_count
from summarize.updates import StoryUpdate

REDUNDANCY_THRESHOLD = 0.6  # word-set Jaccard above which a later sentence repeats an earlier one
SUPPORT_THRESHOLD = 0.25  # TF-IDF cosine above which an article sentence supports a summary sentence
MAX_LEVELS = 8
GUARD_MODES = ("remove", "flag")
# Words that point back to something said before: a sentence opening with one
# reads wrongly unless what it refers to comes right before it.
_DANGLING_OPENER = re.compile(
    r"^(?:he|she|they|it|this|that|these|those|his|her|their|its|but|and|however|also|instead|meanwhile|"
    r"still|yet|such|there|then|both|the two)\b",
    re.IGNORECASE,
)


@dataclass
class _StoryWork:
    story: Story
    summaries: list[list[str]] = field(default_factory=list)  # the last level's summaries, as sentences
    notes: list[str] = field(default_factory=list)
    update: StoryUpdate | None = None  # what the reader already saw, for an update summary


def summarize_stories(
    stories: Sequence[Story],
    engine: Summarizer,
    max_words: int,
    unsupported: str = "remove",
    annotate: bool = True,
    earlier: Mapping[str, EarlierCoverage] | None = None,
    recap: bool = False,
) -> list[StorySummary]:
    """Summarise each story; returns one StorySummary per story, in input order.

    ``unsupported`` is the factual guard's mode: "remove" drops summary
    sentences naming entities (names, numbers, dates) that the story's sources
    do not contain; "flag" keeps them and lists the entities. With
    ``annotate`` False only the summary sentences are filled in: headline,
    sources, per-sentence attribution and the entity report are skipped
    (for callers that want the summary text alone).

    ``earlier`` maps a story's id to what its reader already saw (earlier
    digests' summaries): that story gets an update summary, built from what
    its articles add and newest first (``summarize.updates``), and with
    ``recap`` a one-line ``previously``. Stories not in it are summarised as
    without it.
    """
    if unsupported not in GUARD_MODES:
        raise ValueError(f"unknown mode {unsupported!r}: expected one of {', '.join(GUARD_MODES)}")
    earlier = earlier or {}
    work = [_StoryWork(story, update=_update(earlier.get(story.id), recap)) for story in stories]
    _summarize_chunks(work, engine, max_words)
    summaries = [_finish(item, max_words, unsupported, annotate) for item in work]
    if annotate:
        write_headlines(stories, summaries, engine)
    return summaries


def _summarize_chunks(work: list[_StoryWork], engine: Summarizer, max_words: int) -> None:
    """Chunk each story, summarise, and fuse level by level; fills ``summaries`` and ``notes``.

    A function of its own so that the chunks (a huge story's every sentence)
    are released before the stories are finished.
    """
    pending = []
    for item in work:
        chunker = item.update.chunk if item.update else chunk_story
        plan = chunker(item.story, engine.count_tokens, engine.max_input_tokens)
        item.notes.extend(plan.notes)
        if plan.repeated_sentences:
            item.notes.append(f"{count(plan.repeated_sentences, 'sentence')} repeated across articles summarised once")
        pending.append((item, plan.chunks))
    level = 0
    while True:
        batch = [(item, chunk) for item, chunks in pending for chunk in chunks]
        if not batch:
            break
        outputs = engine.summarize_sentences([chunk for _, chunk in batch], max_words)
        by_story: dict[int, list[list[str]]] = {}
        for (item, _), output in zip(batch, outputs):
            by_story.setdefault(id(item), []).append(output)
        level += 1
        current, pending = pending, []
        for item, chunks in current:
            if not chunks:
                continue
            summaries = [s for s in by_story[id(item)] if any(t.strip() for t in s)]
            if len(chunks) == 1 or engine.max_input_tokens is None or level >= MAX_LEVELS:
                item.summaries = summaries
                if len(summaries) > 1:
                    item.notes.append(f"fusion stopped after {level} levels; chunk summaries were concatenated")
                continue
            # Fuse the chunk summaries: one more pass if they fit, else another level.
            sentences = [Sentence(s) for summary in summaries for s in summary]
            next_plan = pack_sentences(sentences, item.story.id, engine.count_tokens, engine.max_input_tokens)
            if len(next_plan.chunks) >= len(chunks):  # no progress: summaries are as long as their input
                item.summaries = summaries
                item.notes.append("chunk summaries did not shrink; they were concatenated instead of fused")
                continue
            for chunk in next_plan.chunks:
                chunk.level = level
            pending.append((item, next_plan.chunks))


def summarize_story(
    story: Story,
    engine: Summarizer,
    max_words: int,
    unsupported: str = "remove",
    annotate: bool = True,
    earlier: EarlierCoverage | None = None,
    recap: bool = False,
) -> StorySummary:
    """Summarise one story (see ``summarize_stories``); ``earlier``: what its reader already saw."""
    coverage = {story.id: earlier} if earlier else None
    return summarize_stories([story], engine, max_words, unsupported, annotate, coverage, recap)[0]


def _update(coverage: EarlierCoverage | None, recap: bool) -> StoryUpdate | None:
    return StoryUpdate(coverage, recap) if coverage and coverage.summaries else None


def summarize_documents(documents: Sequence[str], engine: Summarizer, max_words: int) -> str:
    """Summarise one cluster of documents about one event into a summary text.

    The path benchmarks use: the documents become the articles of one story
    and go through the same chunk-summarise-fuse steps as a briefing,
    factual guard included; only what a bare text cannot carry (headline,
    sources, sentence attribution, the entity report) is skipped.
    """
    return summarize_cluster(documents, engine, max_words).summary


def summarize_cluster(documents: Sequence[str], engine: Summarizer, max_words: int) -> StorySummary:
    """``summarize_documents`` with the story summary it makes: ``factual`` holds
    ``guarded_sentences`` and ``removed_sentences``, what the factual guard checked and removed."""
    articles = [Article(id=f"doc-{i}", text=text) for i, text in enumerate(documents) if text and text.strip()]
    if not articles:
        return StorySummary("cluster", "", [], [], factual={"removed_sentences": [], "guarded_sentences": 0})
    return summarize_story(Story(id="cluster", articles=articles), engine, max_words, annotate=False)


def _finish(item: _StoryWork, max_words: int, unsupported: str, annotate: bool) -> StorySummary:
    story = item.story
    sources = [article.text for article in story.articles]
    sentences = _distinct_sentences(_clean_output(s) for summary in item.summaries for s in summary)
    if item.update:
        sentences, update_notes = item.update.finish(sentences, story)
        item.notes.extend(update_notes)
    guarded = len(sentences)
    sentences, flags, removed = factual_guard(sentences, sources, unsupported)
    if removed:
        item.notes.append(f"{count(len(removed), 'sentence')} removed: naming entities the sources do not contain")
    sentences, dangling = drop_dangling_references(sentences, story.distinct_articles)
    if dangling:
        item.notes.append(f"{count(dangling, 'sentence')} left out: referring back to a sentence the summary does not include")
    first_words = word_count(sentences[0]) if sentences else 0
    sentences, dropped = _within_budget(sentences, max_words)
    if first_words > max_words:
        item.notes.append(f"the summary's first sentence ({first_words:,} words) was cut to the {max_words}-word budget")
    if dropped:
        item.notes.append(f"{count(dropped, 'summary sentence')} left out to keep within {max_words} words")
    attributed = attribute_sentences(sentences, story.articles) if annotate else [SummarySentence(t) for t in sentences]
    for sentence in attributed:
        sentence.unsupported = flags.get(sentence.text, [])
    summary = StorySummary(
        story_id=story.id,
        headline="",  # written for all stories at once, see write_headlines
        sentences=attributed,
        sources=make_sources(story) if annotate else [],
        notes=item.notes,
    )
    summary.factual = (story_factual_check(summary.summary, sources, removed, sentences) if annotate
                       else {"removed_sentences": removed})
    summary.factual["guarded_sentences"] = guarded  # what the guard checked: the share it removed is a benchmark figure
    if item.update:
        summary.previously = item.update.previously()
    return summary


def factual_guard(sentences: list[str], sources: Sequence[str], mode: str = "remove"):
    """Check each sentence's entities against ``sources``.

    Returns the sentences kept, a map sentence -> unsupported entities (for
    flagged sentences), and the removed sentences as dicts with ``text`` and
    ``unsupported``. In "remove" mode a sentence with any unsupported entity
    is removed; in "flag" mode it is kept and listed in the map.
    """
    from summarize.facts.support import check_sentences, copied_from_sources

    if not sentences:
        return [], {}, []
    # A sentence that stands in a source as it is is supported by construction
    # (extractive engines copy sentences); only the others need the entity check.
    to_check = [s for s, copied in zip(sentences, copied_from_sources(sentences, sources)) if not copied]
    checks = dict(zip(to_check, check_sentences(to_check, sources))) if to_check else {}
    kept, flags, removed = [], {}, []
    for sentence in sentences:
        check = checks.get(sentence)
        if check is None or check.ok:
            kept.append(sentence)
        elif mode == "flag":
            kept.append(sentence)
            flags[sentence] = list(check.unsupported)
        else:
            removed.append({"text": sentence, "unsupported": list(check.unsupported)})
    return kept, flags, removed


def story_factual_check(
    summary: str, sources: Sequence[str], removed: list[dict], sentences: Sequence[str] | None = None
) -> dict:
    """The story's entity check: precision-source, entities not in the sources, removed sentences.

    ``sentences``: the summary's sentences (it is them joined by spaces), when known.
    """
    from summarize.facts.support import check_summary

    check = check_summary(summary, sources, sentences=sentences) if summary else None
    return {
        "precision_source": check.precision_source if check else None,
        "entities": len(check.entities) if check else 0,
        "unsupported": list(check.unsupported) if check else [],
        "removed_sentences": removed,
    }


def _clean_output(text: str) -> str:
    """Remove control characters and broken bytes that a model may emit; one space between words."""
    if text.isprintable() and "  " not in text and "\ufffd" not in text:
        # the common case, already clean: the only whitespace is single ASCII spaces
        return text.strip()
    if not text.replace("\n", " ").replace("\t", " ").isprintable() or "\ufffd" in text:
        text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return " ".join(text.replace("\ufffd", "").split())


def _distinct_sentences(sentences) -> list[str]:
    """``sentences`` in order, without near-repeats of earlier ones (or empty ones).

    A near-repeat: word-set Jaccard similarity with a kept sentence above
    ``REDUNDANCY_THRESHOLD``.
    """
    kept: list[str] = []
    kept_words: list[tuple[set[str], int]] = []
    for sentence in sentences:
        words = set(sentence_tokens(sentence))
        size = len(words)
        if size and not any(_jaccard_above(words, size, other, other_size) for other, other_size in kept_words):
            kept.append(sentence)
            kept_words.append((words, size))
    return kept


def _jaccard_above(a: set[str], size_a: int, b: set[str], size_b: int) -> bool:
    """Whether the Jaccard similarity of two non-empty sets (of the sizes given) is above the threshold."""
    # |a & b| / |a | b| <= min size / max size: most pairs are ruled out before intersecting.
    if size_a <= size_b:
        if size_a <= REDUNDANCY_THRESHOLD * size_b:
            return False
    elif size_b <= REDUNDANCY_THRESHOLD * size_a:
        return False
    common = len(a & b)
    return common > REDUNDANCY_THRESHOLD * (size_a + size_b - common)


def drop_dangling_references(sentences: list[str], articles: Sequence[Article]) -> tuple[list[str], int]:
    """Drop sentences that open with a reference ("He said", "This") to something not included.

    A sentence copied from an article may open that way only when the summary
    sentence right before it is its predecessor in that article. A sentence
    not found in the articles (a model's own) may not open the summary that
    way. The first sentence is kept when every sentence would be dropped.
    Returns the kept sentences and the number dropped.
    """
    # Compared by normalised text, so a lead whose dateline an engine stripped
    # still counts as the predecessor of the sentence after it.
    if not any(_DANGLING_OPENER.match(sentence) for sentence in sentences):
        return list(sentences), 0
    predecessor: dict[str, str | None] = {}
    for article in articles:
        previous = None
        for sentence in split_sentences(article.text):
            key = sentence_key(sentence)
            predecessor.setdefault(key, previous)
            previous = key
    kept: list[str] = []
    for sentence in sentences:
        if _DANGLING_OPENER.match(sentence):
            key = sentence_key(sentence)
            if key in predecessor:
                before = predecessor[key]
                previous = sentence_key(kept[-1]) if kept else None
                if previous is None or before is None or not (before == previous or before.endswith(previous)):
                    continue
            elif not kept:
                continue
        kept.append(sentence)
    if not kept and sentences:
        kept = sentences[:1]
    return kept, len(sentences) - len(kept)


def _within_budget(sentences: list[str], max_words: int) -> tuple[list[str], int]:
    """Leading whole sentences within ``max_words``, and the number left out.

    When not even the first sentence fits, it alone is kept, cut at the word
    boundary that meets the budget and marked with "…" (see ``cut_to_words``):
    a unit without sentence punctuation may run to hundreds of thousands of words.
    """
    kept: list[str] = []
    total = 0
    for sentence in sentences:
        words = word_count(sentence)
        if total + words > max_words:
            if not kept:
                kept.append(cut_to_words(sentence, max_words))
            break
        kept.append(sentence)
        total += words
    return kept, len(sentences) - len(kept)


def cut_to_words(text: str, max_words: int) -> str:
    """``text`` cut after its first ``max_words`` words, with "…" marking the cut."""
    return " ".join(text.split(None, max_words)[:max_words]) + "…"


def attribute_sentences(sentences: Sequence[str], articles: Sequence[Article]) -> list[SummarySentence]:
    """Each summary sentence with the ids of the articles that support it.

    An article supports a sentence when one of its sentences has TF-IDF cosine
    similarity of at least SUPPORT_THRESHOLD with it; articles are listed best first.
    """
    if not sentences:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    article_sentences = [(a.id, s) for a in articles for s in split_sentences(a.text)]
    if not article_sentences:
        return [SummarySentence(text) for text in sentences]
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    try:
        matrix = vectorizer.fit_transform([s for _, s in article_sentences] + list(sentences))
    except ValueError:  # only stop words everywhere
        return [SummarySentence(text) for text in sentences]
    similarity = cosine_similarity(matrix[len(article_sentences):], matrix[: len(article_sentences)])
    result = []
    for row, text in zip(similarity, sentences):
        best: dict[str, float] = {}
        for (article_id, _), score in zip(article_sentences, row):
            if score >= SUPPORT_THRESHOLD and score > best.get(article_id, 0.0):
                best[article_id] = float(score)
        result.append(SummarySentence(text, sorted(best, key=best.get, reverse=True)))
    return result


def make_headline(story: Story, written: str | None = None) -> str:
    """The story's headline: a source title, else ``written`` (the engine's), else one built
    from the story's most central sentence (see ``summarize.headlines``)."""
    return story_headline(story, written)


def make_sources(story: Story) -> list[Source]:
    """How the briefing names each article: title (None when it has none), headline, outlet, date."""
    return [
        Source(
            article_id=article.id, title=article.title or None, outlet=outlet_of(article), date=article.date,
            url=article.url, duplicate_of=story.duplicates.get(article.id), headline=article_headline(article),
            origin=article.origin,
        )
        for article in story.articles
    ]


def write_headlines(stories: Sequence[Story], summaries: Sequence[StorySummary], engine: Summarizer) -> None:
    """Give each summary its headline: a source title, else the engine's (when the sources
    support its names, numbers and dates), else one built from the story's text."""
    from summarize.facts.support import check_sentences

    untitled = [i for i, story in enumerate(stories) if not any(a.title for a in story.articles)]
    written = engine.write_headlines([summaries[i].summary for i in untitled], MAX_HEADLINE_WORDS) if untitled else []
    offered = dict(zip(untitled, written))
    for i, (story, summary) in enumerate(zip(stories, summaries)):
        headline = _clean_output(offered.get(i) or "")
        if headline and len(headline.split()) <= 2 * MAX_HEADLINE_WORDS:
            sources = [article.text for article in story.articles]
            if not check_sentences([headline], sources)[0].ok:
                summary.notes.append(f"the engine's headline named something the sources lack: {headline!r}")
                headline = ""
        summary.headline = make_headline(story, headline or None)
