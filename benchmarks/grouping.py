"""Story grouping: B-cubed precision/recall/F1 and adjusted Rand index, and speed.

Quality is scored on ECB+ story clusters (``clusters_dev.jsonl``: 510
articles, 44 stories in 22 pairs of look-alike events) against ``story_id``,
with the default threshold of ``summarize.group`` (never tuned per run). The
same scores are shown per ECB+ split (topics are disjoint across splits) and
on a second, unrelated set: the DUC 2003 and Multi-News clusters of
``mds_dev.jsonl`` (long articles, one cluster = one story; source documents
that Multi-News flags as irrelevant are left out).

    python benchmarks/grouping.py                       # quality, default method
    python benchmarks/grouping.py --baseline --sweep    # + TF-IDF/average-linkage reference, F1 by threshold
    python benchmarks/grouping.py --method embeddings   # needs the optional extra
    python benchmarks/grouping.py --scale 1000 10000 50000
    python benchmarks/grouping.py --scale 1000 10000 --dedup   # + near-duplicate detection time

``--scale N`` groups N articles: the 510 real ECB+ articles plus synthetic
stories made from the real DUC, Multi-News and CNN/DailyMail/XSum articles of
../shared/bench (see ``synthetic_articles``), and reports the wall time of ``story_labels`` (and
its stages), B-cubed F1 on all N, and B-cubed F1 on the 510 real ones alone
(does the crowd hurt them?).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from eval.report import markdown_table  # noqa: E402

BENCH = REPO.parent / "shared" / "bench"
DEFAULT_DATA = BENCH / "clusters_dev.jsonl"
MDS_DATA = BENCH / "mds_dev.jsonl"
SDS_DATA = BENCH / "sds_dev.jsonl"


def bcubed(predicted: Sequence, gold: Sequence) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 (Bagga and Baldwin 1998), averaged over items."""
    if len(predicted) != len(gold):
        raise ValueError("predicted and gold labels differ in length")
    if not gold:
        return 1.0, 1.0, 1.0
    predicted_sizes, gold_sizes = Counter(predicted), Counter(gold)
    both = Counter(zip(predicted, gold))
    precision = sum(both[(p, g)] / predicted_sizes[p] for p, g in zip(predicted, gold)) / len(gold)
    recall = sum(both[(p, g)] / gold_sizes[g] for p, g in zip(predicted, gold)) / len(gold)
    return precision, recall, 2 * precision * recall / (precision + recall)


def scores(predicted: Sequence, gold: Sequence) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score

    precision, recall, f1 = bcubed(predicted, gold)
    return {"P": precision, "R": recall, "F1": f1, "ARI": adjusted_rand_score(gold, predicted),
            "stories": len(set(predicted)), "gold_stories": len(set(gold))}


def load_clusters(path: Path) -> list[dict]:
    """The ECB+ records: ``id``, ``text``, ``story_id``, ``split``."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_mds_clusters(path: Path) -> list[dict]:
    """One record per source document of ``mds_dev.jsonl``, its cluster as story."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        cluster = json.loads(line)
        irrelevant = set(cluster.get("multinews_plus_flagged_irrelevant_doc_idx") or [])
        for index, document in enumerate(cluster["documents"]):
            if index not in irrelevant:
                records.append({"text": document, "story_id": cluster["id"]})
    return records


