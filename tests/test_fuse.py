import datetime as dt

from summarize.engines.base import Summarizer
from summarize.engines.extractive import ExtractiveSummarizer
from summarize.fuse import attribute_sentences, drop_dangling_references, make_headline, make_sources, summarize_documents, summarize_stories, summarize_story
from summarize.models import Article, Story


class FirstSentenceEngine(Summarizer):
    """A deterministic engine with a small input: returns each chunk's first sentence."""

    name = "first-sentence"

    def __init__(self, max_input_tokens=20):
        self.max_input_tokens = max_input_tokens
        self.calls: list[int] = []

    def summarize(self, chunks, max_words):
        self.calls.append(len(chunks))
        for chunk in chunks:
            assert self.max_input_tokens is None or self.count_tokens(chunk.text) <= self.max_input_tokens
        return [chunk.sentences[0].text for chunk in chunks]


def article(i: int, n: int = 6, **kw) -> Article:
    text = " ".join(f"Event {i} detail {j} happened in city {j} today." for j in range(n))
    return Article(id=f"a{i}", text=text, **kw)


def test_chunk_summaries_are_fused_level_by_level_in_batches():
    engine = FirstSentenceEngine(max_input_tokens=20)
    stories = [Story("s1", [article(1, n=8)]), Story("s2", [article(2, n=2)])]
    summaries = summarize_stories(stories, engine, max_words=100)
    # Level 1: all chunks of both stories in one call; later levels fuse only s1.
    assert engine.calls[0] == 4 + 1
    assert len(engine.calls) > 1 and all(c >= 1 for c in engine.calls[1:])
    assert summaries[0].summary == "Event 1 detail 0 happened in city 0 today."
    assert summaries[1].summary == "Event 2 detail 0 happened in city 0 today."


def test_unbounded_engines_get_the_whole_story_at_once():
    engine = FirstSentenceEngine(max_input_tokens=None)
    summarize_story(Story("s", [article(1), article(2)]), engine, max_words=50)
    assert engine.calls == [1]


def test_redundant_sentences_are_removed_and_budget_kept():
    class Echo(Summarizer):
        name = "echo"

        def summarize(self, chunks, max_words):
            return [c.text for c in chunks]

    text = "Putin will not attend the talks in Istanbul. Putin will not attend talks in Istanbul. " + " ".join(
        f"Item{i} concerns topic{i} within region{i} during period{i}." for i in range(30))
    summary = summarize_story(Story("s", [Article("a", text)]), Echo(), max_words=20)
    texts = [s.text for s in summary.sentences]
    assert texts[0] == "Putin will not attend the talks in Istanbul."
    assert "Putin will not attend talks in Istanbul." not in texts
    assert len(summary.summary.split()) <= 20
    assert any("left out to keep within 20 words" in note for note in summary.notes)


def test_sentences_sharing_words_below_the_redundancy_threshold_are_both_kept():
    class Echo(Summarizer):
        name = "echo"

        def summarize(self, chunks, max_words):
            return [c.text for c in chunks]

    sentences = [
        "Putin will not attend the talks in Istanbul.",  # 8 words
        "Putin will not attend.",  # all 4 shared, but Jaccard 4/8 = 0.5
        "Zelensky will attend the talks in Istanbul.",  # 6 of 9 distinct words shared with the first: 0.67
    ]
    summary = summarize_story(Story("s", [Article("a", " ".join(sentences))]), Echo(), max_words=50)
    assert [s.text for s in summary.sentences] == sentences[:2]


def test_headline_prefers_a_source_title():
    story = Story("s", [article(1), article(2, title="Peace talks open in Istanbul")])
    assert make_headline(story) == "Peace talks open in Istanbul"


def test_headline_without_titles_is_a_shortened_lead_not_the_whole_sentence():
    lead = ("WASHINGTON/ISTANBUL \u2014 US President Donald Trump and his Russian counterpart Vladimir Putin will not "
            "attend what could be the first direct peace talks between Moscow and Kyiv in three years.")
    headline = make_headline(Story("s", [Article("a", lead)]))
    assert headline == "Donald Trump and Vladimir Putin will not attend"


def test_sources_keep_a_missing_title_as_none_and_name_the_outlet_never_the_file():
    story = Story("s", [
        Article("a", "Body.", title="A title", source="Reuters", date=dt.date(2025, 5, 15), url="http://x"),
        Article("b", "LONDON (AP) _ The city council approved the new tram line on Monday after a long debate.",
                origin="feeds/0b1c2d3e4f.txt"),
        Article("c", "The council approved the tram line.", url="https://www.example.org/tram", origin="c.txt"),
    ], duplicates={"b": "a"})
    first, second, third = make_sources(story)
    assert (first.title, first.outlet, first.date, first.url) == ("A title", "Reuters", dt.date(2025, 5, 15), "http://x")
    assert second.title is None and second.display_title == "The city council approved the new tram line"
    assert second.outlet == "AP" and second.duplicate_of == "a" and second.origin == "feeds/0b1c2d3e4f.txt"
    assert third.outlet == "example.org"


