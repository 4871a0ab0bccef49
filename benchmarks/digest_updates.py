"""Update summaries on real clusters split in time: day-1 and day-2 digests of one story.

Each dated DUC 2003 cluster of ``../shared/bench/mds_dev.jsonl`` is one story.
Its documents are dated by their DUC ids (``APW19981017.0151``: AP wire,
17 October 1998; the records carry them in ``doc_ids``, in the order of
``documents``) and split at the cluster's median date (``split_in_time``):
day 1 holds the earlier articles, day 2 the later ones. Day 1's digest is the
plain summary of the day-1 articles; day 2's digest is made twice through the
library (``summarize.fuse.summarize_stories``: chunking, the engine, fusion,
the factual guard), plainly and as an update summary given day 1's summary as
``EarlierCoverage``, for two digest windows (``WINDOWS``): the day-2 articles
alone, or the day-1 and day-2 articles. Reported per engine and window, plain
beside update:

- redundancy: ROUGE-2 precision of the day-2 summary against the day-1
  summary, and the share of day-2 summary sentences already stated in the
  day-1 summary; with the floor, the same precision of random 100-word draws
  of day-2-only sentences (``new_content_floor``), and the precision above it;
- coverage of what is new: ROUGE-2 recall of the day-2 summary against the
  day-2-only content, the day-2 articles' sentences not already stated in
  any day-1 article (exact repeats within day 2 counted once);
- lead is new: whether the summary's first sentence is day-2-only content.

"Already stated" (both uses): at least ``STATED`` (half) of the sentence's
bigrams, clipped counts, under rouge-score's tokenizer with Porter stemming
(stop words included), occur in one single sentence of the other text; that
is, the sentence's ROUGE-2 precision against that sentence is at least 0.5.
This measure shares no code with the method (which counts content bigrams,
S-stemmed, against all earlier summaries at once); ``--stated`` shows other
cut-offs.

Differences (update - plain) and ratios (update / plain) get 95% paired
percentile bootstrap intervals over clusters (1000 resamples, seed 0). The
target (issue 18): redundancy at most half of plain's, at equal or better
coverage.

``--threshold`` runs the update summary with other values of
``summarize.updates.ALREADY_TOLD`` (the sensitivity; ``inf`` leaves nothing
out, so only the engine's weighting acts); ``--variant leave-out`` runs it
with engines that are not told what is known (``Chunk.known`` emptied), so
only the leaving out acts. ``--engine tiny`` builds the tests' tiny random
BART (``tests/tiny_model.py``): junk text, it only shows that the path runs.

Usage:
    .venv/bin/python benchmarks/digest_updates.py
    .venv/bin/python benchmarks/digest_updates.py --engine extractive --threshold 0.3,0.5,0.7,inf
    .venv/bin/python benchmarks/digest_updates.py --engine tiny --limit 3
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rouge_score import rouge_scorer, tokenizers

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the code beside this script, not an installed copy

from eval.report import markdown_table  # noqa: E402
from eval.rouge import prepare as one_sentence_a_line  # noqa: E402
from summarize import updates  # noqa: E402
from summarize.engines import load_engine  # noqa: E402
from summarize.engines.base import Summarizer  # noqa: E402
from summarize.fuse import summarize_stories  # noqa: E402
from summarize.models import Article, Chunk, EarlierCoverage, EarlierSummary, Story  # noqa: E402
from summarize.sentences import sentence_key, split_sentences  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "bench" / "mds_dev.jsonl"
MAX_WORDS = 100  # DUC 2003's summary length
STATED = 0.5  # "already stated": ROUGE-2 precision against one sentence of the other text
N_RESAMPLES = 1000
SEED = 0
# DUC / TDT document ids: source, yyyymmdd, story number of that day.
_DOC_ID = re.compile(r"^(?P<source>[A-Z]{3})(?P<date>\d{8})\.\d+$")


@dataclass
class Cluster:
    id: str
    day1: list[Article]
    day2: list[Article]


# -- data ----------------------------------------------------------------------


def document_date(doc_id: str) -> dt.date | None:
    """The date a DUC/TDT document id carries (``NYT19981018.0098`` -> 1998-10-18), or None."""
    match = _DOC_ID.match(doc_id)
    if not match:
        return None
    try:
        return dt.datetime.strptime(match["date"], "%Y%m%d").date()
    except ValueError:
        return None


def split_in_time(articles: Sequence[Article]) -> tuple[list[Article], list[Article]] | None:
    """Day 1 (earlier) and day 2 (later) halves of dated ``articles``, split at the median date.

    Articles dated before the median date are day 1, after it day 2; those
    of the median date itself go to the side that makes the halves closest
    in size (on a tie, day 1). None when fewer than two distinct dates exist.
    """
    dates = sorted(a.date for a in articles)
    if len(set(dates)) < 2:
        return None
    median = dates[(len(dates) - 1) // 2]
    before = [a for a in articles if a.date < median]
    on = [a for a in articles if a.date == median]
    after = [a for a in articles if a.date > median]
    if not after or (before and abs(len(before) - len(on) - len(after)) < abs(len(before) + len(on) - len(after))):
        return before, on + after
    return before + on, after


def load_clusters(path: Path, prefix: str) -> tuple[list[Cluster], list[str]]:
    """The clusters of ``path`` (ids starting with ``prefix``) that can be split in time, and why others cannot."""
    clusters, skipped = [], []
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if not row["id"].startswith(prefix):
                continue
            doc_ids = row.get("doc_ids") or []
            if len(doc_ids) != len(row["documents"]):
                skipped.append(f"{row['id']}: no document ids, so no dates (its texts' datelines name no date)")
                continue
            articles = [
                Article(id=doc_id, text=text, date=document_date(doc_id), source=doc_id[:3], origin=f"{row['id']}/{doc_id}")
                for doc_id, text in zip(doc_ids, row["documents"])
            ]
            if any(a.date is None for a in articles):
                skipped.append(f"{row['id']}: a document id carries no date")
                continue
            halves = split_in_time(articles)
            if halves is None:
                skipped.append(f"{row['id']}: all documents share one date")
                continue
            clusters.append(Cluster(row["id"], *halves))
    return clusters, skipped


# -- measures --------------------------------------------------------------------


class Bigrams:
    """Bigram counts under rouge-score's default tokenizer (Porter stemming), as ROUGE-2 counts them."""

    def __init__(self) -> None:
        self._tokenizer = tokenizers.DefaultTokenizer(use_stemmer=True)
        self._cache: dict[str, Counter] = {}

    def __call__(self, text: str) -> Counter:
        counts = self._cache.get(text)
        if counts is None:
            tokens = self._tokenizer.tokenize(text)
            counts = self._cache[text] = Counter(zip(tokens, tokens[1:]))
        return counts


