"""The one interface every summarisation engine implements.

An engine is a batch callable: it is built once (loading any model then) and
called on a batch of chunks, returning one summary per chunk, in order. That
shape is what batched generation wants, and what a distributed engine such as
Ray Data's ``map_batches`` expects (see ``__call__``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from summarize.models import Chunk, Sentence
from summarize.sentences import split_sentences, word_count


class EngineError(RuntimeError):
    """An engine could not be built or run; the message is one line for users."""


class Summarizer(ABC):
    """Base class of the engines.

    Attributes:
        name: the engine's registry name ("abstractive", "extractive").
        model: the model id or directory, or None when the engine has no model.
        max_input_tokens: the longest input one call may take, counted by
            ``count_tokens``; None when input length is unbounded.
        writes_language: whether the engine follows a ``language`` option
            (instruction engines); the others write in their input's language.
    """

    name: str = ""
    model: str | None = None
    max_input_tokens: int | None = None
    writes_language: bool = False  # can write in a language other than the input's (instruction engines)

    def count_tokens(self, text: str) -> int:
        """Length of ``text`` in the units ``max_input_tokens`` is counted in (here: whitespace-separated words)."""
        return word_count(text)

    @abstractmethod
    def summarize(self, chunks: Sequence[Chunk], max_words: int) -> list[str]:
        """Summarise each chunk in at most about ``max_words`` words.

        Returns one summary per chunk, in order. Implementations must not
        truncate their input: the chunker guarantees each chunk fits.
        """

    def summarize_sentences(self, chunks: Sequence[Chunk], max_words: int) -> list[list[str]]:
        """``summarize``, each summary as its sentences (what fusion works on).

        Engines that choose whole sentences override this to hand them over
        as chosen, which spares splitting their output again.
        """
        return [split_sentences(summary) for summary in self.summarize(chunks, max_words)]

    def write_headlines(self, summaries: Sequence[str], max_words: int = 12) -> list[str | None]:
        """A headline of at most ``max_words`` words for each story summary, or None.

        None means "this engine writes no headline": the caller builds one
        from the story's text. Engines that can write one (a chat model from
        its headline prompt, a seq2seq model by compressing its summary's
        lead) override this.
        """
        return [None] * len(summaries)

    def __call__(self, batch: dict[str, Sequence[str]], max_words: int = 120) -> dict[str, list[str]]:
        """Column-batch form for Ray Data style ``map_batches``.

        ``batch["text"]`` holds the texts; returns ``{"text": ..., "summary": ...}``.
        """
        texts = list(batch["text"])
        chunks = [Chunk(story_id=str(i), sentences=[Sentence(t)]) for i, t in enumerate(texts)]
        return {"text": texts, "summary": self.summarize(chunks, max_words)}

    def describe(self) -> dict:
        """Settings worth recording in a briefing's metadata."""
        return {"engine": self.name, "model": self.model}


class SentenceSelector(Summarizer):
    """An engine whose summaries are whole sentences chosen from the chunk.

    Subclasses implement ``select``; the summary text is the chosen sentences
    joined by spaces, and fusion gets them as chosen.
    """

    @abstractmethod
    def select(self, chunk: Chunk, max_words: int) -> list[str]:
        """The sentences chosen from ``chunk`` within ``max_words``, in reading order."""

    def summarize(self, chunks: Sequence[Chunk], max_words: int) -> list[str]:
        """One summary per chunk: its chosen sentences, joined."""
        return [" ".join(sentences) for sentences in self.summarize_sentences(chunks, max_words)]

    def summarize_sentences(self, chunks: Sequence[Chunk], max_words: int) -> list[list[str]]:
        """Each chunk's chosen sentences (see ``select``)."""
        if max_words < 1:
            raise ValueError(f"max_words must be at least 1, got {max_words}")
        return [self.select(chunk, max_words) for chunk in chunks]
