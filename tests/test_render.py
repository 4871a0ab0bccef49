import datetime as dt
import json

import pytest

from summarize.models import Briefing, Source, StorySummary, SummarySentence
from summarize.render import FORMATS, briefing_to_dict, render


@pytest.fixture()
def briefing() -> Briefing:
    story = StorySummary(
        story_id="story-1",
        headline="Talks <b>open</b> in Istanbul",
        sentences=[SummarySentence("Delegations met <script>alert(1)</script> on Thursday.", ["a1"])],
        sources=[
            Source("a1", "Peace talks & more", "Reuters", dt.date(2025, 5, 15), "http://example.com/a?x=1&y=2"),
            Source("a2", "A copy", "copy.txt", None, None, duplicate_of="a1"),
        ],
        notes=["2 sentences repeated across articles were summarised once"],
    )
    return Briefing(
        generated_at=dt.datetime(2025, 5, 15, 6, 0, tzinfo=dt.timezone.utc),
        engine="extractive (fallback: model unavailable)",
        model=None,
        stories=[story],
        notes=["skipped input: bad.txt: file is empty"],
    )


def test_json_has_the_documented_fields(briefing):
    data = json.loads(render(briefing, "json"))
    assert data["generated_at"] == "2025-05-15T06:00:00+00:00"
    assert data["engine"] == "extractive (fallback: model unavailable)" and data["model"] is None
    [story] = data["stories"]
    assert story["headline"] == "Talks <b>open</b> in Istanbul"
    assert story["summary"] == "Delegations met <script>alert(1)</script> on Thursday."
    assert story["article_ids"] == ["a1", "a2"]
    assert story["sources"][0] == {
        "article_id": "a1", "title": "Peace talks & more", "outlet": "Reuters", "date": "2025-05-15",
        "url": "http://example.com/a?x=1&y=2", "duplicate_of": None,
    }
    assert story["sentences"] == [{"text": story["summary"], "supported_by": ["a1"], "unsupported": []}]
    assert data == json.loads(json.dumps(briefing_to_dict(briefing)))


def test_html_escapes_all_article_text(briefing):
    html = render(briefing, "html")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>open</b>" not in html
    assert 'href="http://example.com/a?x=1&amp;y=2"' in html
    assert "Peace talks &amp; more" in html


def test_markdown_and_text_list_story_sources_engine_and_notes(briefing):
    markdown = render(briefing, "markdown")
    assert markdown.startswith("# Morning briefing, Thursday 15 May 2025")
    assert "## 1. Talks &lt;b&gt;open&lt;/b&gt; in Istanbul" in markdown
    assert "**Sources (2):**" in markdown
    assert "- [Peace talks & more](http://example.com/a?x=1&y=2) | Reuters | 2025-05-15" in markdown
    assert "engine: extractive (fallback: model unavailable)" in markdown
    assert "skipped input: bad.txt: file is empty" in markdown
    text = render(briefing, "text")
    assert "1. Talks <b>open</b> in Istanbul" in text
    assert "(near-duplicate of a1)" in text


def test_every_format_renders_and_unknown_is_refused(briefing):
    for fmt in FORMATS:
        assert render(briefing, fmt).strip()
    with pytest.raises(ValueError, match="unknown format"):
        render(briefing, "pdf")


def test_cite_marks_sentences_with_source_numbers(briefing):
    markdown = render(briefing, "markdown", cite=True)
    assert "on Thursday.[1]" in markdown
    assert "1. [Peace talks & more](http://example.com/a?x=1&y=2) | Reuters" in markdown
    assert "2. A copy | copy.txt (near-duplicate of a1)" in markdown
    assert "[1]" not in render(briefing, "markdown")
    html = render(briefing, "html", cite=True)
    assert '<sup><a href="#story-1-1">[1]</a></sup>' in html and 'id="story-1-1"' in html
