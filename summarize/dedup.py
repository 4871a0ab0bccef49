"""Dedup: find articles that copy another one.

Baseline (to be replaced by the tuned detector): word 3-shingle Jaccard.
"""

from __future__ import annotations

from collections.abc import Sequence

from summarize.chunk import sentence_key
from summarize.models import Article

JACCARD_THRESHOLD = 0.5


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = sentence_key(text).split()
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def find_near_duplicates(articles: Sequence[Article]) -> dict[str, str]:
    """Map each near-duplicate's id to the id of the earlier article it copies."""
    shingles = [_shingles(a.text) for a in articles]
    duplicates: dict[str, str] = {}
    for j in range(len(articles)):
        for i in range(j):
            if articles[i].id in duplicates:
                continue
            union = shingles[i] | shingles[j]
            if union and len(shingles[i] & shingles[j]) / len(union) >= JACCARD_THRESHOLD:
                duplicates[articles[j].id] = articles[i].id
                break
    return duplicates
