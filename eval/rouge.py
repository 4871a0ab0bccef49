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

import collections
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rouge_score import rouge_scorer, scoring, tokenizers

from summarize.sentences import split_sentences

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
MEASURES = ("precision", "recall", "fmeasure")
TOKENIZERS = ("default", "unicode")
MULTI_REF = ("mean", "max")
NON_LATIN_WARNING_SHARE = 0.2  # share of letters the default tokenizer would drop
_ASCII_NOT_ALNUM = bytes(c for c in range(128) if not chr(c).isalnum())
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def prepare(text: str) -> str:
    """One sentence per line, as ROUGE-Lsum expects (offline sentence splitter)."""
    return "\n".join(split_sentences(text))


def dropped_letter_share(text: str) -> float:
    """Share of the letters and digits of ``text`` that are not ASCII a-z/0-9.

    These are the characters ``rouge_score``'s default tokenizer throws away.
    """
    # counted without a Python step per character: the ASCII letters and digits
    # by deleting every other byte, the rest one by one (they are few)
    ascii_alnum = len(text.encode("ascii", errors="ignore").translate(None, _ASCII_NOT_ALNUM))
    dropped = sum(1 for c in _NON_ASCII.findall(text) if c.isalnum())
    letters = ascii_alnum + dropped
    return dropped / letters if letters else 0.0


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
    """A scorer for all four types with the given settings (``FastRougeScorer``: rouge-score's
    scores, computed faster)."""
    if tokenizer not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {tokenizer!r}: expected one of {', '.join(TOKENIZERS)}")
    custom = UnicodeTokenizer(use_stemmer) if tokenizer == "unicode" else None
    return FastRougeScorer(list(ROUGE_TYPES), use_stemmer=use_stemmer, tokenizer=custom)


class _MemoStemmer:
    """A stemmer that stems each distinct word once (Porter stemming is a pure
    function of the word, and the same words come back in every text)."""

    def __init__(self, stemmer) -> None:
        self._stem = stemmer.stem
        self._stems: dict[str, str] = {}

    def stem(self, word: str) -> str:
        stem = self._stems.get(word)
        if stem is None:
            stem = self._stems[word] = self._stem(word)
        return stem


class FastRougeScorer(rouge_scorer.RougeScorer):
    """``rouge_score.RougeScorer`` with the same scores, several times faster.

    rouge-score (0.1.2) Porter-stems every word of every text again, and
    fills its longest-common-subsequence tables cell by cell in Python (an
    n x m loop for ROUGE-L, one per sentence pair for ROUGE-Lsum). Here each
    distinct word is stemmed once (``_MemoStemmer``), a prediction is
    tokenised once for all of its references (``score_references``), and the
    LCS rows are computed bit-parallel on Python integers (``_lcs_rows``),
    from which ROUGE-Lsum's union LCS is read out along the very path
    rouge-score's backtracking takes, so ties resolve alike. The n-gram scores
    and F-measures use rouge-score's own functions (``_create_ngrams`` and
    ``_score_ngrams`` are private there: pinned by ``rouge-score>=0.1.2`` and
    watched by ``tests/test_rouge.py``, which compares every score with
    rouge-score's, and ``tests/test_eval_pins.py``).
    """

    def __init__(self, rouge_types: Sequence[str], use_stemmer: bool = True, tokenizer=None) -> None:
        super().__init__(list(rouge_types), use_stemmer=use_stemmer, split_summaries=False, tokenizer=tokenizer)
        stemmer = getattr(self._tokenizer, "_stemmer", None)  # both tokenizers keep theirs there
        if stemmer is not None:
            self._tokenizer._stemmer = _MemoStemmer(stemmer)

    def score(self, target: str, prediction: str) -> dict:
        """rouge-score's ``RougeScorer.score``: type -> Score(precision, recall, fmeasure)."""
        return self.score_references([target], prediction)[0]

    def score_references(self, targets: Sequence[str], prediction: str) -> list[dict]:
        """``score(target, prediction)`` for each target, the prediction tokenised once."""
        prediction_parts = self._parts(prediction)
        return [self._score_parts(self._parts(target), prediction_parts) for target in targets]

    def _parts(self, text: str) -> tuple[list[str], list[list[str]] | None]:
        """The tokens of ``text`` and, for ROUGE-Lsum, of each of its lines."""
        tokenize = self._tokenizer.tokenize
        lines = [tokenize(line) for line in text.split("\n") if line] if "rougeLsum" in self.rouge_types else None
        return tokenize(text), lines

    def _score_parts(self, target, prediction) -> dict:
        (target_tokens, target_lines), (prediction_tokens, prediction_lines) = target, prediction
        result = {}
        for rouge_type in self.rouge_types:
            if rouge_type == "rougeL":
                result[rouge_type] = _score_lcs(target_tokens, prediction_tokens)
            elif rouge_type == "rougeLsum":
                result[rouge_type] = _summary_level_lcs(target_lines, prediction_lines)
            elif re.match(r"rouge[0-9]$", rouge_type) and int(rouge_type[5:]) > 0:
                n = int(rouge_type[5:])
                result[rouge_type] = rouge_scorer._score_ngrams(
                    rouge_scorer._create_ngrams(target_tokens, n), rouge_scorer._create_ngrams(prediction_tokens, n)
                )
            else:
                raise ValueError(f"Invalid rouge type: {rouge_type}")
        return result


