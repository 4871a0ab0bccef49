"""Evidence against merging: key facts of the lead, conflicts between clusters, gaps in time."""

from __future__ import annotations

import math

import pytest

from summarize.evidence import (
    ClusterEvidence,
    EvidenceSettings,
    KeyFacts,
    calendar_facts,
    key_facts,
    lead,
    strip_dateline,
)


@pytest.mark.parametrize("text, expected", [
    ("LONDON (AP) _ British police said", "British police said"),
    ("BANGKOK, Thailand (AP) _ Thailand expects", "Thailand expects"),
    ("NEW YORK _ Anyone following", "Anyone following"),
    ("WASHINGTON -- The Senate voted", "The Senate voted"),
    ("PARIS (Reuters) - France said", "France said"),
    ("NATO - A new era", "NATO - A new era"),
    ("Perennial party girl Tara Reid checked in", "Perennial party girl Tara Reid checked in"),
    ("FALLOUT CONTINUES AFTER ESCAPE\nThe Texas prison", "FALLOUT CONTINUES AFTER ESCAPE\nThe Texas prison"),
])
def test_a_wire_dateline_is_not_part_of_the_lead(text, expected):
    assert strip_dateline(text) == expected


def test_the_lead_is_whole_sentences_up_to_thirty_words():
    first = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen."
    second = "Sixteen seventeen eighteen nineteen twenty and one two three four five six seven eight nine."
    third = "This third sentence is past the lead."
    assert lead(" ".join([first, second, third])) == f"{first} {second}"
    assert lead("A short report.") == "A short report."


def test_key_facts_are_places_and_numbers_without_weekdays_or_agencies():
    text = "JAKARTA (AP) _ A 6.1 earthquake struck Aceh on Sunday, killing 12, Reuters and AP reported."
    facts = key_facts(text)
    assert facts.facts == {"6.1", "aceh", "12"}
    # What happened: the lead's other content words, stemmed.
    assert facts.words == {"earthquak", "struck", "kill", "report"}


def test_key_facts_are_who_where_when_and_how_many_not_organisations_or_nationalities():
    text = ("Forces loyal to President Radovan Karadzic shelled Sarajevo on Dec. 15, 2013, killing 40 people, "
            "the U.N. Security Council and Bosnian officials said.")
    facts = key_facts(text).facts
    assert facts == {"radovan", "karadzic", "sarajevo", "2013", "12-15", "40"}
    # The institution and the sides are not what tells two events apart.
    assert not facts & {"u.n", "security", "council", "bosnian"}
    assert "shell" in key_facts(text).words


@pytest.mark.parametrize("date, expected", [
    ("Dec. 15, 2013", {"2013", "12-15"}),
    ("December 15 2013", {"2013", "12-15"}),
    ("15 December", {"12-15"}),
    ("August", {"08"}),
    ("the 1990s", {"1990s"}),
    ("Sunday", set()),
    ("last week", set()),
])
def test_a_date_fact_is_its_year_and_month_day_and_a_relative_date_is_none(date, expected):
    assert calendar_facts(date) == expected


def evidence(facts, days=None, locked=(), words=None, **settings) -> ClusterEvidence:
    words = words or [()] * len(facts)
    key = [KeyFacts(frozenset(f), frozenset(w)) for f, w in zip(facts, words)]
    return ClusterEvidence(key, days, EvidenceSettings(**settings), locked=locked)


def test_plain_sets_are_taken_as_facts_without_event_words():
    ev = ClusterEvidence([{"aceh"}, {"aceh"}, {"papua"}, {"papua"}], None, EvidenceSettings())
    ev.merge(0, 1)
    ev.merge(2, 3)
    assert ev.fact_conflict(0, 2) == 1.0
    assert ev.word_conflict(0, 2) == 0.0


def test_single_articles_establish_no_fact_so_they_never_conflict():
    ev = evidence([{"aceh"}, {"papua"}])
    assert ev.fact_conflict(0, 1) == 0.0
    assert ev.discount(0, 1) == 1.0


def test_clusters_that_each_repeat_a_fact_the_other_never_names_conflict():
    ev = evidence([{"aceh", "12"}, {"aceh"}, {"papua", "7"}, {"papua", "7"}], conflict_weight=0.75)
    ev.merge(0, 1)
    ev.merge(2, 3)
    assert ev.fact_conflict(0, 2) == 1.0  # "aceh" in 2 of 2, "papua" in 2 of 2
    assert ev.discount(0, 2) == pytest.approx(0.25)


