"""ROUGE on top of Google's ``rouge-score``, with multi-reference and corpus handling.

Conventions (stated in every result's ``settings``):

- ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum, precision/recall/F1, Porter
  stemming on by default (``rouge_score``'s default tokenizer: lower-case,
  ASCII letters and digits only).
- ROUGE-Lsum needs one sentence per line: predictions and references are split
  with the pipeline's offline splitter (``summarize.sentences.split_sentences``)
  and newline-joined before scoring, instead of ``split_summaries=True``, which
  needs NLTK punkt data that cannot be downloaded here. The other types ignore
  line breaks, so the same prepared text is scored for all four.
- Several references per example: the example's score is the *mean* over its
  references, for each type and each of P/R/F (``multi_ref="max"`` takes the
  reference with the best F1 instead, as ``RougeScorer.score_multi`` does).
- Corpus score: the mean over examples, with a percentile bootstrap confidence
  interval (default 95%, 1000 resamples) from a seeded generator, so two runs
  with the same seed give the same interval.
- The default tokenizer drops every character outside a-z0-9, so text in other
  scripts would score 0 without a word: such text is detected and reported in
  ``warnings``; ``tokenizer="unicode"`` keeps letters of any script (one token
  per character for scripts written without spaces, such as Chinese).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rouge_score import rouge_scorer, tokenizers

from summarize.sentences import split_sentences

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
MEASURES = ("precision", "recall", "fmeasure")
TOKENIZERS = ("default", "unicode")
MULTI_REF = ("mean", "max")
NON_LATIN_WARNING_SHARE = 0.2  # share of letters the default tokenizer would drop


def prepare(text: str) -> str:
    """One sentence per line, as ROUGE-Lsum expects (offline sentence splitter)."""
    return "\n".join(split_sentences(text))


def dropped_letter_share(text: str) -> float:
    """Share of the letters and digits of ``text`` that are not ASCII a-z/0-9.

    These are the characters ``rouge_score``'s default tokenizer throws away.
    """
    letters = [c for c in text if c.isalnum()]
    if not letters:
        return 0.0
    dropped = sum(1 for c in letters if not (c.isascii()))
    return dropped / len(letters)


def _spaceless_script(char: str) -> bool:
    """Characters of scripts written without spaces between words (CJK, Thai, ...)."""
    name = unicodedata.name(char, "")
    return name.startswith(("CJK ", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN"))


class UnicodeTokenizer(tokenizers.Tokenizer):
    """Lower-cased words of any script; scripts without spaces give one token per character.

    ASCII words longer than 3 letters are Porter-stemmed when ``use_stemmer``,
    as in the default tokenizer, so English scores equal the default ones.
    """

    _WORD = re.compile(r"[^\W_]+")

    def __init__(self, use_stemmer: bool = True) -> None:
        from nltk.stem import porter

        self._stemmer = porter.PorterStemmer() if use_stemmer else None

    def tokenize(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text).lower()
        tokens: list[str] = []
        for word in self._WORD.findall(text):
            if any(_spaceless_script(c) for c in word):
                # keep runs of other letters together, split the spaceless script
                for piece in re.findall(r"[^\W_]", word):
                    tokens.append(piece)
                continue
            if self._stemmer is not None and word.isascii() and len(word) > 3:
                word = self._stemmer.stem(word)
            tokens.append(word)
        return tokens


def make_scorer(use_stemmer: bool = True, tokenizer: str = "default") -> rouge_scorer.RougeScorer:
    """A ``RougeScorer`` for all four types with the given settings."""
    if tokenizer not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {tokenizer!r}: expected one of {', '.join(TOKENIZERS)}")
    custom = UnicodeTokenizer(use_stemmer) if tokenizer == "unicode" else None
    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=use_stemmer, split_summaries=False, tokenizer=custom)


ExampleScores = dict[str, dict[str, float]]  # rouge type -> measure -> value


def score_example(
    prediction: str,
    references: Sequence[str],
    scorer: rouge_scorer.RougeScorer,
    multi_ref: str = "mean",
) -> ExampleScores:
    """ROUGE of one prediction against its references (mean or best over references).

    Texts are prepared with ``prepare`` (sentence per line) before scoring.
    """
    if not references:
        raise ValueError("an example needs at least one reference")
    if multi_ref not in MULTI_REF:
        raise ValueError(f"unknown multi-reference rule {multi_ref!r}: expected mean or max")
    pred = prepare(prediction)
    per_ref = [scorer.score(prepare(ref), pred) for ref in references]
    out: ExampleScores = {}
    for rouge_type in ROUGE_TYPES:
        if multi_ref == "max":
            best = max(per_ref, key=lambda s: s[rouge_type].fmeasure)[rouge_type]
            out[rouge_type] = {m: float(getattr(best, m)) for m in MEASURES}
        else:
            out[rouge_type] = {m: float(np.mean([getattr(s[rouge_type], m) for s in per_ref])) for m in MEASURES}
    return out


@dataclass(frozen=True)
class Interval:
    """A corpus mean with its bootstrap confidence interval ``[low, high]``."""

    mean: float
    low: float
    high: float

    def to_dict(self) -> dict:
        return {"mean": self.mean, "low": self.low, "high": self.high}


def bootstrap_intervals(
    values: np.ndarray, n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> list[Interval]:
    """Percentile bootstrap intervals of the column means of ``values`` (examples x columns).

    All columns share the same resamples, drawn from ``numpy.random.default_rng(seed)``,
    so the result depends only on the data and the seed.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    n = values.shape[0]
    if n == 0:
        raise ValueError("no examples to aggregate")
    means = values.mean(axis=0)
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, n, size=(n_resamples, n))
    resampled = values[indices].mean(axis=1)  # resamples x columns
    alpha = (1 - confidence) / 2
    low = np.quantile(resampled, alpha, axis=0)
    high = np.quantile(resampled, 1 - alpha, axis=0)
    return [Interval(float(m), float(lo), float(hi)) for m, lo, hi in zip(means, low, high)]


