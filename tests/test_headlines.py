"""Headlines: source titles first, else a short headline from the story's most central sentence."""

from pathlib import Path

import pytest

from summarize.headlines import (
    MAX_WORDS,
    article_headline,
    articles_by_centrality,
    clean_title,
    compress_lead,
    headline_from_sentence,
    story_headline,
    strip_dateline,
)
from summarize.ingest import read_articles
from summarize.models import Article, Story
from summarize.pipeline import build_stories, prepare_articles

UNTITLED = Path(__file__).parent / "fixtures" / "untitled"
FUNCTION_WORDS = {"a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "for", "with", "by", "from", "that"}


def stories_of(folder) -> list[Story]:
    articles, _ = prepare_articles(read_articles([str(folder)]).articles)
    return build_stories(articles)


def assert_reads_as_a_headline(headline: str) -> None:
    words = headline.split()
    assert 4 <= len(words) <= MAX_WORDS, headline
    assert "…" not in headline and "..." not in headline
    assert headline[0].isupper() and not headline.endswith((".", ",", ";", ":"))
    assert words[-1].lower() not in FUNCTION_WORDS, headline
    for dateline in ("LONDON", "KUALA LUMPUR", "OSLO", "(AP)", "(Reuters)", " _ "):
        assert dateline not in headline


@pytest.mark.parametrize("sentence, expected", [
    ("LONDON (AP) _ The city council approved the new tram line on Monday, officials said.",
     "The city council approved the new tram line"),
    ("KUALA LUMPUR, Malaysia (AP) — Malaysia's former opposition leader Anwar Ibrahim was granted a royal pardon "
     "on Wednesday, his lawyer said.", "Malaysia's former opposition Anwar Ibrahim was granted a royal pardon"),
    ("Washington/Istanbul (Reuters) - Trump will not attend the talks, a US official said.", "Trump will not attend the talks"),
    ("On Sunday Putin proposed direct negotiations with Ukraine in Istanbul.",
     "Putin proposed direct negotiations with Ukraine in Istanbul"),
    ("Mr Zelensky, speaking to reporters in Ankara where he flew on Wednesday, said he was sending a team to Istanbul.",
     "Mr Zelensky said he was sending a team to Istanbul"),
    ("A US official said Trump would not attend the Istanbul talks.", "Trump would not attend the Istanbul talks"),
    ("Russia, Ukraine and Turkey agreed to meet again next week in Istanbul.",
     "Russia, Ukraine and Turkey agreed to meet again next week in Istanbul"),
])
def test_a_sentence_becomes_a_headline_without_dateline_attribution_or_ellipsis(sentence, expected):
    assert headline_from_sentence(sentence, force=True) == expected


def test_a_long_clause_is_cut_at_a_phrase_boundary_never_with_an_ellipsis():
    sentence = ("LONDON (AP) _ An influential lawmaker from the governing Labor Party on Saturday backed calls for a "
                "new vote on the budget of the city for the coming year.")
    assert headline_from_sentence(sentence) is None  # too long to be a headline as it stands
    headline = headline_from_sentence(sentence, force=True)
    assert headline == "An influential lawmaker from the governing Labor Party backed calls"
    assert_reads_as_a_headline(headline)


def test_datelines_of_every_common_shape_are_removed():
    for text in ["LONDON (AP) _ Text.", "WASHINGTON/ISTANBUL — Text.", "KYIV, Ukraine (AP) — Text.",
                 "Washington/Istanbul (Reuters) -Text.", "(CNN) — Text.", "NEW YORK, May 14 (Reuters) - Text."]:
        assert strip_dateline(text) == "Text.", text
    assert strip_dateline("Russia-Ukraine talks open in Istanbul.") == "Russia-Ukraine talks open in Istanbul."


def test_every_story_of_a_folder_without_titles_gets_a_real_headline():
    stories = stories_of(UNTITLED)
    assert len(stories) == 3
    headlines = [story_headline(story) for story in stories]
    for headline in headlines:
        assert_reads_as_a_headline(headline)
    assert headlines[1] == "Malaysia's king granted Anwar Ibrahim a full pardon"
    assert headlines[2] == "Norway's parliament approved a plan to electrify all domestic ferries by 2030"


def test_a_side_article_never_heads_the_story():
    # b2 ends with a paragraph about Habibie; the story is about Anwar's pardon, whichever article comes first.
    story = next(s for s in stories_of(UNTITLED) if any(a.id == "b2" for a in s.articles))
    side = Article("side", "JAKARTA (AP) _ Supporters of the late Indonesian president B.J. Habibie gathered in "
                           "Jakarta on Thursday to mark the anniversary of his death.")
    story = Story(story.id, [side, *story.articles], story.duplicates)
    assert articles_by_centrality(story)[0].id != "side"
    assert "Habibie" not in story_headline(story) and "Anwar" in story_headline(story)


def test_a_source_title_wins_without_its_outlet_tag():
    story = Story("s", [Article("a", "LONDON (AP) _ The council met."),
                        Article("b", "The council met again.", title="Council backs tram line - Reuters")])
    assert story_headline(story, written="An engine's headline") == "Council backs tram line"
    assert clean_title("Council backs tram line | apnews.com") == "Council backs tram line"
    assert clean_title("Why Putin stays away - and what it means") == "Why Putin stays away - and what it means"


def test_engine_headline_is_used_only_without_a_title():
    story = Story("s", [Article("a", "LONDON (AP) _ The city council approved the new tram line on Monday.")])
    assert story_headline(story, written="Council approves tram line") == "Council approves tram line"
    assert story_headline(story) == "The city council approved the new tram line"


def test_a_seq2seq_summary_lead_compresses_to_a_headline():
    summary = "The city council approved the new tram line on Monday, officials said. It opens in 2027."
    assert compress_lead(summary) == "The city council approved the new tram line"
    assert compress_lead("") is None


def test_a_source_without_a_title_is_named_by_its_own_lead():
    article = Article("x", "OSLO, Norway (AP) _ Norway's parliament approved a plan on Tuesday to electrify all "
                           "domestic ferries by 2030, the transport ministry said. More text follows here.")
    assert article_headline(article) == "Norway's parliament approved a plan to electrify all domestic ferries by 2030"


def test_the_seq2seq_engine_writes_headlines_by_compressing_its_summary_lead(tiny_model_dir):
    from summarize.engines.abstractive import AbstractiveSummarizer

    engine = AbstractiveSummarizer(str(tiny_model_dir), threads=1)
    summaries = ["LONDON (AP) _ The city council approved the new tram line on Monday, officials said. It opens in 2027.", ""]
    assert engine.write_headlines(summaries) == ["The city council approved the new tram line", None]
