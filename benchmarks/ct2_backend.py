"""The abstractive engine's CTranslate2 backend against its torch backend, interleaved.

A randomly initialised checkpoint of a real shape (bart-base by default; no
weights can be downloaded here, and speed depends on shape, not weights) is
saved once; the ctranslate2 side converts it once into a private cache (timed
apart). Then each round runs every side in a fresh process, in alternating
order, each loading the engine and summarising the same inputs: ``--inputs``
windows of about ``--input-tokens`` tokens cut from the seed articles, beam
search with ``--beams`` beams, ``--batch-size`` inputs per call, exactly
``--new-tokens`` tokens generated per input (min = max), ``--threads`` threads.
Reported per side: median wall and CPU seconds of summarising, load seconds,
peak RSS of the process (VmHWM), and the speed ratio to the first side
(``--sides``; torch fp32 and ctranslate2 int8 by default, ctranslate2 fp32 too
on request). On a busy shared machine wall time is mostly waiting: compare the
CPU seconds as well.

    python benchmarks/ct2_backend.py --shape bart-base --threads 1 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "benchmarks")]

SIDES = {  # label -> engine options
    "torch fp32": {"backend": "torch", "dtype": "float32"},
    "ctranslate2 int8": {"backend": "ctranslate2", "dtype": "int8"},
    "ctranslate2 fp32": {"backend": "ctranslate2", "dtype": "float32"},
}
DEFAULT_SIDES = ["torch fp32", "ctranslate2 int8"]


def seed_windows(engine, count: int, tokens: int) -> list[str]:
    """``count`` texts of at most ``tokens`` tokens (prompt included), cut from the seed articles in turn."""
    words = " ".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))).split()
    texts, start = [], 0
    for _ in range(count):
        low, high = 1, len(words) - start
        while low < high:  # the most words that fit
            middle = (low + high + 1) // 2
            if engine.count_tokens(engine.prompt.render(text=" ".join(words[start:start + middle]))) <= tokens:
                low = middle
            else:
                high = middle - 1
        texts.append(" ".join(words[start:start + low]))
        start = (start + low // 3) % max(1, len(words) - low)  # overlapping windows: every input is full length
    return texts


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the
    parent across fork and exec, so a child of a big parent would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args) -> None:
    """One side, in this process: load, summarise, print a JSON line."""
    from summarize.engines.abstractive import AbstractiveSummarizer
    from summarize.models import Chunk, Sentence

    generation = {"num_beams": args.beams, "max_new_tokens": args.new_tokens, "min_new_tokens": args.new_tokens,
                  "do_sample": False}
    start = time.perf_counter()
    engine = AbstractiveSummarizer(args.checkpoint, threads=args.threads, batch_size=args.batch_size,
                                   generation=generation, **SIDES[args.child])
    load_s = time.perf_counter() - start
    texts = seed_windows(engine, args.inputs, args.input_tokens)
    chunks = [Chunk("s", [Sentence(text)]) for text in texts]
    wall, cpu = time.perf_counter(), time.process_time()
    summaries = engine.summarize(chunks, 100)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps({
        "side": args.child, "load_s": load_s, "wall_s": wall, "cpu_s": cpu, "describe": engine.describe()["dtype"],
        "backend": engine.describe()["backend"], "converted": getattr(engine._model, "converted", None),
        "input_tokens": [engine.count_tokens(engine.prompt.render(text=t)) for t in texts],
        "summaries": len(summaries), "peak_rss_mb": peak_rss_mb(),
    }))


def run_side(args, side: str, env: dict) -> dict:
    command = [sys.executable, __file__, "--child", side, "--checkpoint", args.checkpoint,
               *(f"--{k.replace('_', '-')}={getattr(args, k)}" for k in
                 ("threads", "beams", "batch_size", "inputs", "input_tokens", "new_tokens"))]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{side} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="bart-base")
    parser.add_argument("--checkpoint", help="an existing checkpoint folder (else a random one of --shape is built)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--inputs", type=int, default=4)
    parser.add_argument("--input-tokens", type=int, default=900)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sides", nargs="+", choices=sorted(SIDES), default=DEFAULT_SIDES,
                        help="sides to compare; the first is the baseline of the speed ratio")
    parser.add_argument("--child", choices=sorted(SIDES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory(prefix="briefing-ct2-bench-") as tmp:
        env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "OMP_WAIT_POLICY": "PASSIVE",
               "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1", "XDG_CACHE_HOME": str(Path(tmp) / "cache")}
        if not args.checkpoint:
            from engine_speed import build_random_checkpoint

            args.checkpoint = str(build_random_checkpoint(Path(tmp) / "model", args.shape))
        print(f"checkpoint {args.checkpoint} ({args.shape}); {args.threads} thread(s), beam {args.beams}, "
              f"batch {args.batch_size}, {args.inputs} inputs of about {args.input_tokens} tokens, "
              f"{args.new_tokens} new tokens each, {args.rounds} interleaved rounds", flush=True)
        for side in args.sides:  # conversions into the private cache, outside the timed rounds
            if side.startswith("ctranslate2"):
                first = run_side(args, side, env)
                print(f"  {side}: conversion + first load {first['load_s']:.1f} s (converted: {first['converted']}); "
                      f"inputs of {min(first['input_tokens'])}-{max(first['input_tokens'])} tokens", flush=True)
        runs: dict[str, list[dict]] = {side: [] for side in args.sides}
        for round_ in range(args.rounds):
            order = list(args.sides) if round_ % 2 == 0 else list(reversed(args.sides))
            for side in order:
                result = run_side(args, side, env)
                runs[side].append(result)
                print(f"  round {round_ + 1} {side}: {result['wall_s']:.1f} s wall, {result['cpu_s']:.1f} s CPU, "
                      f"peak RSS {result['peak_rss_mb']:.0f} MB", flush=True)
        base = statistics.median(r["wall_s"] for r in runs[args.sides[0]])
        base_cpu = statistics.median(r["cpu_s"] for r in runs[args.sides[0]])
        print(f"\n| side | compute type | load s | wall s (median) | CPU s (median) | speed vs {args.sides[0]} (wall / CPU) "
              "| peak RSS MB |")
        print("|---|---|---|---|---|---|---|")
        for side, results in runs.items():
            wall = statistics.median(r["wall_s"] for r in results)
            cpu = statistics.median(r["cpu_s"] for r in results)
            print(f"| {side} | {results[0]['describe']} | {statistics.median(r['load_s'] for r in results):.1f} | "
                  f"{wall:.1f} | {cpu:.1f} | {base / wall:.2f}x / {base_cpu / cpu:.2f}x | "
                  f"{max(r['peak_rss_mb'] for r in results):.0f} |")


if __name__ == "__main__":
    main()
