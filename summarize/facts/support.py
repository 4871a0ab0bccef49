"""Whether a summary's entities are supported by its sources: the matching
behind the pipeline's factual guard and the evaluation's entity metrics
(Nan et al. 2021, "Entity-level Factual Consistency of Abstractive Text
Summarization").

A summary entity is *supported* by a text when it can be found there, leniently:

- case-insensitive, with possessives stripped ("Zelenskiy's" -> "Zelenskiy"),
  dots of abbreviations dropped ("U.S." = "US") and titles and a leading "the"
  ignored ("President Zelenskiy" -> "Zelenskiy");
- as a sub-span: its words occur consecutively anywhere in the text, so
  "Zelenskiy" is supported by "Volodymyr Zelenskiy"; a name may also skip one
  word (``NAME_GAP``: "Fernando Cardoso" in "Fernando Henrique Cardoso") or be
  written as one word ("Swiss Air" = "Swissair");
- spelling variants of a word match when their similarity, 1 - (Levenshtein
  edit distance / length of the longer word), is at least ``FUZZY_THRESHOLD``
  = 0.85, for words of at least ``FUZZY_MIN_LENGTH`` = 5 letters. In effect one
  edit is allowed in words of 7 to 13 letters, two from 14:
  "Zelensky"/"Zelenskiy" 0.89, "Zelenskiy"/"Zelenskyy" 0.89, "Gaddafi"/"Qaddafi"
  0.86 match; "Austria"/"Australia" 0.78, "Slovenia"/"Slovakia" 0.75,
  "Hansen"/"Jansen" 0.83 and "Iran"/"Iraq" (too short) do not;
- numbers, money and percentages match by value ("$3.5 million" = "3,500,000
  dollars", "four" = "4"); dates match when all their parts ("14", "october",
  "1998"; "Oct." = "October") occur within a few words of each other.

``check_summary`` and ``check_sentences`` are the calls for a pipeline that
wants to flag or drop unsupported content (the factual guard of
``summarize.fuse``); ``eval.factual`` builds the corpus metrics of Nan et al.
on the same matching.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from summarize.facts import lexicon as lx
from summarize.facts.entities import NUMERIC_LABELS, Entity, extract_entities
from summarize.sentences import sentence_key, split_sentences

FUZZY_THRESHOLD = 0.85
FUZZY_MIN_LENGTH = 5
DATE_WINDOW = 6  # words within which the parts of a date must all occur
NAME_GAP = 1  # words allowed between two words of a name (a middle name)

_POSSESSIVE = re.compile(r"['’]s\b|(?<=s)['’](?=\s|$)", re.IGNORECASE)
_ABBREV_DOT = re.compile(r"(?<=\b[^\W\d_])\.")  # the dots of U.S., A.G.
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_WORD = re.compile(r"[^\W_]+(?:\.\d+)?")  # words; "3.5" and "14th" stay whole
_GLUED_SCALE = re.compile(r"^(\d+(?:\.\d+)?)(k|m|bn|b|mln|bln|tn)$")
_GLUED_SCALES = {"k": 1e3, "m": 1e6, "mln": 1e6, "b": 1e9, "bn": 1e9, "bln": 1e9, "tn": 1e12}


def normalize_words(text: str) -> list[str]:
    """Lower-cased words of ``text`` for matching: possessives and abbreviation dots
    dropped, thousands separators removed, decimals kept ("3.5")."""
    text = unicodedata.normalize("NFKC", text)
    # each pattern needs its mark in the text: most short texts (entity names) have none
    if "'" in text or "’" in text:
        text = _POSSESSIVE.sub("", text)
    if "." in text:
        text = _ABBREV_DOT.sub("", text)
    if "," in text:
        text = _THOUSANDS.sub("", text)
    months = _MONTH_ABBREVIATIONS
    return [
        word[:-2] if word.endswith(("st", "nd", "rd", "th")) and word[:-2].isdigit() else months.get(word, word)  # 14th -> 14
        for word in _WORD.findall(text.lower())
    ]


def _name_key(words: list[str]) -> list[str]:
    """Drop leading titles and "the": "President Bill Clinton" -> ["bill", "clinton"]."""
    k = 0
    while k < len(words) - 1 and (words[k] in lx.TITLES or words[k] in lx.TITLE_MODIFIERS or words[k] == "the"):
        k += 1
    return words[k:]


def _date_key(words: list[str]) -> list[str]:
    return [w for w in words if w not in ("of", "the", "on")]


# "Oct." -> "october"; abbreviations that are also words ("mar", "may") stay as they are.
_MONTH_ABBREVIATIONS = {
    abbr: full
    for abbr, full in zip(
        "jan feb apr jun jul aug sep sept oct nov dec".split(),
        "january february april june july august september september october november december".split(),
    )
}


def numeric_values(words: Sequence[str]) -> set[float]:
    """Every value the normalised ``words`` state: "3.5", "million" -> {3.5, 3500000.0}."""
    values: set[float] = set()
    number_words = lx.NUMBER_WORDS
    for i, word in enumerate(words):
        # most words are neither a numeral (every reading below starts with a digit) nor a number word
        if not (word[:1].isdigit() or word in number_words):
            continue
        value: float | None = None
        glued = _GLUED_SCALE.match(word)
        if glued:
            values.add(float(glued.group(1)) * _GLUED_SCALES[glued.group(2)])
            value = float(glued.group(1))
        elif word.replace(".", "", 1).isdigit():
            value = float(word)
        elif word in lx.NUMBER_WORDS:
            value = float(lx.NUMBER_WORDS[word])
        if value is None:
            continue
        values.add(value)
        j = i + 1
        scaled = value
        while j < len(words) and words[j] in lx.SCALE_WORDS:
            scaled *= lx.SCALE_WORDS[words[j]]
            values.add(scaled)
            j += 1
    return {round(v, 6) for v in values}


def entity_value(entity: Entity) -> float | None:
    """The value a NUMBER/MONEY/PERCENT entity states (largest reading), or None."""
    values = numeric_values(normalize_words(entity.text))
    return max(values) if values else None


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Levenshtein distance; stops early (returning ``limit + 1``) once above ``limit``.

    rapidfuzz's C++ implementation (bit-parallel, with the same cut-off
    semantics: ``score_cutoff`` returns ``score_cutoff + 1`` beyond it).
    """
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(a, b, score_cutoff=limit)


