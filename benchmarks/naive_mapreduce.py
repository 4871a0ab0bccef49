"""The script a user would write instead of ``briefing``: a naive map-reduce summary.

Each article (every ``*.txt`` in FOLDER) is truncated to 1024 tokens and
summarised on its own (float32, beam search of 4, batch 1, on the GPU when
there is one); the summaries,
joined, truncated to 1024 tokens, are summarised once more. Plain
transformers 5: ``AutoTokenizer`` + ``AutoModelForSeq2SeqLM`` + ``generate``.

It is the baseline of ``benchmarks/abstractive_vs_naive.py``, which runs it
in a fresh process per run. Every ``generate`` call makes exactly
``--new-tokens`` tokens (``min_new_tokens = max_new_tokens``) so that both
sides of the benchmark write equally long outputs. The last line on stdout is
one JSON object: counts (generate calls, encoder tokens fed, tokens
generated, seconds in generate), the time the model was loaded (``loaded_at``, seconds since the
epoch) and the final summary.

    python benchmarks/naive_mapreduce.py seeds/ MODEL_DIR --new-tokens 64 --threads 1
"""

import argparse
import json
import time
from pathlib import Path

import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

MAX_INPUT_TOKENS = 1024  # BART's input limit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("model")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = AutoModelForSeq2SeqLM.from_pretrained(args.model).to(device).eval()
    loaded_at = time.time()
    counts = {"generate_calls": 0, "encoder_tokens": 0, "generated_tokens": 0, "generate_seconds": 0.0}

    def summarize(text: str) -> str:
        batch = tokenizer(text, truncation=True, max_length=MAX_INPUT_TOKENS, return_tensors="pt").to(device)
        start = time.perf_counter()
        with torch.inference_mode():
            output = model.generate(**batch, num_beams=args.beams, min_new_tokens=args.new_tokens,
                                    max_new_tokens=args.new_tokens)
        counts["generate_seconds"] += time.perf_counter() - start
        counts["generate_calls"] += 1
        counts["encoder_tokens"] += int(batch["attention_mask"].sum())
        # The first output token is the decoder start token, not generated.
        counts["generated_tokens"] += int((output[:, 1:] != model.generation_config.pad_token_id).sum())
        return tokenizer.decode(output[0], skip_special_tokens=True)

    articles = [path.read_text(encoding="utf-8") for path in sorted(args.folder.glob("*.txt"))]
    summaries = [summarize(article) for article in articles]
    final = summarize("\n".join(summaries))
    print(json.dumps({"articles": len(articles), "loaded_at": loaded_at, **counts, "summary": final}))


if __name__ == "__main__":
    main()