def bigram_precision(sentence: Counter, other: Counter) -> float:
    """The share of ``sentence``'s bigrams (clipped counts) found in ``other``: ROUGE-2 precision."""
    total = sum(sentence.values())
    return sum(min(n, other[g]) for g, n in sentence.items()) / total if total else 0.0


def already_stated(sentence: str, others: Sequence[str], bigrams: Bigrams, cutoff: float = STATED) -> bool:
    """Whether ``sentence`` is already stated in one of ``others`` (see the module docstring)."""
    own = bigrams(sentence)
    return bool(own) and any(bigram_precision(own, bigrams(other)) >= cutoff for other in others)


def new_content_reference(cluster: Cluster, bigrams: Bigrams) -> str:
    """The day-2-only content: day-2 sentences not already stated in any day-1 article, one a line."""
    day1 = [s for a in cluster.day1 for s in split_sentences(a.text)]
    seen, new = set(), []
    for sentence in (s for a in cluster.day2 for s in split_sentences(a.text)):
        key = sentence_key(sentence)
        if key and key not in seen and not already_stated(sentence, day1, bigrams):
            seen.add(key)
            new.append(sentence)
    return "\n".join(new)


def measure(day2: Sequence[str], day1: Sequence[str], reference: str, context: dict, cutoffs) -> dict:
    """The day-2 summary's redundancy with the day-1 summary, its coverage of ``reference``, its lead.

    ``day2``, ``day1``: the summaries' sentences. ``context``: the scorer,
    the bigram counter and the day-1 articles' sentences.
    """
    scorer, bigrams = context["scorer"], context["bigrams"]
    stated = {c: sum(already_stated(s, day1, bigrams, c) for s in day2) / len(day2) if day2 else 0.0 for c in cutoffs}
    return {
        "r2_precision_vs_day1": rouge2_precision(day2, day1, scorer),
        "already_stated": stated[STATED],
        **{f"already_stated@{c}": v for c, v in stated.items()},
        "r2_recall_new": scorer.score(reference, "\n".join(day2))["rouge2"].recall,
        "lead_is_new": float(bool(day2) and not already_stated(day2[0], context["day1_articles"], bigrams)),
        "words": sum(len(s.split()) for s in day2),
        "sentences": len(day2),
    }


