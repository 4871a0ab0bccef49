"""Update summaries: a continuing story told to a reader who read the earlier digest."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from summarize.engines import load_engine
from summarize.engines.base import Summarizer
from summarize.fuse import summarize_stories, summarize_story
from summarize.ingest import read_articles
from summarize.models import Article, Chunk, EarlierCoverage, EarlierSummary, Sentence, Story
from summarize.pipeline import build_briefing
from summarize.render import render_json
from summarize.updates import (
    ALREADY_TOLD,
    KnownContent,
    StoryUpdate,
    concepts,
    newest_first,
    recap_line,
    update_settings,
)

GOLDEN = Path(__file__).parent / "fixtures" / "updates" / "no_earlier.json"
UNRELATED = Path(__file__).parent / "fixtures" / "unrelated"
THURSDAY, FRIDAY = dt.date(2025, 5, 15), dt.date(2025, 5, 16)

# A continuing story: the talks open on Thursday; on Friday the outcome, with
# the background that Friday's articles retell.
DAY1 = [
    Article("thu-1", date=THURSDAY, source="Wire", text=(
        "ISTANBUL (AP) _ Russian and Ukrainian delegations arrived in Istanbul on Thursday for the first direct "
        "peace talks between the two countries in three years. "
        "The Kremlin sent a delegation led by presidential aide Vladimir Medinsky, a historian and former culture minister. "
        "Ukrainian President Volodymyr Zelensky called the Russian team a theatrical delegation and said he would not meet it. "
        "Turkish President Recep Tayyip Erdogan offered to host the talks at the Dolmabahce Palace on the Bosphorus."
    )),
    Article("thu-2", date=THURSDAY, source="Daily", text=(
        "Russia and Ukraine will hold their first direct peace talks in three years in Istanbul, officials in both "
        "capitals said on Thursday. "
        "The Kremlin delegation is led by presidential aide Vladimir Medinsky, a historian and former culture minister. "
        "Zelensky said Ukraine was ready for a ceasefire of at least thirty days. "
        "US Secretary of State Marco Rubio said he did not expect a breakthrough from the Istanbul talks."
    )),
]
DAY2 = [
    Article("fri-1", date=FRIDAY, source="Wire", text=(
        "ISTANBUL (AP) _ Russia and Ukraine held their first direct peace talks in three years in Istanbul on Friday. "
        "The Kremlin delegation was led by presidential aide Vladimir Medinsky, a historian and former culture minister. "
        "The two sides agreed to exchange one thousand prisoners of war each, the largest swap since the war began. "
        "Ukrainian Defence Minister Rustem Umerov said the next step should be a meeting between the two presidents."
    )),
    Article("fri-2", date=FRIDAY, source="Daily", text=(
        "The first direct peace talks between Russia and Ukraine in three years ended in Istanbul on Friday. "
        "The Kremlin delegation was led by presidential aide Vladimir Medinsky, a historian and former culture minister. "
        "The prisoner exchange of one thousand prisoners of war each will be carried out in the coming days, officials said. "
        "Both sides agreed to present detailed ceasefire proposals before meeting again."
    )),
]
MEDINSKY = "presidential aide vladimir medinsky"


@pytest.fixture(scope="module")
def extractive():
    return load_engine("extractive")


@pytest.fixture(scope="module")
def thursday(extractive) -> EarlierCoverage:
    """What the reader read on Thursday: the extractive summary of Thursday's articles."""
    summary = summarize_story(Story("talks", DAY1), extractive, 60).summary
    assert MEDINSKY in summary.lower()  # the background the update must not repeat
    return EarlierCoverage((EarlierSummary(summary, THURSDAY),))


def _texts(summary) -> list[str]:
    return [s.text for s in summary.sentences]


# -- the continuing story -----------------------------------------------------


def test_the_update_leaves_out_what_the_reader_already_read(extractive, thursday):
    story = Story("talks", DAY2)
    plain = summarize_story(story, extractive, 60)
    update = summarize_story(story, extractive, 60, earlier=thursday)
    assert MEDINSKY in plain.summary.lower()  # told again without the update
    assert MEDINSKY not in update.summary.lower()
    assert "prisoners of war" in update.summary
    known = KnownContent(s.text for s in thursday.summaries)
    assert not any(known.already_told(sentence) for sentence in _texts(update))
    assert any("already told in earlier digests left out" in note for note in update.notes)


