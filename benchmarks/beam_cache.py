"""Beam search with and without ``BeamSearchCache``, interleaved, on a random checkpoint of a real shape.

transformers' beam search copies the cross-attention keys and values of every
layer at every step (``EncoderDecoderCache.reorder_cache``);
``summarize.engines.beam_cache.BeamSearchCache`` skips that no-op copy. This
script generates from the same inputs both ways, alternating the two sides
``--runs`` times, checks that the tokens are identical, and prints the
median seconds of each side and their ratio.

    .venv/bin/python benchmarks/beam_cache.py --shape bart-base --threads 1 --input-tokens 900 --beams 4
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "benchmarks")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="bart-base")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--input-tokens", type=int, default=900)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 4], help="inputs per generate call")
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs of each side")
    args = parser.parse_args()

    import torch

    from engine_speed import build_random_checkpoint, input_text
    from summarize.engines.abstractive import AbstractiveSummarizer
    from summarize.engines.beam_cache import cache_argument, new_beam_search_cache

    with tempfile.TemporaryDirectory() as tmp:
        engine = AbstractiveSummarizer(str(build_random_checkpoint(Path(tmp), args.shape)), threads=args.threads)
        model, tokenizer = engine._model, engine.tokenizer
        settings = {"num_beams": args.beams, "max_new_tokens": args.new_tokens,
                    "min_new_tokens": args.new_tokens, "do_sample": False}
        print(f"shape {args.shape}, {torch.get_num_threads()} thread(s), ~{args.input_tokens} input tokens, "
              f"{args.new_tokens} new tokens, beam {args.beams}, {args.runs} interleaved runs per side")
        print("| batch | library cache: wall s (CPU s) | BeamSearchCache: wall s (CPU s) | speed-up: wall (CPU) "
              "| same tokens |")
        print("|---|---|---|---|---|")
        for batch_size in args.batch:
            # Inputs of slightly different lengths, so that batches are padded.
            texts = [input_text(engine, args.input_tokens - 40 * i) for i in range(batch_size)]
            batch = tokenizer(texts, return_tensors="pt", padding=True)
            times: dict[str, list[float]] = {"library": [], "beam_cache": []}
            cpu: dict[str, list[float]] = {"library": [], "beam_cache": []}
            outputs = {}
            for _ in range(args.runs):
                for side in times:
                    extra = {} if side == "library" else {cache_argument(model): new_beam_search_cache(model, args.beams)}
                    start, start_cpu = time.perf_counter(), time.process_time()
                    with torch.inference_mode():
                        outputs[side] = model.generate(**batch, **settings, **extra)
                    times[side].append(time.perf_counter() - start)
                    cpu[side].append(time.process_time() - start_cpu)
            library, fixed = statistics.median(times["library"]), statistics.median(times["beam_cache"])
            library_cpu, fixed_cpu = statistics.median(cpu["library"]), statistics.median(cpu["beam_cache"])
            same = torch.equal(outputs["library"], outputs["beam_cache"])
            print(f"| {batch_size} | {library:.2f} ({library_cpu:.2f}) | {fixed:.2f} ({fixed_cpu:.2f}) | "
                  f"{library / fixed:.2f}x ({library_cpu / fixed_cpu:.2f}x) | {'yes' if same else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
