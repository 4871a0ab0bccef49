"""How far one driver goes: articles per minute and peak RSS through the stages that stay on it with --ray.

With ``--ray``, summarising runs on the cluster but reading, cleaning,
near-duplicate detection and grouping (``briefing brief``'s driver stages:
``read_articles``, ``prepare_articles``, ``build_stories``) run in the one
process that calls Ray, because they need every article at once. This times
them at growing sizes, each size in a fresh process (peak RSS is that
process's), and prints a Markdown table for docs/ray.md.

Articles are synthetic but built from real ones: the stories of
``benchmarks/grouping.py``'s scale mode (real DUC, Multi-News, CNN/DailyMail
and XSum articles of ``../shared/bench``, each story re-cast with made-up
names and a third of its content words swapped, 1-15 articles per story,
dated within 2 days, stories over 60 days), given a title (the first
sentence), an outlet, a URL and a date, plus 5% near-duplicates (another
outlet's copy of an article with one sentence changed), written to one
JSONL file that the real reader reads.

    python benchmarks/driver_scale.py 10000 50000 200000     # one process per size
    python benchmarks/driver_scale.py 10000 --timeout 600    # give up on a size after 10 minutes
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

OUTLETS = ["Reuters", "AP", "BBC News", "The Guardian", "Le Monde", "NHK", "Al Jazeera", "DW", "NPR", "ABC"]
DUPLICATE_SHARE = 0.05


def write_articles(count: int, path: Path, seed: int = 0) -> None:
    """``count`` synthetic articles (see the module docstring) as JSON lines in ``path``."""
    from grouping import scale_pool, synthetic_articles

    rng = random.Random(seed)
    originals = synthetic_articles(count - int(count * DUPLICATE_SHARE), scale_pool(), seed=seed)
    records = []
    for i, (text, story, day) in enumerate(originals):
        lines = text.split("\n")
        date = dt.date.fromordinal(day).isoformat()
        records.append({"id": f"a{i}", "title": lines[0][:120], "text": " ".join(lines), "date": date,
                        "source": rng.choice(OUTLETS), "url": f"https://news.example/{story}/{i}"})
    for j in range(count - len(records)):
        copied = rng.choice(records[:len(originals)])
        sentences = copied["text"].split(". ")
        sentences[rng.randrange(len(sentences))] = "The agency said more details would follow"
        records.append({**copied, "id": f"d{j}", "text": ". ".join(sentences), "source": rng.choice(OUTLETS),
                        "url": f"https://wire.example/{j}"})
    rng.shuffle(records)
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record) + "\n")


def run_one(count: int) -> dict:
    """The driver stages on ``count`` articles in this process: seconds per stage, peak RSS."""
    from summarize import pipeline
    from summarize.ingest import IngestLimits, read_articles
    from summarize.pipeline import build_stories, prepare_articles

    # build_stories finds near-duplicates first; a wrapper times that step inside it
    dedup_seconds, dedup_found, dedup_peak = [0.0], [0], [0.0]
    find_near_duplicates = pipeline.find_near_duplicates

    def timed_find_near_duplicates(articles):
        start = time.perf_counter()
        found = find_near_duplicates(articles)
        dedup_seconds[0] += time.perf_counter() - start
        dedup_found[0] = len(found)
        dedup_peak[0] = _peak_rss_mb()
        return found

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "articles.jsonl"
        write_articles(count, path, seed=count)
        size_mb = path.stat().st_size / 2**20
        # warm-up on a few articles, so that growth is the stages', not imports'
        build_stories(prepare_articles(read_articles([str(path)], limits=IngestLimits(max_articles=50)).articles)[0])
        pipeline.find_near_duplicates = timed_find_near_duplicates
        rss_before = _peak_rss_mb()
        limits = IngestLimits(max_file_bytes=1 << 34, max_articles=count + 1)
        t0 = time.perf_counter()
        articles = read_articles([str(path)], limits=limits).articles
        t1 = time.perf_counter()
    cleaned, _ = prepare_articles(articles)
    del articles
    t2 = time.perf_counter()
    stories = build_stories(cleaned)  # near-duplicates, then grouping and ranking
    t3 = time.perf_counter()
    return {
        "n": count, "file_mb": size_mb, "read_s": t1 - t0, "clean_s": t2 - t1, "dedup_s": dedup_seconds[0],
        "group_s": (t3 - t2) - dedup_seconds[0], "total_s": t3 - t0, "stories": len(stories),
        "duplicates": dedup_found[0], "peak_rss_mb": _peak_rss_mb(), "rss_before_mb": rss_before,
        "peak_after_dedup_mb": dedup_peak[0],
    }


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", type=int, nargs="+", metavar="N")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="give up on a size after this long")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.sizes[0])))
        return 0
    if not (REPO.parent / "shared" / "bench" / "mds_dev.jsonl").exists():
        print("error: ../shared/bench/mds_dev.jsonl: no such file (the bench data)", file=sys.stderr)
        return 2
    from eval.report import markdown_table

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", file=sys.stderr)
    rows = []
    for n in args.sizes:
        command = [sys.executable, __file__, str(n), "--one"]
        try:
            output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=args.timeout).stdout
        except subprocess.TimeoutExpired:
            rows.append([f"{n:,}", *["-"] * 7, f"not finished in {args.timeout:.0f} s"])
            print(f"n={n}: gave up after {args.timeout:.0f} s", file=sys.stderr, flush=True)
            continue
        r = json.loads(output.strip().splitlines()[-1])
        per_minute = 60 * n / r["total_s"]
        rows.append([f"{n:,}", f"{r['file_mb']:.0f}", f"{r['read_s']:.1f}", f"{r['clean_s']:.1f}", f"{r['dedup_s']:.1f}",
                     f"{r['group_s']:.1f}", f"**{r['total_s']:.1f}**", f"**{per_minute:,.0f}**",
                     f"{r['peak_rss_mb']:,.0f} (+{r['peak_rss_mb'] - r['rss_before_mb']:,.0f})"])
        print(f"n={n}: {json.dumps(r)}; load average now {os.getloadavg()[0]:.2f}", file=sys.stderr, flush=True)
    print(markdown_table(["articles", "JSONL MB", "read s", "clean s", "dedup s", "group + rank s", "total s",
                          "articles / min", "peak RSS MB (growth)"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