def test_the_update_leads_with_the_new_development(extractive, thursday):
    # a window holding both days' articles: Thursday's are central, Friday's are new
    story = Story("talks", DAY1 + DAY2)
    plain = summarize_story(story, extractive, 60)
    update = summarize_story(story, extractive, 60, earlier=thursday)
    known = KnownContent(s.text for s in thursday.summaries)
    assert known.already_told(_texts(plain)[0])  # plain leads with the background
    assert "prisoners of war" in _texts(update)[0] or "prisoner exchange" in _texts(update)[0]


def test_build_briefing_asks_for_each_story_what_its_reader_saw(extractive, thursday):
    asked = []

    def earlier(story: Story):
        asked.append(story)
        return thursday if any(a.id.startswith("fri") for a in story.articles) else None

    unrelated = read_articles([UNRELATED]).articles
    briefing = build_briefing(DAY2 + unrelated, engine=extractive, earlier=earlier, recap=True)
    assert len(asked) == len(briefing.stories) == 2
    talks, tram = briefing.stories
    assert MEDINSKY not in talks.summary.lower() and "prisoner" in talks.summary
    assert talks.previously == recap_line(thursday) and talks.previously
    assert tram.previously is None and "tram" in tram.summary


def test_the_recap_is_off_unless_asked(extractive, thursday):
    assert summarize_story(Story("talks", DAY2), extractive, 60, earlier=thursday).previously is None


def test_lexrank_update_leaves_out_what_the_reader_already_read(thursday):
    lexrank = load_engine("lexrank")
    update = summarize_story(Story("talks", DAY2), lexrank, 60, earlier=thursday)
    assert update.summary and MEDINSKY not in update.summary.lower()


class _Recording(Summarizer):
    """Delegates to an engine and keeps the chunks it was given."""

    def __init__(self, engine: Summarizer) -> None:
        self.engine, self.chunks = engine, []
        self.name, self.model, self.max_input_tokens = engine.name, engine.model, engine.max_input_tokens

    def count_tokens(self, text: str) -> int:
        return self.engine.count_tokens(text)

    def summarize(self, chunks: Sequence[Chunk], max_words: int) -> list[str]:
        self.chunks.extend(chunks)
        return self.engine.summarize(chunks, max_words)


@pytest.mark.parametrize("engine_name, model_fixture", [("abstractive", "tiny_model_dir"), ("chat", "tiny_chat_dir")])
def test_a_model_engine_is_not_given_what_was_already_told(engine_name, model_fixture, request, thursday):
    model = str(request.getfixturevalue(model_fixture))
    engine = _Recording(load_engine(engine_name, model, threads=1, generation={"max_new_tokens": 8, "num_beams": 1}))
    story = Story("talks", DAY2)
    update = summarize_story(story, engine, 40, earlier=thursday)
    given = " ".join(chunk.text for chunk in engine.chunks if chunk.story_id == "talks")
    assert "prisoners of war" in given and "Medinsky" not in given
    assert engine.chunks[0].known == KnownContent(s.text for s in thursday.summaries).sentences
    assert any("already told" in note for note in update.notes)
    engine.chunks.clear()
    summarize_story(story, engine, 40)
    assert "Medinsky" in " ".join(chunk.text for chunk in engine.chunks)


class _Restating(Summarizer):
    """An abstractive-like engine that restates the background of its input, then its news."""

    name = "restating"

    def summarize(self, chunks: Sequence[Chunk], max_words: int) -> list[str]:
        return ["The Kremlin delegation was led by presidential aide Vladimir Medinsky, a former culture minister. "
                "The two sides agreed to exchange one thousand prisoners of war each." for _ in chunks]


def test_fusion_drops_output_sentences_that_repeat_the_earlier_summaries(thursday):
    update = summarize_story(Story("talks", DAY2), _Restating(), 60, earlier=thursday)
    assert _texts(update) == ["The two sides agreed to exchange one thousand prisoners of war each."]
    assert any("of the summary already told" in note for note in update.notes)


