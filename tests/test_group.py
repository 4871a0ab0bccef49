"""Story grouping through ``group_articles``, ``story_labels`` and ``attach_articles``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import random
import sys
from pathlib import Path

import pytest

from summarize.clean import clean_article
from summarize.features import embeddings_available
from summarize.group import GroupingSettings, attach_articles, group_articles, story_labels
from summarize.ingest import read_articles
from summarize.models import Article

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
UNRELATED = TESTS / "fixtures" / "unrelated"
BENCH = REPO.parent / "shared" / "bench"

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

# Two look-alike events on the same day: earthquakes in two Indonesian
# provinces, reported in the same words, told apart by their places.
QUAKE_DAY = dt.date(2025, 3, 11)
ACEH = [
    "A 6.1-magnitude earthquake struck Aceh province on Tuesday, killing at least 12 people in the Bener Meriah "
    "and Central Aceh districts, officials said.",
    "Rescuers in Bener Meriah dug through collapsed houses after Tuesday's earthquake in Aceh. The disaster agency "
    "said 12 people were killed and a mosque in Central Aceh was destroyed.",
    "The death toll from the Aceh earthquake rose to 12, most of them in Bener Meriah, where landslides cut the "
    "road to Takengon.",
]
PAPUA = [
    "A 6.4-magnitude earthquake hit Papua province on Tuesday, killing seven people in Jayapura and Sentani, "
    "officials said.",
    "Rescuers in Jayapura searched a collapsed hotel after Tuesday's earthquake in Papua. The disaster agency said "
    "seven people were killed and the airport at Sentani was closed.",
    "The death toll from the Papua earthquake rose to seven, most of them in Jayapura, where a shopping centre and "
    "a church collapsed.",
]
# One story covered every ten days for two months: a trial from opening to verdict.
TRIAL_START = dt.date(2025, 1, 6)
TRIAL = [
    "Prosecutors in Lyon opened their case against former mayor Henri Dufresne on Monday, accusing him of taking "
    "bribes for the tram contract.",
    "A witness told the Lyon court that Henri Dufresne asked for cash in exchange for the tram contract, the second "
    "week of the bribery trial.",
    "Dufresne's lawyers said the tram contract was awarded by a committee, not by the former mayor, as the Lyon "
    "bribery trial entered its third week.",
    "An accountant testified that payments linked to the tram contract reached an account controlled by Henri "
    "Dufresne, the Lyon court heard.",
    "Henri Dufresne took the stand in Lyon and denied taking bribes, telling the court the tram contract followed "
    "every rule.",
    "Closing arguments began in the bribery trial of former Lyon mayor Henri Dufresne, with prosecutors asking for "
    "four years in prison.",
    "A Lyon court convicted former mayor Henri Dufresne of taking bribes over the tram contract and sentenced him "
    "to three years in prison.",
]


def quakes() -> list[Article]:
    return ([Article(f"aceh-{i}", text, date=QUAKE_DAY) for i, text in enumerate(ACEH)]
            + [Article(f"papua-{i}", text, date=QUAKE_DAY) for i, text in enumerate(PAPUA)])


def trial(dated: bool = True) -> list[Article]:
    return [Article(f"trial-{i}", text, date=TRIAL_START + dt.timedelta(days=10 * i) if dated else None)
            for i, text in enumerate(TRIAL)]


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
    articles = seeds + tram + [SCIENCE] + quakes() + trial()
    first = group_articles(articles)
    assert ids(group_articles(articles)) == ids(first)
    as_sets = lambda groups: sorted(sorted(a.id for a in g) for g in groups)  # noqa: E731
    for seed in range(3):
        shuffled = articles[:]
        random.Random(seed).shuffle(shuffled)
        assert as_sets(group_articles(shuffled)) == as_sets(first)


def test_empty_and_single_inputs():
    assert group_articles([]) == []
    assert ids(group_articles([SCIENCE])) == [["science"]]
    assert ids(group_articles([Article("blank", "")])) == [["blank"]]
    assert ids(group_articles([Article("blank", ""), Article("empty", "  ")])) == [["blank"], ["empty"]]


def test_articles_without_shared_words_stay_apart():
    a = Article("a", "Parliament approved the budget.")
    b = Article("b", "The striker scored twice.")
    assert ids(group_articles([a, b])) == [["a"], ["b"]]


def test_two_look_alike_events_on_the_same_day_with_different_places_stay_two():
    groups = group_articles(quakes())
    assert ids(groups) == [["aceh-0", "aceh-1", "aceh-2"], ["papua-0", "papua-1", "papua-2"]]
    # It is the conflicting key facts (Aceh, Bener Meriah vs Papua, Jayapura)
    # that keep them apart: the words alone would join them.
    no_evidence = GroupingSettings(conflict_weight=0.0)
    assert len(group_articles(quakes(), settings=no_evidence)) == 1


def test_a_story_running_for_sixty_days_stays_one_story():
    articles = trial()
    assert (articles[-1].date - articles[0].date).days == 60
    assert ids(group_articles(articles)) == [[a.id for a in articles]]
    # Dates do count: with a time scale of a day, ten-day gaps split it.
    assert len(group_articles(articles, settings=GroupingSettings(time_scale_days=1.0))) > 1


def test_undated_articles_are_neither_near_nor_far():
    dated, undated = trial(), trial(dated=False)
    mixed = dated[:3] + undated[3:]
    assert ids(group_articles(mixed)) == [[a.id for a in mixed]]
    assert ids(group_articles(undated)) == ids(group_articles(dated))


def test_a_gap_in_time_is_evidence_against_a_merge_of_look_alike_reports():
    # One report of each earthquake: on the same day nothing but the words
    # speaks (one article alone establishes no fact), four months apart the
    # gap between their dates does.
    aceh, papua = Article("aceh", ACEH[0], date=QUAKE_DAY), Article("papua", PAPUA[1], date=QUAKE_DAY)
    assert ids(group_articles([aceh, papua])) == [["aceh", "papua"]]
    later = dataclasses.replace(papua, date=QUAKE_DAY + dt.timedelta(days=120))
    assert ids(group_articles([aceh, later])) == [["aceh"], ["papua"]]


def test_the_threshold_controls_how_much_is_merged(seeds, tram):
    articles = seeds + tram + [SCIENCE]
    assert len(group_articles(articles, distance_threshold=1.0)) <= 3
    assert len(group_articles(articles, distance_threshold=0.05)) == len(articles)


@pytest.mark.parametrize("kwargs", [
    {"distance_threshold": 0}, {"distance_threshold": 1.5}, {"method": "lda"}, {"cosine_weight": -0.1},
    {"conflict_weight": 2}, {"time_scale_days": 0}, {"neighbour_counts": ()}, {"word_weight": 1.5},
    {"rare_ratio": 1},
])
def test_bad_settings_are_refused_with_a_clear_message(kwargs):
    with pytest.raises(ValueError, match="threshold|method|weight|scale|neighbour|ratio"):
        GroupingSettings(**kwargs)


def test_story_labels_refuses_days_of_another_length():
    with pytest.raises(ValueError, match="2 days for 3 texts"):
        story_labels(["a b", "c d", "e f"], days=[1, 2])


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
    assert _benchmark_module().bcubed(list(labels), gold)[2] >= 0.95


# ---------------------------------------------------------------- incremental

def test_new_articles_join_the_existing_story_they_continue_or_start_their_own(seeds, tram):
    existing = [seeds[:3], tram]
    labels = attach_articles(existing, [seeds[3], SCIENCE, seeds[4]])
    assert labels == [0, 2, 0]


def test_attaching_to_no_stories_is_grouping_the_new_articles(seeds, tram):
    articles = seeds + tram + [SCIENCE]
    labels = attach_articles([], articles)
    grouped = group_articles(articles)
    assert [[a.id for a, label in zip(articles, labels) if label == k] for k in sorted(set(labels))] == ids(grouped)


def test_existing_stories_are_never_merged_or_split_by_new_articles():
    articles = quakes()
    # Yesterday Aceh and Papua were wrongly kept as one story and two reports
    # of the trial as two: they stay as they are; today's reports join them.
    existing = [articles[:2] + articles[3:5], trial()[:1], trial()[1:2]]
    labels = attach_articles(existing, [articles[2], articles[5]] + trial()[2:])
    assert labels[:2] == [0, 0]
    assert all(label in (1, 2) for label in labels[2:])


def test_new_reports_do_not_join_a_story_that_holds_one_stray_report_of_their_event():
    # Yesterday's Papua story wrongly holds one Aceh report. Today's Aceh
    # reports start their own story: one stray article does not make the
    # Papua story "state" Aceh's facts (EvidenceSettings.rare_ratio).
    aceh, papua = quakes()[:3], quakes()[3:]
    more_papua = [
        "Aftershocks shook Jayapura overnight after Tuesday's earthquake in Papua, and the death toll stayed at seven.",
        "Schools in Jayapura and Sentani stayed closed after the Papua earthquake killed seven people.",
        "Hundreds of people in Jayapura slept outside after the Papua earthquake, which killed seven.",
    ]
    papua_story = papua + [Article(f"papua-{3 + i}", t, date=QUAKE_DAY) for i, t in enumerate(more_papua)] + aceh[:1]
    assert attach_articles([papua_story], aceh[1:]) == [1, 1]
    assert attach_articles([papua_story], aceh[1:], settings=GroupingSettings(rare_ratio=0.0)) == [0, 0]


def test_a_new_article_that_matches_nothing_starts_a_new_story_per_event(seeds):
    new = quakes()
    labels = attach_articles([seeds], new)
    assert labels == [1, 1, 1, 2, 2, 2]


def test_attach_checks_its_inputs(seeds):
    assert attach_articles([seeds], []) == []
    assert attach_articles([], [SCIENCE]) == [0]
    with pytest.raises(ValueError, match="no articles"):
        attach_articles([seeds, []], [SCIENCE])


# ---------------------------------------------------------------- real data

@pytest.mark.skipif(not (BENCH / "clusters_dev.jsonl").exists() or not (BENCH / "mds_dev.jsonl").exists(),
                    reason="../shared/bench is not available")
def test_the_default_is_at_or_above_the_plain_baseline_on_every_dev_file():
    bench = _benchmark_module()
    main, _ = bench.dev_sets()
    for dev_set in main:
        if len(dev_set.draws) > 1:
            continue  # the random simulations are the benchmark's business
        items = dev_set.draws[0]
        gold = [item.story for item in items]
        ours = story_labels([item.text for item in items], days=[item.day for item in items])
        baseline = bench.baseline_labels([item.text for item in items])
        assert bench.bcubed(list(ours), gold)[2] >= bench.bcubed(list(baseline), gold)[2], dev_set.name


@pytest.mark.skipif(not embeddings_available(), reason="optional extra 'embeddings' not installed")
def test_sentence_embeddings_also_group_the_seeds_apart_from_an_unrelated_story(seeds, tram):
    groups = group_articles(seeds + tram, method="embeddings")
    assert ids(groups) == [[a.id for a in seeds], [tram[0].id]]


def _benchmark_module():
    # Loaded from its path: pysbd installs an unrelated top-level "benchmarks" package.
    name = "grouping_benchmark"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / "grouping.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while it loads
        spec.loader.exec_module(module)
    return sys.modules[name]
