"""Where CTranslate2's time goes on the briefing's workload: encoder against beam search, by batch layout.

The question behind it (issue 15): with CTranslate2 int8 as the default
backend, how far down can the time inside ``generate`` go on one core? This
runs CTranslate2 directly on the converted random checkpoint of
``benchmarks/abstractive_vs_naive.py`` (bart-base shape by default), on
``--lengths`` inputs of random tokens (the seeds/ chunks are 600-1000 tokens),
split into batches by each ``--layouts`` entry (``4,2``: the four longest in
one call, then two). For each layout it times the whole beam search (beam 4,
exactly ``--new-tokens`` tokens, no repeated trigrams, length penalty 2: the
default model's settings) and the encoder alone (the same call with one
greedy token, whose decoding costs next to nothing), interleaved over
``--repeats`` rounds; decoding is the difference. ``--torch-encoder`` adds
torch's own encoder pass over the same inputs one at a time in float32 and
bfloat16, for comparison (CTranslate2 has no bfloat16 on CPU).

    .venv/bin/python benchmarks/ct2_breakdown.py --threads 1 --repeats 2 --torch-encoder

Results: a Markdown table on stdout (median seconds per layout).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

BEAM_SEARCH = dict(beam_size=4, no_repeat_ngram_size=3, length_penalty=2.0, max_input_length=0)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", default="bart-base", choices=("bart-base", "distilbart-cnn-12-6", "smoke"),
                        help="smoke: the tiny test model, for the test that keeps this script working")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--lengths", type=token_lengths, default="1000,950,900,870,800,700",
                        help="input lengths in tokens, comma-separated")
    parser.add_argument("--layouts", default="6;4,2;2,2,2;1,1,1,1,1,1", help="batch sizes per layout, ';' between layouts")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--torch-encoder", action="store_true", help="also time torch's encoder (float32, bfloat16)")
    parser.add_argument("--cache-dir", type=Path,
                        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "briefing-bench")
    return parser.parse_args(argv)


def token_lengths(text: str) -> list[int]:
    """``"1000,950"`` -> [1000, 950]; argparse reports anything else in one line."""
    try:
        lengths = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not comma-separated whole numbers: {text!r}") from None
    if not lengths or min(lengths) < 1:
        raise argparse.ArgumentTypeError(f"lengths must be at least 1 token: {text!r}")
    return lengths


def layouts(text: str, inputs: int) -> list[list[int]]:
    """``"6;4,2"`` -> [[6], [4, 2]]; each layout must cover exactly ``inputs`` inputs."""
    result = [[int(size) for size in part.split(",")] for part in text.split(";") if part.strip()]
    for layout in result:
        if sum(layout) != inputs or min(layout) < 1:
            raise SystemExit(f"layout {layout} does not split {inputs} inputs")
    return result


def run_layout(translator, sources: list[list[str]], layout: list[int], **options) -> float:
    """Seconds to translate ``sources`` in consecutive batches of the sizes in ``layout``."""
    start, begin = 0, time.perf_counter()
    for size in layout:
        translator.translate_batch(sources[start:start + size], **options)
        start += size
    return time.perf_counter() - begin


def torch_encoder_seconds(checkpoint: Path, sources_ids: list[list[int]], dtype_name: str, threads: int) -> float:
    """Seconds for torch's encoder over the inputs one at a time (after one warm-up pass)."""
    import torch
    from transformers import AutoModelForSeq2SeqLM

    torch.set_num_threads(threads)
    model = AutoModelForSeq2SeqLM.from_pretrained(checkpoint, dtype=getattr(torch, dtype_name)).eval()
    encoder = model.get_encoder()
    times = []
    with torch.inference_mode():
        for _ in range(2):
            begin = time.perf_counter()
            for ids in sources_ids:
                encoder(input_ids=torch.tensor([ids]))
            times.append(time.perf_counter() - begin)
    return times[-1]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    import ctranslate2

    from abstractive_vs_naive import cached_checkpoint
    from summarize.engines import ct2_backend

    lengths = args.lengths
    plans = layouts(args.layouts, len(lengths))
    checkpoint = cached_checkpoint(args.shape, args.cache_dir)
    with tempfile.TemporaryDirectory(prefix="ct2-breakdown-") as tmp:
        entry, _ = ct2_backend.converted_model(checkpoint, "int8", Path(tmp))
        vocabulary = json.loads((entry / "shared_vocabulary.json").read_text(encoding="utf-8"))
        rng = random.Random(0)
        ids = [[rng.randrange(4, len(vocabulary) - 1) for _ in range(n)] for n in lengths]
        sources = [[vocabulary[i] for i in row] for row in ids]
        translator = ctranslate2.Translator(str(entry), device="cpu", compute_type="int8",
                                            intra_threads=args.threads, inter_threads=1)
        full = dict(BEAM_SEARCH, max_decoding_length=args.new_tokens, min_decoding_length=args.new_tokens)
        encoder_only = dict(BEAM_SEARCH, beam_size=1, max_decoding_length=1, min_decoding_length=1)
        run_layout(translator, sources, plans[0], **encoder_only)  # warm-up: allocator, packed weights
        timings: dict[int, dict[str, list[float]]] = {i: {"full": [], "encoder": []} for i in range(len(plans))}
        for repeat in range(args.repeats):
            order = range(len(plans)) if repeat % 2 == 0 else reversed(range(len(plans)))
            for index in order:
                timings[index]["full"].append(run_layout(translator, sources, plans[index], **full))
                timings[index]["encoder"].append(run_layout(translator, sources, plans[index], **encoder_only))
        torch_rows = []
        if args.torch_encoder:
            del translator
            for dtype_name in ("float32", "bfloat16"):
                torch_rows.append((dtype_name, torch_encoder_seconds(checkpoint, ids, dtype_name, args.threads)))
    print(f"{args.shape}, CTranslate2 {ctranslate2.__version__} int8, {args.threads} thread(s), inputs of "
          f"{', '.join(map(str, lengths))} tokens ({sum(lengths):,}), beam 4, {args.new_tokens} new tokens; "
          f"median of {args.repeats}\n")
    print("| batches | beam search s | encoder alone s | decoding s |\n|---|---|---|---|")
    for index, layout in enumerate(plans):
        whole, encoder = (statistics.median(timings[index][k]) for k in ("full", "encoder"))
        print(f"| {' + '.join(map(str, layout))} | {whole:.2f} | {encoder:.2f} | {whole - encoder:.2f} |")
    for dtype_name, seconds in torch_rows:
        print(f"| torch {dtype_name} encoder, one input at a time | | {seconds:.2f} | |")


if __name__ == "__main__":
    main()
