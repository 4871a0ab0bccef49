"""Batch size and precision of the abstractive engine: time and peak memory, interleaved.

Each setting runs in a child process of its own (so that its peak resident
memory, VmHWM, is its own) on the same inputs: ``--inputs`` texts of lengths
spread evenly from ``--min-tokens`` to ``--max-tokens`` (chunks are filled
close to the model's limit, the last of a story is shorter), beam search
with exactly ``--new-tokens`` new tokens, through ``AbstractiveSummarizer``.
The settings alternate for ``--rounds`` rounds; medians are printed with
the ratio to the first setting. Loading is not timed.

    .venv/bin/python benchmarks/engine_settings.py --threads 1 --settings fp32:4 fp32:8 fp32:16 bf16:4
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "benchmarks")]
DTYPES = {"fp32": "float32", "bf16": "bfloat16", "int8": "int8", "auto": "auto"}


def child(directory: str, setting: str, args: argparse.Namespace) -> dict:
    """Load the engine at ``setting`` ("fp32:4"), summarise the inputs once, report seconds and peak memory."""
    from engine_speed import input_text
    from summarize.engines.abstractive import AbstractiveSummarizer
    from summarize.models import Chunk, Sentence

    dtype, batch = setting.split(":")
    generation = {"num_beams": args.beams, "max_new_tokens": args.new_tokens, "min_new_tokens": args.new_tokens,
                  "do_sample": False}
    engine = AbstractiveSummarizer(directory, threads=args.threads, dtype=DTYPES[dtype], batch_size=int(batch),
                                   generation=generation)
    step = (args.max_tokens - args.min_tokens) / max(1, args.inputs - 1)
    chunks = [Chunk("s", [Sentence(input_text(engine, round(args.min_tokens + i * step)))]) for i in range(args.inputs)]
    wall, cpu = time.perf_counter(), time.process_time()
    summaries = engine.summarize(chunks, 100)
    return {"seconds": time.perf_counter() - wall, "cpu_seconds": time.process_time() - cpu,
            "peak_rss_mb": _vmhwm_mb(), "usage": engine.usage.as_dict(), "summaries": summaries,
            "dtype": engine.describe()["dtype"]}


def _vmhwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="bart-base")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--settings", nargs="+", default=["fp32:4", "fp32:8", "fp32:16"], help="DTYPE:BATCH")
    parser.add_argument("--inputs", type=int, default=12)
    parser.add_argument("--min-tokens", type=int, default=300)
    parser.add_argument("--max-tokens", type=int, default=1000)
    parser.add_argument("--new-tokens", type=int, default=24)
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", nargs=2, metavar=("DIR", "SETTING"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args)))
        return

    from engine_speed import build_random_checkpoint

    with tempfile.TemporaryDirectory() as tmp:
        directory = str(build_random_checkpoint(Path(tmp), args.shape))
        results: dict[str, list[dict]] = {s: [] for s in args.settings}
        for _ in range(args.rounds):
            for setting in args.settings:
                command = [sys.executable, __file__, *_without_settings(sys.argv[1:]), "--child", directory, setting]
                out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
                results[setting].append(json.loads(out.strip().splitlines()[-1]))
    base = statistics.median(r["seconds"] for r in results[args.settings[0]])
    first = results[args.settings[0]][0]["summaries"]
    print(f"shape {args.shape}, {args.threads} thread(s), {args.inputs} inputs of {args.min_tokens}-{args.max_tokens} "
          f"tokens, beam {args.beams}, {args.new_tokens} new tokens, median of {args.rounds} interleaved rounds")
    print("| setting | wall s | CPU s | vs first | peak RSS MB | padded/input tokens | same summaries as first |")
    print("|---|---|---|---|---|---|---|")
    for setting, runs in results.items():
        wall = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu_seconds"] for r in runs)
        rss = max(r["peak_rss_mb"] for r in runs)
        usage = runs[0]["usage"]
        print(f"| {setting} ({runs[0]['dtype']}) | {wall:.1f} | {cpu:.1f} | {base / wall:.2f}x | {rss:.0f} | "
              f"{usage['padded_input_tokens']}/{usage['input_tokens']} | "
              f"{'yes' if runs[0]['summaries'] == first else 'no'} |")


def _without_settings(argv: list[str]) -> list[str]:
    """The command line minus ``--settings`` and its values (the child gets one setting)."""
    out, skipping = [], False
    for arg in argv:
        if arg == "--settings":
            skipping = True
            continue
        if skipping and not arg.startswith("--"):
            continue
        skipping = False
        out.append(arg)
    return out


if __name__ == "__main__":
    main()