def similarity(a: str, b: str) -> float:
    """1 - edit distance / length of the longer word (1.0 for equal words)."""
    longest = max(len(a), len(b))
    return 1.0 - edit_distance(a, b) / longest if longest else 1.0


def _similar(a: str, b: str) -> bool:
    longest = max(len(a), len(b))
    allowed = int(longest * (1 - FUZZY_THRESHOLD) + 1e-9)  # edits the threshold permits
    if allowed < 1 or abs(len(a) - len(b)) > allowed:
        return False
    return edit_distance(a, b, allowed) <= allowed


class SourceIndex:
    """The texts an entity may be supported by, indexed once for many lookups.

    Build one per story (or per reference) and call ``supports`` for each
    entity of each summary sentence.
    """

    def __init__(self, texts: Sequence[str] | str) -> None:
        if isinstance(texts, str):
            texts = [texts]
        self.words: list[str] = []
        for text in texts:
            self.words.extend(normalize_words(text))
            self.words.append("\n")  # no match runs across two texts
        self.positions: dict[str, list[int]] = {}
        positions = self.positions
        for i, word in enumerate(self.words):
            found = positions.get(word)  # no empty list made for every word, as setdefault would
            if found is None:
                positions[word] = [i]
            else:
                found.append(i)
        self._variants: dict[str, set[str]] = {}

    # The values the texts state and their words by length are built on first
    # use: only a number entity needs the one, only a spelling variant the
    # other, and many summaries ask for neither.
    @functools.cached_property
    def values(self) -> set[float]:
        """Every value the texts state (see ``numeric_values``)."""
        return numeric_values(self.words)

    @functools.cached_property
    def _by_length(self) -> dict[int, list[str]]:
        """The texts' words that may have spelling variants, by length."""
        by_length: dict[int, list[str]] = {}
        for word in self.positions:
            if len(word) >= FUZZY_MIN_LENGTH and word.isalpha():
                by_length.setdefault(len(word), []).append(word)
        return by_length

    @classmethod
    def of(cls, texts: Sequence[str] | str) -> SourceIndex:
        """An index of ``texts``, shared with earlier calls on the same texts."""
        return _cached_index((texts,) if isinstance(texts, str) else tuple(texts))

    def variants(self, word: str) -> set[str]:
        """``word`` and the words of the texts that are spelling variants of it."""
        if word not in self._variants:
            found = {word} if word in self.positions else set()
            if len(word) >= FUZZY_MIN_LENGTH and word.isalpha():
                allowed = int(len(word) * (1 - FUZZY_THRESHOLD) + 1e-9) + 1
                for length in range(len(word) - allowed, len(word) + allowed + 1):
                    found |= {w for w in self._by_length.get(length, ()) if w != word and _similar(word, w)}
            self._variants[word] = found
        return self._variants[word]

    def contains_sequence(self, words: Sequence[str], max_gap: int = 0) -> bool:
        """Whether ``words`` occur in order, each possibly a spelling variant, with at
        most ``max_gap`` other words between neighbours ("Fernando Cardoso" in
        "Fernando Henrique Cardoso" with ``max_gap=1``), or written as one word
        ("Swiss Air" = "Swissair")."""
        if not words:
            return False
        if len(words) > 1 and "".join(words) in self.positions:
            return True
        exact = [{w} if w in self.positions else set() for w in words]
        if all(exact) and self._occurs(exact, max_gap):
            return True
        return self._occurs([self.variants(w) for w in words], max_gap)

    def _occurs(self, options: list[set[str]], max_gap: int) -> bool:
        if any(not o for o in options):
            return False
        for first in options[0]:
            for p in self.positions[first]:
                if self._follows(p, options, 1, max_gap):
                    return True
        return False

    def _follows(self, p: int, options: list[set[str]], k: int, max_gap: int) -> bool:
        if k == len(options):
            return True
        for q in range(p + 1, min(p + 2 + max_gap, len(self.words))):
            if self.words[q] in options[k] and self._follows(q, options, k + 1, max_gap):
                return True
            if self.words[q] == "\n":
                break
        return False

    def contains_nearby(self, words: Sequence[str], window: int = DATE_WINDOW) -> bool:
        """Whether all ``words`` occur within ``window`` words of one another."""
        if not words or any(w not in self.positions for w in words):
            return False
        rarest = min(words, key=lambda w: len(self.positions[w]))
        for p in self.positions[rarest]:
            nearby = set(self.words[max(0, p - window) : p + window + 1])
            if all(w in nearby for w in words):
                return True
        return False

    def supports(self, entity: Entity) -> bool:
        """Whether ``entity`` can be found in the texts (see the module doc)."""
        words = normalize_words(entity.text)
        if not words:
            return True  # nothing to check
        if entity.label in ("NUMBER", "MONEY", "PERCENT"):
            value = entity_value(entity)
            if value is not None and value in self.values:
                return True
            return self.contains_sequence(words)
        if entity.label == "DATE":
            return self.contains_nearby(_date_key(words))
        return self.contains_sequence(_name_key(words), max_gap=NAME_GAP)


