"""Build a tiny random seq2seq model and tokenizer offline, for tests and demos.

The model has random weights, so it generates junk: use it to test loading,
batching, shapes, determinism and metadata, never wording. It is saved with
``save_pretrained`` and reloads through ``AutoTokenizer`` /
``AutoModelForSeq2SeqLM``, the same path a real hub checkpoint takes.

    python tests/tiny_model.py DIR [--family bart|t5] [--max-positions N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

_CORPUS = [
    "Russia and Ukraine held their first direct peace talks in three years in Istanbul.",
    "The Kremlin sent a delegation led by presidential aide Vladimir Medinsky.",
    "President Volodymyr Zelensky flew to Ankara and met Turkish President Erdogan.",
    "US Secretary of State Marco Rubio said the talks could bring a ceasefire.",
    "Scientists found a new species of frog in the rainforest of Peru on Monday.",
    "Shares rose 3% after the central bank cut interest rates to 4.25 percent.",
    "Summarize: the match ended 2-1 after a late goal in the final minute.",
] * 20

SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]  # ids 0-4, as in BART


def build_tokenizer(vocab_size: int = 400, model_max_length: int = 128):
    """A byte-level BPE tokenizer trained on a small corpus; encodes any text."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(_CORPUS, trainer=trainer)
    tokenizer.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=model_max_length,
    )


def build_tiny_model(directory: str | Path, family: str = "bart", max_positions: int = 128) -> Path:
    """Save a tiny random ``family`` ("bart" or "t5") model and tokenizer in ``directory``."""
    import torch
    from transformers import GenerationConfig

    torch.manual_seed(0)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(model_max_length=max_positions)
    vocab = len(tokenizer)
    if family == "bart":
        from transformers import BartConfig, BartForConditionalGeneration

        config = BartConfig(
            vocab_size=vocab, d_model=32, encoder_layers=2, decoder_layers=2,
            encoder_attention_heads=2, decoder_attention_heads=2,
            encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=max_positions,
            pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
            forced_bos_token_id=0, forced_eos_token_id=2,
        )
        model = BartForConditionalGeneration(config)
        model.generation_config = GenerationConfig(
            decoder_start_token_id=2, bos_token_id=0, eos_token_id=2, pad_token_id=1,
            forced_bos_token_id=0, forced_eos_token_id=2, num_beams=2, max_length=40,
            min_length=5, no_repeat_ngram_size=3,
        )
    elif family == "t5":
        from transformers import T5Config, T5ForConditionalGeneration

        config = T5Config(
            vocab_size=vocab, d_model=32, d_kv=16, d_ff=64, num_layers=2, num_decoder_layers=2,
            num_heads=2, pad_token_id=1, eos_token_id=2, decoder_start_token_id=1,
        )
        model = T5ForConditionalGeneration(config)
        model.generation_config = GenerationConfig(
            decoder_start_token_id=1, eos_token_id=2, pad_token_id=1, max_length=40,
        )
    else:
        raise ValueError(f"unknown family {family!r}: expected 'bart' or 't5'")
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--family", choices=["bart", "t5"], default="bart")
    parser.add_argument("--max-positions", type=int, default=128, help="longest input in tokens")
    args = parser.parse_args()
    print(build_tiny_model(args.directory, args.family, args.max_positions))


if __name__ == "__main__":
    main()
