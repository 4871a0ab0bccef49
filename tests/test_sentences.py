"""Sentence splitting and the normalised sentence key."""

from __future__ import annotations

import re

import pytest

from summarize import sentences
from summarize.sentences import clear_caches, sentence_key, sentence_tokens, split_sentences, word_count


def test_sentences_split_at_their_ends_not_at_abbreviations():
    text = "Mr. Smith met Dr. Jones in Washington on Monday. They talked for an hour! Was it enough?"
    assert split_sentences(text) == [
        "Mr. Smith met Dr. Jones in Washington on Monday.",
        "They talked for an hour!",
        "Was it enough?",
    ]


def test_line_breaks_always_end_a_sentence():
    assert split_sentences("A headline without a full stop\n\nThe body starts here. It goes on.\n") == [
        "A headline without a full stop",
        "The body starts here.",
        "It goes on.",
    ]


def test_empty_and_blank_text_have_no_sentences():
    assert split_sentences("") == []
    assert split_sentences("  \n\n \t ") == []


def test_each_call_returns_its_own_list():
    text = "One sentence here. Another one there."
    first = split_sentences(text)
    first.append("changed by the caller")
    assert split_sentences(text) == ["One sentence here.", "Another one there."]


def test_a_paragraph_the_splitter_fails_on_is_kept_whole(monkeypatch):
    monkeypatch.setattr(sentences, "_blingfire_sentences", lambda text: "")  # blingfire's failure answer
    clear_caches()
    try:
        assert split_sentences("First part. Second part.\nNext line.") == ["First part. Second part.", "Next line."]
    finally:
        clear_caches()


@pytest.mark.parametrize("text", [
    "Mr. Smith went to Washington. He arrived at 3 p.m. on Friday!",
    "Le président a dit « non ». Puis il est parti… Voilà.",
    "日本語の文です。次の文です。",
    "One sentence without an end",
    "x" * 300 + ". " + "A second, much longer sentence follows here. " * 200,
])
def test_the_blingfire_call_splits_as_blingfire_does(text):
    # our call of blingfire's C function (a buffer per size class) must answer
    # exactly what blingfire's own wrapper does
    assert sentences._blingfire_sentences(text) == sentences.blingfire.text_to_sentences(text)


@pytest.mark.parametrize("text, expected", [
    # lower-cased text: blingfire keeps a sentence joined to the next when that
    # one opens in lower case, so a cut-off text's last unit held whole sentences
    ('the talks ended on monday. "it was time, " he said. the party will',
     ['the talks ended on monday. "it was time, " he said.', "the party will"]),
    # abbreviations, named or dotted, are no sentence ends
    ("officials met on monday. they spoke with gov. smith and lt. cmdr. jones about the",
     ["officials met on monday.", "they spoke with gov. smith and lt. cmdr. jones about the"]),
    ("Officials met in Washington, D.C. the", ["Officials met in Washington, D.C. the"]),
    # a quote left open by the complete part is closed by the quote after it
    ('still, he warned me, "you don\'t want to be bumping that. " as we drove out',
     ['still, he warned me, "you don\'t want to be bumping that. "', "as we drove out"]),
    # an ellipsis marks a cut, not an end
    ('Ministers met on Monday. "the talks will go on…', ["Ministers met on Monday.", '"the talks will go on…']),
])
def test_a_text_cut_off_mid_sentence_ends_in_its_unfinished_part(text, expected):
    assert split_sentences(text) == expected


def test_only_the_last_unit_of_a_text_is_cut():
    complete = "the vote passed on monday. it was close. turnout was low."
    assert split_sentences(complete) == [complete]  # blingfire's one unit, ending a sentence: left alone
    assert split_sentences("the vote passed. it was close\n\nthe count went on. results were") == [
        "the vote passed. it was close", "the count went on.", "results were"]


def test_a_lone_surrogate_does_not_stop_the_split():
    assert split_sentences("First one. Bad \ud800 here. Third one.") == ["First one.", "Bad ? here.", "Third one."]


_REFERENCE_KEY = re.compile(r"[\W_]+")


@pytest.mark.parametrize("text", [
    "Hello, World!",
    "  The U.S. economy grew 3.5% in Q2 -- faster than expected_  ",
    "tabs\tand\nnewlines",
    "Café naïve résumé",
    "Straße GROSS",
    "\u201cQuoted\u201d \u2014 dashes \u2013 and\u00a0non-breaking spaces",
    "数字 123 テスト",
    "",
    "!!!",
    "He said “no” — twice… soft­hyphen",  # non-ASCII, but only punctuation and spaces
    "5 K is cold",  # the Kelvin sign folds to an ASCII "k"
    "aͅb",  # a combining mark that is no letter, yet folds to one (iota)
    "bad \ud800 half",  # a lone surrogate
])
def test_sentence_key_is_the_casefolded_words_joined_by_single_spaces(text):
    assert sentence_key(text) == _REFERENCE_KEY.sub(" ", text.casefold()).strip()
    assert sentence_tokens(text) == tuple(sentence_key(text).split())


def test_key_and_word_count_match_their_references_on_every_code_point_of_the_bmp():
    for code in [*range(0x80, 0x10000), *range(0x10000, 0x110000, 97)]:  # and a sample of the rest
        text = f"Word{chr(code)}word {chr(code)}"
        assert sentences._normalise(text)[0] == _REFERENCE_KEY.sub(" ", text.casefold()).strip(), hex(code)
        assert word_count(text) == len(text.split()), hex(code)


@pytest.mark.parametrize("text", [
    "", " ", "one", " one", "one ", "  two  words ", "two words", "tab\tand\nnewline",
    "no\u00a0break", "ideographic\u3000space", "line\u2028separator", "x\x1cy", "\x85", "a  b",
])
def test_word_count_counts_like_str_split(text):
    assert word_count(text) == len(text.split())


def test_sentences_differing_only_in_case_and_punctuation_share_a_key():
    assert sentence_key("The Kremlin said: talks will go on.") == sentence_key("the kremlin said talks will go on")
    assert sentence_key("The Kremlin said talks will go on.") != sentence_key("The Kremlin said talks will end.")


def test_long_texts_split_and_key_like_short_ones():
    sentence = "The council approved the budget after a long debate. "
    long_text = sentence * 1000  # past the length up to which splits are remembered
    assert len(long_text) > sentences._LONGEST_CACHED_TEXT
    assert split_sentences(long_text) == [sentence.strip()] * 1000
    long_sentence = "word " * 1000
    assert len(long_sentence) > sentences._LONGEST_CACHED_SENTENCE
    assert sentence_key(long_sentence) == _REFERENCE_KEY.sub(" ", long_sentence.casefold()).strip()
