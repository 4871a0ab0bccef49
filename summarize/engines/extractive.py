"""Extractive engine: pick the sentences that cover most of what the sources agree on.

Needs no weights and no network. For each chunk (the pipeline gives an
unbounded engine one chunk per story, holding every sentence of every article
with its ``article_id`` and ``position``):

1. **Candidates.** Each sentence is tidied (a wire dateline such as
   ``LONDON (AP) _`` is dropped), exact repeats are merged (the first
   occurrence stays), and fragments are set aside: sentences that are too short
   or that do not end like a sentence (a truncated article's last words).
2. **Concepts and their weight (centrality).** A sentence's concepts are its
   word bigrams (lowercased, Porter-stemmed, bigrams of two stop words left
   out). A concept weighs as much as the support it has across the sources:
   summed over articles, the best position weight of a sentence of that
   article that contains it. So content repeated by many articles, and content
   that articles put near their top, is central.
3. **Selection (budgeted maximum coverage).** Greedily take the sentence with
   the most not-yet-covered concept weight per word, among the sentences that
   still fit the budget; a concept counts once however many sentences hold it,
   which is what keeps the summary free of repetition. Coverage is submodular,
   so this greedy rule is the standard near-optimal one (Lin and Bilmes 2010;
   concepts as in Gillick and Favre 2009).
4. **Dangling references.** A sentence that opens with a pronoun or a
   connective ("He said", "This", "They", "But") is only a candidate when the
   sentence before it in its article is already chosen, unless nothing else is
   left to choose.
5. **Reading order.** Sentences are printed by their position in their source
   article (leads first), ties broken by importance (the order in which they
   were chosen); a sentence always follows its chosen predecessor from the
   same article directly.

Budget rule: the summary holds at most ``max_words`` words (counted by
whitespace, as ``Summarizer.count_tokens`` does) and only whole sentences.
When not even one candidate fits, the summary is the single best sentence
whole, exceeding the budget, rather than an empty summary or a cut sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from nltk.stem.porter import PorterStemmer
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from summarize.engines.base import Summarizer
from summarize.models import Chunk

# "LONDON (AP) _ ", "BUENOS AIRES, Argentina _ ", "WASHINGTON -- ": a wire
# dateline ahead of the first sentence; it carries no content for a summary.
_DATELINE = re.compile(
    r"^[A-Z][A-Z.'\- ]*[A-Z.](?:,\s+[A-Z][\w.'\- ]{0,30}?)?\s*(?:\([A-Za-z.\- ]{1,20}\)\s*)?(?:_|--|—|–)\s+"
)
_TOKEN = re.compile(r"[a-z0-9]+")
# A sentence ends with terminal punctuation, possibly inside quotes/brackets.
_ENDS_LIKE_SENTENCE = re.compile(r"[.!?][\"'”’)\]\s]*$")
# Openers that point back to something the reader has not been told.
_DANGLING = re.compile(
    r"^[\"'“‘(\s]*(he|she|they|it|its|his|her|their|them|this|that|these|those|such|but|and|also|"
    r"however|still|yet|meanwhile|instead|then|there|here|so|moreover|furthermore|besides|"
    r"the\s+(?:same|latter|former))\b",
    re.IGNORECASE,
)

_STOP = frozenset(ENGLISH_STOP_WORDS)


@dataclass(frozen=True)
class ExtractiveSettings:
    min_words: int = 6
    length_exponent: float = 1.0
    position_decay: float = 0.0
    singleton_weight: float = 1.0
    dedupe_support: bool = True
    avoid_dangling: bool = True
    unigrams: float = 0.0
    unigram_mode: str = "df"  # df | sf
    prior: float = 0.0  # sentence-level position prior exponent


class ExtractiveSummarizer(Summarizer):
    """Budgeted concept-coverage sentence extraction; see the module docstring."""

    name = "extractive"
    model = None
    max_input_tokens = None

    def __init__(self, settings: ExtractiveSettings | None = None) -> None:
        self.settings = settings or ExtractiveSettings()
        self._stemmer = PorterStemmer("ORIGINAL_ALGORITHM")
        self._stems: dict[str, str] = {}

    def summarize(self, chunks: Sequence[Chunk], max_words: int) -> list[str]:
        """One summary per chunk, each at most ``max_words`` words (see the budget rule)."""
        if max_words < 1:
            raise ValueError(f"max_words must be at least 1, got {max_words}")
        return [" ".join(self.select(chunk, max_words)) for chunk in chunks]

    # -- the pieces -------------------------------------------------------

    def _stem(self, word: str) -> str:
        stem = self._stems.get(word)
        if stem is None:
            stem = self._stemmer.stem(word) if len(word) > 3 else word
            self._stems[word] = stem
        return stem

    def _concepts(self, text: str) -> list[str]:
        tokens = [self._stem(t) for t in _TOKEN.findall(text.lower())]
        out = [f"{a} {b}" for a, b in zip(tokens, tokens[1:]) if not (a in _STOP and b in _STOP)]
        if self.settings.unigrams:
            out += ["U" + t for t in tokens if t not in _STOP]
        return out

    def select(self, chunk: Chunk, max_words: int) -> list[str]:
        """The chosen sentences of ``chunk``, in reading order."""
        st = self.settings
        texts: list[str] = []
        articles: list[str] = []
        positions: list[int] = []
        seen: dict[str, int] = {}
        for s in chunk.sentences:
            text = _DATELINE.sub("", s.text.strip()) if s.position == 0 else s.text.strip()
            key = " ".join(_TOKEN.findall(text.lower()))
            if not key or key in seen:
                continue
            seen[key] = len(texts)
            texts.append(text)
            articles.append(s.article_id)
            positions.append(s.position)
        n = len(texts)
        if n == 0:
            return []
        words = np.array([len(t.split()) for t in texts], dtype=float)
        ok = np.array(
            [w >= st.min_words and bool(_ENDS_LIKE_SENTENCE.search(t)) for t, w in zip(texts, words)]
        )
        if not ok.any():
            ok[:] = True
        dangling = np.array([bool(_DANGLING.match(t)) for t in texts]) if st.avoid_dangling else np.zeros(n, bool)

        # sentence x concept incidence
        vocab: dict[str, int] = {}
        rows, cols = [], []
        for i, t in enumerate(texts):
            for c in set(self._concepts(t)):
                rows.append(i)
                cols.append(vocab.setdefault(c, len(vocab)))
        if not vocab:
            return [texts[int(np.argmax(ok))]]
        m = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(vocab)))

        # concept weight: support across articles, position-weighted
        art_ids = {a: k for k, a in enumerate(dict.fromkeys(articles))}
        art = np.array([art_ids[a] for a in articles])
        pos_w = 1.0 / (1.0 + np.array(positions, dtype=float)) ** st.position_decay
        coo = m.tocoo()
        # best position weight per (article, concept)
        support = sparse.coo_matrix(
            (pos_w[coo.row], (art[coo.row], coo.col)), shape=(len(art_ids), len(vocab))
        ).tocsr()
        # coo -> csr sums duplicates; take max instead via a dense per-article pass
        w = np.zeros(len(vocab))
        for k in range(len(art_ids)):
            rows_k = np.flatnonzero(art == k)
            sub = m[rows_k].multiply(pos_w[rows_k][:, None]).tocsc()
            w += sub.max(axis=0).toarray().ravel()
        df = np.asarray((support > 0).sum(axis=0)).ravel()
        if len(art_ids) > 1:
            w = np.where(df > 1, w, w * st.singleton_weight)
        if st.unigrams:
            uni = np.array([c.startswith("U") for c in vocab])
            if st.unigram_mode == "sf":
                sf = np.asarray(m.sum(axis=0)).ravel()
                w = np.where(uni, (sf - 1) * st.unigrams, w)
            else:
                w = np.where(uni, w * st.unigrams, w)
        prior = 1.0 / (1.0 + np.array(positions, dtype=float)) ** st.prior

        chosen: list[int] = []
        chosen_set: set[tuple[str, int]] = set()
        uncovered = w.copy()
        used = 0.0
        while True:
            gain = m @ uncovered
            fits = ok & (used + words <= max_words)
            fits[chosen] = False
            if st.avoid_dangling:
                anchored = np.array([(articles[i], positions[i] - 1) in chosen_set for i in range(n)])
                free = fits & (~dangling | anchored)
                if free.any() and gain[free].max() > 0:
                    fits = free
            if not fits.any():
                break
            score = np.where(fits, prior * gain / words**st.length_exponent, -np.inf)
            i = int(np.argmax(score))
            if gain[i] <= 0:
                break
            chosen.append(i)
            chosen_set.add((articles[i], positions[i]))
            used += words[i]
            uncovered[m.indices[m.indptr[i] : m.indptr[i + 1]]] = 0.0
        if not chosen:
            gain = m @ w
            i = int(np.argmax(np.where(ok, gain, -np.inf)))
            return [texts[i]]
        return [texts[i] for i in _reading_order(chosen, articles, positions)]


def _reading_order(chosen: list[int], articles: list[str], positions: list[int]) -> list[int]:
    """Leads first, ties by importance; a sentence follows its chosen predecessor."""
    rank = {i: r for r, i in enumerate(chosen)}
    by_place = {(articles[i], positions[i]): i for i in chosen}
    heads = [i for i in chosen if (articles[i], positions[i] - 1) not in by_place]
    heads.sort(key=lambda i: (positions[i], rank[i]))
    order = []
    for i in heads:
        while i is not None:
            order.append(i)
            i = by_place.get((articles[i], positions[i] + 1))
    return order
