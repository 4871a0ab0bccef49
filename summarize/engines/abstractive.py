"""Abstractive engine: any seq2seq checkpoint (BART, PEGASUS, T5/FLAN, LED).

Loaded once with ``AutoTokenizer`` and ``AutoModelForSeq2SeqLM`` from a hub id
or a local directory, then called on batches: tokenise, ``generate``, decode
(transformers 5 has no summarisation pipeline). Generation settings come from
the checkpoint's ``generation_config`` unless overridden.

Loading a hub id never hangs on a missing network: the local cache is tried
first, then the hub endpoint is probed with a short timeout, and any failure
becomes an ``EngineError`` with a one-line reason.
"""

from __future__ import annotations

import concurrent.futures
import importlib
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlparse

from summarize.engines.base import EngineError, Summarizer
from summarize.engines.usage import GenerationUsage, eos_token_ids
from summarize.models import Chunk
from summarize.prompts import load_prompt_template

DEFAULT_MODEL = "sshleifer/distilbart-cnn-12-6"
HUB_PROBE_TIMEOUT_S = 3.0
# Tokenizers without a real limit report a huge model_max_length; fall back to this.
FALLBACK_MAX_INPUT_TOKENS = 512


DEVICE_TYPES = ("cpu", "cuda", "mps")


def pick_device(requested: str | None = None) -> str:
    """``requested`` when this torch can use it, else cuda, then mps, then cpu.

    Raises EngineError (one line) for a device this build of torch cannot
    use: an unknown name ("bogus", "tpu"), ``cuda`` on the CPU build of torch
    or without a GPU, a GPU index that does not exist, ``mps`` off Apple
    silicon. Checked before any weights are loaded.
    """
    import torch

    if requested:
        try:
            device = torch.device(requested)
        except (RuntimeError, ValueError):
            raise EngineError(f"unknown device {requested!r}: expected cpu, cuda, cuda:N or mps") from None
        if device.type not in DEVICE_TYPES:
            raise EngineError(f"unsupported device {requested!r}: expected cpu, cuda, cuda:N or mps")
        if device.type == "cuda":
            if not torch.cuda.is_available():
                build = "the CPU build of torch" if torch.version.cuda is None else "no CUDA GPU visible"
                raise EngineError(f"device {requested!r} is not available: {build} ({torch.__version__}); use --device cpu")
            if device.index is not None and device.index >= torch.cuda.device_count():
                raise EngineError(f"device {requested!r} does not exist: {torch.cuda.device_count()} CUDA device(s)")
        if device.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise EngineError(f"device {requested!r} is not available on this machine; use --device cpu")
        return requested
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


