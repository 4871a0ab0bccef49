"""Sentence splitting that needs no downloads, the normalised form sentences compare by, word counts.

blingfire (a compiled, rule-based tokenizer) splits abbreviations, quotes and
ellipses correctly and is fast enough for tens of thousands of sentences per
second; NLTK's punkt would need data that cannot be fetched offline.
Paragraph breaks always end a sentence.
"""

from __future__ import annotations

import ctypes
import re
from functools import lru_cache

import blingfire

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
# For ASCII text: letters and digits lowered, anything else a space. (bytes.translate
# wants 256 entries; only ASCII text is ever translated.)
_ASCII_KEY_TABLE = bytes(ord(chr(c).lower()) if chr(c).isalnum() else 32 for c in range(128)) + bytes(128)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")
# A line with no sentence-ending mark before its last character is one
# sentence: no need to ask blingfire (whose per-call overhead dominates on
# one-sentence lines).
_INNER_SENTENCE_END = re.compile(r"[.!?\u2026]")
# Splits and keys are remembered (below), bounded in entries and in text
# length, so memory stays at a few tens of MB however large the run (a full
# key cache, 16,384 news sentences with their words, measured 30 MB).
_LONGEST_CACHED_TEXT = 20_000  # characters
_LONGEST_CACHED_SENTENCE = 2_000


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences, stripped and non-empty, in order.

    Line breaks are treated as hard boundaries (articles put one paragraph a
    line); within a line blingfire decides.
    """
    if len(text) > _LONGEST_CACHED_TEXT:
        return list(_split(text))
    return list(_split_cached(text))


def _split(text: str) -> tuple[str, ...]:
    sentences: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if not _INNER_SENTENCE_END.search(paragraph, 0, len(paragraph) - 1):
            sentences.append(paragraph)
            continue
        split = _blingfire_sentences(paragraph)
        if not split.strip():  # blingfire answers "" when it fails: keep the paragraph whole, never drop it
            sentences.append(paragraph)
            continue
        for sentence in split.split("\n"):
            sentence = sentence.strip()
            if sentence:
                sentences.append(sentence)
    return tuple(sentences)


def _blingfire_sentences(paragraph: str) -> str:
    """blingfire's TextToSentences: the sentences of ``paragraph`` one a line, "" when it fails.

    The same C call as ``blingfire.text_to_sentences``, whose wrapper sizes its
    output buffer to exactly twice the input; ctypes then builds (and keeps
    forever) a new array type for every distinct length, which costs ~25 us a
    call and grows memory with every new article length. Rounding the size up
    to a power of two leaves a handful of buffer types, all reused.
    """
    # a lone surrogate (half of a pair, from a JSON escape) has no UTF-8 form: blingfire sees "?"
    data = paragraph.encode("utf-8", errors="replace")
    size = 1 << max(2 * len(data), 256).bit_length()
    buffer = ctypes.create_string_buffer(size)  # one per call: ctypes releases the GIL, threads may split at once
    written = _TEXT_TO_SENTENCES(data, len(data), buffer, size)
    if written < 0 or written > size:
        return ""
    return ctypes.string_at(buffer, written).partition(b"\0")[0].decode("utf-8", errors="replace")


# int TextToSentences(const char* in, int in_len, char* out, int out_size), the
# bytes written with the closing NUL, or -1. Its argtypes stay unset: the
# function object is blingfire's own, shared with its wrapper (which passes byref()).
_TEXT_TO_SENTENCES = blingfire.blingfire.TextToSentences


# A briefing splits each article several times (chunking, the dangling-reference
# check, attribution, the headline): remembering recent texts makes the later
# splits free.
_split_cached = lru_cache(maxsize=1024)(_split)


def sentence_key(text: str) -> str:
    """A normalised form under which repeated sentences compare equal.

    Case-folded, runs of anything but letters and digits turned into one
    space: the words of the sentence, space-separated.
    """
    return _normalised(text)[0]


def sentence_tokens(text: str) -> tuple[str, ...]:
    """The words of ``sentence_key(text)``: ``tuple(sentence_key(text).split())``."""
    return _normalised(text)[1]


def word_count(text: str) -> int:
    """``len(text.split())``, the whitespace-separated words, without building them."""
    # A printable string's only whitespace is U+0020 (every other space
    # character is in a non-printable category); without double spaces, each
    # space then separates two words. Most sentences take this path.
    if text.isprintable() and "  " not in text:
        return text.count(" ") + 1 - text.startswith(" ") - text.endswith(" ") if text else 0
    return len(text.split())


def _normalise(text: str) -> tuple[str, tuple[str, ...]]:
    """The key of ``text`` and its words."""
    if text.isascii():  # most news text: a byte translation table is several times faster than the regex
        words = text.encode("ascii").translate(_ASCII_KEY_TABLE).decode("ascii").split()
    elif not any(map(str.isalnum, "".join(_NON_ASCII.findall(text)).casefold())):
        # Non-ASCII, but only punctuation and spaces (curly quotes, dashes): in
        # the key they become spaces, as the "?" that ASCII encoding leaves does.
        words = text.encode("ascii", errors="replace").translate(_ASCII_KEY_TABLE).decode("ascii").split()
    else:
        words = _NON_WORD.sub(" ", text.casefold()).split()
    return " ".join(words), tuple(words)


# The pipeline normalises the same sentences at several stages (chunking, the
# extractive engine, fusion's checks): a bounded memo makes the repeats free.
_normalise_cached = lru_cache(maxsize=16384)(_normalise)


def _normalised(text: str) -> tuple[str, tuple[str, ...]]:
    """``_normalise(text)``, remembered unless the text is too long to keep."""
    return _normalise(text) if len(text) > _LONGEST_CACHED_SENTENCE else _normalise_cached(text)


def clear_caches() -> None:
    """Forget remembered splits and keys (benchmarks call this between systems)."""
    _split_cached.cache_clear()
    _normalise_cached.cache_clear()
