import numpy as np
import pytest
from rouge_score import rouge_scorer

from eval.rouge import (
    ROUGE_TYPES,
    UnicodeTokenizer,
    bootstrap_intervals,
    make_scorer,
    prepare,
    rouge_corpus,
    score_example,
)

PAIRS = [
    (
        "Police arrested Augusto Pinochet in London. He was recovering from back surgery.",
        "British police arrested former Chilean dictator Augusto Pinochet in London on Friday. "
        "Pinochet was recovering from surgery. Spain wants him extradited.",
    ),
    (
        "The central bank cut rates to 4.25 percent. Shares rose 3%.",
        "Shares rose 3% after the central bank cut its main interest rate to 4.25 percent.",
    ),
    (
        "Scientists found a new frog species in Peru.",
        "A new species of frog was discovered by scientists in the rainforest of Peru on Monday. It is tiny.",
    ),
    ("Nothing in common here.", "Completely different words appear."),
]


def test_parity_with_a_direct_rouge_scorer_call():
    result = rouge_corpus([p for p, _ in PAIRS], [[r] for _, r in PAIRS])
    direct = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    for (pred, ref), ours in zip(PAIRS, result.examples):
        theirs = direct.score(prepare(ref), prepare(pred))
        for rouge_type in ROUGE_TYPES:
            assert ours[rouge_type]["precision"] == pytest.approx(theirs[rouge_type].precision, abs=1e-12)
            assert ours[rouge_type]["recall"] == pytest.approx(theirs[rouge_type].recall, abs=1e-12)
            assert ours[rouge_type]["fmeasure"] == pytest.approx(theirs[rouge_type].fmeasure, abs=1e-12)
        # R1/R2/RL do not see line breaks: equal to scoring the raw texts
        raw = direct.score(ref, pred)
        for rouge_type in ("rouge1", "rouge2", "rougeL"):
            assert ours[rouge_type]["fmeasure"] == pytest.approx(raw[rouge_type].fmeasure, abs=1e-12)
    means = np.mean([ex["rouge2"]["fmeasure"] for ex in result.examples])
    assert result.f1("rouge2").mean == pytest.approx(means)


def test_lsum_scores_sentence_by_sentence():
    # Same words, sentences in the other order: ROUGE-L (one sequence) drops, ROUGE-Lsum does not.
    pred = "The ship sank near the coast. All crew members were rescued by helicopter."
    ref = "All crew members were rescued by helicopter. The ship sank near the coast."
    scores = score_example(pred, [ref], make_scorer())
    assert scores["rougeLsum"]["fmeasure"] == pytest.approx(1.0)
    assert scores["rougeL"]["fmeasure"] < 0.7
    assert prepare(pred).count("\n") == 1


def test_several_references_mean_and_max():
    pred = PAIRS[0][0]
    refs = [PAIRS[0][1], "Pinochet was arrested in London."]
    direct = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    each = [direct.score(prepare(r), prepare(pred)) for r in refs]
    mean = score_example(pred, refs, make_scorer(), multi_ref="mean")
    best = score_example(pred, refs, make_scorer(), multi_ref="max")
    for t in ROUGE_TYPES:
        assert mean[t]["recall"] == pytest.approx(np.mean([s[t].recall for s in each]))
        assert best[t]["fmeasure"] == pytest.approx(max(s[t].fmeasure for s in each))
    result = rouge_corpus([pred], [refs])
    assert "mean over references" in result.settings["multi_reference"]


def test_bootstrap_is_reproducible_with_a_seed():
    preds, refs = [p for p, _ in PAIRS] * 3, [[r] for _, r in PAIRS] * 3
    a = rouge_corpus(preds, refs, seed=7, n_resamples=500)
    b = rouge_corpus(preds, refs, seed=7, n_resamples=500)
    c = rouge_corpus(preds, refs, seed=8, n_resamples=500)
    assert a.to_dict() == b.to_dict()
    assert a.f1("rouge1") != c.f1("rouge1")  # same mean, other resamples
    assert a.f1("rouge1").mean == c.f1("rouge1").mean
    for t in ROUGE_TYPES:
        iv = a.f1(t)
        assert iv.low <= iv.mean <= iv.high