class AbstractiveSummarizer(Summarizer):
    """A seq2seq model behind the engine interface.

    Args:
        model: hub id or local directory.
        device: "cuda", "mps", "cpu" or None for automatic.
        threads: torch intra-op threads (None leaves torch's default).
        dtype: "auto", "float32", "bfloat16", "float16" or "int8"; None keeps float32.
            "auto" picks by hardware (``summarize.engines.precision.choose_dtype``):
            bfloat16 on CPUs with native bfloat16 (AMX, AVX-512 BF16) and on
            CUDA GPUs that support it, float16 on other GPUs, float32 otherwise.
            Lower precision is faster on hardware that supports it and may
            change outputs. "int8" is dynamic quantisation of the linear layers
            (CPU only): faster greedy decoding, no memory saved in eager torch.
        batch_size: inputs per ``generate`` call.
        generation: overrides of the model's generation_config
            (e.g. ``{"num_beams": 2, "max_new_tokens": 96}``).
        prompt_template: path of a Jinja2 template (``{{ text }}``) replacing the
            family's default instruction template.
        on_progress: called with (done, total) after each batch.
        backend: "torch", "ctranslate2" (converted once and cached, see
            ``summarize.engines.ct2_backend``; int8 on CPU, float16 on CUDA
            unless ``dtype`` says otherwise) or "auto": CTranslate2 when it is
            installed, supports the model family (BART, PEGASUS, T5; not LED),
            device and generation settings, and ``dtype`` is not a torch
            precision chosen explicitly (float32, bfloat16, float16); else torch.
    """

    name = "abstractive"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        device: str | None = None,
        threads: int | None = None,
        dtype: str | None = None,
        batch_size: int = 4,
        generation: dict | None = None,
        prompt_template: str | Path | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        backend: str | None = "auto",
    ):
        self.model = str(model)
        # Decide where the model comes from before importing torch, so that an
        # unavailable model fails (and `auto` falls back) in well under a second.
        location, local_only = resolve_model(self.model)
        self.device = _device_without_torch(device, backend) or pick_device(device)
        self.batch_size = max(1, batch_size)
        self.generation = dict(generation or {})
        self.on_progress = on_progress
        self.dtype_reason = None  # why dtype "auto" chose the torch precision it did
        self.backend, configs, record = _pick_backend(backend, location, local_only, self.model, self.device, dtype,
                                                      self.generation)
        self.backend_note = None  # why auto fell back to torch after choosing ctranslate2
        if self.backend == "ctranslate2":
            try:
                self.tokenizer, self._model = _load_ct2(location, local_only, self.model, configs, record,
                                                        self.device, dtype, threads or _default_threads())
            except EngineError as exc:
                if (backend or "auto") != "auto":
                    raise
                self.backend, self.backend_note = "torch", str(exc)
        if self.backend == "torch":
            import torch

            if threads:
                torch.set_num_threads(threads)
            self.device = pick_device(device)  # torch's own check and choice, as torch runs the model
            if dtype == "auto":
                from summarize.engines.precision import auto_dtype

                dtype, self.dtype_reason = auto_dtype(self.device)
            self.tokenizer, self._model = _from_pretrained(location, _torch_dtype(dtype), local_only)
            self._model.to(self.device).eval()
        self.quantized = dtype == "int8" and self.backend == "torch"
        if self.quantized:
            self._model = _quantize_int8(self._model, self.device)
        self.family = _family(self._model.config, self.model)
        self.prompt, empty_prompt = _load_prompt(self.family, prompt_template)
        self._prompt_overhead = self.count_tokens(empty_prompt)
        self.max_input_tokens = self._model_input_limit() - self._prompt_overhead
        _check_generation(self.generation, self._model, self.model)
        self.usage = GenerationUsage()  # calls and tokens fed and generated; not in describe() (it keys caches)

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` under the model's tokenizer, special tokens included."""
        return len(self.tokenizer(text, add_special_tokens=True)["input_ids"])

    def summarize(self, chunks: Sequence[Chunk], max_words: int) -> list[str]:
        """Generate one summary per chunk, in batches of ``batch_size``.

        Inputs are sorted by length so that each batch pads little; outputs are
        returned in input order. Inputs longer than the model takes raise
        EngineError: the chunker must have made them fit.
        """
        texts = [self.prompt.render(text=chunk.text) for chunk in chunks]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        summaries: list[str] = [""] * len(texts)
        settings = self._generation_settings()
        # CTranslate2 takes numpy arrays: that path never imports torch.
        tensors = "np" if self.backend == "ctranslate2" else "pt"
        for start in range(0, len(order), self.batch_size):
            batch_ids = order[start:start + self.batch_size]
            batch = self.tokenizer([texts[i] for i in batch_ids], return_tensors=tensors, padding=True)
            padded_length = int(batch["input_ids"].shape[1])
            if padded_length > self._model_input_limit():
                raise EngineError(
                    f"input of {padded_length} tokens exceeds {self.model}'s limit of "
                    f"{self._model_input_limit()}; chunk it first"
                )
            input_lengths = [int(n) for n in batch["attention_mask"].sum(1).tolist()]
            if self.backend == "ctranslate2":
                output = self._model.generate(**batch, **settings)
            else:
                output = self._torch_generate(batch, settings)
            # Row 0 of each output is the decoder start token, not generated.
            self.usage.record(input_lengths, padded_length, output[:, 1:].tolist(), self._eos_ids(settings))
            decoded = self.tokenizer.batch_decode(output, skip_special_tokens=True)
            for i, text in zip(batch_ids, decoded):
                summaries[i] = " ".join(text.split())
            if self.on_progress:
                self.on_progress(min(start + self.batch_size, len(order)), len(order))
        return summaries

    def _torch_generate(self, batch: dict, settings: dict):
        """Output ids of the torch model for a tokenised batch (tensors on the CPU)."""
        import torch

        batch = {k: v.to(self.device) for k, v in batch.items()}
        if self.family == "led":
            # LED needs global attention on at least the first token.
            global_mask = torch.zeros_like(batch["attention_mask"])
            global_mask[:, 0] = 1
            batch["global_attention_mask"] = global_mask
        with torch.inference_mode():
            return self._model.generate(**batch, **settings, **self._beam_cache_argument(settings))

    def write_headlines(self, summaries: Sequence[str], max_words: int = 12) -> list[str | None]:
        """The lead of each summary compressed to a headline (BART-style models write no separate one).

        CNN/DailyMail-trained summarisers open with the story's point, so
        their lead, shorn of dateline, attribution and trailing clauses, is
        the headline; see ``summarize.headlines.compress_lead``.
        """
        from summarize.headlines import compress_lead

        return [compress_lead(summary, max_words) for summary in summaries]

    def describe(self) -> dict:
        return {
            "engine": self.name,
            "model": self.model,
            "device": self.device,
            "family": self.family,
            "backend": self.backend,
            **({"backend_note": self.backend_note} if self.backend_note else {}),
            "dtype": "int8" if self.quantized else str(self._model.dtype).removeprefix("torch."),
            **({"dtype_reason": self.dtype_reason} if self.dtype_reason else {}),
            "max_input_tokens": self.max_input_tokens,
            "generation": self._generation_settings(),
        }

    def _generation_settings(self) -> dict:
        # Only the overrides are passed: everything else comes from the
        # checkpoint's generation_config, which generate() applies itself.
        return dict(self.generation)

    def _eos_ids(self, settings: dict) -> set[int]:
        if "eos_token_id" in settings:
            return eos_token_ids(settings)
        return eos_token_ids(self._model.generation_config)

    def _beam_cache_argument(self, settings: dict) -> dict:
        """``{"cache": BeamSearchCache}`` for a beam search of an encoder-decoder model, else ``{}``.

        A fresh cache per ``generate`` call that skips transformers' no-op
        reordering of the encoder's keys and values at every beam step; same
        tokens, less copying (see ``summarize.engines.beam_cache``).
        """
        if self.backend != "torch":
            return {}  # CTranslate2 keeps its own cache
        from summarize.engines.beam_cache import cache_argument, new_beam_search_cache

        config = self._model.generation_config
        num_beams = settings.get("num_beams") or getattr(config, "num_beams", 1) or 1
        if (settings.get("num_beam_groups") or getattr(config, "num_beam_groups", 1) or 1) > 1:
            return {}  # group beam search reorders its own way
        if settings.get("cache_implementation", getattr(config, "cache_implementation", None)) is not None:
            return {}  # generate() refuses a cache object together with a requested cache kind
        if settings.get("use_cache", getattr(config, "use_cache", True)) is False:
            return {}
        cache = new_beam_search_cache(self._model, num_beams)
        return {cache_argument(self._model): cache} if cache is not None else {}

    def _model_input_limit(self) -> int:
        limit = getattr(self.tokenizer, "model_max_length", None)
        if not limit or limit > 100_000:
            config = self._model.config
            limit = getattr(config, "max_encoder_position_embeddings", None) or getattr(
                config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
        return int(limit or FALLBACK_MAX_INPUT_TOKENS)


def _pick_backend(backend: str | None, location: str, local_only: bool, model_id: str, device: str,
                  dtype: str | None, generation: dict):
    """("torch" | "ctranslate2", the checkpoint's (config, generation_config) when read, the load record
    of its cached conversion when there is one); see ``ct2_backend.pick_backend``."""
    from summarize.engines import ct2_backend

    if (backend or "auto") == "torch" or ((backend or "auto") == "auto" and not ct2_backend.available()):
        return "torch", None, None
    record = ct2_backend.read_load_record(location, local_only, device, dtype)
    try:
        configs = ((record.config, record.generation_config) if record
                   else ct2_backend.load_configs(location, local_only, model_id))
    except EngineError:
        if (backend or "auto") == "auto":
            return "torch", None, None  # torch's loading reports what is wrong with the checkpoint
        raise
    config, generation_config = configs
    effective = generation_config.__class__.from_dict(generation_config.to_dict())
    effective.update(**generation)
    return ct2_backend.pick_backend(backend, config, effective, device, dtype, model_id), configs, record


def _load_ct2(location: str, local_only: bool, model_id: str, configs, record, device: str, dtype: str | None,
              threads: int):
    """Tokenizer and CTranslate2 model (converted on first use, then from the cache); no torch weights kept.

    With a load record (a conversion loaded before), the tokenizer is built
    from the class recorded then, and neither this nor the model imports
    torch; otherwise through ``AutoTokenizer``, and the record is written.
    """
    from transformers.utils import logging as hf_logging

    from summarize.engines import ct2_backend

    _require_safetensors(location)
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        tokenizer_class = _recorded_tokenizer_class(record)
        if tokenizer_class is None:
            from transformers import AutoTokenizer as tokenizer_class
        tokenizer = tokenizer_class.from_pretrained(location, local_files_only=local_only, trust_remote_code=False)
    except Exception as exc:  # noqa: BLE001 - as in _from_pretrained
        raise EngineError(f"{model_id}: cannot load the tokenizer ({str(exc).strip().splitlines()[0][:300]})") from None
    config, generation_config = configs
    model = ct2_backend.load(location, local_only, config, generation_config, device=device, dtype=dtype,
                             threads=threads, model_id=model_id)
    ct2_backend.write_load_record(model.path, config, generation_config, tokenizer)
    return tokenizer, model


def _recorded_tokenizer_class(record):
    """The transformers tokenizer class a load record names, or None (then AutoTokenizer chooses)."""
    name = getattr(record, "tokenizer_class", None)
    if not name or not name.startswith("transformers."):
        return None
    module_name, _, class_name = name.partition(":")
    try:
        return getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        return None


def _device_without_torch(requested: str | None, backend: str | None) -> str | None:
    """"cpu" when the CTranslate2 backend may run and the CPU is what torch would pick too; else None.

    Lets the CTranslate2 path start without importing torch. None (torch's
    ``pick_device`` decides) for any other request, for ``--backend torch``,
    without CTranslate2, and wherever a GPU may be present: CTranslate2 sees a
    CUDA device, the NVIDIA driver is loaded, or the machine is a Mac (MPS).
    """
    from summarize.engines import ct2_backend

    if requested not in (None, "cpu") or (backend or "auto") == "torch" or not ct2_backend.available():
        return None
    if requested is None:
        import ctranslate2

        if ctranslate2.get_cuda_device_count() > 0 or sys.platform == "darwin" or Path("/proc/driver/nvidia").exists():
            return None
    return "cpu"


def _default_threads() -> int:
    """Threads when none are asked for, as torch picks them (checked against torch in the tests):
    ``MKL_NUM_THREADS``, else ``OMP_NUM_THREADS``, else the physical cores; at most the CPUs available."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    for name in ("MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        try:
            value = int(os.environ.get(name, ""))
        except ValueError:
            continue
        if value > 0:
            return min(value, available)
    return min(_physical_cores() or available, available)


def _physical_cores() -> int | None:
    """Physical cores among the CPUs this process may run on (Linux ``/proc/cpuinfo``), or None."""
    try:
        allowed = os.sched_getaffinity(0)
        cores, processor, physical = set(), None, "0"
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            key, _, value = (part.strip() for part in line.partition(":"))
            if key == "processor":
                processor = int(value)
            elif key == "physical id":
                physical = value
            elif key == "core id" and processor in allowed:
                cores.add((physical, value))
        return len(cores) or None
    except (OSError, ValueError, AttributeError):
        return None


def _family(config, model_id: str) -> str:
    """The prompt family: "flan-t5", "t5", or the config's model_type."""
    model_type = getattr(config, "model_type", "") or ""
    if model_type in {"t5", "mt5", "umt5"}:
        return "flan-t5" if "flan" in model_id.lower() else "t5"
    return model_type


def resolve_model(model: str) -> tuple[str, bool]:
    """Where to load ``model`` from: (location, local_files_only).

    A local directory is used as it is. A hub id is used from the local cache
    when its config is there; otherwise the hub must be reachable (probed with
    a short timeout). Raises EngineError with a one-line reason otherwise.
    """
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "config.json").exists():
            raise EngineError(f"{model}: not a model directory (no config.json)")
        return str(path), True
    if _looks_like_path(model):
        raise EngineError(f"{model}: no such model directory")
    from huggingface_hub import try_to_load_from_cache

    try:
        cached = try_to_load_from_cache(model, "config.json")
    except ValueError as exc:  # not a valid repo id
        raise EngineError(f"{model}: not a model directory or hub id ({exc})") from None
    if isinstance(cached, str):
        return model, True
    if _hub_offline():
        raise EngineError(f"{model}: not in the local Hugging Face cache and HF_HUB_OFFLINE is set")
    reachable, reason = _hub_reachable()
    if not reachable:
        raise EngineError(f"{model}: not in the local cache and the Hugging Face Hub is unreachable ({reason})")
    return model, False


def _from_pretrained(model: str, torch_dtype, local_files_only: bool):
    """Tokenizer and model through the Auto classes; EngineError on failure.

    Weights are read from safetensors only and no code from the checkpoint
    is ever run (``use_safetensors=True``, ``trust_remote_code=False``): a
    pickle checkpoint (``pytorch_model.bin``) can execute code when loaded.
    """
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    _require_safetensors(model)
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        tokenizer = AutoTokenizer.from_pretrained(model, local_files_only=local_files_only, trust_remote_code=False)
        kwargs = {"local_files_only": local_files_only, "use_safetensors": True, "trust_remote_code": False}
        if torch_dtype is not None:
            kwargs["dtype"] = torch_dtype
        seq2seq = AutoModelForSeq2SeqLM.from_pretrained(model, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a broken checkpoint fails in library-specific ways (SafetensorError, ...)
        reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        if local_files_only and not Path(model).exists():
            raise EngineError(f"{model}: not found in the local cache ({reason})") from None
        raise EngineError(f"{model}: cannot load a seq2seq model ({reason})") from None
    return tokenizer, seq2seq


def _require_safetensors(model: str) -> None:
    """EngineError for a local model directory whose weights exist only as a pickle."""
    path = Path(model)
    if not path.is_dir() or any(path.glob("*.safetensors")) or (path / "model.safetensors.index.json").exists():
        return
    pickles = sorted(p.name for p in path.glob("*.bin")) + sorted(p.name for p in path.glob("*.pt*"))
    if pickles:
        raise EngineError(
            f"{model}: weights only as a pickle ({pickles[0]}), which can run code when loaded; "
            "only safetensors are loaded (convert it with transformers' save_pretrained(safe_serialization=True))"
        )
    raise EngineError(f"{model}: no model weights (model.safetensors) in the directory")


def _load_prompt(family: str, override: str | Path | None):
    """The prompt template and its rendering of an empty text; EngineError naming a bad template."""
    import jinja2

    from summarize.prompts import PromptError

    try:
        template = load_prompt_template(family, override)
        return template, template.render(text="")
    except PromptError as exc:
        raise EngineError(str(exc)) from None
    except jinja2.TemplateError as exc:  # an undefined variable shows when rendering
        raise EngineError(f"{override or family}: prompt template cannot be rendered ({exc.message or exc})") from None


def _check_generation(generation: dict, model, model_id: str) -> None:
    """EngineError for ``max_new_tokens`` beyond the decoder's learned positions.

    Models with absolute position embeddings (BART, PEGASUS, LED) cannot
    generate past them (an IndexError deep in generation otherwise); the
    decoder start token takes one position.
    """
    max_new = generation.get("max_new_tokens")
    config = model.config
    positions = getattr(config, "max_decoder_position_embeddings", None) or getattr(
        config, "max_position_embeddings", None)
    if max_new is None or not positions or getattr(config, "model_type", "") in ("t5", "mt5", "umt5"):
        return  # T5's relative positions have no such limit
    if max_new > positions - 1:
        raise EngineError(
            f"--max-new-tokens {max_new} is more than {model_id} can generate ({positions} decoder positions); "
            f"use at most {positions - 1}"
        )


def _quantize_int8(model, device: str):
    """Dynamic int8 quantisation of the Linear layers (weights int8, activations float)."""
    import torch

    if device != "cpu":
        raise EngineError(f"dtype int8 runs on the CPU only, not on {device}; use --device cpu or bfloat16")
    import warnings

    with warnings.catch_warnings():
        # torch 2.10+ deprecates eager quantisation in favour of torchao, which
        # is not a dependency here; the eager API still works in torch 2.13.
        warnings.simplefilter("ignore", category=DeprecationWarning)
        warnings.simplefilter("ignore", category=UserWarning)
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def _torch_dtype(dtype: str | None):
    import torch

    if dtype in (None, "", "auto", "float32", "fp32", "int8"):  # int8 quantises a float32 model
        return None
    choices = {"bfloat16": torch.bfloat16, "bf16": torch.bfloat16, "float16": torch.float16, "fp16": torch.float16}
    if dtype not in choices:
        raise EngineError(f"unknown dtype {dtype!r}: expected float32, bfloat16, float16 or int8")
    return choices[dtype]


def _looks_like_path(model: str) -> bool:
    return model.startswith((".", "/", "~")) or os.sep + os.sep in model or model.count("/") > 1


def _hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _hub_reachable(timeout: float = HUB_PROBE_TIMEOUT_S) -> tuple[bool, str]:
    """Whether a TCP connection to the hub endpoint opens within ``timeout`` seconds.

    Run in a thread because name resolution has no timeout of its own.
    """
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    parsed = urlparse(endpoint)
    host, port = parsed.hostname or "huggingface.co", parsed.port or (443 if parsed.scheme != "http" else 80)

    def connect() -> None:
        with socket.create_connection((host, port), timeout=timeout):
            pass

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        pool.submit(connect).result(timeout=timeout)
        return True, ""
    except concurrent.futures.TimeoutError:
        return False, f"no answer from {host} in {timeout:.0f} s"
    except OSError as exc:
        return False, f"{host}: {exc.strerror or exc}"
    finally:
        pool.shutdown(wait=False)
