"""CTranslate2 backend of the abstractive engine: convert once, cache, decode fast.

``CT2Seq2Seq`` stands where the torch model stands in ``AbstractiveSummarizer``:
it has the model's ``config`` and ``generation_config`` and a ``generate``
that takes the tokenised batch and the generation overrides and returns token
ids shaped as torch's ``generate`` returns them (decoder start token first,
forced BOS/EOS in place, padded with the pad id), so that decoding and token
counting stay shared with the torch path. The torch weights are not kept: after
conversion only the tokenizer (held by the engine) and the CTranslate2 model
are in memory.

Conversion (``converted_model``) runs once per checkpoint, compute type and
CTranslate2 version: the converted model is cached under
``$XDG_CACHE_HOME/briefing/ct2/<key>`` (``~/.cache/briefing/ct2`` when the
variable is unset). It is written into a temporary folder beside the cache
entry and renamed into place, under a file lock, so two processes converting
at once never see a half-written model; an entry whose files do not match its
completion record (a crash, a truncated copy) or that CTranslate2 cannot load
is converted again.

Families: BART, PEGASUS, T5/FLAN-T5 and mT5. Not LED (CTranslate2 has no
converter for its sparse attention).

Generation settings, read from the checkpoint's ``generation_config`` and the
engine's overrides, map to ``Translator.translate_batch`` as follows:

============================  =========================================================
transformers                  CTranslate2
============================  =========================================================
num_beams                     beam_size
max_new_tokens / max_length   max_decoding_length (max_length less the start token)
min_new_tokens / min_length   min_decoding_length (min_length less the start token)
length_penalty                length_penalty
no_repeat_ngram_size          no_repeat_ngram_size
repetition_penalty            repetition_penalty
forced_bos_token_id           target_prefix (the first generated token)
forced_eos_token_id           the last token is EOS when the length limit is reached
eos_token_id                  end_token
suppress_tokens, bad_words    suppress_sequences
do_sample, top_k, top_p,      sampling_topk, sampling_topp, sampling_temperature
temperature                   (greedy only: beam sampling is refused)
============================  =========================================================

Ignored, because they change nothing in the tokens returned or have no
equivalent worth refusing over: ``early_stopping`` (CTranslate2 stops a beam
search when ``num_beams`` hypotheses are finished, which is transformers'
``early_stopping=True``; with ``False`` transformers may search a little longer
and occasionally pick another beam), ``use_cache``, ``output_*``,
``return_dict_in_generate``, ``renormalize_logits``, ``remove_invalid_values``,
``cache_implementation``, and model inputs such as ``past_key_values``.
Refused with a one-line EngineError (use the torch backend for them): more
than one returned sequence, diverse (group) beam search, contrastive search,
constrained decoding (``force_words_ids``, ``constraints``), typical/epsilon/
eta/min-p sampling, ``begin_suppress_tokens``, ``sequence_bias``, encoder
n-gram or repetition penalties, exponential length decay, ``max_time``,
``stop_strings``, ``forced_decoder_ids``, sampling with beams, and a decoder
start token other than the one the model was converted with.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from summarize.engines.base import EngineError

BACKENDS = ("auto", "torch", "ctranslate2")
# model_type -> family name used in messages. LED is absent: no converter.
SUPPORTED_MODEL_TYPES = {"bart": "BART", "pegasus": "PEGASUS", "t5": "T5", "mt5": "mT5"}
# Bump when the conversion itself changes (e.g. the config defaults below), so old entries are not reused.
CACHE_FORMAT = 1
COMPLETE_MARKER = "briefing-complete.json"
# The configs and tokenizer class a conversion was first loaded with (see write_load_record).
LOAD_RECORD = "briefing-load.json"
# Files whose content decides the converted model: config, weights, tokenizer (the vocabulary is taken from it).
KEY_FILES = (
    "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "vocab.json",
    "merges.txt", "spiece.model", "sentencepiece.bpe.model", "special_tokens_map.json", "added_tokens.json",
)
# What transformers' BART actually computes (post-norm, a layer norm on the embeddings, no final layer norm).
# Real checkpoints' config.json spell these out; configs saved by transformers 5 omit them, and the
# converter reads ``normalize_before`` without a default.
BART_CONFIG_DEFAULTS = {"normalize_before": False, "normalize_embedding": True, "add_final_layer_norm": False}

# generation_config attribute -> the values CTranslate2 can honour (anything else is refused).
_REFUSED_UNLESS = {
    "num_return_sequences": (None, 1),
    "num_beam_groups": (None, 1),
    "diversity_penalty": (None, 0.0),
    "penalty_alpha": (None,),
    "force_words_ids": (None,),
    "constraints": (None,),
    "typical_p": (None, 1.0),
    "epsilon_cutoff": (None, 0.0),
    "eta_cutoff": (None, 0.0),
    "min_p": (None,),
    "begin_suppress_tokens": (None,),
    "sequence_bias": (None,),
    "encoder_no_repeat_ngram_size": (None, 0),
    "encoder_repetition_penalty": (None, 1.0),
    "exponential_decay_length_penalty": (None,),
    "max_time": (None,),
    "stop_strings": (None,),
    "forced_decoder_ids": (None,),
    "guidance_scale": (None, 1.0),
}


def available() -> bool:
    """Whether the ctranslate2 package (the ``[ct2]`` extra) imports; a broken install counts as absent."""
    try:
        import ctranslate2  # noqa: F401
    except (ImportError, OSError):  # OSError: a shared library of the wheel missing
        return False
    return True


def pick_backend(backend: str | None, config, generation_config, device: str, dtype: str | None, model_id: str) -> str:
    """The backend to run on: "torch" or "ctranslate2".

    ``auto`` picks CTranslate2 when it is installed, the model family is one
    it converts, the device is one it runs on, the generation settings are
    ones it honours and ``dtype`` is not a torch precision the user chose
    (float32, bfloat16, float16); otherwise torch. ``ctranslate2`` raises
    EngineError (one line) for whichever of those does not hold.
    """
    backend = (backend or "auto").lower()
    if backend not in BACKENDS:
        raise EngineError(f"unknown backend {backend!r}: expected {', '.join(BACKENDS)}")
    if backend == "torch":
        return "torch"
    reason = _unsupported(config, generation_config, device, model_id)
    if backend == "ctranslate2":
        if reason:
            raise EngineError(reason)
        compute_type(dtype, device)  # an unsupported precision fails here, before any conversion
        return "ctranslate2"
    torch_only = dtype not in (None, "", "auto", "int8")
    return "torch" if reason or torch_only else "ctranslate2"


def _unsupported(config, generation_config, device: str, model_id: str) -> str | None:
    """Why the ctranslate2 backend cannot run this model here, or None."""
    if not available():
        return "the ctranslate2 backend needs the ctranslate2 package: pip install 'briefing[ct2]'"
    model_type = getattr(config, "model_type", "") or ""
    if model_type not in SUPPORTED_MODEL_TYPES:
        return (f"{model_id}: the ctranslate2 backend runs BART, PEGASUS and T5 models, not {model_type or 'this model'}; "
                "use --backend torch")
    kind = device.split(":")[0]
    if kind not in ("cpu", "cuda"):
        return f"the ctranslate2 backend runs on cpu or cuda, not {device}; use --backend torch"
    if kind == "cuda":
        import ctranslate2

        if ctranslate2.get_cuda_device_count() == 0:
            return "this ctranslate2 build sees no CUDA device; use --device cpu or --backend torch"
    try:
        translate_options(generation_config, config)
    except EngineError as exc:
        return f"{model_id}: {exc}"
    return None


def compute_type(dtype: str | None, device: str) -> str:
    """CTranslate2's compute type for the engine's ``dtype`` on ``device``.

    Default (None/auto): int8 on the CPU, float16 on CUDA. ``int8`` is
    int8_float16 on CUDA. EngineError when this machine's CTranslate2 cannot
    compute in that type (rather than silently falling back to another).
    """
    import ctranslate2

    cuda = device.startswith("cuda")
    aliases = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}
    dtype = aliases.get(dtype or "", dtype)
    if dtype in (None, "", "auto"):
        chosen = "float16" if cuda else "int8"
    elif dtype == "int8":
        chosen = "int8_float16" if cuda else "int8"
    elif dtype in ("float32", "bfloat16", "float16"):
        chosen = dtype
    else:
        raise EngineError(f"unknown dtype {dtype!r}: expected float32, bfloat16, float16 or int8")
    kind = "cuda" if cuda else "cpu"
    supported = ctranslate2.get_supported_compute_types(kind)
    if chosen not in supported:
        raise EngineError(
            f"dtype {dtype}: ctranslate2 on this {kind} computes in {', '.join(sorted(supported))}, not {chosen}"
        )
    return chosen


def translate_options(generation_config, config=None) -> dict:
    """``translate_batch`` keyword arguments for a transformers GenerationConfig (see the module's table).

    Returns the options plus four private keys, token ids the caller turns
    into tokens: ``_forced_bos_id``, ``_forced_eos_id``, ``_end_ids`` and
    ``_suppress_ids``. Raises EngineError naming a setting CTranslate2
    cannot honour.
    """
    g = generation_config
    for name, allowed in _REFUSED_UNLESS.items():
        value = getattr(g, name, None)
        if value not in allowed and not (isinstance(value, (list, dict)) and not value):
            raise EngineError(f"the ctranslate2 backend cannot honour generation setting {name}={value!r}; "
                              "use --backend torch")
    beams = int(getattr(g, "num_beams", None) or 1)
    sampling = bool(getattr(g, "do_sample", False))
    if sampling and beams > 1:
        raise EngineError(f"the ctranslate2 backend cannot sample with beams (do_sample with num_beams={beams}); "
                          "use --backend torch")
    start = getattr(g, "decoder_start_token_id", None)
    converted_start = getattr(config, "decoder_start_token_id", None) if config is not None else None
    if start is not None and converted_start is not None and start != converted_start:
        raise EngineError(f"the ctranslate2 backend cannot honour generation setting decoder_start_token_id={start!r} "
                          f"(the model's config has {converted_start}); use --backend torch")
    if getattr(g, "max_new_tokens", None) is not None:
        max_new = int(g.max_new_tokens)
    else:  # max_length counts the decoder start token
        max_new = max(1, int(getattr(g, "max_length", None) or 20) - 1)
    if getattr(g, "min_new_tokens", None) is not None:
        min_new = int(g.min_new_tokens)
    else:
        min_new = max(0, int(getattr(g, "min_length", None) or 0) - 1)
    options = {
        "beam_size": beams,
        "max_decoding_length": max_new,
        "min_decoding_length": min(min_new, max_new),
        "length_penalty": 1.0 if getattr(g, "length_penalty", None) is None else float(g.length_penalty),
        "no_repeat_ngram_size": int(getattr(g, "no_repeat_ngram_size", None) or 0),
        "repetition_penalty": float(getattr(g, "repetition_penalty", None) or 1.0),
        "max_input_length": 0,  # no truncation: the engine checks the model's input limit itself
        "return_end_token": True,  # so an ended hypothesis can be told from one cut at the length limit
    }
    if sampling:
        top_k = getattr(g, "top_k", None)
        options.update(sampling_topk=int(top_k) if top_k else 0, sampling_topp=float(getattr(g, "top_p", None) or 1.0),
                       sampling_temperature=float(getattr(g, "temperature", None) or 1.0))
    eos = getattr(g, "eos_token_id", None)
    options["_end_ids"] = [eos] if isinstance(eos, int) else list(eos or [])
    options["_forced_bos_id"] = getattr(g, "forced_bos_token_id", None)
    options["_forced_eos_id"] = getattr(g, "forced_eos_token_id", None)
    suppress = [[t] for t in getattr(g, "suppress_tokens", None) or []]
    suppress += [list(seq) for seq in getattr(g, "bad_words_ids", None) or []]
    options["_suppress_ids"] = suppress
    return options


def model_source(location: str, local_files_only: bool) -> Path:
    """The folder holding the checkpoint's files: ``location`` itself, or the hub cache's snapshot of a hub id."""
    path = Path(location).expanduser()
    if path.is_dir():
        return path
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(location, local_files_only=local_files_only,
                                      allow_patterns=["*.json", "*.safetensors", "*.model", "*.txt"]))
    except Exception as exc:  # noqa: BLE001 - hub errors come in many types
        raise EngineError(f"{location}: cannot get the checkpoint's files ({str(exc).splitlines()[0][:200]})") from None


def cache_root(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/briefing/ct2`` (``~/.cache/briefing/ct2`` when unset)."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "briefing" / "ct2"


def cache_key(source: Path, quantization: str) -> str:
    """Hash of the checkpoint's config, its weight and tokenizer files' sizes and mtimes, the
    CTranslate2 version and the quantization: a changed checkpoint or library gets a new entry."""
    import ctranslate2

    digest = hashlib.sha256(f"format={CACHE_FORMAT};ct2={ctranslate2.__version__};q={quantization}".encode())
    digest.update((source / "config.json").read_bytes())
    files = sorted({p for p in source.glob("*.safetensors")} | {source / n for n in KEY_FILES}
                   | {source / "model.safetensors.index.json"})
    for path in files:
        if path.is_file():
            stat = path.stat()  # follows the hub cache's symlinks to the blobs
            digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:24]


def converted_model(source: Path, quantization: str, root: Path | None = None) -> tuple[Path, bool]:
    """The cached CTranslate2 conversion of the checkpoint in ``source``: (folder, converted now).

    Converts when no complete entry exists (or the one there is broken),
    atomically: into a temporary folder, then renamed into place, while holding
    a lock on the entry so that a second process waits and reuses the result.
    """
    root = root or cache_root()
    key = cache_key(source, quantization)
    entry = root / key
    if is_complete(entry):
        return entry, False
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EngineError(f"{root}: cannot create the ctranslate2 model cache ({exc.strerror or exc})") from None
    with _locked(root / f"{key}.lock"):
        if is_complete(entry):  # another process converted it while we waited
            return entry, False
        discard(entry)
        staging = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
        try:
            output = staging / "model"
            _convert(source, output, quantization)
            files = {p.name: p.stat().st_size for p in output.iterdir() if p.is_file()}
            (output / COMPLETE_MARKER).write_text(json.dumps({
                "source": str(source), "quantization": quantization, "files": files,
            }, indent=1), encoding="utf-8")
            os.rename(output, entry)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return entry, True


def is_complete(entry: Path) -> bool:
    """Whether ``entry`` holds a finished conversion: its completion record matches its files."""
    try:
        record = json.loads((entry / COMPLETE_MARKER).read_text(encoding="utf-8"))
        files = record["files"]
        return "model.bin" in files and all((entry / name).stat().st_size == size for name, size in files.items())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def discard(entry: Path) -> None:
    """Remove a (broken) cache entry: renamed aside first, so no reader sees it half-deleted."""
    if not entry.exists():
        return
    aside = entry.with_name(f".{entry.name}.discarded.{os.getpid()}")
    try:
        os.rename(entry, aside)
    except OSError:
        return  # someone else moved it first
    shutil.rmtree(aside, ignore_errors=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` (POSIX); without fcntl the rename alone keeps entries whole."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _convert(source: Path, output: Path, quantization: str) -> None:
    """Run CTranslate2's converter on ``source`` (safetensors only, no remote code); EngineError on failure."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        _converter_class()(str(source)).convert(str(output), quantization=quantization)
    except EngineError:
        raise
    except Exception as exc:  # noqa: BLE001 - the converter fails in library-specific ways
        reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise EngineError(f"{source}: cannot convert to ctranslate2 ({reason})") from None
    finally:
        gc.collect()  # the torch model the converter loaded is not needed any more


def _converter_class():
    """The converter subclass, built on first use: importing ctranslate2's converters imports torch and transformers."""
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):
        """TransformersConverter that loads safetensors only, fills in the BART config keys that
        configs saved by transformers 5 omit, and pads a vocabulary shorter than the embedding."""

        def load_model(self, model_class, model_name_or_path, **kwargs):
            kwargs.update(use_safetensors=True, trust_remote_code=False)
            model = model_class.from_pretrained(model_name_or_path, **kwargs)
            if model.config.model_type == "bart":
                for name, value in BART_CONFIG_DEFAULTS.items():
                    if getattr(model.config, name, None) is None:
                        setattr(model.config, name, value)
            self._vocab_size = model.config.vocab_size
            return model

        def load_tokenizer(self, tokenizer_class, model_name_or_path, **kwargs):
            tokenizer = tokenizer_class.from_pretrained(model_name_or_path, **kwargs)
            return _PaddedVocabulary(tokenizer, self._vocab_size)

    return Converter