@dataclass
class RougeResult:
    """Corpus ROUGE: ``scores[type][measure]`` intervals, per-example scores, settings."""

    scores: dict[str, dict[str, Interval]]
    examples: list[ExampleScores]
    settings: dict
    warnings: list[str] = field(default_factory=list)

    def f1(self, rouge_type: str) -> Interval:
        return self.scores[rouge_type]["fmeasure"]

    def to_dict(self) -> dict:
        return {
            "settings": self.settings,
            "warnings": self.warnings,
            "scores": {t: {m: iv.to_dict() for m, iv in ms.items()} for t, ms in self.scores.items()},
        }


def non_latin_warnings(predictions: Sequence[str], references: Sequence[Sequence[str]]) -> list[str]:
    """Warnings for texts the default tokenizer would mostly throw away."""
    warnings = []
    share_pred = dropped_letter_share(" ".join(predictions))
    share_ref = dropped_letter_share(" ".join(r for refs in references for r in refs))
    for what, share in (("predictions", share_pred), ("references", share_ref)):
        if share >= NON_LATIN_WARNING_SHARE:
            warnings.append(
                f"{share:.0%} of the letters in the {what} are outside a-z/0-9 and are ignored by the "
                "default ROUGE tokenizer (scores would be near 0); use the unicode tokenizer"
            )
    return warnings


def rouge_corpus(
    predictions: Sequence[str],
    references: Sequence[Sequence[str]],
    *,
    use_stemmer: bool = True,
    tokenizer: str = "default",
    multi_ref: str = "mean",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> RougeResult:
    """Score ``predictions[i]`` against ``references[i]`` (a list of texts) and aggregate.

    Returns per-example scores and the corpus mean of every type and measure
    with a seeded bootstrap confidence interval. With the default tokenizer,
    text in non-Latin scripts is reported in ``warnings`` rather than silently
    scoring 0.
    """
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} reference lists")
    scorer = make_scorer(use_stemmer, tokenizer)
    examples = [score_example(p, refs, scorer, multi_ref) for p, refs in zip(predictions, references)]
    columns = [(t, m) for t in ROUGE_TYPES for m in MEASURES]
    matrix = np.array([[ex[t][m] for t, m in columns] for ex in examples], dtype=float).reshape(len(examples), len(columns))
    intervals = bootstrap_intervals(matrix, n_resamples, confidence, seed)
    scores: dict[str, dict[str, Interval]] = {t: {} for t in ROUGE_TYPES}
    for (t, m), iv in zip(columns, intervals):
        scores[t][m] = iv
    warnings = non_latin_warnings(predictions, references) if tokenizer == "default" else []
    settings = {
        "rouge_types": list(ROUGE_TYPES),
        "use_stemmer": use_stemmer,
        "tokenizer": tokenizer,
        "rougeLsum_sentences": "summarize.sentences.split_sentences, newline-joined",
        "multi_reference": (
            "mean over references per example" if multi_ref == "mean" else "best reference by F1 per example"
        ),
        "aggregation": f"mean over examples; {confidence:.0%} percentile bootstrap CI, {n_resamples} resamples, seed {seed}",
        "examples": len(examples),
    }
    return RougeResult(scores, examples, settings, warnings)
