"""``briefing eval``: score given predictions against references (and sources).

``evaluate(items)`` returns one report dict: ROUGE with bootstrap CIs
(``eval.rouge``) and the entity metrics (``eval.factual``) with every
summary's unsupported entities. Pure: the CLI reads the files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eval.data import EvalItem
from eval.factual import EntityReport, entity_report
from eval.rouge import RougeResult, rouge_corpus


@dataclass
class EvalReport:
    rouge: RougeResult
    entities: EntityReport
    n: int

    def to_dict(self) -> dict:
        return {"examples": self.n, "rouge": self.rouge.to_dict(), "entities": self.entities.to_dict()}


def evaluate(
    items: Sequence[EvalItem],
    *,
    use_stemmer: bool = True,
    tokenizer: str = "default",
    multi_ref: str = "mean",
    seed: int = 0,
    resamples: int = 1000,
    entity_backend: str = "rules",
) -> EvalReport:
    """ROUGE and entity metrics of ``items``; entity precision-source only when
    every item has sources."""
    if not items:
        raise ValueError("nothing to evaluate")
    predictions = [i.prediction for i in items]
    references = [i.references for i in items]
    rouge = rouge_corpus(
        predictions, references, use_stemmer=use_stemmer, tokenizer=tokenizer, multi_ref=multi_ref,
        seed=seed, n_resamples=resamples,
    )
    have_sources = all(i.sources is not None for i in items)
    entities = entity_report(
        [i.id for i in items],
        predictions,
        sources=[i.sources or [] for i in items] if have_sources else None,
        references=references,
        backend=entity_backend,
    )
    return EvalReport(rouge, entities, len(items))