class _PaddedVocabulary:
    """A tokenizer whose vocabulary is padded with placeholder tokens up to the model's embedding size.

    The converter takes the vocabulary from the tokenizer; a checkpoint whose
    embedding has more rows than its tokenizer has tokens (common: rows
    rounded up, or a small tokenizer on a large random model) would otherwise
    fail to convert. The placeholders are never fed in; if the model
    generates one, its id is returned like torch would return it.
    """

    def __init__(self, tokenizer, size: int):
        self._tokenizer = tokenizer
        self._size = size

    def __getattr__(self, name):
        return getattr(self._tokenizer, name)

    def get_vocab(self):
        vocab = dict(self._tokenizer.get_vocab())
        taken = set(vocab.values())
        for index in range(self._size):
            if index not in taken:
                vocab[f"<briefing_unused_{index}>"] = index
        return vocab


class CT2Seq2Seq:
    """A converted seq2seq model behind a torch-like ``generate``.

    Attributes: ``config`` and ``generation_config`` (transformers objects
    read from the checkpoint), ``compute_type`` and ``dtype`` (the compute type
    CTranslate2 actually uses), ``path`` (the cache entry), ``converted``
    (whether this load ran the conversion).
    """

    def __init__(self, source: Path, config, generation_config, *, device: str, dtype: str | None,
                 threads: int | None, model_id: str, root: Path | None = None):
        import ctranslate2

        self.config = config
        self.generation_config = generation_config
        self.model_id = model_id
        requested = compute_type(dtype, device)
        kind, _, index = device.partition(":")
        self.path, self.converted = converted_model(source, requested, root)
        options = {"device": kind, "device_index": int(index or 0), "compute_type": requested,
                   "intra_threads": threads or 0, "inter_threads": 1}
        try:
            self._translator = ctranslate2.Translator(str(self.path), **options)
        except Exception:  # noqa: BLE001 - a damaged model.bin raises RuntimeError, IndexError, ...: convert again
            discard(self.path)
            self.path, self.converted = converted_model(source, requested, root)
            try:
                self._translator = ctranslate2.Translator(str(self.path), **options)
            except Exception as exc:  # noqa: BLE001
                raise EngineError(f"{model_id}: ctranslate2 cannot load the converted model "
                                  f"({str(exc).splitlines()[0][:200]})") from None
        self.compute_type = self._translator.compute_type
        self.dtype = self.compute_type
        self.device = device
        self.vocabulary = _read_vocabulary(self.path)
        self._ids = {token: index for index, token in reversed(list(enumerate(self.vocabulary)))}

    def generate(self, input_ids, attention_mask=None, **settings):
        """Token ids for a padded batch, laid out as torch's ``generate`` returns them.

        ``input_ids`` and ``attention_mask`` are rows of ids (nested lists, a
        numpy array or a torch tensor). Returns an int64 numpy array (rows ×
        longest output), not a torch tensor, so that this backend never needs
        torch at run time; it has ``shape``, slicing and ``tolist()`` as a
        tensor has, and the tokenizer decodes it. ``settings`` are
        generation_config overrides; keys that are not generation settings
        (torch model inputs such as a cache) are ignored.
        """
        import copy

        import numpy

        generation = copy.deepcopy(self.generation_config)
        generation.update(**settings)  # returns the keys it does not know: model inputs, ignored here
        options = translate_options(generation, self.config)
        pad = _first_id(generation.pad_token_id, self.config.pad_token_id, 0)
        start = _first_id(generation.decoder_start_token_id, self.config.decoder_start_token_id, pad)
        end_ids = options.pop("_end_ids")
        forced_bos, forced_eos = options.pop("_forced_bos_id"), options.pop("_forced_eos_id")
        suppress = options.pop("_suppress_ids")
        if end_ids:
            options["end_token"] = [self.vocabulary[i] for i in end_ids]
        if suppress:
            options["suppress_sequences"] = [[self.vocabulary[i] for i in seq] for seq in suppress]
        ids = _rows(input_ids)
        mask = _rows(attention_mask) if attention_mask is not None else [[1] * len(row) for row in ids]
        source = [[self.vocabulary[i] for i, keep in zip(row, keep_row) if keep] for row, keep_row in zip(ids, mask)]
        prefix = [[self.vocabulary[forced_bos]] for _ in source] if forced_bos is not None else None
        results = self._translator.translate_batch(source, target_prefix=prefix, **options)
        rows = []
        for result in results:
            row = [start] + [self._ids[token] for token in result.hypotheses[0]]
            cut = not (len(row) > 1 and row[-1] in end_ids)
            if cut and forced_eos is not None and len(row) - 1 >= options["max_decoding_length"]:
                row[-1] = forced_eos  # transformers forces EOS as the last token at the length limit
            rows.append(row)
        width = max(len(row) for row in rows)
        return numpy.array([row + [pad] * (width - len(row)) for row in rows], dtype=numpy.int64)


