"""Sentence splitting that needs no downloads.

blingfire (a compiled, rule-based tokenizer) splits abbreviations, quotes and
ellipses correctly and is fast enough for tens of thousands of sentences per
second; NLTK's punkt would need data that cannot be fetched offline.
Paragraph breaks always end a sentence.
"""

from __future__ import annotations

import re

import blingfire

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")
# A line with no sentence-ending mark before its last character is one
# sentence: no need to ask blingfire (whose per-call overhead dominates on
# one-sentence lines).
_INNER_SENTENCE_END = re.compile(r"[.!?\u2026]")


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences, stripped and non-empty, in order.

    Line breaks are treated as hard boundaries (articles put one paragraph a
    line); within a line blingfire decides.
    """
    sentences: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if not _INNER_SENTENCE_END.search(paragraph, 0, len(paragraph) - 1):
            sentences.append(paragraph)
            continue
        for sentence in blingfire.text_to_sentences(paragraph).split("\n"):
            sentence = sentence.strip()
            if sentence:
                sentences.append(sentence)
    return sentences