def rouge2_precision(day2: Sequence[str], day1: Sequence[str], scorer) -> float:
    """ROUGE-2 precision of the sentences ``day2`` against the sentences ``day1``."""
    return scorer.score(one_sentence_a_line("\n".join(day1)), one_sentence_a_line("\n".join(day2)))["rouge2"].precision


def new_content_floor(reference: str, day1: Sequence[str], scorer, draws: int = 20) -> float:
    """The ROUGE-2 precision against ``day1`` of summaries made of day-2-only content alone.

    The mean over ``draws`` seeded random draws of whole ``reference``
    sentences up to ``MAX_WORDS`` words: what redundancy a summary keeps from
    names and phrases any account of the story repeats, with no sentence told before.
    """
    sentences = [s for s in reference.split("\n") if s]
    if not sentences:
        return 0.0
    rng = np.random.default_rng(SEED)
    values = []
    for _ in range(draws):
        chosen, words = [], 0
        for i in rng.permutation(len(sentences)):
            n = len(sentences[i].split())
            if words + n <= MAX_WORDS:
                chosen.append(sentences[i])
                words += n
        values.append(rouge2_precision(chosen, day1, scorer))
    return float(np.mean(values))


def paired(plain: np.ndarray, update: np.ndarray) -> dict:
    """Mean difference and ratio of means (update vs plain) with 95% paired percentile bootstrap intervals."""
    rng = np.random.default_rng(SEED)
    n = len(plain)
    index = rng.integers(0, n, size=(N_RESAMPLES, n))
    plain_means, update_means = plain[index].mean(axis=1), update[index].mean(axis=1)
    diffs = update_means - plain_means
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = update_means / plain_means
    ratios = ratios[np.isfinite(ratios)]  # a resample whose plain mean is 0 has no ratio
    nan = float("nan")
    return {
        "diff": float(update.mean() - plain.mean()),
        "diff_ci": [float(np.quantile(diffs, 0.025)), float(np.quantile(diffs, 0.975))],
        "ratio": float(update.mean() / plain.mean()) if plain.mean() else nan,
        "ratio_ci": [float(np.quantile(ratios, 0.025)), float(np.quantile(ratios, 0.975))] if len(ratios) else [nan, nan],
    }


# -- running ---------------------------------------------------------------------


class WithoutKnown(Summarizer):
    """An engine that is not told what the reader knows (``Chunk.known`` emptied): the leave-out-only variant."""

    def __init__(self, engine: Summarizer) -> None:
        self.engine = engine
        self.name, self.model, self.max_input_tokens = engine.name, engine.model, engine.max_input_tokens

    def count_tokens(self, text: str) -> int:
        return self.engine.count_tokens(text)

    def summarize(self, chunks: Sequence[Chunk], max_words: int) -> list[str]:
        return self.engine.summarize(self._forget(chunks), max_words)

    def summarize_sentences(self, chunks: Sequence[Chunk], max_words: int) -> list[list[str]]:
        return self.engine.summarize_sentences(self._forget(chunks), max_words)

    @staticmethod
    def _forget(chunks: Sequence[Chunk]) -> list[Chunk]:
        return [dataclasses.replace(chunk, known=()) for chunk in chunks]


@contextlib.contextmanager
def already_told(threshold: float) -> Iterator[None]:
    """Run with ``summarize.updates.ALREADY_TOLD`` set to ``threshold`` (the sensitivity runs)."""
    saved = updates.ALREADY_TOLD
    updates.ALREADY_TOLD = threshold
    try:
        yield
    finally:
        updates.ALREADY_TOLD = saved