def baseline_labels(texts: Sequence[str], threshold: float):
    """The reference of issue 4: TF-IDF vectors, average-linkage agglomerative clustering."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts).toarray()
    return AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                   distance_threshold=threshold).fit_predict(vectors)


# ---------------------------------------------------------------- synthetic data

_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
_CONTENT_WORD = re.compile(r"\b[a-z]{5,}\b")
_SYLLABLES = ["ka", "lo", "mi", "ra", "to", "ve", "sun", "dar", "el", "vik", "mor", "ta", "zen", "bru", "no", "li"]


def _fake_name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def synthetic_articles(count: int, pool: Sequence[str], seed: int = 0) -> list[tuple[str, str, int]]:
    """``count`` synthetic articles as (text, story_id, day) triples.

    Each synthetic story takes a real article of ``pool`` as its template and
    gives it its own cast and wording: every capitalised word is replaced by
    a made-up name (consistently within the story) and about a third of the
    longer content words by other words of the pool. Its 1 to ~15 articles
    (geometric, mean 4) each keep a random ~70% of the template's sentences,
    plus one sentence from an unrelated article. A story's articles are
    dated within 2 days of each other, stories over 60 days. Templates are
    reused once the pool runs out, so stories that share a template are
    look-alike events with different names.
    """
    from summarize.sentences import split_sentences

    rng = random.Random(seed)
    vocabulary = sorted({w for text in pool for w in _CONTENT_WORD.findall(text)})
    templates = [split_sentences(text) for text in pool]
    templates = [t for t in templates if t]
    out: list[tuple[str, str, int]] = []
    story = 0
    while len(out) < count:
        sentences = rng.choice(templates)
        names: dict[str, str] = {}
        words: dict[str, str] = {}

        def recast(sentence: str) -> str:
            sentence = _CAPITALISED.sub(lambda m: names.setdefault(m.group(), _fake_name(rng)), sentence)
            return _CONTENT_WORD.sub(
                lambda m: words.setdefault(m.group(), rng.choice(vocabulary) if rng.random() < 0.33 else m.group()),
                sentence)

        cast = [recast(s) for s in sentences]
        day = 738000 + rng.randrange(60)
        size = 1
        while rng.random() < 0.75 and size < 15:
            size += 1
        for _ in range(min(size, count - len(out))):
            kept = [s for s in cast if rng.random() < 0.7] or [rng.choice(cast)]
            kept.insert(rng.randrange(len(kept) + 1), rng.choice(rng.choice(templates)))
            out.append(("\n".join(kept), f"synthetic-{story}", day + rng.randrange(3)))
        story += 1
    return out


# ---------------------------------------------------------------- runs

def _table(rows: list[tuple[str, dict]]) -> str:
    headers = ["data", "method", "threshold", "B3 P", "B3 R", "B3 F1", "ARI", "stories (gold)"]
    return markdown_table(headers, [
        [name, s["method"], s["threshold"], f"{s['P']:.3f}", f"{s['R']:.3f}", f"**{s['F1']:.3f}**", f"{s['ARI']:.3f}",
         f"{s['stories']} ({s['gold_stories']})"]
        for name, s in rows
    ]).rstrip("\n")


def run_quality(args) -> None:
    from summarize.group import story_labels

    records = load_clusters(args.data)
    sets = [(args.data.name, records)]
    if args.splits:
        for split in ("train", "dev", "test"):
            subset = [r for r in records if r.get("split") == split]
            if subset:
                sets.append((f"{args.data.name} {split} split", subset))
    if args.mds and MDS_DATA.exists():
        sets.append((MDS_DATA.name, load_mds_clusters(MDS_DATA)))

    rows = []
    for name, recs in sets:
        texts, gold = [r["text"] for r in recs], [r["story_id"] for r in recs]
        started = time.perf_counter()
        labels = story_labels(texts, distance_threshold=args.threshold, method=args.method)
        elapsed = time.perf_counter() - started
        row = scores(list(labels), gold)
        row.update(method=f"{args.method} (shared neighbours)", threshold=args.threshold or "default")
        rows.append((name, row))
        print(f"{name}: {len(texts)} articles grouped in {elapsed:.2f} s", file=sys.stderr)
        if args.baseline:
            best = None
            for step in range(10, 20):
                threshold = round(step * 0.05, 2)
                s = scores(list(baseline_labels(texts, threshold)), gold)
                if best is None or s["F1"] > best[1]["F1"]:
                    best = (threshold, s)
            best[1].update(method="TF-IDF + average linkage (reference)", threshold=f"{best[0]} (best)")
            rows.append((name, best[1]))
    print(_table(rows))

    if args.sweep:
        texts, gold = [r["text"] for r in records], [r["story_id"] for r in records]
        print(f"\nB-cubed F1 on {args.data.name} by distance threshold ({args.method}):")
        print("| threshold | " + " | ".join(f"{t:.3f}" for t in SWEEP) + " |")
        print("|---|" + "---|" * len(SWEEP))
        f1s = [bcubed(list(story_labels(texts, distance_threshold=t, method=args.method)), gold)[2] for t in SWEEP]
        print("| B3 F1 | " + " | ".join(f"{f:.3f}" for f in f1s) + " |")


SWEEP = [0.75, 0.8, 0.825, 0.85, 0.875, 0.9, 0.95]


def run_scale(args) -> None:
    import numpy as np

    from summarize.features import embedding_vectors, tfidf_vectors
    from summarize.group import DEFAULT_DISTANCE_THRESHOLD, NEIGHBOUR_COUNTS, MAX_DAYS_APART
    from summarize.linkage import average_linkage
    from summarize.neighbours import nearest_neighbours, shared_neighbour_similarity

    real = load_clusters(args.data)
    # Templates come from the other bench files only: a synthetic story made
    # from an ECB+ article would be a look-alike of a real story by design.
    pool: list[str] = []
    for path, field in ((MDS_DATA, "documents"), (SDS_DATA, "document")):
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    value = json.loads(line)[field]
                    pool.extend(value if isinstance(value, list) else [value])
    threshold = args.threshold or DEFAULT_DISTANCE_THRESHOLD
    print(f"Pool of {len(pool)} real articles; threshold {threshold}; load average before: "
          f"{' '.join(f'{x:.2f}' for x in _loadavg())}", file=sys.stderr)
    extra = (" dedup s |", "---|") if args.dedup else ("", "")
    print("| articles | features s | neighbours s | linkage s | total s | B3 F1 all | B3 F1 real 510 | stories |"
          + extra[0])
    print("|---|---|---|---|---|---|---|---|" + extra[1])
    for n in args.scale:
        synthetic = synthetic_articles(max(0, n - len(real)), pool, seed=n)
        items = [(r["text"], r["story_id"], None) for r in real[:n]] + synthetic
        texts = [t for t, _, _ in items]
        gold = [g for _, g, _ in items]
        days = [d for _, _, d in items]
        load_before = _loadavg()[0]
        t0 = time.perf_counter()
        vectors = embedding_vectors(texts) if args.method == "embeddings" else tfidf_vectors(texts)
        t1 = time.perf_counter()
        neighbours = nearest_neighbours(vectors, max(NEIGHBOUR_COUNTS), days=days, max_days_apart=MAX_DAYS_APART)
        similarity = shared_neighbour_similarity(neighbours, NEIGHBOUR_COUNTS)
        t2 = time.perf_counter()
        labels = average_linkage(similarity, 1.0 - threshold)
        t3 = time.perf_counter()
        real_n = min(n, len(real))
        f1_all = bcubed(list(labels), gold)[2]
        f1_real = bcubed(list(labels[:real_n]), gold[:real_n])[2]
        dedup = ""
        if args.dedup:
            from summarize.dedup import find_near_duplicates
            from summarize.models import Article

            t4 = time.perf_counter()
            found = find_near_duplicates([Article(id=str(i), text=text) for i, text in enumerate(texts)])
            dedup = f" {time.perf_counter() - t4:.1f} ({len(found):,} found) |"
        print(f"| {n:,} | {t1 - t0:.1f} | {t2 - t1:.1f} | {t3 - t2:.1f} | **{t3 - t0:.1f}** | {f1_all:.3f} | "
              f"{f1_real:.3f} | {len(np.unique(labels)):,} |{dedup}", flush=True)
        print(f"  n={n}: load average before {load_before:.2f}, after {_loadavg()[0]:.2f}", file=sys.stderr)


def _loadavg() -> tuple[float, float, float]:
    try:
        import os

        return os.getloadavg()
    except OSError:
        return (float("nan"),) * 3


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="clusters JSONL (id, text, story_id)")
    parser.add_argument("--threshold", type=float, default=None, help="distance threshold (default: the library's)")
    parser.add_argument("--method", choices=("tfidf", "embeddings"), default="tfidf")
    parser.add_argument("--baseline", action="store_true", help="also score the TF-IDF + average-linkage reference")
    parser.add_argument("--sweep", action="store_true", help="also print F1 by threshold")
    parser.add_argument("--no-splits", dest="splits", action="store_false", help="skip the per-split rows")
    parser.add_argument("--no-mds", dest="mds", action="store_false", help="skip the mds_dev.jsonl clusters")
    parser.add_argument("--scale", type=int, nargs="+", metavar="N", help="time grouping N articles (synthetic + real)")
    parser.add_argument("--dedup", action="store_true", help="with --scale: also time find_near_duplicates")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"error: {args.data}: no such file (the bench data lives in ../shared/bench)", file=sys.stderr)
        return 2
    if args.threshold is not None and not 0 < args.threshold <= 1:
        print(f"error: --threshold {args.threshold}: must be in (0, 1]", file=sys.stderr)
        return 2
    try:
        if args.scale:
            run_scale(args)
        else:
            run_quality(args)
    except Exception as error:  # a missing optional extra, unreadable data: one line, no traceback
        from summarize.features import EmbeddingsUnavailable

        if isinstance(error, (EmbeddingsUnavailable, OSError, ValueError)):
            print(f"error: {error}", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
