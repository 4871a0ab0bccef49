"""Chat engine: any decoder-only instruction model through transformers.

Qwen3, Llama 3.x, Gemma, SmolLM, Mistral and the like, by hub id or local
directory: ``AutoTokenizer`` + ``AutoModelForCausalLM`` (safetensors weights
only, never remote code), the prompt of each stage (``summarize.engines.instruct``)
wrapped in the tokenizer's own chat template, and batched ``generate`` with
left padding. Generation settings come from the checkpoint's
``generation_config`` (sampling, temperature, repetition penalty, ...) unless
overridden; only the answer length is set here, from the word budget.

Hub ids are looked up in the local cache first and never hang on a missing
network (``summarize.engines.abstractive.resolve_model``). Templates with a
thinking switch (Qwen3, SmolLM3, ...) get ``enable_thinking=False`` unless
``thinking`` is on; any reasoning that still appears is stripped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from summarize.engines.abstractive import _quantize_int8, _torch_dtype, pick_device, resolve_model
from summarize.engines.base import EngineError
from summarize.engines.instruct import BUDGET_WORDS, Answer, InstructionSummarizer

# Real checkpoints claim contexts of 32k-128k tokens; summarising that much in
# one call is slow on a CPU and small models lose the middle of long inputs.
# Chunks are fused afterwards anyway, so the default context is capped here.
DEFAULT_CONTEXT_CAP = 8192


class ChatSummarizer(InstructionSummarizer):
    """A transformers chat model behind the engine interface.

    Args:
        model: hub id or local directory of a decoder-only model whose
            tokenizer has a chat template.
        device, threads, dtype, batch_size: as for the abstractive engine.
        context_tokens: prompt plus answer, in tokens; default the model's
            limit, at most ``DEFAULT_CONTEXT_CAP``.
        thinking: let models with a thinking switch think (slower; the
            reasoning is stripped from the answer either way).
        prompts_dir, prompt_template, language, max_words, generation, on_progress: see
            ``InstructionSummarizer``.
    """

    name = "chat"

    def __init__(
        self,
        model: str,
        *,
        device: str | None = None,
        threads: int | None = None,
        dtype: str | None = None,
        batch_size: int = 4,
        generation: dict | None = None,
        prompts_dir: str | Path | None = None,
        prompt_template: str | Path | None = None,
        language: str | None = None,
        max_words: int = BUDGET_WORDS,
        context_tokens: int | None = None,
        thinking: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
    ):
        super().__init__(prompts_dir=prompts_dir, prompt_template=prompt_template, language=language,
                         max_words=max_words, generation=generation, on_progress=on_progress)
        self.model = str(model)
        location, local_only = resolve_model(self.model)
        import torch

        if threads:
            torch.set_num_threads(threads)
        self.device = pick_device(device)
        self.batch_size = max(1, batch_size)
        self.thinking = thinking
        self.tokenizer, self._model = _load_chat_model(location, _torch_dtype(dtype), local_only, self.model)
        self._model.to(self.device).eval()
        self.quantized = dtype == "int8"
        if self.quantized:
            self._model = _quantize_int8(self._model, self.device)
        self.tokenizer.padding_side = "left"  # generation continues each row from its right end
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        limit = self._model_limit()
        if context_tokens and context_tokens > limit:
            raise EngineError(f"{self.model}: context of {context_tokens} tokens asked for; the model takes at most {limit}")
        self.context_tokens = int(context_tokens or min(limit, DEFAULT_CONTEXT_CAP))
        self.max_input_tokens = self._input_limit(self.context_tokens)

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` under the model's tokenizer (the template is counted in ``max_input_tokens``)."""
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def describe(self) -> dict:
        return {
            **super().describe(),
            "device": self.device,
            "family": getattr(self._model.config, "model_type", None),
            "dtype": "int8" if self.quantized else str(self._model.dtype).removeprefix("torch."),
            "context_tokens": self.context_tokens,
            "thinking": self.thinking,
        }

    # -- InstructionSummarizer ------------------------------------------------

    def _prompt_tokens(self, prompt: str) -> int:
        return len(self.tokenizer(self._chat(prompt), add_special_tokens=False)["input_ids"])

    def _complete(self, prompts: Sequence[str], max_new_tokens: int) -> list[Answer]:
        """Batched generation, longest prompts first so that each batch pads little."""
        import torch

        texts = [self._chat(prompt) for prompt in prompts]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        answers: list[Answer] = [Answer("")] * len(texts)
        settings = {k: v for k, v in self.generation.items() if k != "max_new_tokens"}
        settings.setdefault("pad_token_id", self.tokenizer.pad_token_id)
        end_ids = _end_ids(self._model.generation_config, self.tokenizer)
        for start in range(0, len(order), self.batch_size):
            batch_ids = order[start:start + self.batch_size]
            batch = self.tokenizer([texts[i] for i in batch_ids], return_tensors="pt", padding=True, add_special_tokens=False)
            prompt_length = batch["input_ids"].shape[1]
            if prompt_length + max_new_tokens > self.context_tokens:
                raise EngineError(
                    f"a prompt of {prompt_length} tokens plus an answer of {max_new_tokens} exceeds {self.model}'s "
                    f"context of {self.context_tokens}; chunk it first"
                )
            batch = {k: v.to(self.device) for k, v in batch.items()}
            with torch.inference_mode():
                output = self._model.generate(**batch, max_new_tokens=max_new_tokens, **settings)
            for i, row in zip(batch_ids, output[:, prompt_length:].tolist()):
                finished = any(token in end_ids for token in row)
                answers[i] = Answer(self.tokenizer.decode(row, skip_special_tokens=True), finished)
            if self.on_progress:
                self.on_progress(min(start + self.batch_size, len(order)), len(order))
        return answers

    # -- helpers --------------------------------------------------------------

    def _chat(self, prompt: str) -> str:
        """``prompt`` as one user turn in the model's chat template, ready for the answer."""
        switch = {} if self.thinking else {"enable_thinking": False}  # templates without the switch ignore it
        return self.tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True, **switch
        )

    def _model_limit(self) -> int:
        config = self._model.config
        limits = [getattr(config, "max_position_embeddings", None), getattr(self.tokenizer, "model_max_length", None)]
        limits = [int(n) for n in limits if n and n < 10_000_000]  # tokenizers without a limit report ~1e30
        if not limits:
            raise EngineError(f"{self.model}: neither its config nor its tokenizer states a context length; give --context-tokens")
        return min(limits)


