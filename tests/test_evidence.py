"""Evidence against merging: key facts of the lead, conflicts between clusters, gaps in time."""

from __future__ import annotations

import math

import pytest

from summarize.evidence import ClusterEvidence, EvidenceSettings, key_facts, lead, strip_dateline


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


def test_key_facts_are_names_places_and_numbers_without_weekdays_or_agencies():
    text = "JAKARTA (AP) _ A 6.1 earthquake struck Aceh on Sunday, killing 12, Reuters and AP reported."
    assert key_facts(text) == {"6.1", "aceh", "12"}


def evidence(facts, days=None, locked=(), **settings) -> ClusterEvidence:
    return ClusterEvidence([set(f) for f in facts], days, EvidenceSettings(**settings), locked=locked)


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


@pytest.mark.parametrize("settings", [{"conflict_weight": -0.1}, {"conflict_weight": 1.1}, {"time_scale_days": 0}])
def test_settings_out_of_range_are_refused(settings):
    with pytest.raises(ValueError):
        EvidenceSettings(**settings)
