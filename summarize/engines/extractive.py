"""Extractive engine: choose the sentences that cover most of what the sources agree on.

Needs no weights and no network. The pipeline gives this engine (unbounded
input) one chunk per story holding every sentence of every article, each with
its ``article_id`` and ``position``; ``summarize`` returns one summary per
chunk. For each chunk:

1. **Candidates.** Exact repeats are merged (first occurrence kept). A wire
   dateline opening an article (``LONDON (AP) _``, ``Paris ( ap ) —``) is
   dropped. Fragments are set aside: fewer than ``MIN_WORDS`` words, or no
   sentence-final punctuation (the cut-off end of a truncated article, which
   the splitter gives apart from the complete sentences before it; a
   caption). If nothing is left, every sentence is a candidate.
2. **Concepts and centrality.** A sentence's concepts are its word bigrams
   (lowercased, plurals folded by Harman's S-stemmer, bigrams of two stop
   words left out). A concept weighs as many points as there are sentences in
   the story that state it (after exact repeats were merged, so a copied
   article does not count twice): content that several sources, or one
   source several times, come back to is central. Counting sentences rather
   than articles keeps this meaningful for a one-article story too.
3. **Selection: budgeted maximum coverage.** Greedily add the sentence with the
   best ``new concept weight / words ** 0.5 * (1 + position) ** -0.3`` among
   candidates that still fit the budget. A concept already covered adds
   nothing, which keeps repeated content out (redundancy); a sentence whose
   new concepts weigh less than ``REDUNDANCY`` (30%) of all of its concepts is
   not taken at all, even when words are left. The square root
   trades covering the most per word against filling the budget with whole
   sentences; the mild position prior prefers what articles put first, as
   news writing does. Coverage is monotone submodular, so this greedy is the
   standard near-optimal rule (Lin and Bilmes 2010; bigram concepts as in
   Gillick and Favre 2009).
4. **Dangling references.** A sentence opening with a pronoun or connective
   ("He said", "This", "They", "But") is a candidate only once the sentence
   before it in its article has been chosen. Only when nothing at all could
   otherwise be chosen does the best such sentence stand alone.
5. **What the reader knows.** A chunk's ``known`` sentences (earlier
   digests' summaries of the story, for an update summary) count as
   already chosen: their concepts start covered, so a sentence is worth only
   what it adds to them, and one that adds too little (step 3) is not taken.
   When nothing can be taken, the one sentence chosen anyway is the one
   bringing the most new concept weight (all of it, when nothing is known).
6. **Reading order.** Sentences come by importance (the order in which
   the greedy chose them: the most central first), then by position in their
   source article; a dangling sentence comes right after its predecessor.

Budget rule: a summary holds at most ``max_words`` words (whitespace-separated
tokens, as ``Summarizer.count_tokens`` counts) and only whole sentences, never
one cut mid-way. When not even one candidate fits, the summary is the single
best sentence, whole, and so exceeds the budget; an empty summary or a cut
sentence would be worse.

Nothing here relies on capitalisation (tokens are case-folded, the dangling
check ignores case), so lowercased sources such as Multi-News work alike.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from summarize.engines.base import SentenceSelector
from summarize.models import Chunk
from summarize.sentences import ends_sentence, sentence_key, sentence_tokens, word_count

MIN_WORDS = 6  # shorter candidates are headings, captions or splitter debris
LENGTH_EXPONENT = 0.5  # gain / words ** this
POSITION_EXPONENT = 0.3  # score * (1 + position) ** -this
REDUNDANCY = 0.3  # a sentence must bring more than this share of its concept weight as new

# A wire dateline, then a dash or an underscore; only looked for at the start
# of an article. Three shapes: an upper-case place ("LONDON (AP) _",
# "BUENOS AIRES, Argentina _"); any place with an agency in brackets
# ("Paris ( ap ) —", "Dubai ( reuters ) - "; only after the agency does a plain
# hyphen count: "U.S. - China talks" is no dateline); and, in lowercased
# text such as Multi-News, one capitalised word before a dash and a lowercase
# word ("Washington — the ..."). "Two officers — one ..." is left alone.
_DATELINE = re.compile(
    r"^(?:"
    r"(?:[A-Z][A-Z.'\-]*(?: [A-Z][A-Z.'\-]*)*(?:,\s+[A-Z][\w.'\-]*(?: [\w.'\-]+){0,2})?\s*(?:\(\s*[\w.\-/ ]{1,25}\s*\)\s*)?"
    r"|[A-Z][\w.'\-]*(?: [\w.'\-]+){0,2}(?:,\s+[\w.'\-]+(?: [\w.'\-]+){0,2})?\s*\(\s*[\w.\-/ ]{1,25}\s*\)\s*"
    r")(?:_|--|—|–|(?<=\))-|(?<=\)\s)-)"
    r"|[A-Z][a-z'\-]+\s+(?=(?:_|--|—|–)\s+[a-z])(?:_|--|—|–)"
    r")\s+"
)
# Openers that point back to something said before (a superset of the words
# summarize.fuse checks, so the pipeline never has to drop what we choose).
_DANGLING = re.compile(
    r"^[\"'“‘(\s]*(?:he|she|they|it|its|his|her|their|them|this|that|these|those|such|but|and|also|"
    r"however|still|yet|meanwhile|instead|then|there|here|both|the two|moreover|furthermore|besides|"
    r"the same|the latter|the former)\b",
    re.IGNORECASE,
)
_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS)
_STEM_ID_LIMIT = 1 << 31  # bigram id = first stem id * this + second stem id
_MAX_CACHED_TOKENS = 500_000


def s_stem(word: str) -> str:
    """Harman's S-stemmer: fold English plurals ("governors" -> "governor").

    Cheap and conservative; it measured as well as Porter's stemmer here at
    a fraction of the cost.
    """
    if len(word) <= 3 or word[-1] != "s":
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


@dataclass
class _Candidates:
    """The sentences of one chunk that selection works on, as parallel lists."""

    texts: list[str]
    words: list[int]  # words per sentence
    positions: list[int]  # index of the sentence in its article
    eligible: list[bool]  # not a fragment
    dangling: list[bool]  # opens with a reference back
    successor: list[int]  # index of the next sentence of the same article, or -1
    concepts: list[tuple[int, ...]]  # the distinct concept ids of each sentence
    weights: list[int]  # per concept id: the number of sentences that state it
    known: frozenset[int] = frozenset()  # concept ids the reader already knows (Chunk.known)


class ExtractiveSummarizer(SentenceSelector):
    """Budgeted concept-coverage extraction (see the module docstring)."""

    name = "extractive"
    model = None
    max_input_tokens = None

    def __init__(self) -> None:
        # token -> 2 * stem id + (1 if a stop word): kept across calls, since
        # a run's chunks share most of their vocabulary.
        self._codes: dict[str, int] = {}
        self._stem_ids: dict[str, int] = {}

    def select(self, chunk: Chunk, max_words: int) -> list[str]:
        """The chosen sentences of ``chunk``, in reading order: whole sentences,
        at most ``max_words`` words (see the budget rule)."""
        candidates = self._candidates(chunk)
        if candidates is None:
            return []
        chosen = _greedy(candidates, max_words)
        return [candidates.texts[i] for i in _reading_order(chosen, candidates)]

    # -- building the candidates --------------------------------------------

    def _encode(self, tokens: set[str]) -> None:
        codes, stem_ids, stop = self._codes, self._stem_ids, _STOP_WORDS
        for token in tokens:
            stem = s_stem(token) if token[-1] == "s" else token  # most words: no call
            stem_id = stem_ids.get(stem)
            if stem_id is None:
                stem_id = stem_ids[stem] = len(stem_ids)
            codes[token] = 2 * stem_id + (token in stop)

    def _candidates(self, chunk: Chunk) -> _Candidates | None:
        kept: list[tuple[str, str, int]] = []  # text, article id, position
        seen: set[str] = set()
        for sentence in chunk.sentences:
            text = sentence.text.strip()
            if sentence.position == 0:
                stripped = _DATELINE.sub("", text, count=1)
                if stripped != text and stripped:
                    text = stripped[0].upper() + stripped[1:]
            key = sentence_key(text)  # its words, case-folded
            if key and key not in seen:
                seen.add(key)
                kept.append((text, sentence.article_id, sentence.position))
        del seen
        if not kept:
            return None
        texts = [text for text, _, _ in kept]
        positions = [position for _, _, position in kept]
        words = list(map(word_count, texts))
        eligible = [n >= MIN_WORDS and ends_sentence(t) for t, n in zip(texts, words)]
        if not any(eligible):
            eligible = [True] * len(texts)
        dangling = [_DANGLING.match(text) is not None for text in texts]
        index = {(article, position): i for i, (_, article, position) in enumerate(kept)}
        successor = [index.get((article, position + 1), -1) for _, article, position in kept]
        del index, kept

        # Bigram concepts. Plain Python, not numpy: stories hold tens to a few
        # hundred sentences, where numpy's per-call overhead costs more than it saves.
        # Each sentence's words are encoded and dropped at once, so a story of
        # hundreds of thousands of sentences never holds all of its words.
        if len(self._codes) > _MAX_CACHED_TOKENS:  # a long-lived process: start afresh (between chunks)
            self._codes.clear()
            self._stem_ids.clear()
        concept_ids: dict[int, int] = {}
        concepts = [tuple({concept_ids.setdefault(key, len(concept_ids)) for key in self._bigram_keys(text)}) for text in texts]
        # A concept's weight: the number of (distinct) sentences of the story that state it.
        weights = [0] * len(concept_ids)
        for ids in concepts:
            for k in ids:
                weights[k] += 1
        known = set()
        for text in chunk.known:  # the known concepts that the story states
            known.update(concept_ids.get(key, -1) for key in self._bigram_keys(text))
        known.discard(-1)
        return _Candidates(texts, words, positions, eligible, dangling, successor, concepts, weights, frozenset(known))

    def _bigram_keys(self, text: str) -> list[int]:
        """The concept keys of ``text``'s word bigrams (a bigram of two stop words has none)."""
        tokens = sentence_tokens(text)
        missing = {t for t in tokens if t not in self._codes}
        if missing:
            self._encode(missing)
        codes = [self._codes[t] for t in tokens]
        return [(a >> 1) * _STEM_ID_LIMIT + (b >> 1) for a, b in zip(codes, codes[1:]) if not a & b & 1]