WINDOWS = {
    "new": "day 2's digest holds the day-2 articles (what arrived since day 1)",
    "cumulative": "day 2's digest holds the day-1 and day-2 articles (a window longer than a day)",
}


def summary_sentences(articles: Sequence[Article], engine: Summarizer, story_id: str, earlier=None) -> list[str]:
    """The summary of one story of ``articles`` through the library, as its sentences."""
    story = Story(id=story_id, articles=list(articles))
    coverage = {story_id: earlier} if earlier else None
    [summary] = summarize_stories([story], engine, MAX_WORDS, earlier=coverage)
    return [s.text for s in summary.sentences]


def build_engine(name: str, workdir: Path) -> Summarizer:
    if name == "tiny":
        sys.path.insert(0, str(REPO / "tests"))
        from tiny_model import build_tiny_model

        directory = build_tiny_model(workdir / "tiny-bart", "bart")
        return load_engine("abstractive", str(directory), threads=1, generation={"max_new_tokens": 24, "num_beams": 1})
    return load_engine(name)


def run(engine: Summarizer, clusters: Sequence[Cluster], window: str, variants, cutoffs) -> tuple[list[dict], dict]:
    """Per cluster: the measures of the plain day-2 summary and of each update variant; mean seconds of each."""
    forgetful = WithoutKnown(engine)
    context = {"scorer": rouge_scorer.RougeScorer(["rouge2"], use_stemmer=True), "bigrams": Bigrams()}
    rows, seconds = [], {"plain": [], **{label: [] for label, _, _ in variants}}
    for cluster in clusters:
        day1 = summary_sentences(cluster.day1, engine, f"{cluster.id}-day1")
        earlier = EarlierCoverage((EarlierSummary(" ".join(day1), max(a.date for a in cluster.day1)),))
        context["day1_articles"] = [s for a in cluster.day1 for s in split_sentences(a.text)]
        reference = new_content_reference(cluster, context["bigrams"])
        day2_articles = cluster.day2 if window == "new" else cluster.day1 + cluster.day2
        start = time.perf_counter()
        plain = summary_sentences(day2_articles, engine, f"{cluster.id}-day2")
        seconds["plain"].append(time.perf_counter() - start)
        row = {
            "cluster": cluster.id, "day1_articles": len(cluster.day1), "day2_articles": len(cluster.day2),
            "floor": new_content_floor(reference, day1, context["scorer"]),
            "day1": day1, "plain": plain, "measures": {"plain": measure(plain, day1, reference, context, cutoffs)},
        }
        for label, threshold, tell_engine in variants:
            with already_told(threshold):
                start = time.perf_counter()
                update = summary_sentences(day2_articles, engine if tell_engine else forgetful, f"{cluster.id}-day2", earlier)
                seconds[label].append(time.perf_counter() - start)
            row[label] = update
            row["measures"][label] = measure(update, day1, reference, context, cutoffs)
        rows.append(row)
    return rows, {label: statistics.mean(values) for label, values in seconds.items()}


MEASURES = (
    ("r2_precision_vs_day1", "ROUGE-2 P vs day-1 summary"),
    ("already_stated", "sentences already stated"),
    ("r2_recall_new", "ROUGE-2 R of new content"),
    ("lead_is_new", "lead is new"),
)