def test_the_conflict_is_the_weaker_side_and_needs_both_sides():
    # Left: "rahman" in 2 of 4 articles. Right: "thompson" in 2 of 2.
    ev = evidence([{"rahman"}, {"rahman"}, {"klitschko"}, {"klitschko"}, {"thompson"}, {"thompson", "klitschko"}])
    for absorbed in (1, 2, 3):
        ev.merge(0, absorbed)
    ev.merge(4, 5)
    assert ev.fact_conflict(0, 4) == pytest.approx(0.5)
    # A follow-up that only repeats what the big cluster says: no conflict.
    ev2 = evidence([{"rahman"}, {"rahman"}, {"rahman"}, {"rahman"}])
    ev2.merge(0, 1)
    ev2.merge(2, 3)
    assert ev2.fact_conflict(0, 2) == 0.0


def test_a_stray_article_does_not_erase_the_evidence_of_a_whole_cluster():
    # Six reports name Papua; one Aceh report strayed into their cluster. The
    # Aceh cluster's "aceh" (2 of 2) is stated by 1 of 7 on the other side:
    # a share under a fifth of its own, so it still counts as absent.
    facts = [{"papua"}] * 6 + [{"aceh"}] + [{"aceh"}, {"aceh"}]
    for ratio, expected in ((0.2, 6 / 7), (0.0, 0.0)):  # the smaller side: "papua" in 6 of 7
        ev = evidence(facts, rare_ratio=ratio)
        for absorbed in range(1, 7):
            ev.merge(0, absorbed)
        ev.merge(7, 8)
        assert ev.fact_conflict(0, 7) == pytest.approx(expected)
    # Stated by a third of the other side, it is no longer absent.
    ev = evidence([{"papua"}] * 4 + [{"aceh"}, {"aceh"}] + [{"aceh"}, {"aceh"}], rare_ratio=0.2)
    for absorbed in range(1, 6):
        ev.merge(0, absorbed)
    ev.merge(6, 7)
    assert ev.fact_conflict(0, 6) == 0.0


def test_event_words_conflict_at_their_weight():
    # Fired vs hired: the same names, different things happened.
    names = [{"cheeks", "76ers"}] * 4
    words = [{"fire", "coach"}, {"fire", "coach"}, {"hire", "coach"}, {"hire", "coach"}]
    ev = evidence(names, words=words, conflict_weight=0.75, word_weight=0.5)
    ev.merge(0, 1)
    ev.merge(2, 3)
    assert ev.fact_conflict(0, 2) == 0.0
    assert ev.word_conflict(0, 2) == 1.0
    assert ev.discount(0, 2) == pytest.approx(1 - 0.75 * 0.5)
    off = evidence(names, words=words, word_weight=0.0)
    off.merge(0, 1)
    off.merge(2, 3)
    assert off.discount(0, 2) == 1.0


def test_a_gap_between_date_spans_is_a_soft_conflict_and_overlap_is_none():
    ev = evidence([set()] * 4, days=[0, 30, 60, None], time_scale_days=60.0)
    assert ev.time_conflict(0, 1) == pytest.approx(1 - math.exp(-30 / 60))
    ev.merge(0, 1)  # span 0..30
    assert ev.time_conflict(0, 2) == pytest.approx(1 - math.exp(-30 / 60))
    assert ev.time_conflict(0, 3) == 0.0  # undated: neither near nor far
    ev.merge(2, 3)  # span 60..60, one undated member
    ev.merge(0, 2)
    assert ev.time_conflict(0, 0) == 0.0


def test_locked_clusters_never_merge_with_each_other_and_the_lock_follows_merges():
    ev = evidence([set()] * 4, locked=[0, 1])
    assert ev.discount(0, 1) == 0.0
    assert ev.discount(0, 2) == 1.0
    ev.merge(2, 0)  # an unlocked cluster absorbs a locked one: the result is locked
    assert ev.discount(2, 1) == 0.0


@pytest.mark.parametrize("settings", [
    {"conflict_weight": -0.1}, {"conflict_weight": 1.1}, {"time_scale_days": 0},
    {"word_weight": -0.5}, {"word_weight": 2}, {"rare_ratio": 1.0}, {"rare_ratio": -0.1},
])
def test_settings_out_of_range_are_refused(settings):
    with pytest.raises(ValueError):
        EvidenceSettings(**settings)
