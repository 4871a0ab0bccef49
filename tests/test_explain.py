"""Why a story's articles are together: shared words and names, cohesion, dates."""

from __future__ import annotations

import datetime as dt

from summarize.explain import explain_stories, explain_story
from summarize.models import Article

RAHMAN = [
    Article("r1", "Wladimir Klitschko stopped Hasim Rahman in the seventh round in Mannheim.", date=dt.date(2008, 12, 13)),
    Article("r2", "Klitschko retained his heavyweight titles by stopping Rahman in Mannheim on Saturday.",
            date=dt.date(2008, 12, 14)),
    Article("r3", "Rahman was knocked down in the sixth round before Klitschko stopped him.", date=None),
]
LONE = Article("lone", "The city council approved the budget for the new tram line.", date=dt.date(2025, 5, 14))


def test_shared_names_and_words_are_those_most_articles_use_written_as_they_are():
    why = explain_stories([RAHMAN, [LONE]])[0]
    assert why.articles == 3
    assert why.shared_entities[:2] == (("Klitschko", 3), ("Rahman", 3))
    assert ("Mannheim", 2) in why.shared_entities
    assert ("stopped", 3) in why.shared_terms  # "stopped", "stopping": one stem, shown as first written
    assert all(count >= 2 for _, count in why.shared_terms + why.shared_entities)
    assert not {term for term, _ in why.shared_terms} & {"klitschko", "rahman"}  # names are listed as names


def test_dates_span_and_undated_articles_are_counted():
    why = explain_story(RAHMAN)
    assert (why.first_date, why.last_date, why.days, why.dated_articles) == (
        dt.date(2008, 12, 13), dt.date(2008, 12, 14), 2, 2)
    assert "dates: 2008-12-13 to 2008-12-14 (2 days), 1 undated" in why.to_text()
    assert 0 < why.cohesion < 1


def test_a_single_article_has_nothing_shared_and_says_so():
    why = explain_story([LONE])
    assert why.shared_terms == () and why.shared_entities == () and why.cohesion is None
    assert why.to_text() == "a single article; dates: 2025-05-14"
    assert explain_story([Article("x", "no date here")]).to_text() == "a single article; no dates"


def test_the_json_form_is_plain_data():
    record = explain_story(RAHMAN).to_dict()
    assert record["shared_entities"][0] == {"entity": "Klitschko", "articles": 3}
    assert record["first_date"] == "2008-12-13" and record["days"] == 2 and record["dated_articles"] == 2
    assert isinstance(record["cohesion"], float)


def test_no_stories_no_explanations():
    assert explain_stories([]) == []
