"""Sentence selection on multi-document news clusters: extractive vs LexRank vs lead.

Runs each system on the DUC 2003 part (100-word budget, 4 references) and the
Multi-News part (250 words, 1 reference) of ``../shared/bench/mds_dev.jsonl``
and prints ROUGE-1/2/Lsum F1 (rouge-score, Porter stemming, x100; mean over a
cluster's references, then over clusters) and seconds per cluster.

Every system starts from the raw documents, the way the pipeline feeds an
engine. Two paths (``--path``):

- ``fuse`` (default): ``summarize.fuse.summarize_documents``, what a briefing
  and ``briefing bench`` run (chunking, the engine, then fusion: redundancy,
  factual guard, dangling references, budget, source attribution);
- ``chunk``: each document split with ``summarize.sentences.split_sentences``,
  all sentences as ``Sentence(text, article_id, position)`` in one ``Chunk``,
  straight into the engine.

Two clocks per cluster: from the raw documents to the summary text (the whole
path), and the time spent inside ``engine.summarize`` alone, so the engines
can be compared apart from the pipeline's shared overhead.

ROUGE-Lsum needs sentences on separate lines: summaries and references are
split with the project's splitter and joined with newlines (rouge-score's
``split_summaries=True`` would call NLTK punkt, which is not available offline).

Usage:
    .venv/bin/python benchmarks/sentence_selection.py
    .venv/bin/python benchmarks/sentence_selection.py --path chunk --repeat 3
    .venv/bin/python benchmarks/sentence_selection.py --systems extractive,lexrank --part duc2003
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rouge_score import rouge_scorer

# The code beside this script, not whatever copy of the package is installed
# (an editable install of another checkout would otherwise be measured).
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from eval.report import markdown_table  # noqa: E402
from eval.rouge import prepare as prepare_for_lsum  # noqa: E402
from eval.systems import round_robin_lead  # noqa: E402
from summarize.engines.base import Summarizer  # noqa: E402
from summarize.engines.extractive import ExtractiveSummarizer  # noqa: E402
from summarize.engines.lexrank import LexRankSummarizer  # noqa: E402
from summarize.models import Chunk, Sentence  # noqa: E402
from summarize.sentences import clear_caches, split_sentences  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "bench" / "mds_dev.jsonl"

# (id prefix, word budget): the settings issue 4 measures against.
PARTS: dict[str, int] = {"duc2003": 100, "multinews": 250}


@dataclass
class Cluster:
    id: str
    documents: list[str]
    references: list[str]


@dataclass
class Result:
    system: str
    part: str
    clusters: int
    rouge1: float
    rouge2: float
    rougeLsum: float
    seconds_per_cluster: float
    engine_seconds_per_cluster: float
    mean_words: float


class LeadSummarizer(Summarizer):
    """``briefing bench``'s round-robin lead (``eval.systems.round_robin_lead``) as an engine,
    so that it runs the same raw-documents-to-summary path as the others."""

    name = "lead"

    def summarize(self, chunks: Sequence[Chunk], max_words: int) -> list[str]:
        summaries = []
        for chunk in chunks:
            by_article: dict[str, list[str]] = {}
            for s in chunk.sentences:
                by_article.setdefault(s.article_id, []).append(s.text)
            summaries.append(" ".join(round_robin_lead(list(by_article.values()), max_words)))
        return summaries


def load_clusters(path: Path, prefix: str) -> list[Cluster]:
    """The clusters of ``path`` whose id starts with ``prefix``."""
    clusters = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["id"].startswith(prefix):
                clusters.append(Cluster(row["id"], row["documents"], row["summaries"]))
    return clusters


def documents_to_chunk(documents: Sequence[str], story_id: str = "cluster") -> Chunk:
    """What the pipeline hands an unbounded engine: one chunk of all sentences."""
    sentences = [
        Sentence(text, article_id=str(i), position=j)
        for i, document in enumerate(documents)
        for j, text in enumerate(split_sentences(document))
    ]
    return Chunk(story_id=story_id, sentences=sentences)


def summarize_via_chunk(documents: list[str], engine: Summarizer, max_words: int) -> str:
    """Raw documents -> one Chunk -> the engine, nothing else."""
    return engine.summarize([documents_to_chunk(documents)], max_words)[0]


def summarize_path(name: str) -> Callable[[list[str], Summarizer, int], str]:
    """The raw-documents-to-summary function of a ``--path``."""
    if name == "chunk":
        return summarize_via_chunk
    from summarize.fuse import summarize_documents

    return summarize_documents


class TimedEngine(Summarizer):
    """Wraps an engine and adds up the seconds spent in its ``summarize``."""

    def __init__(self, engine: Summarizer) -> None:
        self.engine = engine
        self.name, self.model, self.max_input_tokens = engine.name, engine.model, engine.max_input_tokens
        self.seconds = 0.0

    def count_tokens(self, text: str) -> int:
        return self.engine.count_tokens(text)

    def summarize(self, chunks: Sequence[Chunk], max_words: int) -> list[str]:
        start = time.perf_counter()
        try:
            return self.engine.summarize(chunks, max_words)
        finally:
            self.seconds += time.perf_counter() - start

    def summarize_sentences(self, chunks: Sequence[Chunk], max_words: int) -> list[list[str]]:
        start = time.perf_counter()
        try:
            return self.engine.summarize_sentences(chunks, max_words)
        finally:
            self.seconds += time.perf_counter() - start


def score(summaries: Sequence[str], clusters: Sequence[Cluster]) -> tuple[float, float, float]:
    """Mean ROUGE-1/2/Lsum F1 x100: mean over each cluster's references, then over clusters."""
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    per_cluster = {"rouge1": [], "rouge2": [], "rougeLsum": []}
    for summary, cluster in zip(summaries, clusters, strict=True):
        prediction = prepare_for_lsum(summary)
        scores = [scorer.score(prepare_for_lsum(ref), prediction) for ref in cluster.references]
        for key, values in per_cluster.items():
            values.append(statistics.fmean(s[key].fmeasure for s in scores))
    return tuple(100 * statistics.fmean(per_cluster[k]) for k in ("rouge1", "rouge2", "rougeLsum"))