def load(location: str, local_files_only: bool, config, generation_config, *, device: str, dtype: str | None,
         threads: int | None, model_id: str) -> CT2Seq2Seq:
    """The CTranslate2 model for a checkpoint (converted and cached on first use); EngineError on failure."""
    return CT2Seq2Seq(model_source(location, local_files_only), config, generation_config,
                      device=device, dtype=dtype, threads=threads, model_id=model_id)


def load_configs(location: str, local_files_only: bool, model_id: str):
    """The checkpoint's config and generation_config, without loading weights.

    The generation_config is ``generation_config.json`` when the checkpoint
    has one, else derived from ``config.json`` (as ``from_pretrained`` does
    for old checkpoints that keep beams and lengths there). Imports torch
    (transformers' ``AutoConfig`` does); ``read_load_record`` does not.
    """
    from transformers import AutoConfig, GenerationConfig

    try:
        config = AutoConfig.from_pretrained(location, local_files_only=local_files_only, trust_remote_code=False)
    except Exception as exc:  # noqa: BLE001
        raise EngineError(f"{model_id}: cannot read the model's config ({str(exc).splitlines()[0][:200]})") from None
    try:
        generation = GenerationConfig.from_pretrained(location, local_files_only=local_files_only)
    except (OSError, ValueError):
        generation = GenerationConfig.from_model_config(config)
    return config, generation


