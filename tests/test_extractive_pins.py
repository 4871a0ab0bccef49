"""Speed work must not change what the sentence selectors choose: summaries pinned by hash.

The extractive engine and LexRank are run the way ``briefing bench`` runs them
(``eval.systems``: documents -> ``summarize.fuse.summarize_cluster``: chunking,
the engine, the factual guard, the dangling-reference check, the budget) on
the seed articles (always) and on every cluster of the development data in
``../shared/bench/mds_dev.jsonl`` (when present). Each summary's SHA-256 is
compared with ``fixtures/selection_pins.json``, recorded from the code before
the speed changes of issue 15 (hashes rather than texts: the development
data's texts are licensed for research use only and stay out of the repo).

A change meant to alter the summaries must re-record the pins on purpose:
``.venv/bin/python tests/test_extractive_pins.py`` rewrites the file.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
MDS_DEV = REPO.parent / "shared" / "bench" / "mds_dev.jsonl"
PINS = Path(__file__).parent / "fixtures" / "selection_pins.json"
SYSTEMS = ("extractive", "lexrank")
# (id prefix, word budget): the bench commands of docs/extractive.md
PARTS = {"duc2003": 100, "multinews": 250}
SEED_BUDGETS = (60, 120)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _seed_clusters() -> dict[str, list[str]]:
    """The seed articles as clusters: all together, and each alone."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    clusters = {"seeds-all": texts}
    clusters.update({f"seeds-{i}": [t] for i, t in enumerate(texts)})
    return clusters


def _mds_clusters(prefix: str) -> dict[str, list[str]]:
    clusters = {}
    with MDS_DEV.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["id"].startswith(prefix):
                clusters[row["id"]] = row["documents"]
    return clusters


def _summary_digests(system: str, clusters: dict[str, list[str]], budget: int) -> dict[str, str]:
    """Each cluster's summary hash, one freshly built system for all of them (as ``bench`` does)."""
    from eval.systems import build_system
    from summarize.sentences import clear_caches

    clear_caches()
    built = build_system(system)
    return {cid: _digest(built.summarize(documents, budget)) for cid, documents in clusters.items()}


def _current() -> dict:
    pins: dict = {"seeds": {}, "mds_dev": {}}
    for system in SYSTEMS:
        for budget in SEED_BUDGETS:
            pins["seeds"][f"{system}@{budget}"] = _summary_digests(system, _seed_clusters(), budget)
        if MDS_DEV.exists():
            for prefix, budget in PARTS.items():
                pins["mds_dev"][f"{system}:{prefix}@{budget}"] = _summary_digests(system, _mds_clusters(prefix), budget)
    return pins


def _pinned() -> dict:
    return json.loads(PINS.read_text(encoding="utf-8"))


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("budget", SEED_BUDGETS)
def test_seed_summaries_are_unchanged(system, budget):
    got = _summary_digests(system, _seed_clusters(), budget)
    assert got == _pinned()["seeds"][f"{system}@{budget}"]


@pytest.mark.skipif(not MDS_DEV.exists(), reason="../shared/bench not present")
@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("prefix", list(PARTS))
def test_development_summaries_are_unchanged(system, prefix):
    budget = PARTS[prefix]
    got = _summary_digests(system, _mds_clusters(prefix), budget)
    want = _pinned()["mds_dev"][f"{system}:{prefix}@{budget}"]
    changed = sorted(cid for cid in want if got.get(cid) != want[cid])
    assert len(got) == len(want) and not changed, f"summaries changed: {changed}"


def test_summaries_do_not_depend_on_what_the_engine_saw_before():
    # the engine keeps a token cache across calls: one cluster's summary must
    # be the same whether it comes first or after others
    from eval.systems import build_system
    from summarize.sentences import clear_caches

    clusters = _seed_clusters()
    alone = {}
    for cid, documents in clusters.items():
        clear_caches()
        alone[cid] = build_system("extractive").summarize(documents, 120)
    clear_caches()
    shared = build_system("extractive")
    assert {cid: shared.summarize(documents, 120) for cid, documents in reversed(clusters.items())} == alone


if __name__ == "__main__":  # re-record the pins (only when a change of output is intended)
    sys.path.insert(0, str(REPO))
    PINS.write_text(json.dumps(_current(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {PINS}")
