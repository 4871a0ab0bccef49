"""Group: articles about the same event form one story.

The method (measured in ``benchmarks/grouping.py``; tables, the reasons and
what was tried in ``docs/grouping.md``):

1. **Features** (``summarize.features``): TF-IDF of stemmed words plus a
   block of entity tokens (capitalised words, numbers), IDF raised to 1.5 so
   names and specific details weigh more than topic words.
2. **Similarity** (``story_similarity``): half plain cosine, half
   shared-neighbour similarity (``summarize.neighbours``: two articles are
   similar when their few nearest neighbours overlap). The shared-neighbour
   half keeps a loosely worded story together (short reports that share few
   words with each other but the same neighbours); the cosine half anchors
   it in what the two articles themselves share, so that two small
   look-alike events, whose neighbourhoods spill into each other, are not
   joined on neighbourhood alone.
3. **Evidence against merging** (``summarize.evidence``): two clusters that
   each repeat a key fact of their leads (a person, place, calendar date or
   quantity, or more weakly an event word: "fired" against "hired") that the
   other does not state, or whose date spans lie apart, have their
   similarity discounted: such a merge needs stronger textual evidence.
   Time is never a wall: dates only count through the gap between stories'
   date spans, so a story covered for two months stays one story.
4. **Average linkage** (``summarize.linkage``) on that sparse similarity,
   merging while the discounted mean similarity across two clusters exceeds
   ``1 - distance_threshold``.

The same steps attach new articles to existing stories (``attach_articles``,
for the daily digest). Cost is O(n * k^2) memory and near-linear time after
the neighbour search, so 10,000 articles group in seconds without an
n x n matrix.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from summarize.evidence import ClusterEvidence, EvidenceSettings, KeyFacts, key_facts
from summarize.features import article_text, embedding_vectors, tfidf_vectors
from summarize.linkage import average_linkage
from summarize.models import Article
from summarize.neighbours import nearest_neighbours, shared_neighbour_similarity

METHODS = ("tfidf", "embeddings")
# Neighbourhood sizes (not counting the article itself) averaged in the
# shared-neighbour similarity: several sizes so that neither 2-article nor
# 20-article stories are favoured.
NEIGHBOUR_COUNTS = (3, 5, 7)
# Pairs per block when computing the cosine of the shared-neighbour pairs.
_PAIR_BLOCK = 20_000


@dataclass(frozen=True)
class GroupingSettings:
    """The settings of story grouping. The defaults were chosen once, by
    leave-one-file-out on the development data (``docs/grouping.md``); none
    is specific to one kind of data.

    ``distance_threshold`` (0 < t <= 1): clusters merge while their
    discounted mean similarity exceeds ``1 - t``; larger merges more.
    ``cosine_weight`` (0..1): share of plain cosine in the similarity, the
    rest being shared-neighbour similarity. ``conflict_weight``,
    ``time_scale_days``, ``word_weight`` and ``rare_ratio``: see
    ``summarize.evidence``. ``method``: "tfidf" or "embeddings"
    (all-MiniLM-L6-v2, the optional extra).
    """

    distance_threshold: float = 0.9
    cosine_weight: float = 0.5
    conflict_weight: float = 0.75
    time_scale_days: float = 60.0
    method: str = "tfidf"
    neighbour_counts: tuple[int, ...] = NEIGHBOUR_COUNTS
    word_weight: float = 0.5
    rare_ratio: float = 0.2

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown grouping method {self.method!r}; expected one of {', '.join(METHODS)}")
        if not 0 < self.distance_threshold <= 1:
            raise ValueError(f"distance threshold must be in (0, 1], got {self.distance_threshold}")
        if not 0 <= self.cosine_weight <= 1:
            raise ValueError(f"cosine weight must be in [0, 1], got {self.cosine_weight}")
        if not self.neighbour_counts or min(self.neighbour_counts) < 1:
            raise ValueError(f"neighbour counts must be positive integers, got {tuple(self.neighbour_counts)}")
        _ = self.evidence  # EvidenceSettings raises ValueError when a setting is out of range

    @property
    def evidence(self) -> EvidenceSettings:
        return EvidenceSettings(conflict_weight=self.conflict_weight, time_scale_days=self.time_scale_days,
                                word_weight=self.word_weight, rare_ratio=self.rare_ratio)


DEFAULT_SETTINGS = GroupingSettings()


def group_articles(
    articles: Sequence[Article],
    *,
    settings: GroupingSettings | None = None,
    distance_threshold: float | None = None,
    method: str | None = None,
) -> list[list[Article]]:
    """Split ``articles`` into stories.

    Returns one list per story, stories ordered by their first article's
    position in the input and articles in input order. Deterministic: the
    same input gives the same groups, and the grouping does not depend on
    the input order (up to exact ties). An empty input gives ``[]``, a
    single article one story. Articles without a date are neither near nor
    far in time.

    ``settings`` defaults to ``DEFAULT_SETTINGS``; ``distance_threshold`` and
    ``method`` override its fields. Raises ``ValueError`` for settings out of
    range and ``summarize.features.EmbeddingsUnavailable`` when embeddings
    are asked for but not installed.
    """
    labels = story_labels(
        [article_text(a) for a in articles],
        days=_days(articles),
        settings=settings,
        distance_threshold=distance_threshold,
        method=method,
    )
    groups: dict[int, list[Article]] = {}
    for label, article in zip(labels, articles):
        groups.setdefault(int(label), []).append(article)
    return list(groups.values())


def story_labels(
    texts: Sequence[str],
    *,
    days: Sequence[int | None] | None = None,
    settings: GroupingSettings | None = None,
    distance_threshold: float | None = None,
    method: str | None = None,
) -> np.ndarray:
    """Story label per text (0, 1, ... in order of first appearance).

    The array form of ``group_articles`` for callers that hold plain texts
    (the benchmark); ``days`` are day numbers (``date.toordinal()``) or None.
    """
    settings = _resolve(settings, distance_threshold, method)
    if days is not None and len(days) != len(texts):
        raise ValueError(f"got {len(days)} days for {len(texts)} texts")
    if len(texts) <= 1:
        return np.zeros(len(texts), dtype=np.int64)
    return labels_from_similarity(story_similarity(texts, settings), [key_facts(t) for t in texts], days, settings)


def attach_articles(
    stories: Sequence[Sequence[Article]],
    new: Sequence[Article],
    *,
    settings: GroupingSettings | None = None,
) -> list[int]:
    """Which story each of the ``new`` articles belongs to.

    ``stories`` are existing stories (e.g. yesterday's), each a non-empty
    sequence of articles; they are kept as they are: never split and never
    merged with one another. Each new article either joins one of them or a
    new story, with the same features, evidence and threshold as
    ``group_articles`` (IDF and neighbours are computed over the existing
    and the new articles together). Returns, for each new article in input
    order, the index of the existing story it joins (``0 .. len(stories)-1``)
    or ``len(stories) + j`` for the j-th new story (numbered by first
    appearance). With no existing stories this is ``group_articles`` on
    ``new`` as labels. Raises ``ValueError`` for an empty story.
    """
    settings = _resolve(settings, None, None)
    if any(len(story) == 0 for story in stories):
        raise ValueError("an existing story has no articles")
    if not new:
        return []
    old = [article for story in stories for article in story]
    owner = [index for index, story in enumerate(stories) for _ in story]
    articles = old + list(new)
    texts = [article_text(a) for a in articles]
    if len(articles) == 1:
        labels = np.zeros(1, dtype=np.int64)
    else:
        labels = labels_from_similarity(story_similarity(texts, settings), [key_facts(t) for t in texts],
                                        _days(articles), settings, existing=owner + [-1] * len(new))
    story_of_label = {int(labels[i]): owner[i] for i in range(len(old))}
    fresh: dict[int, int] = {}
    result = []
    for label in labels[len(old):]:
        label = int(label)
        if label in story_of_label:
            result.append(story_of_label[label])
        else:
            result.append(len(stories) + fresh.setdefault(label, len(fresh)))
    return result


def story_similarity(texts: Sequence[str], settings: GroupingSettings = DEFAULT_SETTINGS) -> sparse.csr_matrix:
    """Sparse symmetric similarity of ``texts`` (step 2 of the module docstring).

    Non-zero only for pairs at most two neighbour links apart (the pairs the
    shared-neighbour similarity sees); there it is ``cosine_weight`` times
    their cosine plus the rest times their shared-neighbour similarity.
    """
    vectors = embedding_vectors(texts) if settings.method == "embeddings" else tfidf_vectors(texts)
    neighbours = nearest_neighbours(vectors, max(settings.neighbour_counts))
    shared = shared_neighbour_similarity(neighbours, settings.neighbour_counts).tocoo()
    off_diagonal = shared.row != shared.col
    rows, cols, values = shared.row[off_diagonal], shared.col[off_diagonal], shared.data[off_diagonal]
    weight = settings.cosine_weight
    if weight > 0:
        values = weight * _pair_cosines(vectors, rows, cols) + (1.0 - weight) * values
    n = len(texts)
    return sparse.csr_matrix((values, (rows, cols)), shape=(n, n))


def labels_from_similarity(
    similarity: sparse.spmatrix,
    facts: Sequence[KeyFacts],
    days: Sequence[int | None] | None,
    settings: GroupingSettings = DEFAULT_SETTINGS,
    existing: Sequence[int] | None = None,
) -> np.ndarray:
    """Steps 3-4 of the module docstring: average linkage on ``similarity``
    (from ``story_similarity``) with the evidence of ``facts`` (``key_facts``
    per text) and ``days``. ``existing`` gives an existing story's index per
    article, or -1: articles of one existing story start together, and two
    existing stories never merge. Labels as in ``story_labels``.
    """
    locked = [] if existing is None else [i for i, story in enumerate(existing) if story >= 0]
    evidence = ClusterEvidence(facts, days, settings.evidence, locked=locked)
    return average_linkage(similarity, 1.0 - settings.distance_threshold, evidence=evidence, initial=existing)


def _pair_cosines(vectors, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Dot products of the given row pairs of L2-normalised ``vectors``."""
    out = np.empty(rows.size)
    for start in range(0, rows.size, _PAIR_BLOCK):
        r, c = rows[start:start + _PAIR_BLOCK], cols[start:start + _PAIR_BLOCK]
        if sparse.issparse(vectors):
            out[start:start + r.size] = np.asarray(vectors[r].multiply(vectors[c]).sum(axis=1)).ravel()
        else:
            out[start:start + r.size] = np.einsum("ij,ij->i", vectors[r], vectors[c])
    return np.clip(out, 0.0, 1.0)


def _resolve(settings: GroupingSettings | None, distance_threshold: float | None,
             method: str | None) -> GroupingSettings:
    settings = settings or DEFAULT_SETTINGS
    overrides = {k: v for k, v in {"distance_threshold": distance_threshold, "method": method}.items()
                 if v is not None}
    return dataclasses.replace(settings, **overrides) if overrides else settings


def _days(articles: Sequence[Article]) -> list[int | None]:
    return [a.date.toordinal() if a.date else None for a in articles]