class RecordedConfig:
    """A model config read back from a load record: ``config.to_dict()`` as attributes.

    Stands where the transformers config stood for everything the CTranslate2
    path reads (``model_type``, token ids, position limits); like a config,
    ``getattr(config, name, default)`` gives the default for a key it lacks.
    """

    def __init__(self, values: Mapping[str, object]):
        self._values = dict(values)

    def __getattr__(self, name: str):
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def to_dict(self) -> dict:
        return dict(self._values)


@dataclass(frozen=True)
class LoadRecord:
    """What loading a checkpoint for this backend found the first time, kept beside its conversion.

    ``config`` and ``generation_config`` as ``load_configs`` read them, and
    ``tokenizer_class`` ("module:Name", a transformers class) as
    ``AutoTokenizer`` chose it. Loading from the record instead spares
    importing torch, which transformers' ``AutoConfig`` and ``AutoTokenizer``
    do: about a second and 200 MB of every run.
    """

    config: RecordedConfig
    generation_config: object
    tokenizer_class: str | None


def write_load_record(entry: Path, config, generation_config, tokenizer) -> None:
    """Record ``config``, ``generation_config`` and ``tokenizer``'s class in the cache entry ``entry``.

    Written atomically (a temporary file renamed into place), with the
    transformers version that derived them. Does nothing when the configs
    came from a record or a usable record is there; replaces a damaged one
    or one from another transformers version; gives up silently when the
    entry cannot be written (the record only saves time). A tokenizer class
    from outside transformers is not recorded (the next load goes through
    AutoTokenizer).
    """
    path = entry / LOAD_RECORD
    if isinstance(config, RecordedConfig) or not hasattr(config, "to_dict") or _usable_record(path) is not None:
        return
    cls = type(tokenizer)
    tokenizer_class = f"{cls.__module__}:{cls.__qualname__}" if cls.__module__.startswith("transformers.") else None
    record = {"transformers": _transformers_version(), "config": config.to_dict(),
              "generation_config": generation_config.to_dict(), "tokenizer_class": tokenizer_class}
    handle = None
    try:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=entry, prefix=".record.", delete=False) as handle:
            json.dump(record, handle, default=str)
        os.replace(handle.name, path)
    except (OSError, TypeError, ValueError):
        if handle is not None:
            with contextlib.suppress(OSError):
                os.unlink(handle.name)