class Headliner(Summarizer):
    """Summaries are the chunks themselves; every headline is the one given."""

    name = "headliner"

    def __init__(self, headline=None):
        self.headline = headline

    def summarize(self, chunks, max_words):
        return [chunk.text for chunk in chunks]

    def write_headlines(self, summaries, max_words=12):
        return [self.headline] * len(summaries)


def test_an_engine_headline_is_used_when_no_source_has_a_title_and_the_sources_support_it():
    text = "Lawmakers in Oslo approved the budget on Tuesday. The vote was close."
    [summary] = summarize_stories([Story("s", [Article("a", text)])], Headliner("Oslo lawmakers approve budget"), 50)
    assert summary.headline == "Oslo lawmakers approve budget"
    [summary] = summarize_stories([Story("s", [Article("a", text, title="Budget passes")])], Headliner("Oslo lawmakers approve budget"), 50)
    assert summary.headline == "Budget passes"
    # A name the sources lack sinks the engine's headline; one is built from the story instead.
    [summary] = summarize_stories([Story("s", [Article("a", text)])], Headliner("Boris Kowalczyk approves budget"), 50)
    assert summary.headline == "Lawmakers in Oslo approved the budget"
    assert any("Kowalczyk" in note for note in summary.notes)


def test_the_base_engine_writes_no_headlines():
    assert FirstSentenceEngine().write_headlines(["One summary.", "Another."]) == [None, None]


def test_sentences_are_attributed_to_supporting_articles():
    articles = [
        Article("a", "Vladimir Medinsky will lead the Russian delegation in Istanbul."),
        Article("b", "Zelensky flew to Ankara to meet Erdogan."),
    ]
    attributed = attribute_sentences(["Medinsky leads the Russian delegation.", "Frogs sing at night."], articles)
    assert attributed[0].supported_by == ["a"]
    assert attributed[1].supported_by == []


def test_summarize_documents_is_the_benchmark_path():
    engine = FirstSentenceEngine(max_input_tokens=None)
    assert summarize_documents(["First doc. More.", "", "Second doc."], engine, 50) == "First doc."
    assert summarize_documents([], engine, 50) == ""


def test_sentences_referring_back_to_something_left_out_are_dropped():
    articles = [Article("a", "Putin proposed talks in Istanbul. He said they should start on Thursday. "
                              "Medinsky will lead the delegation. This surprised Kyiv.")]
    kept, dropped = drop_dangling_references(
        ["Medinsky will lead the delegation.", "This surprised Kyiv.", "He said they should start on Thursday."], articles)
    assert kept == ["Medinsky will lead the delegation.", "This surprised Kyiv."]
    assert dropped == 1
    # A model's own sentence may not open the summary with a pronoun, but may follow one.
    kept, _ = drop_dangling_references(["They met.", "Leaders met in Istanbul.", "They agreed."], articles)
    assert kept == ["Leaders met in Istanbul.", "They agreed."]


class InventingModel(Summarizer):
    """Stands in for a model whose output contains a name the sources never mention."""

    name = "abstractive"
    max_input_tokens = 400

    def summarize(self, chunks, max_words):
        return ["Vladimir Medinsky leads the Russian delegation in Istanbul. "
                "Boris Kowalczyk, the Polish envoy, joined the talks."] * len(chunks)


SOURCES = [Article("a", "The Kremlin said Vladimir Medinsky will lead the Russian delegation at the talks in Istanbul.")]


def test_factual_guard_removes_a_sentence_with_an_invented_name():
    summary = summarize_story(Story("s", SOURCES), InventingModel(), max_words=100)
    assert summary.summary == "Vladimir Medinsky leads the Russian delegation in Istanbul."
    [removed] = summary.factual["removed_sentences"]
    assert removed["text"].startswith("Boris Kowalczyk")
    assert "Boris Kowalczyk" in removed["unsupported"]
    assert summary.factual["precision_source"] == 1.0
    assert "1 sentence removed: naming entities the sources do not contain" in summary.notes


def test_factual_guard_can_keep_and_flag_instead():
    summary = summarize_story(Story("s", SOURCES), InventingModel(), max_words=100, unsupported="flag")
    assert len(summary.sentences) == 2
    assert "Boris Kowalczyk" in summary.sentences[1].unsupported
    assert summary.factual["removed_sentences"] == []
    assert "Boris Kowalczyk" in summary.factual["unsupported"]
    assert summary.factual["precision_source"] < 1.0


def test_a_reference_may_follow_its_predecessor_even_without_the_dateline():
    articles = [Article("a", "ISTANBUL (Reuters) - Putin proposed talks in Istanbul. He said they should start soon.")]
    kept, dropped = drop_dangling_references(["Putin proposed talks in Istanbul.", "He said they should start soon."], articles)
    assert dropped == 0 and len(kept) == 2


def test_an_over_long_unit_is_cut_to_the_budget_with_a_note():
    # 2 MB of words without sentence punctuation: one "sentence" of 400,000 words
    story = Story("s", [Article("a", " ".join(["word"] * 400_000))])
    summary = summarize_story(story, ExtractiveSummarizer(), max_words=120)
    assert len(summary.summary.split()) == 120 and summary.summary.endswith("word…")
    assert "the summary's first sentence (400,000 words) was cut to the 120-word budget" in summary.notes