def run_part(
    factories: dict[str, Callable[[], Summarizer]],
    clusters: Sequence[Cluster],
    max_words: int,
    summarize_documents: Callable[[list[str], Summarizer, int], str],
    part: str,
    repeat: int = 1,
) -> tuple[list[Result], dict[str, list[str]]]:
    """Every system on every cluster of one part; a Result per system and the summaries.

    Systems take turns cluster by cluster, starting with a different one each
    time, so that a busy machine does not favour one system; the sentence
    caches are cleared before every call, so no system reuses the splits of
    the one before it. With ``repeat`` > 1 the whole part is run that many times,
    each time with freshly built engines (so no engine meets a cluster it has
    seen), and each cluster's fastest time is kept: the usual way to time on a
    shared machine. Systems are deterministic, so the summaries do not change.
    """
    names = list(factories)
    n = len(clusters)
    best = {name: [float("inf")] * n for name in names}
    best_engine = {name: [float("inf")] * n for name in names}
    summaries: dict[str, list[str]] = {name: [""] * n for name in names}
    for _ in range(max(repeat, 1)):
        timed = {name: TimedEngine(factory()) for name, factory in factories.items()}
        for k, cluster in enumerate(clusters):
            for name in names[k % len(names):] + names[: k % len(names)]:
                clear_caches()
                before = timed[name].seconds
                start = time.perf_counter()
                summaries[name][k] = summarize_documents(list(cluster.documents), timed[name], max_words)
                best[name][k] = min(best[name][k], time.perf_counter() - start)
                best_engine[name][k] = min(best_engine[name][k], timed[name].seconds - before)
    results = []
    for name in names:
        r1, r2, rl = score(summaries[name], clusters)
        words = statistics.fmean(len(s.split()) for s in summaries[name])
        results.append(Result(name, part, n, r1, r2, rl, sum(best[name]) / n, sum(best_engine[name]) / n, words))
    return results, summaries


