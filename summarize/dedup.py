"""Dedup: find articles that copy another one, including reworded copies.

An article B is a *near-duplicate* of an article A when B brings (almost)
nothing that A does not say. Two tests, either suffices:

1. **Copy** (exact or lightly edited): Jaccard similarity of the two texts'
   word 3-shingles >= ``SHINGLE_JACCARD`` (0.5). Catches re-posts, wire
   copies with a changed dateline, extraction differences.
2. **Reworded copy** ("spun" text, paraphrase): sentence alignment. Each
   sentence of B is aligned to its most similar sentence of A (TF-IDF cosine
   of stemmed content words); it counts as covered when that cosine is >=
   ``SENTENCE_SIMILARITY`` (0.35). B is *contained* in A when covered
   sentences hold >= ``CONTAINMENT`` (0.8) of B's words, i.e. B adds at
   most a fifth of its own. Spinning swaps words for synonyms ("talks" ->
   "interviews") but keeps names, numbers and most of each sentence, so its
   sentences still align one to one. In ``seeds/`` (after cleaning), the
   spun copy 002 is 0.91 contained in the Reuters report 000 (and 000 0.93
   in 002), while 004, which paraphrases much of 000 but adds its own
   reporting (Ushakov's promise, TASS, the May 11 proposal), is 0.67
   contained: it stays a distinct article, and the sentences it repeats are
   dropped later by the chunker. Different reports of the same event (001,
   003) are at most 0.26 contained in one another.

Only pairs that are near each other at all are compared: each article's 10
nearest neighbours by document cosine, and only when that cosine is >=
``CANDIDATE_SIMILARITY`` (0.2), so the cost stays near-linear in the number
of articles.

**Which article is kept** (the rule the briefing relies on to use original
wording, never a spun one): of two articles that duplicate each other, the
one kept is decided by the first of these that tells them apart:

1. coverage: the one that holds clearly more of the other (by more than
   ``COVERAGE_MARGIN``, 0.1 of the other's words): a full report is kept
   over an excerpt or a trimmed copy of it;
2. closeness to the rest of the story: the mean cosine to the articles
   around them that are not copies (their neighbours), when it differs by
   more than ``CENTRALITY_MARGIN`` (0.01). A spun copy's unusual word
   choices ("despatched a gaggle of skilled technocrats") match the other
   reports less than the original wording ("sent a group of experienced
   technocrats") does: in ``seeds/``, 000 scores 0.32 and its spun copy 0.20;
3. ordinary vocabulary: fewer WordPiece pieces per word under BERT's
   30k-word vocabulary (shipped with blingfire), which rare or misspelt
   words ("Cremlin", "despatched", "gaggle") inflate; a difference of more
   than ``PIECES_MARGIN`` (0.005) counts (000: 1.100, spun 002: 1.129);
4. the one that came first in the input.

Articles are ranked with this comparison and taken in that order; each is
kept unless an already kept article covers it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from functools import cmp_to_key, lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from summarize.features import tfidf_vectors, word_tokens
from summarize.models import Article
from summarize.neighbours import nearest_neighbours
from summarize.sentences import split_sentences

SHINGLE_JACCARD = 0.5
SHINGLE_SIZE = 3
SENTENCE_SIMILARITY = 0.35
CONTAINMENT = 0.8
CANDIDATE_NEIGHBOURS = 10
# Tolerances of the kept-article rules (see the module docstring).
COVERAGE_MARGIN = 0.1
CENTRALITY_MARGIN = 0.01
PIECES_MARGIN = 0.005
CANDIDATE_SIMILARITY = 0.2

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def find_near_duplicates(
    articles: Sequence[Article],
    *,
    shingle_jaccard: float = SHINGLE_JACCARD,
    sentence_similarity: float = SENTENCE_SIMILARITY,
    containment: float = CONTAINMENT,
) -> dict[str, str]:
    """Map the id of each near-duplicate to the id of the article kept for it.

    A kept article is never itself a key. Articles with no duplicate do not
    appear. Deterministic for a given input order (see the module docstring
    for the tests and the rule that picks the kept article).
    """
    n = len(articles)
    if n < 2:
        return {}
    texts = [a.text for a in articles]
    vectors = tfidf_vectors(texts)
    neighbours = nearest_neighbours(vectors, CANDIDATE_NEIGHBOURS)
    pairs = sorted({
        (min(i, int(j)), max(i, int(j)))
        for i in range(n)
        for j, sim in zip(neighbours.indices[i], neighbours.similarities[i])
        if j >= 0 and sim >= CANDIDATE_SIMILARITY
    })
    if not pairs:
        return {}

    partners: dict[int, list[int]] = {}
    for i, j in pairs:
        partners.setdefault(i, []).append(j)
        partners.setdefault(j, []).append(i)
    shingles = {i: _shingles(texts[i]) for i in partners}
    aligner = _SentenceAligner({i: texts[i] for i in sorted(partners)})
    # shares[(b, a)]: how much of b is found in a; covers[a]: the b that a covers.
    shares: dict[tuple[int, int], float] = {}
    covers: dict[int, dict[int, float]] = {}
    for b in sorted(partners):
        for a, share in aligner.containment(b, sorted(partners[b]), sentence_similarity).items():
            if share < containment and _jaccard(shingles[a], shingles[b]) >= shingle_jaccard:
                share = 1.0  # a copy, whatever the sentence split
            shares[(b, a)] = share
            if share >= containment:
                covers.setdefault(a, {})[b] = share

    duplicates: dict[str, str] = {}
    for group in _linked_groups(covers):
        kept = _choose_kept(group, covers, shares, vectors, neighbours, texts)
        for member, target in kept.items():
            duplicates[articles[member].id] = articles[target].id
    return duplicates


def _shingles(text: str) -> set[int]:
    words = _NON_WORD.sub(" ", text.casefold()).split()
    if len(words) < SHINGLE_SIZE:
        return {hash(tuple(words))} if words else set()
    return {hash(tuple(words[k:k + SHINGLE_SIZE])) for k in range(len(words) - SHINGLE_SIZE + 1)}


def _jaccard(a: set[int], b: set[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


class _SentenceAligner:
    """Sentence TF-IDF vectors (IDF over all sentences involved) per article."""

    def __init__(self, texts: dict[int, str]):
        self._rows: dict[int, slice] = {}
        sentences: list[str] = []
        for key, text in texts.items():
            parts = split_sentences(text)
            self._rows[key] = slice(len(sentences), len(sentences) + len(parts))
            sentences.extend(parts)
        self._tokens = [word_tokens(s) for s in sentences]
        self._weights = np.array([len(t) for t in self._tokens], dtype=np.float64)
        if any(self._tokens):
            vectorizer = TfidfVectorizer(analyzer=lambda tokens: tokens, sublinear_tf=True)
            self._vectors = vectorizer.fit_transform(self._tokens).tocsr()
        else:
            self._vectors = sparse.csr_matrix((len(sentences), 1))

    def containment(self, b: int, others: list[int], threshold: float) -> dict[int, float]:
        """For each article of ``others``: the share of ``b``'s content words
        in sentences of ``b`` that align with one of that article's sentences."""
        rows_b = self._rows[b]
        weights = self._weights[rows_b]
        total = weights.sum()
        shares = {a: 0.0 for a in others}
        if total == 0:
            return shares
        spans = [self._rows[a] for a in others]
        columns = np.concatenate([np.arange(span.start, span.stop) for span in spans])
        if columns.size == 0:
            return shares
        # One product for all of b's partners, then the best match per partner.
        similarity = (self._vectors[rows_b] @ self._vectors[columns].T).toarray()
        offset = 0
        for a, span in zip(others, spans):
            width = span.stop - span.start
            if width:
                best = similarity[:, offset:offset + width].max(axis=1)
                shares[a] = float(weights[best >= threshold].sum() / total)
            offset += width
        return shares


