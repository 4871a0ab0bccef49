"""Summarisation engines and the registry that maps CLI names to them.

``load_engine("extractive")`` and ``load_engine("abstractive", model=...)``
build an engine; ``load_engine_with_fallback("auto", ...)`` tries the
abstractive engine and falls back to the extractive one when the model cannot
be loaded, returning the reason so the briefing can record it.
"""

from __future__ import annotations

import importlib

from summarize.engines.base import EngineError, Summarizer

# name -> "module:Class"; imported lazily so that the extractive engine never
# pays for importing torch and transformers.
ENGINES: dict[str, str] = {
    "abstractive": "summarize.engines.abstractive:AbstractiveSummarizer",
    "extractive": "summarize.engines.extractive:ExtractiveSummarizer",
    "lexrank": "summarize.engines.lexrank:LexRankSummarizer",
}
ENGINE_CHOICES = ("auto", "abstractive", "extractive")


def engine_class(name: str) -> type[Summarizer]:
    """The engine class registered under ``name``; EngineError if unknown."""
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r}: expected one of {', '.join(ENGINES)}")
    module_name, class_name = ENGINES[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)


def load_engine(name: str, model: str | None = None, **options) -> Summarizer:
    """Build the engine ``name``. ``model`` and ``options`` go to abstractive engines only.

    Raises EngineError (one-line message) when the engine cannot be built.
    """
    cls = engine_class(name)
    if name == "abstractive":
        from summarize.engines.abstractive import DEFAULT_MODEL

        return cls(model or DEFAULT_MODEL, **options)
    return cls()


def load_engine_with_fallback(name: str = "auto", model: str | None = None, **options) -> tuple[Summarizer, str | None]:
    """Build an engine; with ``auto``, fall back to extractive if the model fails.

    Returns the engine and the fallback reason (None when no fallback happened).
    Any other name raises EngineError on failure instead of falling back.
    """
    if name != "auto":
        return load_engine(name, model, **options), None
    try:
        return load_engine("abstractive", model, **options), None
    except EngineError as exc:
        return load_engine("extractive"), str(exc)


__all__ = ["ENGINES", "ENGINE_CHOICES", "EngineError", "Summarizer", "engine_class", "load_engine", "load_engine_with_fallback"]