SYSTEMS: dict[str, Callable[[], Summarizer]] = {
    "extractive": ExtractiveSummarizer,
    "lexrank": LexRankSummarizer,
    "lead": LeadSummarizer,
}


def results_table(results: Sequence[Result]) -> str:
    """The results as a Markdown table, one row per part and system."""
    headers = ["part", "budget", "system", "R1", "R2", "RLsum", "words", "s/cluster", "engine s/cluster"]
    rows = [
        [f"{r.part} ({r.clusters})", PARTS[r.part], r.system, f"{r.rouge1:.1f}", f"{r.rouge2:.1f}", f"{r.rougeLsum:.1f}",
         f"{r.mean_words:.0f}", f"{r.seconds_per_cluster:.4f}", f"{r.engine_seconds_per_cluster:.4f}"]
        for r in results
    ]
    return markdown_table(headers, rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="mds_dev.jsonl")
    parser.add_argument("--systems", default="extractive,lexrank,lead", help="comma-separated: " + ",".join(SYSTEMS))
    parser.add_argument("--part", action="append", choices=sorted(PARTS), help="repeatable; default both")
    parser.add_argument("--path", choices=("fuse", "chunk"), default="fuse", help="raw documents -> summary path")
    parser.add_argument("--repeat", type=int, default=1, help="run N times with fresh engines, keep each cluster's fastest time")
    parser.add_argument("--dump", type=Path, help="write every summary to this JSONL file")
    args = parser.parse_args(argv)

    if args.repeat < 1:
        print(f"error: --repeat: must be at least 1, got {args.repeat}", file=sys.stderr)
        return 2
    if not args.data.is_file():
        print(f"error: {args.data}: no such file (the bench data lives in ../shared/bench/)", file=sys.stderr)
        return 2
    names = [n.strip() for n in args.systems.split(",") if n.strip()]
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        print(f"error: --systems: unknown system {unknown[0]!r} (known: {', '.join(SYSTEMS)})", file=sys.stderr)
        return 2

    summarize_documents = summarize_path(args.path)
    print(f"path: {args.path}; data: {args.data}", file=sys.stderr)
    factories = {name: SYSTEMS[name] for name in names}
    results, dumped = [], []
    for part in args.part or list(PARTS):
        clusters = load_clusters(args.data, part)
        part_results, summaries = run_part(factories, clusters, PARTS[part], summarize_documents, part, args.repeat)
        results += part_results
        for result in part_results:
            dumped += [{"id": c.id, "system": result.system, "summary": s} for c, s in zip(clusters, summaries[result.system])]
            print(
                f"{part:10s} {result.system:10s} R1 {result.rouge1:5.2f} R2 {result.rouge2:5.2f} "
                f"RLsum {result.rougeLsum:5.2f}  {result.seconds_per_cluster:.4f} s/cluster "
                f"(engine {result.engine_seconds_per_cluster:.4f})",
                file=sys.stderr,
            )
    print(results_table(results), end="")
    by = {(r.part, r.system): r for r in results}
    for part in args.part or list(PARTS):
        fast, slow = by.get((part, "extractive")), by.get((part, "lexrank"))
        if fast and slow and fast.seconds_per_cluster > 0 and fast.engine_seconds_per_cluster > 0:
            print(
                f"\n{part}: extractive vs lexrank: {slow.seconds_per_cluster / fast.seconds_per_cluster:.1f}x faster "
                f"end to end ({args.path} path), {slow.engine_seconds_per_cluster / fast.engine_seconds_per_cluster:.1f}x "
                "inside the engine"
            )
    if args.dump:
        args.dump.write_text("".join(json.dumps(d) + "\n" for d in dumped), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