def _end_ids(generation_config, tokenizer) -> set[int]:
    """Token ids that end an answer: the generation config's eos ids and the tokenizer's."""
    ids = generation_config.eos_token_id
    ids = set(ids if isinstance(ids, (list, tuple)) else [ids] if ids is not None else [])
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    return ids


def _load_chat_model(location: str, torch_dtype, local_files_only: bool, name: str):
    """Tokenizer and causal LM through the Auto classes; EngineError (one line) when unusable."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        config = AutoConfig.from_pretrained(location, local_files_only=local_files_only, trust_remote_code=False)
        if getattr(config, "is_encoder_decoder", False):
            raise EngineError(f"{name}: a seq2seq model ({config.model_type}), not a chat model; use --engine abstractive")
        tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=local_files_only, trust_remote_code=False)
        if not getattr(tokenizer, "chat_template", None):
            raise EngineError(f"{name}: its tokenizer has no chat template, so it is not an instruction model; use an -Instruct/-it/chat checkpoint")
        kwargs = {"local_files_only": local_files_only, "use_safetensors": True, "trust_remote_code": False}
        if torch_dtype is not None:
            kwargs["dtype"] = torch_dtype
        model = AutoModelForCausalLM.from_pretrained(location, **kwargs)
    except (OSError, ValueError, KeyError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineError(f"{name}: cannot load a chat model ({reason})") from None
    return tokenizer, model