@functools.lru_cache(maxsize=16)
def _cached_index(texts: tuple[str, ...]) -> SourceIndex:
    return SourceIndex(texts)


def entity_key(entity: Entity) -> str:
    """The normalised text that identifies an entity within one summary."""
    words = normalize_words(entity.text)
    if entity.label in NUMERIC_LABELS and entity.label != "DATE":
        value = entity_value(entity)
        if value is not None:
            return f"{entity.label}:{value:g}"
    if entity.label == "DATE":
        return " ".join(_date_key(words))
    return " ".join(_name_key(words))


def distinct_entities(entities: Sequence[Entity]) -> list[Entity]:
    """First mention of each distinct entity (by ``entity_key``), in text order."""
    seen: set[str] = set()
    out = []
    for e in entities:
        key = entity_key(e)
        if key and key not in seen:
            seen.add(key)
            out.append(e)
    return out


@dataclass
class FactualCheck:
    """Entity check of one summary (or sentence) against its sources.

    ``precision_source`` is None when the text has no entities (nothing can be
    unsupported). ``unsupported`` lists the entity texts not found in the
    sources, in text order; an empty list means everything checked out.
    """

    entities: list[str] = field(default_factory=list)
    supported: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # entity text -> label

    @property
    def precision_source(self) -> float | None:
        return len(self.supported) / len(self.entities) if self.entities else None

    @property
    def ok(self) -> bool:
        """True when every entity is supported."""
        return not self.unsupported

    def to_dict(self) -> dict:
        return {
            "precision_source": self.precision_source,
            "entities": len(self.entities),
            "unsupported": list(self.unsupported),
        }