def read_load_record(location: str, local_files_only: bool, device: str, dtype: str | None,
                     root: Path | None = None) -> LoadRecord | None:
    """The load record of this checkpoint's cached conversion for ``device`` and ``dtype``, or None.

    None unless CTranslate2 is installed, the checkpoint's files are local,
    its conversion is complete in the cache, and the record was written by
    the transformers version installed now (another version may derive the
    generation_config or pick the tokenizer differently). Imports
    transformers' ``GenerationConfig``, not torch.
    """
    if not available():
        return None
    try:
        source = model_source(location, local_files_only)
        entry = (root or cache_root()) / cache_key(source, compute_type(dtype, device))
        record = _usable_record(entry / LOAD_RECORD) if is_complete(entry) else None
        if record is None:
            return None
        from transformers import GenerationConfig

        return LoadRecord(RecordedConfig(record["config"]), GenerationConfig.from_dict(record["generation_config"]),
                          record.get("tokenizer_class"))
    except (EngineError, OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _usable_record(path: Path) -> dict | None:
    """The load record at ``path`` when it reads as one written by this transformers version, else None."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("transformers") != _transformers_version():
        return None
    if not isinstance(record.get("config"), dict) or not isinstance(record.get("generation_config"), dict):
        return None
    return record


def _transformers_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("transformers")
    except PackageNotFoundError:
        return ""


def _rows(ids) -> list[list[int]]:
    """Rows of ids from nested lists, a numpy array or a torch tensor."""
    return [list(row) for row in (ids.tolist() if hasattr(ids, "tolist") else ids)]


def _read_vocabulary(path: Path) -> list[str]:
    for name in ("shared_vocabulary.json", "target_vocabulary.json"):
        if (path / name).is_file():
            return json.loads((path / name).read_text(encoding="utf-8"))
    for name in ("shared_vocabulary.txt", "target_vocabulary.txt"):
        if (path / name).is_file():
            return (path / name).read_text(encoding="utf-8").split("\n")
    raise EngineError(f"{path}: converted model without a vocabulary file")


def _first_id(*candidates: int | Sequence[int] | None) -> int:
    for candidate in candidates:
        if isinstance(candidate, int):
            return candidate
        if candidate:
            return int(candidate[0])
    return 0
