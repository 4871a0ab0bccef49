"""End to end through the library: articles in, briefing out, with both engines."""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from summarize.engines import load_engine
from summarize.ingest import read_articles
from summarize.pipeline import BriefingOptions, build_briefing, build_stories, prepare_articles, rank_stories
from summarize.models import Article, Story

UNRELATED = Path(__file__).parent / "fixtures" / "unrelated"


@pytest.fixture(scope="module")
def seed_articles(seeds_dir):
    return read_articles([seeds_dir]).articles


@pytest.fixture(scope="module")
def extractive():
    return load_engine("extractive")


def test_seeds_make_one_story_with_five_sources_naming_the_key_people(seed_articles, extractive):
    briefing = build_briefing(seed_articles, BriefingOptions(engine="extractive"), engine=extractive)
    assert briefing.engine == "extractive" and briefing.model is None
    [story] = briefing.stories
    assert len(story.sources) == 5
    summary = story.summary
    assert "Putin" in summary and ("Zelenskiy" in summary or "Zelensky" in summary)
    assert "Medinsky" in summary and "Istanbul" in summary
    assert "Advertisement" not in summary and "Read also" not in summary
    assert len(summary.split()) <= 120
    assert story.headline


def test_an_unrelated_article_is_a_story_of_its_own_ranked_after(seed_articles, extractive):
    extra = read_articles([UNRELATED]).articles
    briefing = build_briefing(seed_articles + extra, engine=extractive)
    assert [len(s.sources) for s in briefing.stories] == [5, 1]
    assert briefing.stories[1].headline == "Lyon Opens New Tram Line to Airport Ahead of Summer Season"
    assert "tram" in briefing.stories[1].summary


def test_stories_rank_by_sources_then_recency():
    def story(name, n, day):
        return Story(name, [Article(f"{name}{i}", "x", date=dt.date(2025, 5, day)) for i in range(n)])

    ranked = rank_stories([story("old", 1, 1), story("big", 3, 1), story("new", 1, 9)])
    assert [s.id for s in ranked] == ["big", "new", "old"]


def test_duplicates_stay_sources_but_are_summarised_once(seed_articles):
    copy = Article("copy", seed_articles[0].text, origin="copy.txt")
    cleaned, _ = prepare_articles(list(seed_articles) + [copy])
    [story] = build_stories(cleaned)
    assert story.duplicates.get("copy") == seed_articles[0].id
    assert len(story.articles) == 6 and "copy" not in {a.id for a in story.distinct_articles}


def test_abstractive_engine_with_a_local_model_dir(seed_articles, tiny_model_dir):
    options = BriefingOptions(engine="abstractive", model=str(tiny_model_dir), max_words=40,
                              generation={"max_new_tokens": 8, "num_beams": 1}, batch_size=8)
    briefing = build_briefing(seed_articles, options)
    assert briefing.engine == "abstractive" and briefing.model == str(tiny_model_dir)
    assert briefing.settings["max_input_tokens"] < 128
    assert len(briefing.stories) == 1 and len(briefing.stories[0].sources) == 5


def test_auto_falls_back_and_says_so_in_the_briefing(seed_articles):
    briefing = build_briefing(seed_articles, BriefingOptions(engine="auto", model="nobody/not-cached"))
    assert briefing.engine.startswith("extractive (fallback: nobody/not-cached")


def test_summary_cache_skips_unchanged_stories(seed_articles, extractive):
    class DictCache(dict):
        hits = 0

        def get(self, key):
            value = super().get(key)
            self.hits += value is not None
            return value

        def put(self, key, summary):
            self[key] = summary

    cache = DictCache()
    first = build_briefing(seed_articles, engine=extractive, summary_cache=cache)
    second = build_briefing(seed_articles, engine=extractive, summary_cache=cache)
    assert len(cache) == 1 and cache.hits == 1
    assert second.stories[0].summary == first.stories[0].summary


def test_articles_that_are_only_boilerplate_are_skipped_with_a_note(extractive):
    junk = Article("junk", "Advertisement\nRead also: something else", origin="junk.txt")
    real = Article("real", "The council approved the budget on Tuesday. It takes effect in June.")
    briefing = build_briefing([junk, real], engine=extractive)
    assert [s.article_ids for s in briefing.stories] == [["real"]]
    assert briefing.notes == ["junk.txt: no text left after removing boilerplate; skipped"]