def _check(entities: Sequence[Entity], sources: Sequence[str], copied: Sequence[tuple[int, int]] = ()) -> FactualCheck:
    """Check ``entities`` against ``sources``; those inside a ``copied`` span are supported.

    A copied span is a sentence that stands in a source as it is: its
    entities are found there by construction. The sources are indexed only
    when an entity outside such spans needs looking up, so an extractive
    summary of a huge story costs no index of it.
    """
    check = FactualCheck()
    index: SourceIndex | None = None
    for e in distinct_entities(entities):
        check.entities.append(e.text)
        check.labels[e.text] = e.label
        if any(start <= e.start and e.end <= end for start, end in copied):
            supported = True
        else:
            index = index or SourceIndex.of(sources)
            supported = index.supports(e)
        (check.supported if supported else check.unsupported).append(e.text)
    return check


def copied_from_sources(sentences: Sequence[str], sources: Sequence[str]) -> list[bool]:
    """For each sentence, whether it stands in one of ``sources`` as it is: word for word,
    ignoring case (an engine may recapitalise after cutting a dateline), or ignoring
    case, spacing and punctuation (``sentence_key``).

    Such a sentence is supported by construction (extractive engines copy
    sentences), so only the others need the entity check. Sources are
    compared one at a time, so no copy of all of them is made.
    """
    copied = [False] * len(sentences)
    for source in sources:
        pending = [i for i, done in enumerate(copied) if not done]
        if not pending:
            break
        for i in pending:
            copied[i] = sentences[i] in source
        pending = [i for i in pending if not copied[i]]
        if pending:
            folded = source.casefold()
            for i in pending:
                copied[i] = sentences[i].casefold() in folded
            del folded
            pending = [i for i in pending if not copied[i]]
        if pending:
            keyed = f" {sentence_key(source)} "
            for i in pending:
                copied[i] = f" {sentence_key(sentences[i])} " in keyed
    return copied


def check_summary(
    summary: str, sources: Sequence[str], backend: str = "rules", sentences: Sequence[str] | None = None
) -> FactualCheck:
    """Check the entities of ``summary`` against the ``sources`` texts.

    Returns a FactualCheck with precision-source and the unsupported entities.
    ``backend`` selects the entity extractor (see ``summarize.facts.entities``).
    ``sentences``: the summary's sentences when the caller has them (the
    summary being them joined by spaces), else it is split; sentences that
    stand in a source as they are need no lookup (see ``_check``).
    """
    entities = extract_entities(summary, backend, context=sources)
    if not entities:
        return FactualCheck()
    spans, position = [], 0
    for sentence in split_sentences(summary) if sentences is None else sentences:
        start = summary.find(sentence, position)
        if start >= 0:
            spans.append((start, start + len(sentence), sentence))
            position = start + len(sentence)
    copied = copied_from_sources([text for _, _, text in spans], sources)
    return _check(entities, sources, [(start, end) for (start, end, _), done in zip(spans, copied) if done])


def check_sentences(sentences: Sequence[str], sources: Sequence[str], backend: str = "rules") -> list[FactualCheck]:
    """Check each summary sentence separately against ``sources``; one result per sentence.

    Entities are extracted from the sentences joined as lines of one text, so a
    name's capitalisation is judged in context, then assigned to the sentence
    they fall in. A factual guard drops (or flags) the sentences whose check
    is not ``ok``.
    """
    text_parts: list[str] = []
    bounds: list[tuple[int, int]] = []
    position = 0
    for sentence in sentences:
        sentence = sentence.replace("\n", " ")
        bounds.append((position, position + len(sentence)))
        text_parts.append(sentence)
        position += len(sentence) + 1
    entities = extract_entities("\n".join(text_parts), backend, context=sources)
    results = []
    for start, end in bounds:
        inside = [e for e in entities if e.start >= start and e.end <= end]
        results.append(_check(inside, sources))
    return results
