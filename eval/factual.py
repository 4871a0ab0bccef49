"""Entity-level factual consistency metrics (Nan et al. 2021, "Entity-level
Factual Consistency of Abstractive Text Summarization").

Per summary ``h``, source ``s``, reference ``t``:
precision-source = |entities of h supported by s| / |entities of h|;
precision-target = |entities of h supported by t| / |entities of h|;
recall-target = |entities of t supported by h| / |entities of t|.
Entities are counted once per distinct normalised text. Corpus values are
micro-averages (counts summed over examples); with several references an
example's target counts are the mean over its references.

Extraction and the lenient matching live in ``summarize.facts`` (the
pipeline's factual guard uses them too); this module only scores a corpus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from summarize.facts.entities import extract_entities
from summarize.facts.support import SourceIndex, distinct_entities

@dataclass
class ExampleEntities:
    """Entity metrics of one example; ratios are None when undefined."""

    id: str
    summary_entities: int
    supported_by_source: int | None = None
    unsupported: list[str] = field(default_factory=list)
    supported_by_target: float | None = None  # mean over references
    target_entities: float | None = None  # mean over references
    target_found: float | None = None  # mean over references

    @property
    def precision_source(self) -> float | None:
        if self.supported_by_source is None or not self.summary_entities:
            return None
        return self.supported_by_source / self.summary_entities

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "summary_entities": self.summary_entities,
            "precision_source": self.precision_source,
            "unsupported": self.unsupported,
            "precision_target": (
                self.supported_by_target / self.summary_entities
                if self.supported_by_target is not None and self.summary_entities
                else None
            ),
            "recall_target": (
                self.target_found / self.target_entities if self.target_found is not None and self.target_entities else None
            ),
        }


@dataclass
class EntityReport:
    """Corpus entity metrics (micro-averaged) and each example's unsupported entities."""

    precision_source: float | None
    precision_target: float | None
    recall_target: float | None
    examples: list[ExampleEntities]
    backend: str = "rules"

    def to_dict(self) -> dict:
        return {
            "backend": self.backend,
            "convention": (
                "Nan et al. 2021 entity metrics, lenient matching; distinct entities per summary; "
                "micro-averaged over the corpus; several references: mean of counts over references"
            ),
            "precision_source": self.precision_source,
            "precision_target": self.precision_target,
            "recall_target": self.recall_target,
            "examples": [e.to_dict() for e in self.examples],
        }


def entity_report(
    ids: Sequence[str],
    summaries: Sequence[str],
    sources: Sequence[Sequence[str]] | None = None,
    references: Sequence[Sequence[str]] | None = None,
    backend: str = "rules",
) -> EntityReport:
    """Entity metrics of ``summaries`` against their ``sources`` and/or ``references``.

    ``sources[i]`` and ``references[i]`` are the texts of example ``i``; either
    may be None, leaving its metrics None.
    """
    examples: list[ExampleEntities] = []
    for i, summary in enumerate(summaries):
        context = sources[i] if sources is not None else ()
        entities = distinct_entities(extract_entities(summary, backend, context=context))
        ex = ExampleEntities(id=str(ids[i]), summary_entities=len(entities))
        if sources is not None:
            index = SourceIndex(sources[i])
            supported = [e for e in entities if index.supports(e)]
            ex.supported_by_source = len(supported)
            ex.unsupported = [e.text for e in entities if e not in supported]
        if references is not None and references[i]:
            refs = references[i]
            summary_index = SourceIndex(summary)
            by_target, n_target, found = [], [], []
            for ref in refs:
                ref_index = SourceIndex(ref)
                by_target.append(sum(ref_index.supports(e) for e in entities))
                ref_entities = distinct_entities(extract_entities(ref, backend))
                n_target.append(len(ref_entities))
                found.append(sum(summary_index.supports(e) for e in ref_entities))
            ex.supported_by_target = sum(by_target) / len(refs)
            ex.target_entities = sum(n_target) / len(refs)
            ex.target_found = sum(found) / len(refs)
        examples.append(ex)

    def ratio(numerators, denominators) -> float | None:
        pairs = [(n, d) for n, d in zip(numerators, denominators) if n is not None]
        total = sum(d for _, d in pairs)
        return sum(n for n, _ in pairs) / total if pairs and total else None

    n_summary = [e.summary_entities for e in examples]
    return EntityReport(
        precision_source=ratio([e.supported_by_source for e in examples], n_summary),
        precision_target=ratio([e.supported_by_target for e in examples], n_summary),
        recall_target=ratio([e.target_found for e in examples], [e.target_entities or 0 for e in examples]),
        examples=examples,
        backend=backend,
    )