def _greedy(c: _Candidates, max_words: int) -> list[int]:
    """Indices of the chosen sentences, most important first (see step 3 and 4).

    Lazy greedy (Minoux 1978): a sentence's gain only shrinks as concepts get
    covered, so a score computed earlier bounds its score now. Candidates wait
    in a heap under their last score; the top one is rescored, and taken when
    it still beats every bound (ties go to the earlier sentence). Same choice
    as rescoring every candidate each round, with far fewer rescorings.
    """
    n = len(c.texts)
    uncovered = list(c.weights)
    for k in c.known:  # what the reader already knows counts as covered
        uncovered[k] = 0
    prior = [(1.0 + p) ** -POSITION_EXPONENT / max(w, 1) ** LENGTH_EXPONENT for p, w in zip(c.positions, c.words)]
    total = [sum(map(c.weights.__getitem__, ids)) for ids in c.concepts]
    chosen: list[int] = []
    taken = [False] * n
    heap = [(-total[i] * prior[i], i) for i in range(n) if c.eligible[i] and not c.dangling[i]]
    heapq.heapify(heap)
    left = max_words
    while heap:
        _, i = heapq.heappop(heap)
        if taken[i] or c.words[i] > left:
            continue  # the budget only shrinks: it will never fit again
        gain = sum(map(uncovered.__getitem__, c.concepts[i]))
        if gain <= REDUNDANCY * total[i]:
            continue  # gains only shrink: it will never bring enough new again
        entry = (-gain * prior[i], i)
        if heap and heap[0] < entry:
            heapq.heappush(heap, entry)  # another may score higher now: rescore that first
            continue
        chosen.append(i)
        taken[i] = True
        left -= c.words[i]
        for k in c.concepts[i]:
            uncovered[k] = 0
        nxt = c.successor[i]
        if nxt >= 0 and c.eligible[nxt] and not taken[nxt] and c.dangling[nxt]:
            # its predecessor is in: a dangling opener now reads right
            heapq.heappush(heap, (-total[nxt] * prior[nxt], nxt))
    if not chosen:
        # Nothing could be chosen: one sentence, whole, rather than an empty
        # summary. Preference: fits and stands alone; fits; stands alone; any.
        for rule in (
            lambda i: c.eligible[i] and c.words[i] <= max_words and not c.dangling[i],
            lambda i: c.eligible[i] and c.words[i] <= max_words,
            lambda i: c.eligible[i] and not c.dangling[i],
            lambda i: c.eligible[i],
        ):
            pool = [i for i in range(n) if rule(i)]
            if pool:
                break
        # by what it brings: all its weight, less what the reader already knows
        new = [sum(map(uncovered.__getitem__, ids)) for ids in c.concepts]
        chosen = [max(pool, key=lambda i: ((new[i] + 1e-9) * prior[i], -i))]
    return chosen


def _reading_order(chosen: list[int], c: _Candidates) -> list[int]:
    """By importance, then position in the source article; a dangling sentence right after its predecessor."""
    rank = {i: r for r, i in enumerate(chosen)}
    order = sorted(chosen, key=lambda i: (rank[i], c.positions[i]))
    predecessor = {c.successor[i]: i for i in chosen if c.successor[i] in rank}
    for i in sorted(predecessor, key=lambda i: c.positions[i]):  # predecessors are placed first
        if c.dangling[i]:
            order.remove(i)
            order.insert(order.index(predecessor[i]) + 1, i)
    return order
