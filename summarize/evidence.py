"""Evidence against merging two stories: conflicting key facts and a gap in time.

Text similarity says two groups of articles are about the same *kind* of
event; it cannot tell two earthquakes, two coach firings or two title fights
apart, because their reports share almost every word. What tells them apart
is who, where, when and how many, and what happened. This module keeps, for
every cluster of articles that story grouping builds, the evidence it needs
to see that:

* **key facts** (``key_facts``): what each article's lead says (the first
  sentences, where news writing puts the who, where, when and how many of
  the event), in two kinds:

  - *facts*: the people, places, calendar dates and quantities that the
    entity extractor (``summarize.facts.entities``) finds in the lead;
    organisations, nationalities and other names are left out (they name the
    institution or the sides, which look-alike events share: Microsoft
    patches Internet Explorer twice, the 76ers fire a coach and hire one);
  - *event words*: the lead's other content words, stemmed ("fire",
    "hire", "overturn"), which say what happened; they count at
    ``word_weight`` of a fact, and they are the only facts that lower-cased
    text has.

  A fact is *established* for a cluster when at least two of its articles
  state it (one article alone is weak evidence: a short report leaves most
  facts out). Two clusters *conflict* when each has an established fact that
  the other does not state: "Rahman" in nine reports of one title fight and
  "Thompson" in ten of the other. "Does not state" allows a stray article:
  a fact that one cluster states in a share ``s`` of its articles counts as
  absent from a cluster that states it in at most ``rare_ratio * s`` of
  its own, so one wrongly joined report does not erase the evidence of the
  whole cluster. The conflict is the smaller of the two sides' shares of
  articles stating their exclusive fact, so one side with many details and
  one with few (a short follow-up) does not conflict.
* **dates**: the span of the cluster's dated articles. Time is soft: two
  clusters whose spans overlap or touch do not conflict, whatever their
  length (a story covered every few days for two months stays one story);
  a gap between the spans counts as conflict ``1 - exp(-gap / time_scale)``.
  Undated articles are neither near nor far.

``ClusterEvidence.discount(a, b)`` turns the largest of the conflicts (facts,
event words times ``word_weight``, time) into a factor
``1 - conflict_weight * conflict`` on the similarity of clusters ``a`` and
``b``: a merge across conflicting facts needs that much stronger textual
evidence. Nothing here reads files; everything is deterministic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from summarize.facts.entities import extract_entities
from summarize.facts.lexicon import MONTHS
from summarize.features import content_words, entity_tokens
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
# Entity types that are facts: who (PERSON), where (GPE, LOC), when (DATE),
# how many (NUMBER, MONEY, PERCENT).
NAME_LABELS = frozenset({"PERSON", "GPE", "LOC"})
QUANTITY_LABELS = frozenset({"NUMBER", "MONEY", "PERCENT"})

# A wire dateline ("LONDON (AP) _", "BANGKOK, Thailand (AP) _", "NEW YORK --",
# "PARIS (Reuters) - "): where the reporter filed, not where the event
# happened; reports of one story come from several cities. A single hyphen
# counts only after an agency tag, so that a capitalised opening is kept.
_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z .,'\-]{1,60}?(?:,\s*[A-Z][\w .]+)?\s*"
    r"(?:\([A-Za-z]+\)\s*(?:_|-{1,2}|\u2014|\u2013)|(?:_|--|\u2014|\u2013))\s"
)
# Agency tags are not facts of the event.
_NOT_FACTS = frozenset("ap afp reuters upi dpa".split())
_YEAR = re.compile(r"\b(1[5-9]\d\d|2[01]\d\d)(s?)\b")
_DAY_OF_MONTH = re.compile(r"\b([0-3]?\d)(?:st|nd|rd|th)?\b")
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class KeyFacts:
    """What the lead of one article states: ``facts`` (people, places,
    calendar dates and quantities, lower-cased) and ``words`` (stems of its
    other content words: what happened)."""

    facts: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()


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


def key_facts(text: str) -> KeyFacts:
    """The key facts and event words of the lead of ``text`` (module docstring).

    Names are split into lower-cased words ("Maurice Cheeks" -> "maurice",
    "cheeks"), so that a later "Cheeks" states the same fact; quantities are
    kept whole ("$3.5 million", "6.1"); a date becomes its year and month-day
    ("Dec. 15, 2013" -> "2013", "12-15"), and a relative date ("Sunday",
    "last week") is no fact: reports of one event are filed on different days.
    """
    opening = lead(text)
    facts: set[str] = set()
    for entity in extract_entities(opening):
        if entity.label in NAME_LABELS:
            facts.update(t for t in entity_tokens(entity.text) if t not in _NOT_FACTS)
        elif entity.label in QUANTITY_LABELS:
            facts.add(entity.text.lower())
        elif entity.label == "DATE":
            facts.update(calendar_facts(entity.text))
    names = set(entity_tokens(opening))
    words = {stem for stem, word in content_words(opening) if word not in names and not word.isdigit()}
    return KeyFacts(frozenset(facts), frozenset(words))


def calendar_facts(date: str) -> set[str]:
    """The year ("2013", "1990s") and month-day ("12-15") of a date expression;
    a month alone gives its number ("12"), a relative date nothing."""
    lowered = date.lower()
    facts = {year + decade for year, decade in _YEAR.findall(lowered)}
    months = [MONTHS[w] for w in _WORD.findall(lowered) if w in MONTHS]
    if months:
        rest = _YEAR.sub(" ", lowered)
        days = [int(d) for d in _DAY_OF_MONTH.findall(rest) if 1 <= int(d) <= 31]
        facts.add(f"{months[0]:02d}-{days[0]:02d}" if days else f"{months[0]:02d}")
    return facts


@dataclass(frozen=True)
class EvidenceSettings:
    """How strongly conflicts count; see the module docstring."""

    conflict_weight: float = 0.75  # similarity factor at full conflict: 1 - 0.75
    time_scale_days: float = 60.0  # a gap of this many days between date spans is a conflict of 0.63
    word_weight: float = 0.5  # an event-word conflict counts this much of a fact conflict
    rare_ratio: float = 0.2  # a fact stated this much less often by the other side counts as absent

    def __post_init__(self) -> None:
        if not 0 <= self.conflict_weight <= 1:
            raise ValueError(f"conflict weight must be in [0, 1], got {self.conflict_weight}")
        if not self.time_scale_days > 0:
            raise ValueError(f"time scale must be a positive number of days, got {self.time_scale_days}")
        if not 0 <= self.word_weight <= 1:
            raise ValueError(f"word weight must be in [0, 1], got {self.word_weight}")
        if not 0 <= self.rare_ratio < 1:
            raise ValueError(f"rare ratio must be in [0, 1), got {self.rare_ratio}")


class _Statements:
    """For each cluster, how many of its articles state each item."""

    def __init__(self, items: Iterable[Iterable[str]]) -> None:
        self.counts: dict[int, dict[str, int]] = {i: dict.fromkeys(f, 1) for i, f in enumerate(items)}
        self._established: dict[int, list[tuple[int, str]]] = {}

    def merge(self, keep: int, absorbed: int) -> None:
        small, large = self.counts.pop(absorbed), self.counts[keep]
        if len(small) > len(large):  # fold the smaller dict into the larger
            small, large = large, small
        for item, count in small.items():
            large[item] = large.get(item, 0) + count
        self.counts[keep] = large
        self._established.pop(keep, None)
        self._established.pop(absorbed, None)

    def exclusive_share(self, a: int, b: int, size: dict[int, int], rare_ratio: float) -> float:
        """The largest share of ``a``'s articles stating an established item
        that ``b`` states in at most ``rare_ratio`` times that share (0: none)."""
        other, size_a, size_b = self.counts[b], size[a], size[b]
        for count, item in self._established_items(a):  # most widely stated first
            if other.get(item, 0) * size_a <= rare_ratio * count * size_b:
                return count / size_a
        return 0.0

    def _established_items(self, cluster: int) -> list[tuple[int, str]]:
        items = self._established.get(cluster)
        if items is None:
            items = sorted(
                ((c, f) for f, c in self.counts[cluster].items() if c >= MIN_ARTICLES_FOR_FACT),
                key=lambda item: (-item[0], item[1]),
            )
            self._established[cluster] = items
        return items


class ClusterEvidence:
    """Key facts, event words and date spans of clusters that are merged step by step.

    ``facts`` holds one ``KeyFacts`` per article (a plain set of strings is
    taken as facts without event words). Clusters are named by integers (an
    article's index to start with); after ``merge(keep, absorbed)`` the
    cluster ``keep`` holds both. Clusters listed in ``locked`` (stories that
    already exist, for incremental grouping) never merge with each other:
    their ``discount`` is 0.
    """

    def __init__(
        self,
        facts: Sequence[KeyFacts | Iterable[str]],
        days: Sequence[int | None] | None = None,
        settings: EvidenceSettings = EvidenceSettings(),
        locked: Iterable[int] = (),
    ) -> None:
        self.settings = settings
        facts = [f if isinstance(f, KeyFacts) else KeyFacts(frozenset(f)) for f in facts]
        self._facts = _Statements(f.facts for f in facts)
        self._words = _Statements(f.words for f in facts)
        self._size = dict.fromkeys(range(len(facts)), 1)
        days = days if days is not None else [None] * len(facts)
        self._span: dict[int, tuple[int, int] | None] = {
            i: None if d is None else (d, d) for i, d in enumerate(days)
        }
        self._locked = set(locked)

    def merge(self, keep: int, absorbed: int) -> None:
        """Record that cluster ``absorbed`` joined cluster ``keep``."""
        self._facts.merge(keep, absorbed)
        self._words.merge(keep, absorbed)
        self._size[keep] += self._size.pop(absorbed)
        self._span[keep] = _union(self._span[keep], self._span.pop(absorbed))
        if absorbed in self._locked:
            self._locked.discard(absorbed)
            self._locked.add(keep)

    def discount(self, a: int, b: int) -> float:
        """Factor in [0, 1] on the similarity of clusters ``a`` and ``b``."""
        if a in self._locked and b in self._locked:
            return 0.0
        word_conflict = self.word_conflict(a, b) * self.settings.word_weight if self.settings.word_weight else 0.0
        conflict = max(self.fact_conflict(a, b), word_conflict, self.time_conflict(a, b))
        return 1.0 - self.settings.conflict_weight * conflict

    def fact_conflict(self, a: int, b: int) -> float:
        """The smaller of the two sides' shares of articles that state an
        established fact the other side does not state (0 = no conflict)."""
        return self._conflict(self._facts, a, b)

    def word_conflict(self, a: int, b: int) -> float:
        """``fact_conflict`` for the event words (not yet times ``word_weight``)."""
        return self._conflict(self._words, a, b)

    def time_conflict(self, a: int, b: int) -> float:
        """``1 - exp(-gap / time_scale)`` for the gap in days between the two
        clusters' date spans; 0 when they overlap or either has no date."""
        span_a, span_b = self._span[a], self._span[b]
        if span_a is None or span_b is None:
            return 0.0
        gap = max(span_a[0], span_b[0]) - min(span_a[1], span_b[1])
        return 1.0 - math.exp(-gap / self.settings.time_scale_days) if gap > 0 else 0.0

    def _conflict(self, statements: _Statements, a: int, b: int) -> float:
        ratio = self.settings.rare_ratio
        first = statements.exclusive_share(a, b, self._size, ratio)
        return min(first, statements.exclusive_share(b, a, self._size, ratio)) if first else 0.0


def _union(a: tuple[int, int] | None, b: tuple[int, int] | None) -> tuple[int, int] | None:
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), max(a[1], b[1]))
