"""Speed of the abstractive engine by precision, batch size and decoding.

No weights can be downloaded here, so the model is a randomly initialised
checkpoint of a real architecture's shape (distilbart-cnn-12-6 or bart-base),
saved to a temporary folder and loaded through the engine's own
``from_pretrained`` path. Speed depends on shape, not on weight values; output
quality is not measured. Each setting summarises the same inputs of exactly
``--input-tokens`` tokens and generates exactly ``--new-tokens`` tokens.

    python benchmarks/engine_speed.py --shape bart-base --threads 2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # the code beside this script, not an installed copy

SHAPES = {
    # d_model, encoder layers, decoder layers, heads, ffn, vocab, parameters (millions)
    "distilbart-cnn-12-6": dict(d_model=1024, encoder_layers=12, decoder_layers=6, heads=16, ffn=4096, vocab=50264),
    "bart-base": dict(d_model=768, encoder_layers=6, decoder_layers=6, heads=12, ffn=3072, vocab=50265),
}
SETTINGS = [  # (label, dtype, batch size, beams)
    ("fp32 b1 greedy", None, 1, 1),
    ("fp32 b4 greedy", None, 4, 1),
    ("fp32 b4 beam4", None, 4, 4),
    ("bf16 b4 greedy", "bfloat16", 4, 1),
    ("bf16 b4 beam4", "bfloat16", 4, 4),
    ("int8 b1 greedy", "int8", 1, 1),
    ("int8 b4 greedy", "int8", 4, 1),
]


def build_random_checkpoint(directory: Path, shape: str) -> Path:
    """Save a random BART of ``shape`` with the tiny test tokenizer (ids < its vocab)."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration, GenerationConfig

    from tiny_model import build_tokenizer

    spec = SHAPES[shape]
    torch.manual_seed(0)
    config = BartConfig(
        vocab_size=spec["vocab"], d_model=spec["d_model"], encoder_layers=spec["encoder_layers"],
        decoder_layers=spec["decoder_layers"], encoder_attention_heads=spec["heads"],
        decoder_attention_heads=spec["heads"], encoder_ffn_dim=spec["ffn"], decoder_ffn_dim=spec["ffn"],
        max_position_embeddings=1024, pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
    )
    model = BartForConditionalGeneration(config)
    model.generation_config = GenerationConfig(decoder_start_token_id=2, bos_token_id=0, eos_token_id=2, pad_token_id=1)
    model.save_pretrained(directory)
    tokenizer = build_tokenizer()
    tokenizer.model_max_length = 1024
    tokenizer.save_pretrained(directory)
    return directory


def input_text(engine, tokens: int) -> str:
    """A text of exactly ``tokens`` tokens (special tokens included) under the engine's tokenizer."""
    words = ("Russia and Ukraine held their first direct peace talks in three years in Istanbul. " * 200).split()
    low, high = 1, len(words)
    while low < high:
        middle = (low + high + 1) // 2
        if engine.count_tokens(" ".join(words[:middle])) <= tokens:
            low = middle
        else:
            high = middle - 1
    return " ".join(words[:low])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="bart-base")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--input-tokens", type=int, default=512)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--inputs", type=int, default=8, help="summaries per setting")
    parser.add_argument("--only", nargs="*", help="labels of the settings to run")
    args = parser.parse_args()

    from summarize.engines.abstractive import AbstractiveSummarizer
    from summarize.models import Chunk, Sentence

    with tempfile.TemporaryDirectory() as tmp:
        directory = build_random_checkpoint(Path(tmp), args.shape)
        print(f"shape {args.shape}, {args.threads} threads, {args.input_tokens} input tokens, "
              f"{args.new_tokens} new tokens, {args.inputs} summaries per setting")
        print("| setting | seconds per summary |\n|---|---|")
        for label, dtype, batch, beams in SETTINGS:
            if args.only and label not in args.only:
                continue
            generation = {"num_beams": beams, "max_new_tokens": args.new_tokens, "min_new_tokens": args.new_tokens,
                          "do_sample": False}
            engine = AbstractiveSummarizer(str(directory), threads=args.threads, dtype=dtype, batch_size=batch,
                                           generation=generation)
            chunks = [Chunk("s", [Sentence(input_text(engine, args.input_tokens))])] * args.inputs
            engine.summarize(chunks[:batch], 100)  # warm-up
            start = time.perf_counter()
            engine.summarize(chunks, 100)
            seconds = (time.perf_counter() - start) / len(chunks)
            print(f"| {label} | {seconds:.2f} |", flush=True)


if __name__ == "__main__":
    main()
