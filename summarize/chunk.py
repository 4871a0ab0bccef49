"""Chunk: split a story into sentences and pack them into model-sized chunks.

Sentences are split with the offline splitter, sentences that repeat across
(or within) a story's articles are dropped, and the rest are packed whole, in
order, into chunks whose token count (under the model's own tokenizer) fits
the model's input. Nothing is cut silently: a single sentence longer than the
model's input is split at word boundaries into pieces that fit, and a note
says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from summarize.models import Chunk, Sentence, Story
from summarize.sentences import sentence_key, split_sentences


@dataclass
class ChunkPlan:
    """The chunks of a story and notes on anything that was changed to fit."""

    chunks: list[Chunk]
    notes: list[str] = field(default_factory=list)
    repeated_sentences: int = 0


def story_sentences(story: Story) -> tuple[list[Sentence], int]:
    """The sentences of the story's distinct articles, repeats dropped.

    Articles come in story order; a sentence is kept the first time its
    normalised form appears. Returns the sentences and the number dropped.
    """
    seen: set[str] = set()
    sentences: list[Sentence] = []
    repeated = 0
    for article in story.distinct_articles:
        for position, text in enumerate(split_sentences(article.text)):
            key = sentence_key(text)
            if not key:
                continue
            if key in seen:
                repeated += 1
                continue
            seen.add(key)
            sentences.append(Sentence(text=text, article_id=article.id, position=position))
    return sentences, repeated


def pack_sentences(
    sentences: Sequence[Sentence],
    story_id: str,
    count_tokens: Callable[[str], int],
    max_tokens: int | None,
) -> ChunkPlan:
    """Pack whole sentences, in order, into chunks of at most ``max_tokens``.

    ``count_tokens`` counts a text the way the model will see it (special
    tokens included). With ``max_tokens`` None everything is one chunk.
    """
    if not sentences:
        return ChunkPlan(chunks=[])
    if max_tokens is None:
        return ChunkPlan(chunks=[Chunk(story_id, list(sentences))])
    if max_tokens < 8:
        raise ValueError(f"max_tokens={max_tokens} is too small to hold a sentence")
    notes: list[str] = []
    pieces: list[Sentence] = []
    for sentence in sentences:
        if count_tokens(sentence.text) <= max_tokens:
            pieces.append(sentence)
            continue
        parts = _split_long_sentence(sentence, count_tokens, max_tokens)
        notes.append(
            f"a sentence of article {sentence.article_id} ({count_tokens(sentence.text)} tokens) is longer than "
            f"the model's input of {max_tokens} tokens and was split into {len(parts)} pieces"
        )
        pieces.extend(parts)
    chunks: list[Chunk] = []
    current: list[Sentence] = []
    for sentence in pieces:
        candidate = current + [sentence]
        if current and count_tokens(" ".join(s.text for s in candidate)) > max_tokens:
            chunks.append(Chunk(story_id, current))
            current = [sentence]
        else:
            current = candidate
    if current:
        chunks.append(Chunk(story_id, current))
    return ChunkPlan(chunks=chunks, notes=notes)


def chunk_story(story: Story, count_tokens: Callable[[str], int], max_tokens: int | None) -> ChunkPlan:
    """Sentences of ``story`` with repeats dropped, packed into model-sized chunks."""
    sentences, repeated = story_sentences(story)
    plan = pack_sentences(sentences, story.id, count_tokens, max_tokens)
    plan.repeated_sentences = repeated
    return plan


def _split_long_sentence(sentence: Sentence, count_tokens: Callable[[str], int], max_tokens: int) -> list[Sentence]:
    """Split one over-long sentence into consecutive word runs that each fit."""
    words = sentence.text.split()
    parts: list[Sentence] = []
    start = 0
    while start < len(words):
        end = _longest_fitting_prefix(words, start, count_tokens, max_tokens)
        parts.append(Sentence(" ".join(words[start:end]), sentence.article_id, sentence.position))
        start = end
    return parts


def _longest_fitting_prefix(words: list[str], start: int, count_tokens: Callable[[str], int], max_tokens: int) -> int:
    """The largest end such that words[start:end] fits (at least one word)."""
    low, high = start + 1, len(words)
    while low < high:  # binary search: counting is monotone in the number of words
        middle = (low + high + 1) // 2
        if count_tokens(" ".join(words[start:middle])) <= max_tokens:
            low = middle
        else:
            high = middle - 1
    return low