def test_nothing_new_gives_an_empty_summary_that_says_so(extractive):
    story = Story("talks", DAY1)
    everything = EarlierCoverage((EarlierSummary(" ".join(a.text for a in DAY1), THURSDAY),))
    update = summarize_story(story, extractive, 60, earlier=everything)
    assert update.sentences == []
    assert any("already told" in note for note in update.notes)


# -- no earlier coverage: today's output, byte for byte -------------------------


def _seed_summaries(seeds_dir) -> dict:
    articles = read_articles([seeds_dir, UNRELATED]).articles
    result = {}
    for name in ("extractive", "lexrank"):
        briefing = build_briefing(articles, engine=load_engine(name))
        result[name] = [{"sentences": _texts(story), "notes": story.notes} for story in briefing.stories]
    return result


def test_without_earlier_coverage_the_summaries_are_todays(seeds_dir):
    # Recorded before update summaries existed. If a change elsewhere alters
    # these summaries on purpose, rewrite the file: python tests/test_updates.py
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert _seed_summaries(seeds_dir) == expected


@pytest.mark.parametrize("engine_name", ["extractive", "tiny"])
def test_no_coverage_and_coverage_of_other_stories_change_nothing(engine_name, seeds_dir, tiny_model_dir, thursday):
    if engine_name == "tiny":
        engine = load_engine("abstractive", str(tiny_model_dir), generation={"max_new_tokens": 8, "num_beams": 1})
    else:
        engine = load_engine(engine_name)
    articles = read_articles([seeds_dir]).articles
    now = dt.datetime(2025, 5, 16, 7, tzinfo=dt.timezone.utc)
    plain = render_json(build_briefing(articles, engine=engine, now=now))
    assert render_json(build_briefing(articles, engine=engine, now=now, earlier=lambda story: None)) == plain
    stories = [Story("seeds", list(articles))]
    alone = summarize_stories(stories, engine, 60)
    assert summarize_stories(stories, engine, 60, earlier={"another story": thursday}) == alone


def test_the_summary_cache_keys_an_update_by_what_the_reader_saw(extractive, thursday):
    class DictCache(dict):
        def put(self, key, summary):
            self[key] = summary

    cache = DictCache()
    build_briefing(DAY2, engine=extractive, summary_cache=cache)
    build_briefing(DAY2, engine=extractive, summary_cache=cache, earlier=lambda story: thursday)
    build_briefing(DAY2, engine=extractive, summary_cache=cache, earlier=lambda story: thursday, recap=True)
    assert len(cache) == 3
    summaries = list(cache.values())
    assert MEDINSKY in summaries[0].summary.lower() and MEDINSKY not in summaries[1].summary.lower()
    assert summaries[1].previously is None and summaries[2].previously


# -- the rules, one by one ---------------------------------------------------------


def test_concepts_are_the_extractive_engines_content_bigrams():
    assert concepts("The talks of the envoys") == {("the", "talk"), ("talk", "of"), ("the", "envoy")}
    assert concepts("of the") == frozenset() and concepts("") == frozenset()
    assert concepts("Prisoners were EXCHANGED") == concepts("prisoner were exchanged")


def test_a_sentence_is_already_told_when_half_of_its_concepts_are_known():
    known = KnownContent(["Medinsky led the Russian delegation to Istanbul."])
    assert ALREADY_TOLD == 0.5
    assert known.known_share("Medinsky led the Russian delegation.") == 1.0
    # 4 concepts, 2 known: exactly half
    assert known.known_share("Medinsky led the prisoner swap.") == pytest.approx(0.5)
    assert known.already_told("Medinsky led the prisoner swap.")
    assert not known.already_told("Ukraine agreed to a prisoner swap.")
    assert not known.already_told("It was.")  # no concepts: never told
    assert not KnownContent([]).already_told("Medinsky led the Russian delegation.")


