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
    Each chunk is the longest run of the next sentences whose joined text
    fits (greedy, as if sentences were added one at a time).
    """
    if not sentences:
        return ChunkPlan(chunks=[])
    if max_tokens is None:
        return ChunkPlan(chunks=[Chunk(story_id, list(sentences))])
    if max_tokens < 8:
        raise ValueError(f"max_tokens={max_tokens} is too small to hold a sentence")
    notes: list[str] = []
    pieces: list[Sentence] = []
    lengths: list[int] = []
    for sentence in sentences:
        length = count_tokens(sentence.text)
        if length <= max_tokens:
            pieces.append(sentence)
            lengths.append(length)
            continue
        parts = _split_long_sentence(sentence, count_tokens, max_tokens)
        notes.append(
            f"a sentence of article {sentence.article_id} ({length} tokens) is longer than "
            f"the model's input of {max_tokens} tokens and was split into {len(parts)} pieces"
        )
        pieces.extend(parts)
        lengths.extend(count_tokens(part.text) for part in parts)
    return ChunkPlan(chunks=_greedy_chunks(pieces, lengths, story_id, count_tokens, max_tokens), notes=notes)


def _greedy_chunks(
    pieces: Sequence[Sentence], lengths: Sequence[int], story_id: str, count_tokens: Callable[[str], int],
    max_tokens: int,
) -> list[Chunk]:
    """Chunks of the longest runs of ``pieces`` whose joined text fits ``max_tokens``.

    Counting the growing chunk after every sentence would tokenise it again
    and again (quadratic in the chunk's length). Instead the run is first
    estimated from each piece's own count (``lengths``, special tokens taken
    once), which is exact for tokenizers that never merge across spaces, and
    then checked on the joined text, stepping back or on until it is the
    longest run that really fits: usually two counts per chunk.
    """
    specials = count_tokens("")
    chunks: list[Chunk] = []
    start = 0
    while start < len(pieces):
        end, total = start + 1, lengths[start]  # every piece fits alone
        while end < len(pieces) and total + lengths[end] - specials <= max_tokens:
            total += lengths[end] - specials
            end += 1
        while end > start + 1 and not _fits(pieces[start:end], count_tokens, max_tokens):
            end -= 1
        while end < len(pieces) and _fits(pieces[start:end + 1], count_tokens, max_tokens):
            end += 1
        chunks.append(Chunk(story_id, list(pieces[start:end])))
        start = end
    return chunks


def _fits(pieces: Sequence[Sentence], count_tokens: Callable[[str], int], max_tokens: int) -> bool:
    return count_tokens(" ".join(piece.text for piece in pieces)) <= max_tokens


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
