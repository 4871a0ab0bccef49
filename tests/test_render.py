import datetime as dt
import json
from zoneinfo import ZoneInfo

import html5lib
import pytest
from markdown_it import MarkdownIt

from summarize.models import Briefing, Source, StorySummary, SummarySentence
from summarize.render import FORMATS, briefing_to_dict, md_escape, render

HOSTILE_URLS = ["javascript:alert(1)", "  JavaScript:alert(1)", "JAVASCRIPT:alert(1)", "\tjavascript:alert(1)",
                "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "//evil.example/x", "http:no-host"]
HOSTILE_TEXT = "*Bold* and [x](y) and <b>tag</b> &amp; `code` _under_ ~~gone~~ | a | ![i](j) \\ end"


def make_briefing(urls=("http://example.com/a?x=1&y=2",), notes=("skipped input: 0a1b2c.txt: file is empty",)):
    sources = [Source(f"a{i}", None if i else "Source 0 & more", "Reuters" if i == 0 else None,
                      dt.date(2025, 5, 14 + (i % 2)), url, headline=f"Headline {i} & more", origin=f"seeds/{i:03}_1495d95d.txt")
               for i, url in enumerate(urls)]
    sources.append(Source("dup", None, "AP", None, None, duplicate_of="a0", headline="A copy"))
    story = StorySummary(
        story_id="story-1",
        headline="Talks <b>open</b> in Istanbul",
        sentences=[SummarySentence("Delegations met <script>alert(1)</script> on Thursday.", ["a0"]),
                   SummarySentence(HOSTILE_TEXT, [])],
        sources=sources,
        notes=["2 sentences repeated across articles summarised once", "chunk 3 split into 2 pieces"],
        factual={"precision_source": 1.0, "entities": 3, "unsupported": [], "removed_sentences": []},
    )
    other = StorySummary("story-2", "# Second story", [SummarySentence("- A list? No.", ["b"])],
                         [Source("b", "B", "AFP", dt.date(2025, 5, 15), "https://b.example/x")])
    return Briefing(
        generated_at=dt.datetime(2025, 5, 14, 21, 30, tzinfo=dt.timezone.utc),
        engine="extractive (fallback: OSError: /root/.cache/huggingface: permission denied)",
        model=None,
        stories=[story, other],
        notes=list(notes),
        fallback="OSError: /root/.cache/huggingface: permission denied",
    )


@pytest.fixture()
def briefing() -> Briefing:
    return make_briefing()


TOKYO = ZoneInfo("Asia/Tokyo")


def test_json_has_the_common_header_and_the_documented_fields(briefing):
    data = json.loads(render(briefing, "json"))
    assert data["schema_version"] == 1 and data["kind"] == "briefing" and data["tool"]["name"] == "briefing"
    assert data["tool"]["version"]
    assert data["generated_at"] == "2025-05-14T21:30:00+00:00"
    assert data["engine"].startswith("extractive (fallback:") and data["model"] is None
    assert data["fallback"].startswith("OSError") and data["notes"] == ["skipped input: 0a1b2c.txt: file is empty"]
    assert data["news_dates"] == {"first": "2025-05-14", "last": "2025-05-15"}
    story = data["stories"][0]
    assert story["headline"] == "Talks <b>open</b> in Istanbul"
    assert story["article_ids"] == ["a0", "dup"]
    assert story["notes"] == briefing.stories[0].notes
    assert story["sources"][0] == {
        "article_id": "a0", "title": "Source 0 & more", "outlet": "Reuters", "date": "2025-05-14",
        "url": "http://example.com/a?x=1&y=2", "duplicate_of": None, "headline": "Headline 0 & more",
        "origin": "seeds/000_1495d95d.txt",
    }
    assert story["sources"][1]["title"] is None  # no invented title in the data
    assert data == json.loads(json.dumps(briefing_to_dict(briefing)))


def test_dates_are_in_the_readers_time_zone(briefing, monkeypatch):
    # 21:30 UTC on the 14th is 06:30 on the 15th in Tokyo: a morning briefing, dated that morning.
    assert render(briefing, "markdown", tz=TOKYO).startswith("# Morning briefing, Thursday 15 May 2025\n")
    assert render(briefing, "text", tz=ZoneInfo("Europe/London")).startswith("EVENING BRIEFING, WEDNESDAY 14 MAY 2025\n")
    monkeypatch.setenv("TZ", "Asia/Tokyo")  # the reader's zone when none is configured
    assert render(briefing, "markdown").startswith("# Morning briefing, Thursday 15 May 2025\n")
    html = render(briefing, "html")
    assert "Thursday 15 May 2025" in html and 'datetime="2025-05-15T06:30+09:00"' in html


def test_the_date_range_of_the_news_is_stated(briefing):
    assert "3 stories" not in render(briefing, "text")
    assert "2 stories from 3 articles, news from 14 to 15 May 2025" in render(briefing, "text", tz=TOKYO)


def test_pipeline_notes_stay_out_of_the_body_and_one_line_names_the_engine(briefing):
    for fmt in ("markdown", "text", "html"):
        body = render(briefing, fmt, tz=TOKYO)
        for note in ["repeated across articles", "split into 2 pieces", "0a1b2c.txt", "OSError", "permission denied",
                     "1495d95d", "seeds/"]:
            assert note not in body, (fmt, note)
        assert body.count("extractive engine") == 1, fmt
        assert "the summarisation model could not be loaded" in body


def test_html_escapes_all_article_text(briefing):
    html = render(briefing, "html", tz=TOKYO)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>open</b>" not in html
    assert 'href="http://example.com/a?x=1&amp;y=2"' in html
    assert "Headline 0 &amp; more" in html


def _parse(html: str):
    # strict: any HTML5 parse error (a stray tag, an unclosed element, a missing doctype) fails the test
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_html_page_structure(briefing):
    html = render(briefing, "html", cite=True, tz=TOKYO)
    assert html.startswith("<!DOCTYPE html>")
    root = _parse(html)
    assert root.get("lang") == "en"
    head = root.find("head")
    assert head.find("meta[@charset='utf-8']") is not None
    viewport = [m for m in head.iter("meta") if m.get("name") == "viewport"]
    assert viewport and "width=device-width" in viewport[0].get("content")
    assert _text(head.find("title")) == "Morning briefing, Thursday 15 May 2025"
    style = _text(head.find("style"))
    assert "@media print" in style and "max-width" in style and "prefers-color-scheme" in style
    body = root.find("body")
    assert len(list(body.iter("h1"))) == 1
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    # contents list: one link per story, to the story's article
    nav = body.find(".//nav")
    assert nav.get("aria-labelledby") in ids
    contents = [a.get("href") for a in nav.iter("a")]
    assert contents == ["#story-1", "#story-2"]
    articles = body.findall(".//article")
    assert [a.get("id") for a in articles] == ["story-1", "story-2"]
    for article in articles:
        assert _text(article.find("h2"))
        sources = article.find(".//section[@class='sources']")
        assert sources.get("aria-labelledby") in ids and _text(sources.find("h3")) == "Sources"
        items = sources.find("ol").findall("li")
        assert items and all(item.get("id") for item in items)
    first = [_text(li) for li in articles[0].find(".//section/ol").findall("li")]
    assert first[0] == "Headline 0 & more — Reuters, 14 May 2025"
    assert first[1] == "A copy — AP (near-copy of source 1)"
    assert articles[0].find(".//time").get("datetime") == "2025-05-14"
    # citation numbers link to their sources
    cites = [a.get("href") for sup in articles[0].iter("sup") for a in sup.iter("a")]
    assert cites == ["#story-1-source-1"] and "story-1-source-1" in ids
    for a in root.iter("a"):
        href = a.get("href")
        assert href.startswith(("#", "http://", "https://"))
        if href.startswith("#"):
            assert href[1:] in ids
    assert "engine" in _text(body.find(".//footer"))


def test_no_live_link_that_is_not_http_in_any_format():
    hostile = make_briefing(urls=HOSTILE_URLS)
    html = render(hostile, "html", cite=True, tz=TOKYO)
    root = _parse(html)
    hrefs = [a.get("href") for a in root.iter("a")]
    assert all(h.startswith("#") or h == "https://b.example/x" for h in hrefs), hrefs
    assert not any(name.startswith("on") for element in root.iter() for name in element.attrib)
    assert len(list(root.iter("script"))) == 0
    for fmt in ("markdown", "text"):
        body = render(hostile, fmt, tz=TOKYO)
        assert "javascript" not in body.lower() and "vbscript" not in body.lower() and "data:" not in body
    markdown_html = MarkdownIt().render(render(hostile, "markdown", tz=TOKYO))
    assert markdown_html.count("<a ") == 1 and '<a href="https://b.example/x">' in markdown_html


def test_markdown_escapes_everything_article_text_could_turn_into_markup(briefing):
    markdown = render(briefing, "markdown", tz=TOKYO)
    page = MarkdownIt("commonmark").enable("table").enable("strikethrough").render(markdown)
    root = html5lib.parse(f"<!DOCTYPE html><html><body>{page}</body></html>", namespaceHTMLElements=False)
    footer = list(root.iter("p"))[-1]  # the engine line, in italics of our own making
    tags = {element.tag for element in root.iter()} - {element.tag for element in footer.iter()} | {"p"}
    assert not tags & {"em", "strong", "code", "img", "b", "s", "del", "table", "script"}
    links = [a.get("href") for a in root.iter("a")]
    assert links == ["http://example.com/a?x=1&y=2", "https://b.example/x"]
    paragraphs = [_text(p) for p in root.iter("p")]
    assert f"Delegations met <script>alert(1)</script> on Thursday. {HOSTILE_TEXT}" in paragraphs
    headings = [_text(h) for h in root.iter("h2")]
    assert headings == ["1. Talks <b>open</b> in Istanbul", "2. # Second story"]
    assert "- A list? No." in paragraphs  # not a list
    assert len(list(root.iter("ul"))) == 0


@pytest.mark.parametrize("text", ["# heading", "- item", "+ item", "> quote", "1. item", "2) item", "===", "a *b* c",
                                  "[x](javascript:alert(1))", "<https://x.example>", "&copy;", "a\\*b", "| a | b |"])
def test_md_escape_round_trips_through_a_commonmark_parser(text):
    html = MarkdownIt("commonmark").render(md_escape(text))
    root = html5lib.parse(f"<body>{html}</body>", namespaceHTMLElements=False)
    assert [e.tag for e in root.find("body")] == ["p"], html
    assert _text(root.find("body/p")) == text


def test_every_format_renders_and_unknown_is_refused(briefing):
    for fmt in FORMATS:
        assert render(briefing, fmt, tz=TOKYO).strip()
    with pytest.raises(ValueError, match="unknown format"):
        render(briefing, "pdf")


def test_cite_marks_sentences_with_source_numbers(briefing):
    markdown = render(briefing, "markdown", cite=True, tz=TOKYO)
    assert "on Thursday.[1]" in markdown
    assert "1. [Headline 0 & more](<http://example.com/a?x=1&y=2>) — Reuters, 14 May 2025" in markdown
    assert "2. A copy — AP, near-copy of source 1" in markdown
    assert "on Thursday.[1]" not in render(briefing, "markdown", tz=TOKYO)
    text = render(briefing, "text", cite=True, tz=TOKYO)
    assert "on Thursday.[1]" in text and "      http://example.com/a?x=1&y=2" in text


def test_a_flagged_entity_is_a_warning_the_reader_sees(briefing):
    briefing.stories[0].factual["unsupported"] = ["Boris Kowalczyk"]
    for fmt in ("markdown", "text", "html"):
        assert "Not found in the sources: Boris Kowalczyk." in render(briefing, fmt, tz=TOKYO)


def test_an_update_summarys_recap_is_a_previously_line_in_every_format(briefing):
    briefing.stories[0].previously = "Delegations arrived in <Istanbul> *on* Thursday."
    markdown = render(briefing, "markdown", tz=TOKYO)
    assert "_Previously:_ Delegations arrived in \\<Istanbul\\> \\*on\\* Thursday." in markdown
    assert "Previously: Delegations arrived in <Istanbul> *on* Thursday." in render(briefing, "text", tz=TOKYO)
    html = render(briefing, "html", tz=TOKYO)
    assert '<p class="previously"><em>Previously:</em> Delegations arrived in &lt;Istanbul&gt; *on* Thursday.</p>' in html
    stories = json.loads(render(briefing, "json"))["stories"]
    assert [s["previously"] for s in stories] == ["Delegations arrived in <Istanbul> *on* Thursday.", None]
    assert render(briefing, "text").count("Previously:") == 1


def test_plurals_read_right():
    from summarize.wording import count, date_range_text

    assert [count(1, "article"), count(2, "article"), count(1, "story"), count(3, "story"), count(0, "summary sentence")] == [
        "1 article", "2 articles", "1 story", "3 stories", "0 summary sentences"]
    assert [count(2, "entry"), count(2, "day"), count(2, "miss"), count(2, "developing story")] == [
        "2 entries", "2 days", "2 misses", "2 developing stories"]
    assert date_range_text([dt.date(2025, 4, 30), None, dt.date(2025, 5, 2)]) == "30 April to 2 May 2025"
    assert date_range_text([dt.date(2024, 12, 31), dt.date(2025, 1, 1)]) == "31 December 2024 to 1 January 2025"
    assert date_range_text([None]) == ""
