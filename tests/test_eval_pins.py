"""Speed work on ``briefing eval`` must not change a single score: reports pinned by hash.

Pairs are built from the seed articles (always present) and, when present,
from the development data in ``../shared/bench`` the way
``benchmarks/eval_speed.py`` builds them (sentences drawn with a seeded
generator); the full ROUGE and entity reports (every example's scores and
unsupported entities, the corpus intervals) are hashed and compared with
``fixtures/eval_pins.json``, recorded with the code before the speed changes
of issue 15. ``.venv/bin/python tests/test_eval_pins.py`` re-records them,
for a change meant to alter scores.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SHARED_BENCH = REPO.parent / "shared" / "bench"
PINS = Path(__file__).parent / "fixtures" / "eval_pins.json"


def _seed_items() -> tuple[list[str], list[str], list[list[str]], list[list[str]]]:
    """60 pairs from the seed articles: a prediction and two references of sentences drawn from one article."""
    from summarize.sentences import split_sentences

    articles = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    ids, predictions, references, sources = [], [], [], []
    for i in range(60):
        text = articles[i % len(articles)]
        sentences = split_sentences(text)
        rng = random.Random(i)

        def draw(k: int) -> str:
            return " ".join(sentences[j] for j in sorted(rng.sample(range(len(sentences)), min(k, len(sentences)))))

        ids.append(f"seed-{i}")
        predictions.append(draw(rng.randint(1, 5)))
        references.append([draw(3), draw(2)])
        sources.append([text])
    return ids, predictions, references, sources


def _bench_items(n: int = 300):
    spec = importlib.util.spec_from_file_location("eval_speed_bench", REPO / "benchmarks" / "eval_speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    examples = module.load_examples(SHARED_BENCH)
    from summarize.sentences import split_sentences

    ids, predictions, references, sources = [], [], [], []
    for i in range(n):
        example = examples[i % len(examples)]
        leading = [s for d in example["documents"] for s in split_sentences(d)][: module.LEADING_SENTENCES]
        ids.append(f"{example['id']}#{i}")
        predictions.append(module.prediction(leading, i))
        references.append(example["references"])
        sources.append(example["documents"])
    return ids, predictions, references, sources


def _digests(ids, predictions, references, sources) -> dict[str, str]:
    from eval.factual import entity_report
    from eval.rouge import rouge_corpus

    def digest(value) -> str:
        return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()[:16]

    rouge = rouge_corpus(predictions, references)
    unicode = rouge_corpus(predictions, references, tokenizer="unicode", multi_ref="max")
    entities = entity_report(ids, predictions, sources=sources, references=references)
    return {
        "rouge_examples": digest(rouge.examples),
        "rouge_corpus": digest(rouge.to_dict()),
        "rouge_unicode_max": digest([unicode.examples, unicode.to_dict()]),
        "entities": digest(entities.to_dict()),
    }


def _current() -> dict:
    pins = {"seeds": _digests(*_seed_items())}
    if (SHARED_BENCH / "mds_dev.jsonl").exists():
        pins["bench"] = _digests(*_bench_items())
    return pins


def test_seed_pairs_score_as_pinned():
    assert _digests(*_seed_items()) == json.loads(PINS.read_text(encoding="utf-8"))["seeds"]


@pytest.mark.skipif(not (SHARED_BENCH / "mds_dev.jsonl").exists(), reason="../shared/bench not present")
def test_development_pairs_score_as_pinned():
    assert _digests(*_bench_items()) == json.loads(PINS.read_text(encoding="utf-8"))["bench"]


if __name__ == "__main__":  # re-record the pins (only when a change of scores is intended)
    sys.path.insert(0, str(REPO))
    PINS.write_text(json.dumps(_current(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {PINS}")
