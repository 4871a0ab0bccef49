"""Span precision/recall/F1 of an entity extractor on CoNLL-2003 (default: the dev split).

Each CoNLL document is rebuilt as plain text (tokens joined by spaces, one
sentence a line), the extractor runs on the whole document, and its character
spans are mapped back onto tokens. Scores are exact-span matches, micro-averaged:
untyped (start and end equal) and typed (PER/ORG/LOC/MISC equal too; our labels
map PERSON->PER, ORG->ORG, GPE/LOC->LOC, OTHER->MISC). DATE and the numeric
labels are not scored because CoNLL does not annotate them.

    python benchmarks/ner_conll.py [--data ../shared/bench/ner_conll_dev.txt] [--backend rules] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from eval.conll import char_spans_to_tokens, document_text, gold_spans, parse_conll, score_by_label, score_spans  # noqa: E402
from summarize.facts.entities import EntityBackendError, load_extractor  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "bench" / "ner_conll_dev.txt"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CoNLL-2003 file (default: %(default)s)")
    parser.add_argument("--backend", default="rules", help="rules, spacy:NAME or hf:MODEL (default: rules)")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args()

    try:
        documents = parse_conll(args.data.read_text(encoding="utf-8").splitlines())
        extractor = load_extractor(args.backend)
    except (OSError, ValueError, EntityBackendError) as exc:
        print(f"ner_conll: error: {args.data}: {exc}", file=sys.stderr)
        return 2

    started = time.perf_counter()
    gold, predicted = [], []
    tokens = 0
    for document in documents:
        text, offsets = document_text(document)
        tokens += len(offsets)
        gold.append(gold_spans(document))
        entities = extractor.extract(text)
        predicted.append(char_spans_to_tokens([(e.start, e.end, e.label) for e in entities], offsets))
    seconds = time.perf_counter() - started

    untyped = score_spans(gold, predicted)
    typed = score_spans(gold, predicted, typed=True)
    by_label = score_by_label(gold, predicted)
    if args.json:
        print(json.dumps({
            "data": str(args.data), "backend": args.backend, "documents": len(documents), "tokens": tokens,
            "seconds": seconds, "untyped": untyped.to_dict(), "typed": typed.to_dict(),
            "by_label": {k: v.to_dict() for k, v in by_label.items()},
        }, indent=2))
        return 0
    print(f"{args.data.name}: {len(documents)} documents, {tokens} tokens, {untyped.gold} gold entities; "
          f"backend {args.backend}; {seconds:.1f} s")
    print(f"{'':10} {'P':>6} {'R':>6} {'F1':>6}")
    for name, s in [("untyped", untyped), ("typed", typed)] + [(f"  {k}", v) for k, v in by_label.items()]:
        print(f"{name:10} {100 * s.precision:6.1f} {100 * s.recall:6.1f} {100 * s.f1:6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