def _linked_groups(covers: dict[int, dict[int, float]]) -> list[list[int]]:
    """Connected groups of articles joined by any cover relation, sorted."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, covered in covers.items():
        for b in covered:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for x in sorted(parent):
        groups.setdefault(find(x), []).append(x)
    return list(groups.values())


def _choose_kept(group: list[int], covers: dict[int, dict[int, float]], shares: dict[tuple[int, int], float],
                 vectors: sparse.csr_matrix, neighbours, texts: Sequence[str]) -> dict[int, int]:
    """Duplicates of ``group`` mapped to the kept article that covers each.

    Members are ranked by the precedence rules of the module docstring (a
    pairwise comparison with tolerances), then taken in that order: one that
    an already kept member covers becomes its duplicate, otherwise it is kept.
    """
    members = set(group)
    context = sorted({
        int(j) for i in group for j in neighbours.indices[i] if j >= 0 and int(j) not in members
    })
    if context:
        similarity = np.asarray((vectors[group] @ vectors[context].T).mean(axis=1)).ravel()
        centrality = dict(zip(group, similarity.tolist()))
    else:
        centrality = dict.fromkeys(group, 0.0)
    pieces = {member: _pieces_per_word(texts[member]) for member in group}

    def compare(a: int, b: int) -> int:
        """Negative when ``a`` should be kept rather than ``b``."""
        coverage = shares.get((b, a), 0.0) - shares.get((a, b), 0.0)
        if abs(coverage) > COVERAGE_MARGIN:
            return -1 if coverage > 0 else 1
        closeness = centrality[a] - centrality[b]
        if abs(closeness) > CENTRALITY_MARGIN:
            return -1 if closeness > 0 else 1
        oddness = pieces[a] - pieces[b]
        if abs(oddness) > PIECES_MARGIN:
            return -1 if oddness < 0 else 1
        return -1 if a < b else 1

    kept: list[int] = []
    duplicates: dict[int, int] = {}
    for member in sorted(group, key=cmp_to_key(compare)):
        coverers = [(covers[k][member], -k) for k in kept if member in covers.get(k, {})]
        if coverers:
            duplicates[member] = -max(coverers)[1]
        else:
            kept.append(member)
    return duplicates


@lru_cache(maxsize=1)
def _wordpiece_model():
    import blingfire

    path = os.path.join(os.path.dirname(blingfire.__file__), "bert_base_tok.bin")
    return blingfire.load_model(path) if os.path.exists(path) else None


def _pieces_per_word(text: str) -> float:
    """WordPiece pieces per word under BERT's vocabulary (1.0 = all common words)."""
    words = re.findall(r"[A-Za-z]+", text)
    model = _wordpiece_model()
    if not words or model is None:
        return 1.0
    import blingfire

    joined = " ".join(words)
    ids = blingfire.text_to_ids(model, joined, len(joined) + 1, 100, True)
    return len(ids) / len(words)
