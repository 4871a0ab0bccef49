from pathlib import Path

import pytest

from eval.conll import (
    Span,
    char_spans_to_tokens,
    document_text,
    gold_spans,
    iob_spans,
    parse_conll,
    score_by_label,
    score_spans,
)
from summarize.facts.entities import extract_entities

SHARED_BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "bench"

SAMPLE = """-DOCSTART- -X- -X- O

LONDON NNP B-NP B-LOC
1996-08-30 CD I-NP O

West NNP B-NP B-MISC
Indian NNP I-NP I-MISC
all-rounder NN I-NP O
Phil NNP I-NP B-PER
Simmons NNP I-NP I-PER
took VBD B-VP O
four CD B-NP O
. . O O

-DOCSTART- -X- -X- O

Bank NNP B-NP B-ORG
of IN B-PP I-ORG
England NNP B-NP I-ORG
rose VBD B-VP O
. . O O
""".splitlines()


def test_parse_and_rebuild_text():
    docs = parse_conll(SAMPLE)
    assert len(docs) == 2
    assert docs[0].sentences[1][:2] == ["West", "Indian"]
    text, offsets = document_text(docs[0])
    assert text.splitlines() == ["LONDON 1996-08-30", "West Indian all-rounder Phil Simmons took four ."]
    tokens = [t for s in docs[0].sentences for t in s]
    assert [text[a:b] for a, b in offsets] == tokens
    assert gold_spans(docs[0]) == [Span(0, 1, "LOC"), Span(2, 4, "MISC"), Span(5, 7, "PER")]
    assert gold_spans(docs[1]) == [Span(0, 3, "ORG")]


def test_iob1_and_iob2():
    assert iob_spans(["B-PER", "I-PER", "O", "B-LOC"]) == [Span(0, 2, "PER"), Span(3, 4, "LOC")]
    assert iob_spans(["I-PER", "I-PER", "I-LOC", "O"]) == [Span(0, 2, "PER"), Span(2, 3, "LOC")]
    assert iob_spans(["B-PER", "B-PER"]) == [Span(0, 1, "PER"), Span(1, 2, "PER")]


def test_malformed_line_is_named():
    with pytest.raises(ValueError, match="line 2"):
        parse_conll(["-DOCSTART- -X- -X- O", "lonely"])


def test_scoring_exact_spans():
    gold = [[Span(0, 1, "LOC"), Span(2, 4, "MISC"), Span(5, 7, "PER")]]
    pred = [[Span(0, 1, "ORG"), Span(2, 4, "MISC"), Span(5, 6, "PER")]]
    untyped = score_spans(gold, pred)
    assert (untyped.true_positives, untyped.predicted, untyped.gold) == (2, 3, 3)
    assert untyped.f1 == pytest.approx(2 / 3)
    typed = score_spans(gold, pred, typed=True)
    assert typed.true_positives == 1
    assert score_by_label(gold, pred)["MISC"].f1 == 1.0


def test_char_spans_map_to_tokens_and_drop_unannotated_labels():
    docs = parse_conll(SAMPLE)
    text, offsets = document_text(docs[0])
    entities = [(e.start, e.end, e.label) for e in extract_entities(text)]
    spans = char_spans_to_tokens(entities, offsets)
    assert Span(5, 7, "PER") in spans  # Phil Simmons
    assert all(s.label in {"PER", "ORG", "LOC", "MISC"} for s in spans)  # dates and numbers left out


@pytest.mark.skipif(not (SHARED_BENCH / "ner_conll_dev.txt").exists(), reason="../shared/bench not present")
def test_builtin_extractor_on_conll_dev_meets_the_target():
    docs = parse_conll((SHARED_BENCH / "ner_conll_dev.txt").read_text(encoding="utf-8").splitlines())
    gold, pred = [], []
    for doc in docs:
        text, offsets = document_text(doc)
        gold.append(gold_spans(doc))
        pred.append(char_spans_to_tokens([(e.start, e.end, e.label) for e in extract_entities(text)], offsets))
    assert score_spans(gold, pred).f1 >= 0.85
