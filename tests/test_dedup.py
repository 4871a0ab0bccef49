"""Near-duplicate detection through ``find_near_duplicates``, on the seed articles."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from summarize.clean import clean_article
from summarize.dedup import find_near_duplicates
from summarize.ingest import read_articles
from summarize.models import Article

UNRELATED = Path(__file__).resolve().parent / "fixtures" / "unrelated"


@pytest.fixture(scope="module")
def seeds(seeds_dir):
    """The five seeds, cleaned as the pipeline cleans them, by file-name prefix."""
    articles = [clean_article(a) for a in read_articles([seeds_dir]).articles]
    return {a.id[:3]: a for a in articles}


def copy_of(article: Article, new_id: str, text: str | None = None) -> Article:
    return dataclasses.replace(article, id=new_id, text=article.text if text is None else text, origin=new_id)


def test_the_spun_copy_is_a_duplicate_of_the_reuters_original_and_nothing_else_is(seeds):
    # 002 is a machine-spun rewrite of 000 ("Cremlin", "primary direct peace
    # interviews"); 001 and 003 are other reports of the same event; 004
    # paraphrases parts of 000 but adds its own reporting, so it stays.
    assert find_near_duplicates(list(seeds.values())) == {seeds["002"].id: seeds["000"].id}


def test_the_original_wording_is_kept_whatever_the_input_order(seeds):
    reordered = [seeds["002"], seeds["004"], seeds["001"], seeds["000"], seeds["003"]]
    assert find_near_duplicates(reordered) == {seeds["002"].id: seeds["000"].id}


def test_without_other_reports_the_more_ordinary_wording_is_kept(seeds):
    assert find_near_duplicates([seeds["002"], seeds["000"]]) == {seeds["002"].id: seeds["000"].id}


def test_an_exact_copy_is_a_duplicate_of_the_article_that_came_first(seeds):
    articles = list(seeds.values()) + [copy_of(seeds["001"], "repost")]
    duplicates = find_near_duplicates(articles)
    assert duplicates["repost"] == seeds["001"].id
    assert seeds["001"].id not in duplicates


def test_a_lightly_edited_copy_is_a_duplicate(seeds):
    paragraphs = seeds["003"].text.split("\n")
    edited = "\n".join(p.replace("Bloomberg", "the agency").replace("Putin", "Vladimir Putin")
                       for p in paragraphs[:-2])
    duplicates = find_near_duplicates([seeds["003"], seeds["001"], copy_of(seeds["003"], "edited", edited)])
    assert duplicates == {"edited": seeds["003"].id}


def test_an_excerpt_is_a_duplicate_of_the_full_report_even_when_it_comes_first(seeds):
    paragraphs = [p for p in seeds["001"].text.split("\n") if p.strip()]
    excerpt = copy_of(seeds["001"], "excerpt", "\n".join(paragraphs[:6]))
    assert find_near_duplicates([excerpt, seeds["001"], seeds["003"]]) == {"excerpt": seeds["001"].id}


def test_distinct_reports_of_the_same_event_are_not_duplicates(seeds):
    assert find_near_duplicates([seeds["000"], seeds["001"], seeds["003"]]) == {}
    assert find_near_duplicates([seeds["000"], seeds["004"]]) == {}


def test_an_unrelated_article_is_never_a_duplicate(seeds):
    tram = [clean_article(a) for a in read_articles([UNRELATED]).articles]
    duplicates = find_near_duplicates(tram + list(seeds.values()))
    assert tram[0].id not in duplicates and tram[0].id not in duplicates.values()


def test_every_duplicate_points_at_an_article_that_is_kept(seeds):
    articles = list(seeds.values()) + [copy_of(seeds["002"], "spun-again"), copy_of(seeds["000"], "wire")]
    duplicates = find_near_duplicates(articles)
    assert set(duplicates) == {seeds["002"].id, "spun-again", "wire"}
    assert set(duplicates.values()) == {seeds["000"].id}


def test_empty_single_and_blank_inputs():
    assert find_near_duplicates([]) == {}
    assert find_near_duplicates([Article("one", "A single article.")]) == {}
    assert find_near_duplicates([Article("a", ""), Article("b", ""), Article("c", "Some text here.")]) == {}
