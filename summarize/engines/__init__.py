"""Summarisation engines and the registry that maps CLI names to them.

``load_engine("extractive")``, ``load_engine("abstractive", model=...)``,
``load_engine("chat", model=...)`` and ``load_engine("openai", model=...,
base_url=...)`` build an engine; ``load_engine_with_fallback("auto", ...)``
picks the model engine the settings point to (``auto_engine``) and falls back
to the extractive one when it cannot be built, returning the reason so the
briefing can record it.

Options are plain settings (what ``BriefingOptions.engine_options`` gives);
each engine takes the ones its constructor names and ignores the rest, so one
set of options serves every engine.
"""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path

from summarize.engines.base import EngineError, Summarizer

# name -> "module:Class"; imported lazily so that the extractive engine never
# pays for importing torch and transformers.
ENGINES: dict[str, str] = {
    "abstractive": "summarize.engines.abstractive:AbstractiveSummarizer",
    "extractive": "summarize.engines.extractive:ExtractiveSummarizer",
    "lexrank": "summarize.engines.lexrank:LexRankSummarizer",
    "chat": "summarize.engines.chat:ChatSummarizer",
    "openai": "summarize.engines.openai_compat:OpenAISummarizer",
}
ENGINE_CHOICES = ("auto", "abstractive", "extractive", "chat", "openai")
MODEL_ENGINES = ("abstractive", "chat", "openai")  # engines that need a model


def engine_class(name: str) -> type[Summarizer]:
    """The engine class registered under ``name``; EngineError if unknown."""
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r}: expected one of {', '.join(ENGINES)}")
    module_name, class_name = ENGINES[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)


def load_engine(name: str, model: str | None = None, **options) -> Summarizer:
    """Build the engine ``name`` with ``model`` and the ``options`` its constructor takes.

    Raises EngineError (one-line message) when the engine cannot be built.
    """
    cls = engine_class(name)
    accepted = _accepted_options(cls, options)
    if name == "abstractive":
        from summarize.engines.abstractive import DEFAULT_MODEL

        return cls(model or DEFAULT_MODEL, **accepted)
    if name in MODEL_ENGINES:
        if not model:
            raise EngineError(f"the {name} engine needs --model (a hub id or local directory"
                              f"{'' if name == 'chat' else ', or the name the server knows'})")
        return cls(model, **accepted)
    return cls(**accepted)


def auto_engine(model: str | None = None, base_url: str | None = None) -> str:
    """The model engine ``auto`` tries: ``openai`` with a server URL, ``chat`` for a
    decoder-only model (its config read from the directory or the local cache),
    else ``abstractive``."""
    if base_url:
        return "openai"
    config = _local_config(model) if model else None
    if config and not config.get("is_encoder_decoder", False) and any(
        str(a).endswith("ForCausalLM") for a in config.get("architectures") or ()
    ):
        return "chat"
    return "abstractive"


def load_engine_with_fallback(name: str = "auto", model: str | None = None, **options) -> tuple[Summarizer, str | None]:
    """Build an engine; with ``auto``, fall back to extractive if the model engine fails.

    Returns the engine and the fallback reason (None when no fallback happened).
    Any other name raises EngineError on failure instead of falling back.
    """
    if name != "auto":
        return load_engine(name, model, **options), None
    try:
        return load_engine(auto_engine(model, options.get("base_url")), model, **options), None
    except EngineError as exc:
        return load_engine("extractive"), str(exc)


def _accepted_options(cls: type, options: dict) -> dict:
    """The options ``cls``'s constructor names (all of them if it takes ``**kwargs``).

    ``language`` (the language to write in) goes only to engines that can
    write in another language than their input's (``writes_language``).
    """
    if not getattr(cls, "writes_language", False):
        options = {k: v for k, v in options.items() if k != "language"}
    parameters = inspect.signature(cls.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return dict(options)
    return {k: v for k, v in options.items() if k in parameters}


def _local_config(model: str) -> dict | None:
    """``config.json`` of a model directory or a cached hub id, without touching the network."""
    path = Path(model).expanduser() / "config.json"
    try:
        if not path.is_file():
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(model, "config.json")
            if not isinstance(cached, str):
                return None
            path = Path(cached)
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return config if isinstance(config, dict) else None


__all__ = [
    "ENGINES", "ENGINE_CHOICES", "EngineError", "MODEL_ENGINES", "Summarizer", "auto_engine", "engine_class",
    "load_engine", "load_engine_with_fallback",
]
