"""Sentence splitting that needs no downloads, the normalised form sentences compare by, word counts.

blingfire (a compiled, rule-based tokenizer) splits abbreviations, quotes and
ellipses correctly and is fast enough for tens of thousands of sentences per
second; NLTK's punkt would need data that cannot be fetched offline.
Paragraph breaks always end a sentence. A text that stops mid-sentence (a
truncated feed item or dataset article) ends in its own unfinished unit, apart
from the complete sentences before it.
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
# What may follow a sentence's final mark: closing quotes and brackets, then spaces.
_CLOSING_MARKS = "\"'”’)]"
_CLOSERS = _CLOSING_MARKS + " \t\n"
# A sentence end followed by more text: the mark, closing marks, a space.
_END_BEFORE_SPACE = re.compile(f"[.!?][{re.escape(_CLOSING_MARKS)}]*\\s+")
# Words whose full stop ends no sentence ("Dr. Fellows", "Lt. Cmdr. Wallace",
# "Whittier, Calif., Dec. 17"); state abbreviations that are also words ("Ill.",
# "Mass.") are left out. Single letters and dotted forms ("u.s.", "a.m.") are
# recognised by shape. Written out here since blingfire does not expose its
# own list, and NLTK punkt's is a download.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof rev st mt ft gov sen rep gen lt col maj capt cmdr sgt cpl adm pres supt "
    "jr sr inc co corp ltd bros no nos vs etc approx dept univ ave blvd rd "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "ala ariz calif colo conn fla ind kan ky md mich minn mont neb nev okla tenn tex wis wyo".split()
)
_LONGEST_ABBREVIATION = 32  # characters before the full stop worth looking at ("u.s.a." and the like)


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences, stripped and non-empty, in order.

    Line breaks are treated as hard boundaries (articles put one paragraph a
    line); within a line blingfire decides. When the text stops mid-sentence,
    its last item is the unfinished end alone (see ``_cut_unfinished_end``).
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
    if sentences and not ends_sentence(sentences[-1]):
        sentences[-1:] = _cut_unfinished_end(sentences[-1])
    return tuple(sentences)


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends like a sentence: ".", "!" or "?", possibly inside
    quotes or brackets. An ellipsis does not: feeds mark a cut-off text with one."""
    return text.rstrip(_CLOSERS)[-1:] in (".", "!", "?")


def _cut_unfinished_end(unit: str) -> list[str]:
    """A text's last unit, which ends no sentence, as its complete part and its unfinished end.

    blingfire joins a sentence to the next when that one opens with a
    lower-case word, a digit or a quote, so in lower-cased text (Multi-News)
    or after a quote a cut-off text's last unit often holds whole sentences
    too, which would then pass for one fragment. The cut is at the last
    sentence end that follows no abbreviation; a closing quote standing after
    it stays with the complete part when that part leaves a quote open. A unit
    without such an end is returned whole.
    """
    for end in reversed(list(_END_BEFORE_SPACE.finditer(unit))):
        # only the word before the mark decides, so look at a short window
        # (slicing the whole head for every end would be quadratic)
        if _ends_with_abbreviation(unit[max(0, end.start() - _LONGEST_ABBREVIATION) : end.start() + 1]):
            continue
        head, tail = unit[: end.end()].rstrip(), unit[end.end():]
        if tail[:1] in ('"', "”") and tail[1:2].isspace() and _leaves_quote_open(head):
            head, tail = head + " " + tail[0], tail[1:]  # the quote closes the complete part
        tail = tail.strip()
        return [head, tail] if tail else [head]
    return [unit]


def _leaves_quote_open(text: str) -> bool:
    """Whether ``text`` opens a quotation it does not close (straight or curly quotes)."""
    return text.count('"') % 2 == 1 or text.count("“") > text.count("”")


def _ends_with_abbreviation(text: str) -> bool:
    """Whether the full stop ending ``text`` belongs to an abbreviation."""
    last = text.rsplit(None, 1)[-1]
    if not last.endswith("."):
        return False
    word = last[:-1].lstrip("\"'“‘([").casefold()
    return len(word) <= 1 or "." in word or word in _ABBREVIATIONS


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
