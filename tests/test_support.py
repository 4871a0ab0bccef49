import pytest

from summarize.facts.entities import Entity
from summarize.facts.support import (
    FUZZY_THRESHOLD,
    SourceIndex,
    check_sentences,
    check_summary,
    normalize_words,
)

SOURCE = (
    "KYIV (Reuters) - Ukraine's President Volodymyr Zelenskiy met U.S. officials on Oct. 14, 1998 in Kyiv. "
    "Sales rose 12.5 percent to $3.5 million and four people were hurt."
)


def supported(text: str, label: str = "PERSON", source: str = SOURCE) -> bool:
    return SourceIndex([source]).supports(Entity(0, len(text), text, label))


def test_lenient_name_matching():
    assert supported("Zelenskiy")  # sub-span of "Volodymyr Zelenskiy"
    assert supported("ZELENSKIY's")  # case, possessive
    assert supported("President Zelenskiy")  # title ignored
    assert supported("US", "GPE")  # abbreviation dots
    assert not supported("Vladimir Zelenskiy")  # a different first name is not a sub-span
    assert supported("Fernando Cardoso", source="Fernando Henrique Cardoso won.")  # a middle name skipped
    assert not supported("Fernando Cardoso", source="Fernando met Henrique and Cardoso.")  # not two words apart
    assert supported("Swiss Air", "ORG", source="A Swissair flight crashed.")


def test_spelling_variants_by_threshold():
    assert FUZZY_THRESHOLD == 0.85
    assert supported("Zelensky") and supported("Zelenskyy")
    assert not supported("Australia", "GPE", source="Talks in Austria.")  # ratio 0.75
    assert not supported("Iraq", "GPE", source="Talks in Iran.")  # too short for variants


def test_numbers_match_by_value_and_dates_by_parts():
    assert supported("3,500,000 dollars", "MONEY")
    assert supported("12.5%", "PERCENT")
    assert supported("4", "NUMBER")  # "four"
    assert not supported("5", "NUMBER")
    assert supported("14 October 1998", "DATE")
    assert not supported("15 October 1998", "DATE")


def test_check_summary_lists_unsupported_entities():
    check = check_summary("Zelensky met Vladimir Putin in Kyiv on Friday.", [SOURCE])
    assert check.unsupported == ["Vladimir Putin", "Friday"]
    assert check.supported == ["Zelensky", "Kyiv"]
    assert check.precision_source == pytest.approx(0.5)
    assert check.to_dict() == {"precision_source": 0.5, "entities": 4, "unsupported": ["Vladimir Putin", "Friday"]}
    clean = check_summary("Sales rose 12.5 percent.", [SOURCE])
    assert clean.ok and clean.unsupported == []
    empty = check_summary("nothing to see here.", [SOURCE])
    assert empty.precision_source is None and empty.ok


def test_check_sentences_catches_a_fabricated_name():
    sentences = ["Zelenskiy met U.S. officials in Kyiv.", "Talks were led by Sergei Ivanovsky.", "Four people were hurt."]
    checks = check_sentences(sentences, [SOURCE])
    assert [c.ok for c in checks] == [True, False, True]
    assert checks[1].unsupported == ["Sergei Ivanovsky"]


def test_distinct_entities_are_counted_once():
    check = check_summary("Zelenskiy spoke. Later Zelenskiy left Kyiv.", [SOURCE])
    assert check.entities == ["Zelenskiy", "Kyiv"]


def test_normalize_words():
    assert normalize_words("Zelenskiy's U.S. trip on Oct. 14th cost 3,500 dollars") == [
        "zelenskiy", "us", "trip", "on", "october", "14", "cost", "3500", "dollars",
    ]


def test_edit_distance_with_and_without_a_limit_matches_the_textbook_definition():
    import random

    from summarize.facts.support import edit_distance

    def reference(a, b):
        previous = list(range(len(b) + 1))
        for i, ca in enumerate(a, start=1):
            current = [i]
            for j, cb in enumerate(b, start=1):
                current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
            previous = current
        return previous[-1]

    rng = random.Random(0)
    for _ in range(300):
        a = "".join(rng.choice("abcé") for _ in range(rng.randint(0, 9)))
        b = "".join(rng.choice("abcé") for _ in range(rng.randint(0, 9)))
        exact = reference(a, b)
        assert edit_distance(a, b) == exact
        for limit in (0, 1, 2, 3):
            assert edit_distance(a, b, limit) == (exact if exact <= limit else limit + 1)
