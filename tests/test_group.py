"""Story grouping through ``group_articles``: seeds, unrelated stories, dates, the bench."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import json
import random
from pathlib import Path

import pytest

from summarize.clean import clean_article
from summarize.features import embeddings_available
from summarize.group import group_articles, story_labels
from summarize.ingest import read_articles
from summarize.models import Article

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
UNRELATED = TESTS / "fixtures" / "unrelated"
CLUSTERS = REPO.parent / "shared" / "bench" / "clusters_dev.jsonl"

SCIENCE = Article(
    "science",
    "Astronomers using the James Webb Space Telescope have detected carbon dioxide and methane in the "
    "atmosphere of K2-18b, a planet 120 light years away in the constellation Leo.\n"
    "The team, led by Nikku Madhusudhan of the University of Cambridge, said the signal was measured "
    "in three separate transits of the planet across its star.\n"
    "Further observations next year should tell whether the planet has a water ocean.",
    title="Webb telescope finds methane on distant planet",
    date=dt.date(2025, 5, 14),
)


@pytest.fixture(scope="module")
def seeds(seeds_dir):
    return [clean_article(a) for a in read_articles([seeds_dir]).articles]


@pytest.fixture(scope="module")
def tram():
    return [clean_article(a) for a in read_articles([UNRELATED]).articles]


def ids(groups):
    return [[a.id for a in group] for group in groups]


def test_the_five_seeds_are_one_story(seeds):
    assert len(seeds) == 5
    assert ids(group_articles(seeds)) == [[a.id for a in seeds]]


def test_an_unrelated_article_beside_the_seeds_is_a_story_of_its_own(seeds, tram):
    groups = group_articles(seeds + tram)
    assert ids(groups) == [[a.id for a in seeds], [tram[0].id]]


def test_stories_come_in_order_of_first_appearance_articles_in_input_order(seeds, tram):
    mixed = [seeds[3], tram[0], seeds[0], SCIENCE, seeds[4], seeds[1], seeds[2]]
    groups = group_articles(mixed)
    assert ids(groups) == [
        [seeds[3].id, seeds[0].id, seeds[4].id, seeds[1].id, seeds[2].id],
        [tram[0].id],
        ["science"],
    ]


def test_grouping_is_deterministic_and_does_not_depend_on_input_order(seeds, tram):
    articles = seeds + tram + [SCIENCE]
    first = group_articles(articles)
    assert ids(group_articles(articles)) == ids(first)
    shuffled = articles[:]
    random.Random(7).shuffle(shuffled)
    as_sets = lambda groups: sorted(sorted(a.id for a in g) for g in groups)  # noqa: E731
    assert as_sets(group_articles(shuffled)) == as_sets(first)


def test_empty_and_single_inputs():
    assert group_articles([]) == []
    assert ids(group_articles([SCIENCE])) == [["science"]]
    assert ids(group_articles([Article("blank", "")])) == [["blank"]]


def test_articles_without_shared_words_stay_apart():
    a = Article("a", "Parliament approved the budget.")
    b = Article("b", "The striker scored twice.")
    assert ids(group_articles([a, b])) == [["a"], ["b"]]


def test_articles_dated_far_apart_are_different_stories_unless_dates_are_ignored(seeds):
    early = dataclasses.replace(seeds[0], id="may", date=dt.date(2025, 5, 15))
    late = dataclasses.replace(seeds[4], id="september", date=dt.date(2025, 9, 20))
    assert ids(group_articles([early, late])) == [["may"], ["september"]]
    assert ids(group_articles([early, late], max_days_apart=None)) == [["may", "september"]]
    undated = dataclasses.replace(late, date=None)
    assert ids(group_articles([early, undated])) == [["may", "september"]]


def test_the_threshold_controls_how_much_is_merged(seeds, tram):
    articles = seeds + tram + [SCIENCE]
    assert len(group_articles(articles, distance_threshold=1.0)) <= 3
    assert len(group_articles(articles, distance_threshold=0.05)) == len(articles)


@pytest.mark.parametrize("kwargs", [{"distance_threshold": 0}, {"distance_threshold": 1.5}, {"method": "lda"}])
def test_bad_settings_are_refused_with_a_clear_message(seeds, kwargs):
    with pytest.raises(ValueError, match="threshold|method"):
        group_articles(seeds, **kwargs)


def test_many_stories_of_many_articles_are_recovered():
    # 400 articles, 80 made-up events of 5 reports each; the word "report" is in
    # every article, so the neighbour search runs its pruned (candidate) path.
    rng = random.Random(3)
    syllables = ["ka", "lo", "mi", "ra", "to", "ve", "sun", "dar", "el", "vik", "mor", "zen"]
    names = iter(rng.sample([(a + b + c).capitalize() for a in syllables for b in syllables for c in syllables], 320))
    verbs = ["met", "visited", "criticised", "praised", "sued", "hired", "fired", "thanked"]
    places = ["harbour", "stadium", "parliament", "factory", "museum", "airport", "school", "hospital"]
    texts, gold = [], []
    for story in range(80):
        cast = [next(names) for _ in range(4)]
        facts = [f"{rng.choice(cast)} {rng.choice(verbs)} {rng.choice(cast)} at the {rng.choice(places)}."
                 for _ in range(8)]
        for _ in range(5):
            texts.append("A report says. " + " ".join(rng.sample(facts, 5)))
            gold.append(story)
    labels = story_labels(texts)
    grouping = _benchmark_module()
    assert grouping.bcubed(list(labels), gold)[2] >= 0.95


@pytest.mark.skipif(not CLUSTERS.exists(), reason="../shared/bench/clusters_dev.jsonl is not available")
def test_clusters_dev_b_cubed_f1_reaches_the_target_with_the_default_threshold():
    records = [json.loads(line) for line in CLUSTERS.read_text(encoding="utf-8").splitlines() if line.strip()]
    labels = story_labels([r["text"] for r in records])
    precision, recall, f1 = _benchmark_module().bcubed(list(labels), [r["story_id"] for r in records])
    assert f1 >= 0.93, (precision, recall, f1)


@pytest.mark.skipif(not embeddings_available(), reason="optional extra 'embeddings' not installed")
def test_sentence_embeddings_also_group_the_seeds_apart_from_an_unrelated_story(seeds, tram):
    groups = group_articles(seeds + tram, method="embeddings")
    assert ids(groups) == [[a.id for a in seeds], [tram[0].id]]


def _benchmark_module():
    # Loaded from its path: pysbd installs an unrelated top-level "benchmarks" package.
    spec = importlib.util.spec_from_file_location("grouping_benchmark", REPO / "benchmarks" / "grouping.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
