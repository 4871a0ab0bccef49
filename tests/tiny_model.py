"""Build a tiny random model and tokenizer offline, for tests and demos.

Families: ``bart`` and ``t5`` (seq2seq, reloaded through
``AutoModelForSeq2SeqLM``) and ``qwen2`` (a decoder-only instruction model
with a ChatML chat template, reloaded through ``AutoModelForCausalLM``, the
shape of Qwen2/Qwen3 chat checkpoints). The model has random weights, so it
generates junk: use it to test loading, batching, shapes, determinism and
metadata, never wording. It is saved with ``save_pretrained`` and reloads the
same way a real hub checkpoint does.

    python tests/tiny_model.py DIR [--family bart|t5|qwen2] [--max-positions N]
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
CHAT_TOKENS = ["<|im_start|>", "<|im_end|>", "<think>", "</think>"]  # ChatML, as Qwen2/Qwen3 use
# Qwen3's template in miniature: ChatML turns, and an empty thinking block when
# the caller switches thinking off (``enable_thinking=False``).
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n"
    "{% if enable_thinking is defined and enable_thinking is false %}<think>\n\n</think>\n\n{% endif %}{% endif %}"
)


def build_tokenizer(vocab_size: int = 400, model_max_length: int = 128, chat: bool = False):
    """A byte-level BPE tokenizer trained on a small corpus; encodes any text.

    With ``chat``, the ChatML tokens are added, ``<|im_end|>`` ends a turn
    (eos), no special tokens are added around a text (as in Qwen), and padding
    is on the left, as decoder-only generation needs.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS + (CHAT_TOKENS if chat else []),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(_CORPUS, trainer=trainer)
    if chat:
        wrapped = PreTrainedTokenizerFast(
            tokenizer_object=tokenizer, eos_token="<|im_end|>", unk_token="<unk>", pad_token="<pad>",
            model_max_length=model_max_length, padding_side="left",
        )
        wrapped.chat_template = CHAT_TEMPLATE
        return wrapped
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
    """Save a tiny random ``family`` ("bart", "t5" or "qwen2") model and tokenizer in ``directory``."""
    import torch
    from transformers import GenerationConfig

    torch.manual_seed(0)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(model_max_length=max_positions, chat=family == "qwen2")
    vocab = len(tokenizer)
    if family == "qwen2":
        from transformers import Qwen2Config, Qwen2ForCausalLM

        end_of_turn, pad = tokenizer.convert_tokens_to_ids(["<|im_end|>", "<pad>"])
        config = Qwen2Config(
            vocab_size=vocab, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=max_positions,
            eos_token_id=end_of_turn, pad_token_id=pad, bos_token_id=None, tie_word_embeddings=True,
        )
        model = Qwen2ForCausalLM(config)
        # As real chat checkpoints ship it: sampling settings, no length. Random
        # weights tend to repeat the prompt's last token ("\n\n") forever; with
        # the tokens that hold no letter or digit suppressed the junk has words in it.
        blank = [i for i in range(vocab) if not any(ch.isalnum() for ch in tokenizer.decode([i]))]
        model.generation_config = GenerationConfig(
            eos_token_id=end_of_turn, pad_token_id=pad, do_sample=False, repetition_penalty=1.3,
            suppress_tokens=[i for i in blank if i not in (end_of_turn, pad)],
        )
    elif family == "bart":
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
        raise ValueError(f"unknown family {family!r}: expected 'bart', 't5' or 'qwen2'")
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--family", choices=["bart", "t5", "qwen2"], default="bart")
    parser.add_argument("--max-positions", type=int, default=128, help="longest input in tokens")
    args = parser.parse_args()
    print(build_tiny_model(args.directory, args.family, args.max_positions))


if __name__ == "__main__":
    main()
