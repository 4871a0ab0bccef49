"""Packing sentences into chunks: the linear ``pack_sentences`` against the quadratic greedy loop it replaced.

The old loop counted the whole growing chunk again after every sentence;
the new one counts each sentence once and checks each finished chunk (about
two counts per chunk). Both run, interleaved, on the sentences of the DUC
2003 clusters in ``../shared/bench/mds_dev.jsonl`` (about 10 articles each),
counted with a byte-level BPE tokenizer, at ``--max-tokens``; the chunks must
be identical.

    .venv/bin/python benchmarks/chunking.py --max-tokens 1021 --runs 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]
MDS = REPO.parent / "shared" / "bench" / "mds_dev.jsonl"


def old_pack(sentences, count_tokens, max_tokens):
    """The loop before: count the candidate chunk after every sentence."""
    chunks, current = [], []
    for sentence in sentences:
        candidate = current + [sentence]
        if current and count_tokens(" ".join(s.text for s in candidate)) > max_tokens:
            chunks.append(current)
            current = [sentence]
        else:
            current = candidate
    return chunks + ([current] if current else [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-tokens", type=int, default=1021, help="bart-base's 1024 less the prompt's specials")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokenizer", help="a tokenizer directory (default: the tests' byte-level BPE, "
                                            "vocab 400, about 1.6 tokens per word)")
    args = parser.parse_args()

    from transformers import AutoTokenizer

    from summarize.chunk import pack_sentences, story_sentences
    from summarize.models import Article, Story
    from tiny_model import build_tokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.tokenizer) if args.tokenizer else build_tokenizer()
    count = lambda text: len(tokenizer(text)["input_ids"])  # noqa: E731 - what the engine's count_tokens does
    clusters = [json.loads(line) for line in MDS.open(encoding="utf-8")]
    stories = []
    for cluster in clusters:
        if cluster["id"].startswith("duc2003"):
            articles = [Article(id=f"{cluster['id']}-{i}", title="", text=d) for i, d in enumerate(cluster["documents"])]
            stories.append(story_sentences(Story(id=cluster["id"], articles=articles))[0])
    sentences = sum(len(s) for s in stories)
    times = {"old": [], "new": []}
    for _ in range(args.runs):
        for side in times:
            start = time.perf_counter()
            if side == "old":
                old = [old_pack(s, count, args.max_tokens) for s in stories]
            else:
                new = [[c.sentences for c in pack_sentences(s, "s", count, args.max_tokens).chunks] for s in stories]
            times[side].append(time.perf_counter() - start)
    old_s, new_s = statistics.median(times["old"]), statistics.median(times["new"])
    print(f"{len(stories)} DUC clusters, {sentences} sentences, {sum(len(c) for c in new)} chunks of at most "
          f"{args.max_tokens} tokens; median of {args.runs} interleaved runs")
    print("| packing | seconds (all clusters) | ratio | same chunks |\n|---|---|---|---|")
    print(f"| old: count the growing chunk per sentence | {old_s:.3f} | 1.00x | |")
    print(f"| new: count each sentence once, check each chunk | {new_s:.3f} | {old_s / new_s:.1f}x faster | "
          f"{'yes' if old == new else 'NO'} |")


if __name__ == "__main__":
    main()
