"""Named-entity extraction behind one function, ``extract_entities(text)``.

Backends, chosen by a spec string:

- ``"rules"`` (default): the built-in rule-based extractor (``summarize.facts.ner_rules``);
  needs no model and no downloads.
- ``"spacy:NAME"``: an installed spaCy pipeline with an NER component, by
  package name (``spacy:en_core_web_sm``) or path.
- ``"hf:ID_OR_DIR"``: a transformers token-classification model by hub id or
  local directory (``hf:dslim/bert-base-NER``).

Every backend returns ``Entity`` values with character offsets into the text and
one of the labels in ``LABELS``; each backend's own label set is mapped onto
them (``SPACY_LABELS``, ``CONLL_LABELS``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Sequence
from typing import Protocol

LABELS = ("PERSON", "ORG", "GPE", "LOC", "DATE", "NUMBER", "MONEY", "PERCENT", "OTHER")
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "OTHER"})
NUMERIC_LABELS = frozenset({"DATE", "NUMBER", "MONEY", "PERCENT"})

# spaCy (OntoNotes) labels -> ours.
SPACY_LABELS = {
    "PERSON": "PERSON", "PER": "PERSON", "ORG": "ORG", "GPE": "GPE", "LOC": "LOC", "FAC": "LOC",
    "DATE": "DATE", "TIME": "DATE", "MONEY": "MONEY", "PERCENT": "PERCENT", "CARDINAL": "NUMBER",
    "QUANTITY": "NUMBER", "ORDINAL": "NUMBER", "NORP": "OTHER", "EVENT": "OTHER",
    "WORK_OF_ART": "OTHER", "LAW": "OTHER", "LANGUAGE": "OTHER", "PRODUCT": "OTHER", "MISC": "OTHER",
}
# CoNLL-style token-classification labels (after the B-/I- prefix) -> ours.
CONLL_LABELS = {"PER": "PERSON", "PERSON": "PERSON", "ORG": "ORG", "LOC": "GPE", "GPE": "GPE", "MISC": "OTHER"}


class EntityBackendError(RuntimeError):
    """A backend could not be loaded; the message is one line for users."""


@dataclass(frozen=True)
class Entity:
    """A mention in a text: ``text == source[start:end]``, ``label`` in ``LABELS``."""

    start: int
    end: int
    text: str
    label: str

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text, "label": self.label}


class Extractor(Protocol):
    name: str

    def extract(self, text: str) -> list[Entity]: ...


class SpacyExtractor:
    """An installed spaCy pipeline (package name or path) with an ``ner`` component."""

    def __init__(self, pipeline: str) -> None:
        try:
            import spacy
        except ImportError as exc:
            raise EntityBackendError("spaCy is not installed (pip install spacy)") from exc
        try:
            self._nlp = spacy.load(pipeline)
        except OSError as exc:
            raise EntityBackendError(f"spaCy pipeline {pipeline!r} is not installed") from exc
        if not self._nlp.has_pipe("ner") and not self._nlp.has_pipe("entity_ruler"):
            raise EntityBackendError(f"spaCy pipeline {pipeline!r} has no NER component")
        self.name = f"spacy:{pipeline}"

    def extract(self, text: str) -> list[Entity]:
        doc = self._nlp(text)
        return [
            Entity(e.start_char, e.end_char, e.text, SPACY_LABELS.get(e.label_, "OTHER"))
            for e in doc.ents
        ]


class TransformersExtractor:
    """A token-classification model (hub id or local directory), spans merged.

    Sub-word predictions are merged with the pipeline's ``"simple"``
    aggregation; labels such as ``B-PER`` map through ``CONLL_LABELS`` (unknown
    ones become OTHER).
    """

    def __init__(self, model: str, device: str | None = None) -> None:
        try:
            from transformers import pipeline
        except ImportError as exc:  # pragma: no cover - transformers is a dependency
            raise EntityBackendError("transformers is not installed") from exc
        local = Path(model).expanduser()
        source = str(local) if local.exists() else model
        try:
            self._pipe = pipeline(  # safetensors only, no code from the checkpoint (as every model here)
                "token-classification", model=source, aggregation_strategy="simple", device=device or "cpu",
                trust_remote_code=False, model_kwargs={"use_safetensors": True},
            )
        except Exception as exc:  # noqa: BLE001 - any loading failure is a user-facing one-liner
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise EntityBackendError(f"cannot load token-classification model {model!r}: {reason}") from exc
        self.name = f"hf:{model}"

    def extract(self, text: str) -> list[Entity]:
        if not text.strip():
            return []
        entities = []
        for item in self._pipe(text):
            group = str(item.get("entity_group") or item.get("entity") or "")
            group = group.split("-", 1)[-1].upper()
            start, end = int(item["start"]), int(item["end"])
            # merged sub-word spans may carry a leading space from the tokenizer
            while start < end and text[start].isspace():
                start += 1
            if start >= end:
                continue
            entities.append(Entity(start, end, text[start:end], CONLL_LABELS.get(group, "OTHER")))
        return entities


def load_extractor(spec: str = "rules") -> Extractor:
    """Build the extractor named by ``spec`` ("rules", "spacy:NAME", "hf:ID_OR_DIR").

    Raises EntityBackendError with a one-line reason when it cannot be built.
    """
    kind, _, arg = spec.partition(":")
    if kind == "rules" and not arg:
        from summarize.facts.ner_rules import RuleExtractor

        return RuleExtractor()
    if kind == "spacy" and arg:
        return SpacyExtractor(arg)
    if kind in ("hf", "transformers") and arg:
        return TransformersExtractor(arg)
    raise EntityBackendError(f"unknown entity backend {spec!r}: use rules, spacy:NAME or hf:MODEL")


@functools.lru_cache(maxsize=4)
def get_extractor(spec: str = "rules") -> Extractor:
    """``load_extractor`` cached per spec, so models load once per process."""
    return load_extractor(spec)


def extract_entities(text: str, backend: str = "rules", context: Sequence[str] = ()) -> list[Entity]:
    """Entities of ``text`` in text order, from the backend named by ``backend``.

    ``context``: related texts (a summary's sources) that the rule-based
    backend reads for evidence of how words are cased; model backends ignore it.
    """
    extractor = get_extractor(backend)
    if context and getattr(extractor, "accepts_context", False):
        return extractor.extract(text, context=context)
    return extractor.extract(text)