def report(title: str, rows: list[dict], labels: Sequence[str], seconds: dict, cutoffs) -> str:
    """Markdown: plain and update side by side, then paired differences and ratios."""
    def column(label, key):
        return np.array([row["measures"][label][key] for row in rows], dtype=float)

    floor = np.array([row["floor"] for row in rows])
    lines = [f"### {title}", ""]
    headers = ["day-2 summary", *(t for _, t in MEASURES), "R2 P above floor", "words", "s/cluster"]
    table = []
    for label in ("plain", *labels):
        precision = column(label, "r2_precision_vs_day1")
        table.append([label, *(f"{100 * column(label, key).mean():.1f}" for key, _ in MEASURES),
                      f"{100 * (precision - floor).mean():.1f}", f"{column(label, 'words').mean():.0f}", f"{seconds[label]:.3f}"])
    lines += [markdown_table(headers, table), "",
              f"Floor (ROUGE-2 P vs day-1 summary of random 100-word draws of day-2-only sentences): {100 * floor.mean():.1f}.", ""]
    headers = ["vs plain", *(t for _, t in MEASURES[:3]), "R2 P above floor"]
    table = []
    for label in labels:
        pairs = [paired(column("plain", key), column(label, key)) for key, _ in MEASURES[:3]]
        pairs.append(paired(column("plain", "r2_precision_vs_day1") - floor, column(label, "r2_precision_vs_day1") - floor))
        table.append([f"{label} - plain",
                      *(f"{100 * p['diff']:+.1f} [{100 * p['diff_ci'][0]:+.1f}, {100 * p['diff_ci'][1]:+.1f}]" for p in pairs)])
        table.append([f"{label} / plain", *map(_ratio_text, pairs)])
    lines += [markdown_table(headers, table), ""]
    if len(cutoffs) > 1:
        headers = ["day-2 summary", *(f"stated at {c:g}" for c in cutoffs)]
        table = [[label, *(f"{100 * column(label, f'already_stated@{c}').mean():.1f}" for c in cutoffs)]
                 for label in ("plain", *labels)]
        lines += ["Sentences already stated (%), by the cut-off of \"already stated\":", "", markdown_table(headers, table), ""]
    return "\n".join(lines)


def _ratio_text(p: dict) -> str:
    if np.isnan(p["ratio"]):
        return "- (plain is 0)"
    return f"{p['ratio']:.2f} [{p['ratio_ci'][0]:.2f}, {p['ratio_ci'][1]:.2f}]"


def parse_variants(thresholds: str, variant: str) -> list[tuple[str, float, bool]]:
    """(label, ALREADY_TOLD, engine told what is known) for each update variant asked for."""
    values = [float(v) for v in thresholds.split(",")]
    tell_engine = variant != "leave-out"
    suffix = "" if tell_engine else ", leave-out only"
    return [(f"update (told {v:g}{suffix})" if len(values) > 1 or suffix else "update", v, tell_engine) for v in values]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--id-prefix", default="duc2003")
    parser.add_argument("--engine", action="append", help="extractive, lexrank, tiny (repeatable; default extractive and lexrank)")
    parser.add_argument("--window", action="append", choices=list(WINDOWS), help="repeatable; default both")
    parser.add_argument("--threshold", default=str(updates.ALREADY_TOLD),
                        help="values of ALREADY_TOLD for the update summary, comma-separated ('inf': leave nothing out)")
    parser.add_argument("--variant", choices=["both", "leave-out"], default="both",
                        help="leave-out: the engine is not told what is known")
    parser.add_argument("--stated", default=str(STATED), help="cut-offs of 'already stated' to show, comma-separated")
    parser.add_argument("--limit", type=int, help="only the first N clusters (the tiny model takes seconds a summary)")
    parser.add_argument("--out", type=Path, help="write per-cluster summaries and measures as JSON here")
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"{args.data}: not found (the shared bench data lives in ../shared/bench)")
    clusters, skipped = load_clusters(args.data, args.id_prefix)
    for line in skipped:
        print(f"skipped {line}", file=sys.stderr)
    if not clusters:
        sys.exit(f"no cluster with id prefix {args.id_prefix!r} could be split in time")
    clusters = clusters[: args.limit]
    cutoffs = sorted({STATED, *(float(c) for c in args.stated.split(","))})
    variants = parse_variants(args.threshold, args.variant)
    print(f"{len(clusters)} clusters split at their median date: day 1 {sum(len(c.day1) for c in clusters)} articles, "
          f"day 2 {sum(len(c.day2) for c in clusters)}\n")
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        for engine_name in args.engine or ["extractive", "lexrank"]:
            engine = build_engine(engine_name, Path(workdir))
            for window in args.window or list(WINDOWS):
                rows, seconds = run(engine, clusters, window, variants, cutoffs)
                results[f"{engine_name}/{window}"] = rows
                title = f"`{engine_name}`, window `{window}` ({WINDOWS[window]}): {len(rows)} clusters, {MAX_WORDS}-word summaries"
                print(report(title, rows, [label for label, _, _ in variants], seconds, cutoffs), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