def test_bootstrap_interval_of_known_data():
    values = np.array([0.0, 1.0] * 50)
    (iv,) = bootstrap_intervals(values, n_resamples=2000, seed=0)
    assert iv.mean == 0.5
    assert 0.38 < iv.low < 0.45 and 0.55 < iv.high < 0.62  # about +-1.96 * 0.05


def test_non_latin_text_is_reported_not_silently_zero():
    pred = "俄罗斯和乌克兰在伊斯坦布尔举行了和平谈判。"
    ref = "俄罗斯和乌克兰举行了三年来首次直接和平谈判。"
    default = rouge_corpus([pred], [[ref]])
    assert default.f1("rouge1").mean == 0.0
    assert default.warnings and "unicode tokenizer" in default.warnings[0]
    unicode = rouge_corpus([pred], [[ref]], tokenizer="unicode")
    assert unicode.warnings == []
    assert unicode.f1("rouge1").mean > 0.5
    cyrillic = rouge_corpus(["Россия и Украина провели переговоры"], [["Россия и Украина провели мирные переговоры"]], tokenizer="unicode")
    assert cyrillic.f1("rouge1").mean > 0.8


def test_unicode_tokenizer_equals_default_on_english():
    default = rouge_corpus([p for p, _ in PAIRS], [[r] for _, r in PAIRS])
    unicode = rouge_corpus([p for p, _ in PAIRS], [[r] for _, r in PAIRS], tokenizer="unicode")
    for t in ROUGE_TYPES:
        assert unicode.f1(t).mean == pytest.approx(default.f1(t).mean)
    assert UnicodeTokenizer().tokenize("Zürich 東京") == ["zürich", "東", "京"]


def test_bad_arguments():
    with pytest.raises(ValueError):
        rouge_corpus(["a"], [["a"], ["b"]])
    with pytest.raises(ValueError):
        make_scorer(tokenizer="bpe")
    with pytest.raises(ValueError):
        score_example("a", [], make_scorer())


def test_fast_lcs_matches_rouge_score_tables_and_tie_breaking():
    # tiny alphabets make many ties: the union LCS of ROUGE-Lsum depends on which LCS is read out
    import random

    from eval.rouge import _lcs_indices, _lcs_length, _summary_level_lcs

    rng = random.Random(0)
    for _ in range(3000):
        a = [rng.choice("abcd") for _ in range(rng.randint(1, 14))]
        b = [rng.choice("abcd") for _ in range(rng.randint(1, 14))]
        assert _lcs_length(a, b) == rouge_scorer._lcs_table(a, b)[-1][-1]
        assert sorted(_lcs_indices(a, b)) == rouge_scorer.lcs_ind(a, b)
        ref = [[rng.choice("abcde") for _ in range(rng.randint(0, 7))] for _ in range(rng.randint(0, 3))]
        can = [[rng.choice("abcde") for _ in range(rng.randint(0, 7))] for _ in range(rng.randint(0, 3))]
        assert _summary_level_lcs(ref, can) == rouge_scorer._summary_level_lcs(ref, can)


@pytest.mark.parametrize("tokenizer", ["default", "unicode"])
def test_fast_scorer_gives_rouge_scores_exactly(seeds_dir, tokenizer):
    import random

    from summarize.sentences import split_sentences

    sentences = [s for p in sorted(seeds_dir.glob("*.txt")) for s in split_sentences(p.read_text(encoding="utf-8"))]
    rng = random.Random(1)
    fast = make_scorer(tokenizer=tokenizer)
    custom = UnicodeTokenizer(True) if tokenizer == "unicode" else None
    direct = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True, tokenizer=custom)
    for _ in range(40):
        pred = "\n".join(rng.sample(sentences, rng.randint(1, 6)))
        refs = ["\n".join(rng.sample(sentences, rng.randint(1, 6))) for _ in range(rng.randint(1, 3))]
        assert fast.score_references(refs, pred) == [direct.score(ref, pred) for ref in refs]
        assert fast.score(refs[0], pred) == direct.score(refs[0], pred)
