"""The summarisation systems ``briefing bench`` compares, behind one registry.

A system turns the documents of one example into a summary of at most about
``max_words`` words. ``SYSTEMS`` maps a spec's name to a builder; a spec is
``NAME`` or ``NAME:ARG``:

- ``lead``: the first sentences of the documents, round-robin (first sentence
  of each document, then the second of each, ...), exact repeats skipped;
  sentences that would pass the budget are skipped (the rule ``extractive``
  and ``lexrank`` use), and at least one sentence is kept.
- ``extractive``: the pipeline's extractive engine;
- ``lexrank``: sumy's LexRank engine (``summarize.engines.lexrank``);
- ``abstractive:MODEL``: a seq2seq model id or directory;
- ``chat:MODEL``: a decoder-only chat model id or directory (transformers);
- ``openai:MODEL@URL``: the model ``MODEL`` on the OpenAI-compatible server
  at ``URL`` (``openai:qwen3:4b@http://localhost:11434/v1``).

Engine systems report what the factual guard did on their last example
(``guard_counts``: sentences checked, sentences removed).

Engine systems run the pipeline's own path, ``summarize.fuse.summarize_documents``
(chunk, summarise, fuse), so a benchmark measures what a briefing does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from summarize.sentences import sentence_key, split_sentences, word_count


class SystemError_(RuntimeError):
    """A system spec that cannot be built; the message is one line for users."""


class System(Protocol):
    name: str  # the spec as given ("abstractive:/models/bart")

    def summarize(self, documents: Sequence[str], max_words: int) -> str: ...

    def describe(self) -> dict: ...


@dataclass(frozen=True)
class SystemOptions:
    """Settings passed to every builder; engines take what applies to them."""

    threads: int | None = None
    device: str | None = None
    batch_size: int = 4
    backend: str = "auto"  # abstractive: auto | torch | ctranslate2
    max_words: int = 120  # the budget instruction engines reserve answer room for
    context_tokens: int | None = None  # chat/openai: prompt plus answer per call
    tokenizer: str | None = None  # openai: tokenizer to count the served model's tokens with
    max_concurrency: int = 4  # openai: requests in flight
    timeout: float = 120.0  # openai: seconds per request
    api_key_env: str = "OPENAI_API_KEY"  # openai: variable holding the API key


def round_robin_lead(per_document: Sequence[Sequence[str]], max_words: int) -> list[str]:
    """The lead baseline's sentences: each document's first, then each one's second, ...

    Repeats (same words, ignoring case and punctuation) and sentences that
    would pass ``max_words`` are skipped; when not even one fits, the first
    sentence, whole.
    """
    depth = max((len(p) for p in per_document), default=0)
    order = [p[k] for k in range(depth) for p in per_document if k < len(p)]
    chosen: list[str] = []
    seen: set[str] = set()
    used = 0
    for sentence in order:
        key = sentence_key(sentence)
        n = word_count(sentence)
        if not key or key in seen or used + n > max_words:
            continue
        seen.add(key)
        chosen.append(sentence)
        used += n
    if not chosen and order:  # not even one sentence fits: the first one, whole
        chosen = [order[0]]
    return chosen


class LeadSystem:
    """Round-robin lead baseline (see module doc)."""

    def __init__(self, spec: str = "lead") -> None:
        self.name = spec

    def summarize(self, documents: Sequence[str], max_words: int) -> str:
        return " ".join(round_robin_lead([split_sentences(d) for d in documents], max_words))

    def describe(self) -> dict:
        return {"system": self.name, "kind": "lead", "rule": "first sentences round-robin across documents"}


class EngineSystem:
    """A pipeline engine run through ``summarize_documents`` (chunk, summarise, fuse)."""

    def __init__(self, spec: str, engine) -> None:
        self.name = spec
        self.engine = engine
        self.guard_counts: tuple[int, int] | None = None  # last example: sentences checked, removed
        self.usage: dict | None = None  # last example: the model engine's generate calls and tokens, else None

    def summarize(self, documents: Sequence[str], max_words: int) -> str:
        from summarize.fuse import summarize_cluster

        engine_usage = getattr(self.engine, "usage", None)
        before = engine_usage.as_dict() if engine_usage is not None else None
        story = summarize_cluster(list(documents), self.engine, max_words)
        self.guard_counts = (story.factual["guarded_sentences"], len(story.factual["removed_sentences"]))
        self.usage = engine_usage.since(before) if engine_usage is not None else None
        return story.summary

    def describe(self) -> dict:
        info = {"system": self.name, "kind": "engine"}
        info.update(self.engine.describe())
        return info


def _engine_system(engine_name: str, needs_model: bool) -> Callable[[str, str | None, SystemOptions], System]:
    def build(spec: str, arg: str | None, options: SystemOptions) -> System:
        from summarize.engines import EngineError, load_engine

        usage = f"{engine_name}:MODEL@URL" if engine_name == "openai" else f"{engine_name}:MODEL_ID_OR_DIR"
        if needs_model and not arg:
            raise SystemError_(f"system {spec!r}: give the model as {usage}")
        if not needs_model and arg:
            raise SystemError_(f"system {spec!r}: {engine_name} takes no argument")
        kwargs = {}
        if needs_model:
            kwargs = {
                "threads": options.threads, "device": options.device, "batch_size": options.batch_size,
                "backend": options.backend, "max_words": options.max_words, "context_tokens": options.context_tokens,
                "tokenizer": options.tokenizer, "max_concurrency": options.max_concurrency,
                "timeout": options.timeout, "api_key_env": options.api_key_env,
            }
        if engine_name == "openai":
            arg, kwargs["base_url"] = split_model_url(arg or "")
            if not arg or not kwargs["base_url"]:
                raise SystemError_(f"system {spec!r}: give the model and server as {usage}, e.g. openai:qwen3:4b@http://localhost:11434/v1")
        try:
            engine = load_engine(engine_name, arg, **kwargs)
        except EngineError as exc:
            raise SystemError_(f"system {spec!r}: {exc}") from None
        return EngineSystem(spec, engine)

    return build


def _lead(spec: str, arg: str | None, options: SystemOptions) -> System:
    if arg:
        raise SystemError_(f"system {spec!r}: lead takes no argument")
    return LeadSystem(spec)


# name -> builder(spec, arg, options)
SYSTEMS: dict[str, Callable[[str, str | None, SystemOptions], System]] = {
    "lead": _lead,
    "extractive": _engine_system("extractive", needs_model=False),
    "lexrank": _engine_system("lexrank", needs_model=False),
    "abstractive": _engine_system("abstractive", needs_model=True),
    "chat": _engine_system("chat", needs_model=True),
    "openai": _engine_system("openai", needs_model=True),
}


def split_model_url(arg: str) -> tuple[str, str | None]:
    """``"qwen3:4b@http://host:11434/v1"`` -> ``("qwen3:4b", "http://host:11434/v1")``.

    Split at the last ``@`` that starts an http(s) URL, so model names may hold ``@`` and ``:``.
    """
    at = max(arg.rfind("@http://"), arg.rfind("@https://"))
    return (arg, None) if at < 0 else (arg[:at], arg[at + 1:])


def parse_spec(spec: str) -> tuple[str, str | None]:
    """``"abstractive:/m"`` -> ``("abstractive", "/m")``; ``"lead"`` -> ``("lead", None)``."""
    name, sep, arg = spec.strip().partition(":")
    if name not in SYSTEMS:
        raise SystemError_(f"unknown system {spec!r}: expected one of {', '.join(SYSTEMS)} (abstractive:MODEL, chat:MODEL, openai:MODEL@URL)")
    return name, (arg if sep else None) or None


def build_system(spec: str, options: SystemOptions = SystemOptions()) -> System:
    """Build the system a spec names; SystemError_ with a one-line reason on failure."""
    name, arg = parse_spec(spec)
    return SYSTEMS[name](spec, arg, options)


def system_slug(spec: str) -> str:
    """A file-name-safe name for a spec: ``abstractive:/x/bart-base`` -> ``abstractive-bart-base``,
    ``openai:qwen3:4b@http://localhost:11434/v1`` -> ``openai-qwen3_4b``."""
    name, _, arg = spec.partition(":")
    if name == "openai":
        arg = split_model_url(arg)[0]
    if arg:
        tail = arg.rstrip("/\\").replace("\\", "/").split("/")[-1] or "model"
        name = f"{name}-{tail}"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)
