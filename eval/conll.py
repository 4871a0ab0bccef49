"""CoNLL-2003 named-entity data and span scoring, for measuring an entity extractor.

Pure functions: ``parse_conll`` takes the file's text (the caller reads it),
``document_text`` rebuilds plain text with the character offset of every token
so any extractor that works on text can be scored, and ``score_spans`` computes
exact-match span precision/recall/F1, untyped and typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Labels of the extractors mapped onto CoNLL's four types. DATE and the numeric
# labels have no CoNLL counterpart (CoNLL leaves them untagged), so they are
# not scored against it.
LABEL_TO_CONLL = {
    "PERSON": "PER",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "OTHER": "MISC",
}


@dataclass
class ConllDocument:
    """One ``-DOCSTART-`` document: sentences of tokens with their IOB2 tags."""

    sentences: list[list[str]] = field(default_factory=list)
    tags: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class Span:
    """An entity as a token range ``[start, end)`` of a document, with its type."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class PRF:
    """Precision, recall, F1 and the counts they come from."""

    precision: float
    recall: float
    f1: float
    true_positives: int
    predicted: int
    gold: int

    def to_dict(self) -> dict:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "true_positives": self.true_positives,
            "predicted": self.predicted,
            "gold": self.gold,
        }


def parse_conll(lines: Iterable[str]) -> list[ConllDocument]:
    """Parse CoNLL-2003 lines (``token POS chunk NER``) into documents.

    ``-DOCSTART-`` lines start a new document, blank lines end a sentence; the
    last column is the NER tag (IOB1 or IOB2). Raises ValueError naming the line
    number of a line that has fewer than two columns.
    """
    documents: list[ConllDocument] = []
    current = ConllDocument()
    tokens: list[str] = []
    tags: list[str] = []

    def end_sentence() -> None:
        nonlocal tokens, tags
        if tokens:
            current.sentences.append(tokens)
            current.tags.append(tags)
        tokens, tags = [], []

    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if line.startswith("-DOCSTART-"):
            end_sentence()
            if current.sentences:
                documents.append(current)
            current = ConllDocument()
            continue
        if not line:
            end_sentence()
            continue
        columns = line.split()
        if len(columns) < 2:
            raise ValueError(f"line {number}: expected 'token ... tag', got {line!r}")
        tokens.append(columns[0])
        tags.append(columns[-1])
    end_sentence()
    if current.sentences:
        documents.append(current)
    return documents


def iob_spans(tags: Sequence[str]) -> list[Span]:
    """Entity spans of one tag sequence; accepts IOB1 and IOB2.

    An ``I-X`` that does not continue an ``X`` entity starts a new one (IOB1).
    """
    spans: list[Span] = []
    start: int | None = None
    label = ""
    for i, tag in enumerate(tags):
        kind, _, typ = tag.partition("-")
        begins = kind == "B" or (kind == "I" and (start is None or typ != label))
        if start is not None and (kind == "O" or begins):
            spans.append(Span(start, i, label))
            start = None
        if begins:
            start, label = i, typ
    if start is not None:
        spans.append(Span(start, len(tags), label))
    return spans


def document_text(document: ConllDocument) -> tuple[str, list[tuple[int, int]]]:
    """Plain text of a document and the ``(start, end)`` offsets of each token.

    Tokens are joined by spaces and sentences by newlines, so a sentence
    boundary is a line break, as in the articles the extractor reads.
    Token indices run over the whole document, sentence after sentence.
    """
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    position = 0
    for sentence in document.sentences:
        for j, token in enumerate(sentence):
            if j:
                parts.append(" ")
                position += 1
            offsets.append((position, position + len(token)))
            parts.append(token)
            position += len(token)
        parts.append("\n")
        position += 1
    return "".join(parts), offsets


def gold_spans(document: ConllDocument) -> list[Span]:
    """Gold entity spans of a document, token indices over the whole document."""
    spans: list[Span] = []
    base = 0
    for tags in document.tags:
        spans.extend(Span(s.start + base, s.end + base, s.label) for s in iob_spans(tags))
        base += len(tags)
    return spans


def char_spans_to_tokens(
    entities: Iterable[tuple[int, int, str]], offsets: Sequence[tuple[int, int]]
) -> list[Span]:
    """Map character spans ``(start, end, label)`` onto token spans.

    A character span covers the tokens it overlaps; one that overlaps no token
    is dropped. Labels are mapped with ``LABEL_TO_CONLL``; labels CoNLL does not
    annotate (DATE, NUMBER, ...) are dropped.
    """
    spans: list[Span] = []
    for start, end, label in entities:
        conll = LABEL_TO_CONLL.get(label)
        if conll is None:
            continue
        covered = [i for i, (a, b) in enumerate(offsets) if a < end and b > start]
        if covered:
            spans.append(Span(covered[0], covered[-1] + 1, conll))
    return spans


def _prf(tp: int, predicted: int, gold: int) -> PRF:
    precision = tp / predicted if predicted else 0.0
    recall = tp / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1, tp, predicted, gold)


def score_spans(
    gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]], typed: bool = False
) -> PRF:
    """Exact-match span P/R/F1 over documents (micro-averaged).

    ``gold[i]`` and ``predicted[i]`` are the spans of document ``i``. Untyped:
    a prediction counts when its start and end equal a gold span's; typed: its
    label must match too.
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold documents but {len(predicted)} predicted")
    tp = n_pred = n_gold = 0
    for g, p in zip(gold, predicted):
        key = (lambda s: (s.start, s.end, s.label)) if typed else (lambda s: (s.start, s.end))
        gold_keys = {key(s) for s in g}
        pred_keys = {key(s) for s in p}
        tp += len(gold_keys & pred_keys)
        n_pred += len(pred_keys)
        n_gold += len(gold_keys)
    return _prf(tp, n_pred, n_gold)


def score_by_label(gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]]) -> dict[str, PRF]:
    """Typed exact-match P/R/F1 for each gold label."""
    labels = sorted({s.label for doc in gold for s in doc})
    return {
        label: score_spans(
            [[s for s in doc if s.label == label] for doc in gold],
            [[s for s in doc if s.label == label] for doc in predicted],
            typed=True,
        )
        for label in labels
    }
