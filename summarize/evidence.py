"""Evidence against merging two stories: conflicting key facts and a gap in time.

Text similarity says two groups of articles are about the same *kind* of
event; it cannot tell two earthquakes, two coach firings or two title fights
apart, because their reports share almost every word. What tells them apart
is who, where, when and how many. This module keeps, for every cluster of
articles that story grouping builds, the evidence it needs to see that:

* **key facts**: the names, places, numbers and dates of each article's lead
  (``key_facts``): the first sentences, where news writing puts the who,
  where, when and how many of the event. A fact is *established* for a
  cluster when at least two of its articles state it (one article alone is
  weak evidence: a short report leaves most facts out). Two clusters
  *conflict* when each has an established fact that no article of the other
  mentions at all: "Rahman" in nine reports of one title fight and
  "Thompson" in ten of the other. The conflict is the smaller of the two
  sides' shares of articles stating their exclusive fact, so one side with
  many details and one with few (a short follow-up) does not conflict.
* **dates**: the span of the cluster's dated articles. Time is soft: two
  clusters whose spans overlap or touch do not conflict, whatever their
  length (a story covered every few days for two months stays one story);
  a gap between the spans counts as conflict ``1 - exp(-gap / time_scale)``.
  Undated articles are neither near nor far.

``ClusterEvidence.discount(a, b)`` turns the larger of the two conflicts into
a factor ``1 - conflict_weight * conflict`` on the similarity of clusters
``a`` and ``b``: a merge across conflicting facts needs that much stronger
textual evidence. Nothing here reads files; everything is deterministic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from summarize.features import entity_tokens
from summarize.sentences import split_sentences

# Words of the lead, in whole sentences, that key facts are taken from. 30
# words is about one news lead sentence; longer leads pulled in the
# side-details of long reports, which then looked like conflicts within one
# story (measured on DUC 2003, docs/grouping.md).
LEAD_WORDS = 30
# Characters read to find the lead (30 words never need more).
_LEAD_CHARS = 1500
# An article needs this many mentions of a fact in a cluster for it to be
# established (see the module docstring).
MIN_ARTICLES_FOR_FACT = 2

# A wire dateline ("LONDON (AP) _", "BANGKOK, Thailand (AP) _", "NEW YORK --",
# "PARIS (Reuters) - "): where the reporter filed, not where the event
# happened; reports of one story come from several cities. A single hyphen
# counts only after an agency tag, so that a capitalised opening is kept.
_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z .,'\-]{1,60}?(?:,\s*[A-Z][\w .]+)?\s*"
    r"(?:\([A-Za-z]+\)\s*(?:_|-{1,2}|\u2014|\u2013)|(?:_|--|\u2014|\u2013))\s"
)
# Relative dates ("on Saturday") and agency tags are not facts of the event:
# two reports of one event are often filed on different days.
_NOT_FACTS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow tonight "
    "ap afp reuters upi dpa".split()
)


def strip_dateline(text: str) -> str:
    """``text`` without a leading wire dateline ("LONDON (AP) _ ")."""
    return _DATELINE.sub("", text, count=1)


def lead(text: str, words: int = LEAD_WORDS) -> str:
    """The first whole sentences of ``text`` (dateline removed) that reach ``words`` words."""
    kept: list[str] = []
    count = 0
    for sentence in split_sentences(strip_dateline(text[:_LEAD_CHARS])):
        kept.append(sentence)
        count += len(sentence.split())
        if count >= words:
            break
    return " ".join(kept)


def key_facts(text: str) -> frozenset[str]:
    """Names, places, numbers and dates of the lead of ``text``, lower-cased.

    The tokens are ``summarize.features.entity_tokens`` of the lead (capitalised
    words and numbers: no NER model is available offline, see that function),
    without relative dates (weekdays) and agency tags.
    """
    return frozenset(t for t in entity_tokens(lead(text)) if t not in _NOT_FACTS)


@dataclass(frozen=True)
class EvidenceSettings:
    """How strongly conflicts count; see the module docstring."""

    conflict_weight: float = 0.75  # similarity factor at full conflict: 1 - 0.75
    time_scale_days: float = 60.0  # a gap of this many days between date spans is a conflict of 0.63

    def __post_init__(self) -> None:
        if not 0 <= self.conflict_weight <= 1:
            raise ValueError(f"conflict weight must be in [0, 1], got {self.conflict_weight}")
        if not self.time_scale_days > 0:
            raise ValueError(f"time scale must be a positive number of days, got {self.time_scale_days}")


class ClusterEvidence:
    """Key facts and date spans of clusters that are merged step by step.

    Clusters are named by integers (an article's index to start with); after
    ``merge(keep, absorbed)`` the cluster ``keep`` holds both. Clusters listed
    in ``locked`` (stories that already exist, for incremental grouping) never
    merge with each other: their ``discount`` is 0.
    """

    def __init__(
        self,
        facts: Sequence[Iterable[str]],
        days: Sequence[int | None] | None = None,
        settings: EvidenceSettings = EvidenceSettings(),
        locked: Iterable[int] = (),
    ) -> None:
        self.settings = settings
        self._counts: dict[int, dict[str, int]] = {i: dict.fromkeys(f, 1) for i, f in enumerate(facts)}
        self._size = dict.fromkeys(range(len(self._counts)), 1)
        days = days if days is not None else [None] * len(self._counts)
        self._span: dict[int, tuple[int, int] | None] = {
            i: None if d is None else (d, d) for i, d in enumerate(days)
        }
        self._established: dict[int, list[tuple[int, str]]] = {}
        self._locked = set(locked)

    def merge(self, keep: int, absorbed: int) -> None:
        """Record that cluster ``absorbed`` joined cluster ``keep``."""
        small, large = self._counts.pop(absorbed), self._counts[keep]
        if len(small) > len(large):  # fold the smaller dict into the larger
            small, large = large, small
        for fact, count in small.items():
            large[fact] = large.get(fact, 0) + count
        self._counts[keep] = large
        self._size[keep] += self._size.pop(absorbed)
        self._span[keep] = _union(self._span[keep], self._span.pop(absorbed))
        self._established.pop(keep, None)
        self._established.pop(absorbed, None)
        if absorbed in self._locked:
            self._locked.discard(absorbed)
            self._locked.add(keep)

    def discount(self, a: int, b: int) -> float:
        """Factor in [0, 1] on the similarity of clusters ``a`` and ``b``."""
        if a in self._locked and b in self._locked:
            return 0.0
        conflict = max(self.fact_conflict(a, b), self.time_conflict(a, b))
        return 1.0 - self.settings.conflict_weight * conflict

    def fact_conflict(self, a: int, b: int) -> float:
        """The smaller of the two sides' shares of articles that state an
        established fact the other side never mentions (0 = no conflict)."""
        return min(self._exclusive_share(a, b), self._exclusive_share(b, a))

    def time_conflict(self, a: int, b: int) -> float:
        """``1 - exp(-gap / time_scale)`` for the gap in days between the two
        clusters' date spans; 0 when they overlap or either has no date."""
        span_a, span_b = self._span[a], self._span[b]
        if span_a is None or span_b is None:
            return 0.0
        gap = max(span_a[0], span_b[0]) - min(span_a[1], span_b[1])
        return 1.0 - math.exp(-gap / self.settings.time_scale_days) if gap > 0 else 0.0

    def _exclusive_share(self, a: int, b: int) -> float:
        other = self._counts[b]
        for count, fact in self._established_facts(a):  # most widely stated first
            if fact not in other:
                return count / self._size[a]
        return 0.0

    def _established_facts(self, cluster: int) -> list[tuple[int, str]]:
        facts = self._established.get(cluster)
        if facts is None:
            facts = sorted(
                ((c, f) for f, c in self._counts[cluster].items() if c >= MIN_ARTICLES_FOR_FACT),
                key=lambda item: (-item[0], item[1]),
            )
            self._established[cluster] = facts
        return facts


def _union(a: tuple[int, int] | None, b: tuple[int, int] | None) -> tuple[int, int] | None:
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), max(a[1], b[1]))
