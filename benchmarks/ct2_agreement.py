"""How closely the CTranslate2 backend's tokens follow torch's, on the tiny test models.

Each input is generated alone by both backends (the same tokenised batch
through each ``generate``), and the token ids are compared position by
position, decoder start, forced BOS and EOS included. Random weights make
near-uniform distributions, so int8 flips far more choices here than it
would with trained weights; float32 shows whether the settings map exactly.

    python benchmarks/ct2_agreement.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

CASES = [  # (family, label, generation overrides, ctranslate2 dtype)
    ("bart", "greedy", {"num_beams": 1}, "float32"),
    ("bart", "greedy, 4..12 new tokens", {"num_beams": 1, "min_new_tokens": 4, "max_new_tokens": 12}, "float32"),
    ("bart", "beam 4", {"num_beams": 4}, "float32"),
    ("bart", "beam 4, no forced EOS", {"num_beams": 4, "forced_eos_token_id": None}, "float32"),
    ("bart", "greedy", {"num_beams": 1}, "int8"),
    ("bart", "beam 4", {"num_beams": 4}, "int8"),
    ("t5", "greedy", {"num_beams": 1}, "float32"),
    ("t5", "beam 4", {"num_beams": 4}, "float32"),
]


def main() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    from summarize.engines.abstractive import AbstractiveSummarizer
    from tiny_model import _CORPUS, build_tiny_model

    torch.set_num_threads(1)
    texts = list(dict.fromkeys(_CORPUS))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        models = {family: build_tiny_model(Path(tmp) / family, family) for family in ("bart", "t5")}
        print("| model | decoding (the checkpoint's generation_config otherwise) | ctranslate2 compute type "
              "| tokens equal | outputs identical |\n|---|---|---|---|---|")
        for family, label, generation, dtype in CASES:
            reference = AbstractiveSummarizer(str(models[family]), backend="torch", dtype="float32")
            ct2 = AbstractiveSummarizer(str(models[family]), backend="ctranslate2", dtype=dtype)
            equal = total = identical = 0
            for text in texts:
                batch = reference.tokenizer([reference.prompt.render(text=text)], return_tensors="pt")
                with torch.inference_mode():
                    expected = reference._model.generate(**batch, **generation)[0].tolist()
                got = ct2._model.generate(**batch, **generation)[0].tolist()
                equal += sum(a == b for a, b in zip(expected, got))
                total += max(len(expected), len(got))
                identical += expected == got
            print(f"| tiny {family} | {label} | {ct2.describe()['dtype']} | {equal}/{total} ({equal / total:.0%}) "
                  f"| {identical}/{len(texts)} |", flush=True)


if __name__ == "__main__":
    main()