def test_newest_first_orders_by_first_report_and_keeps_ties_in_order():
    articles = [
        Article("old", "The talks opened in Istanbul. Medinsky led the delegation.", date=THURSDAY),
        Article("new", "Prisoners will be exchanged next week. Medinsky led the delegation.", date=FRIDAY),
        Article("undated", "Observers called the meeting short."),
    ]
    ordered = newest_first(
        ["Observers called the meeting short.", "Medinsky led the delegation.", "The talks opened in Istanbul.",
         "Prisoners will be exchanged next week."],
        articles,
    )
    # Friday's news first; Thursday's (the Medinsky line was reported first on Thursday) in their order; undated last
    assert ordered == ["Prisoners will be exchanged next week.", "Medinsky led the delegation.",
                       "The talks opened in Istanbul.", "Observers called the meeting short."]


def test_newest_first_without_dates_keeps_the_order():
    articles = [Article("a", "One thing happened here. Another thing happened there.")]
    sentences = ["Another thing happened there.", "One thing happened here."]
    assert newest_first(sentences, articles) == sentences


def test_recap_is_the_lead_of_the_latest_summary_on_one_line():
    coverage = EarlierCoverage((
        EarlierSummary("Talks were announced. More followed.", THURSDAY),
        EarlierSummary("Delegations arrived in Istanbul. Medinsky led Russia's.", FRIDAY),
    ))
    assert recap_line(coverage) == "Delegations arrived in Istanbul."
    long = EarlierCoverage((EarlierSummary(" ".join(["word"] * 40) + ". Next sentence."),))
    assert recap_line(long, max_words=10) == " ".join(["word"] * 10) + "…"
    assert recap_line(EarlierCoverage(())) is None


def test_chunks_carry_what_is_known_and_leave_out_what_was_told(thursday):
    plan = StoryUpdate(thursday).chunk(Story("talks", DAY2), lambda text: len(text.split()), 30)
    assert len(plan.chunks) > 1  # packed to the limit as usual
    text = " ".join(chunk.text for chunk in plan.chunks)
    assert "Medinsky" not in text and "prisoners of war" in text
    assert all(chunk.known and chunk.known == plan.chunks[0].known for chunk in plan.chunks)
    assert plan.repeated_sentences == 1  # the background line both Friday articles carry


def test_update_settings_name_everything_the_summary_depends_on(thursday):
    settings = update_settings(thursday, recap=True)
    assert settings["earlier"] == [[thursday.summaries[0].text, "2025-05-15"]]
    assert settings["recap"] is True and settings["already_told"] == ALREADY_TOLD
    assert update_settings(thursday, recap=False) != settings


def test_the_extractive_engine_gives_known_content_no_weight(extractive):
    told = "Vladimir Medinsky led the Russian delegation at the Istanbul talks."
    sentences = [
        told,
        "The Russian delegation at the Istanbul talks was led by Vladimir Medinsky.",
        "Russia and Ukraine agreed to exchange one thousand prisoners of war.",
        "The exchange of prisoners of war will take place next week.",
    ]
    chunk = Chunk("talks", [Sentence(s, f"a{i}", 0) for i, s in enumerate(sentences)])
    assert "Medinsky" in extractive.select(chunk, 12)[0]  # the most central, when nothing is known
    chosen = extractive.select(dataclasses.replace(chunk, known=(told,)), 12)
    assert chosen and not any("Medinsky" in sentence for sentence in chosen)


def test_when_nothing_brings_enough_the_one_sentence_chosen_is_the_one_bringing_most(extractive):
    told = "Vladimir Medinsky led the Russian delegation at the Istanbul talks."
    longer = told[:-1] + " and agreed to it, as they all had said they would do."
    chunk = Chunk("talks", [Sentence(told, "a", 0), Sentence(longer, "b", 0)])
    assert extractive.select(chunk, 100) == [told]  # mostly the same content: the shorter alone
    # With the first known, neither brings the new share a sentence needs (the
    # longer one's new words are a quarter of its weight): the one sentence
    # chosen anyway is the one bringing something new, not the known one.
    assert extractive.select(dataclasses.replace(chunk, known=(told,)), 100) == [longer]


if __name__ == "__main__":  # rewrite the golden file of test_without_earlier_coverage_the_summaries_are_todays
    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import SEEDS

    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(json.dumps(_seed_summaries(SEEDS), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")