def _token_masks(can: Sequence[str]) -> dict[str, int]:
    """Token -> the bit mask of its positions in ``can``."""
    masks: dict[str, int] = {}
    for j, token in enumerate(can):
        masks[token] = masks.get(token, 0) | (1 << j)
    return masks


def _lcs_rows(ref: Sequence[str], can: Sequence[str], masks: dict[str, int] | None = None) -> list[int]:
    """The rows of the LCS table of ``ref`` x ``can`` as bit vectors (Crochemore et al. 2001).

    Bit ``j`` of row ``i`` is 0 exactly when ``table[i][j + 1] = table[i][j] + 1``,
    so ``table[i][j]`` is the number of 0 bits among the lowest ``j``
    (``_lcs_cell``); a row costs a few operations on one integer instead of
    ``len(can)`` Python steps. ``masks``: ``_token_masks(can)``, when known.
    """
    if masks is None:
        masks = _token_masks(can)
    full = (1 << len(can)) - 1
    row = full
    rows = [row]
    for token in ref:
        match = masks.get(token)
        if match:
            hit = row & match
            row = ((row + hit) | (row - hit)) & full
        rows.append(row)
    return rows


def _lcs_cell(rows: list[int], i: int, j: int) -> int:
    """``table[i][j]`` of rouge-score's LCS table, from ``_lcs_rows``."""
    return j - (rows[i] & ((1 << j) - 1)).bit_count()


def _lcs_length(ref: Sequence[str], can: Sequence[str]) -> int:
    return len(can) - _lcs_rows(ref, can)[-1].bit_count()


def _lcs_indices(ref: Sequence[str], can: Sequence[str], masks: dict[str, int] | None = None) -> list[int]:
    """rouge-score's ``lcs_ind``: the indices into ``ref`` of the LCS its backtracking reads out
    (in any order). ``masks``: ``_token_masks(can)``, when known."""
    rows = _lcs_rows(ref, can, masks)
    if rows[-1] == rows[0]:  # nothing in common
        return []
    i, j = len(ref), len(can)
    found = []
    while i > 0 and j > 0:
        if ref[i - 1] == can[j - 1]:
            found.append(i - 1)
            i -= 1
            j -= 1
        # rouge-score's tie rule: left when table[i][j - 1] > table[i - 1][j], else up
        elif (j - 1) - (rows[i] & ((1 << (j - 1)) - 1)).bit_count() > j - (rows[i - 1] & ((1 << j) - 1)).bit_count():
            j -= 1
        else:
            i -= 1
    return found


def _score_lcs(target_tokens: Sequence[str], prediction_tokens: Sequence[str]):
    """rouge-score's ``_score_lcs`` (ROUGE-L)."""
    if not target_tokens or not prediction_tokens:
        return scoring.Score(precision=0, recall=0, fmeasure=0)
    lcs_length = _lcs_length(target_tokens, prediction_tokens)
    precision = lcs_length / len(prediction_tokens)
    recall = lcs_length / len(target_tokens)
    return scoring.Score(precision=precision, recall=recall, fmeasure=scoring.fmeasure(precision, recall))


def _summary_level_lcs(ref_sent: list[list[str]], can_sent: list[list[str]]):
    """rouge-score's ``_summary_level_lcs`` (ROUGE-Lsum), with ``_lcs_indices``."""
    if not ref_sent or not can_sent:
        return scoring.Score(precision=0, recall=0, fmeasure=0)
    m = sum(map(len, ref_sent))
    n = sum(map(len, can_sent))
    if not n or not m:
        return scoring.Score(precision=0, recall=0, fmeasure=0)
    token_cnts_r = collections.Counter()
    token_cnts_c = collections.Counter()
    for s in ref_sent:
        token_cnts_r.update(s)
    for s in can_sent:
        token_cnts_c.update(s)
    hits = 0
    masks = [_token_masks(c) for c in can_sent]
    for r in ref_sent:
        union = sorted(set().union(*(_lcs_indices(r, c, m) for c, m in zip(can_sent, masks))))
        for t in (r[i] for i in union):  # counted at most as often as both sides hold it
            if token_cnts_c[t] > 0 and token_cnts_r[t] > 0:
                hits += 1
                token_cnts_c[t] -= 1
                token_cnts_r[t] -= 1
    recall = hits / m
    precision = hits / n
    return scoring.Score(precision=precision, recall=recall, fmeasure=scoring.fmeasure(precision, recall))


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
    prepared = [prepare(ref) for ref in references]
    if isinstance(scorer, FastRougeScorer):
        per_ref = scorer.score_references(prepared, pred)
    else:
        per_ref = [scorer.score(ref, pred) for ref in prepared]
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
