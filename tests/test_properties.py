"""Property-based tests (hypothesis) of the stages a user's input flows through.

Arbitrary Unicode (control characters, lone surrogates as JSON escapes,
right-to-left text, combining marks), arbitrary JSON values, and empty and
large inputs, through the public functions of ingest, clean, sentences,
chunk, fuse, render and the evaluation's readers. Properties:

- nothing raises but the documented error type (most raise nothing at all);
- cleaning is idempotent, and every line it drops is named by a rule;
- no sentence is lost between the text and the chunks, except repeats, counted;
- rendered HTML holds no element or attribute that executes, and links only http(s).

Examples are bounded (``max_examples``, ``deadline=None`` for a loaded
machine) so the whole suite takes well under two minutes on CI.
"""

from __future__ import annotations

import datetime as dt
import html.parser
import io
import json
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eval import io as eval_io
from eval.data import Columns, DataError, examples_from_rows, join_eval_rows
from summarize.chunk import pack_sentences, story_sentences
from summarize.clean import clean_text, clean_text_report
from summarize.engines.extractive import ExtractiveSummarizer
from summarize.fuse import summarize_story
from summarize.ingest import IngestLimits, articles_from_records, parse_date, parse_markdown, parse_plain_text, read_articles
from summarize.models import Article, Briefing, Source, Story, StorySummary, SummarySentence
from summarize.render import FORMATS, render
from summarize.sentences import sentence_key, split_sentences, word_count
from summarize.textio import InputError, decode_bytes, display_name, parse_json, strip_controls

BOUNDED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
FEW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Text as users and scrapers produce it: every category of character, some
# weighted in (controls, right-to-left marks and letters, combining marks,
# punctuation that ends sentences), lines and paragraphs.
SPECIAL = st.sampled_from(
    ["\x00", "\x07", "\x1b", "\x85", "\u2028", "\u200f", "\u202e", "\u05d0", "\u0627", "\u0301", "\u0308", "\ufeff",
     "\ufffd", ".", "!", "?", "…", "\"", "“", "”", " ", "\t", "\n", "\n\n", "Dr.", "U.S.", "(AP) —"]
)
TEXT = st.lists(st.one_of(st.text(max_size=30), SPECIAL, st.from_regex(r"[A-Z][a-z]{1,9}( [a-z]{1,8}){0,8}[.!?]", fullmatch=True)),
                max_size=40).map("".join)
# Text with the lone surrogates that a JSON "\ud800" escape leaves (the ingest replaces them).
TEXT_WITH_SURROGATES = st.one_of(TEXT, st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=3).flatmap(
    lambda s: TEXT.map(lambda t: t[: len(t) // 2] + s + t[len(t) // 2:])))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | TEXT_WITH_SURROGATES,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
RECORDS = st.dictionaries(
    st.sampled_from(["id", "text", "title", "url", "date", "source", "authors", "documents", "summary", "summaries", "x"]),
    JSON_VALUES, max_size=7,
)


def _no_surrogates(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


# --- textio and ingest: read anything, raise nothing but InputError ---------------------------


@BOUNDED
@given(st.binary(max_size=2000))
def test_any_bytes_decode_or_are_refused_as_binary(data):
    try:
        text = decode_bytes(data, "x")
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(text, str)


@BOUNDED
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
                 JSON_VALUES.map(lambda v: json.dumps(v, ensure_ascii=False))))
def test_parse_json_raises_only_input_error(text):
    try:
        parse_json(text, "f:1")
    except InputError as exc:
        assert str(exc).startswith("f:1: invalid JSON (") and "\n" not in str(exc)


@BOUNDED
@given(st.text(max_size=50))
def test_display_names_are_one_line(name):
    assert "\n" not in display_name(name) and "\r" not in display_name(name)


@BOUNDED
@given(st.lists(RECORDS, max_size=6))
def test_records_become_articles_or_one_line_errors(tmp_path_factory, records):
    path = tmp_path_factory.mktemp("jsonl") / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = read_articles([path])
    with_text = [r for r in records if isinstance(r.get("text"), str) and r["text"].strip()]
    with_text = [r for r in with_text if strip_controls(r["text"]).strip()]
    assert len(result.articles) == len(with_text)  # every record with text is read, whatever else it holds
    assert len(result.articles) + len(result.errors) == len(records) or not records
    for article in result.articles:
        assert article.text.strip() and _no_surrogates(article.text) == article.text == strip_controls(article.text)
        assert all(_no_surrogates(a) == a for a in (article.id, article.title or "", article.url or "", article.source or ""))
    assert all("\n" not in e for e in result.errors) and result.failed == []


@BOUNDED
@given(st.binary(max_size=3000))
def test_stdin_reads_any_bytes(data):
    result = read_articles(["-"], stdin=io.BytesIO(data), limits=IngestLimits(max_file_bytes=2000))
    assert len(result.articles) + len(result.errors) >= 1
    assert all("\n" not in e for e in result.errors)


@BOUNDED
@given(TEXT)
def test_plain_text_and_markdown_parse_anything(text):
    for parse in (parse_plain_text, parse_markdown):
        article = parse(text, "a")
        assert isinstance(article.text, str)


@BOUNDED
@given(TEXT)
def test_plain_text_keeps_every_word_of_the_body(text):
    article = parse_plain_text(text, "a")
    metadata = " ".join(filter(None, [article.title, " ".join(article.authors)]))
    for word in text.split():  # each word is in the body, the title, the byline or the date marker
        assert word in article.text or word in metadata or word.lower().startswith("date") or word[:4].isdigit() or word == "By"


@BOUNDED
@given(st.one_of(JSON_VALUES, st.dates(), st.datetimes()))
def test_dates_of_any_value_are_a_date_or_none(value):
    assert parse_date(value) is None or isinstance(parse_date(value), dt.date)


# --- clean and sentences --------------------------------------------------------------------


@BOUNDED
@given(TEXT)
def test_cleaning_is_idempotent(text):
    once = clean_text(text)
    assert clean_text(once) == once


@BOUNDED
@given(TEXT)
def test_every_line_cleaning_drops_is_named_by_a_rule(text):
    report = clean_text_report(text)
    kept = report.text.splitlines()
    removed = [line for _, line in report.removed]
    assert [line.strip() for line in text.splitlines() if line.strip()] == sorted(
        kept + removed, key=lambda line: [s.strip() for s in text.splitlines()].index(line))
    assert all(rule for rule, _ in report.removed)


@BOUNDED
@given(TEXT)
def test_splitting_loses_no_text(text):
    text = _no_surrogates(text)
    sentences = split_sentences(text)
    assert all(s and s == s.strip() for s in sentences)
    def visible(t):  # the named loss: invisible characters (controls, which the ingest removes first; format marks)
        return "".join(c for c in t if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf"))

    assert visible("".join(sentences)) == visible(text)


@BOUNDED
@given(TEXT)
def test_keys_and_word_counts_are_total(text):
    assert word_count(text) == len(text.split())
    assert sentence_key(text) == sentence_key(sentence_key(text))


# --- chunk and fuse ---------------------------------------------------------------------------


@BOUNDED
@given(st.lists(TEXT, min_size=1, max_size=4))
def test_no_sentence_is_lost_before_summarising_except_counted_repeats(texts):
    story = Story("s", [Article(f"a{i}", _no_surrogates(t)) for i, t in enumerate(texts)])
    sentences, repeated = story_sentences(story)
    split = [s for t in story.articles for s in split_sentences(t.text) if sentence_key(s)]
    assert len(sentences) + repeated == len(split)
    assert {sentence_key(s.text) for s in sentences} == {sentence_key(s) for s in split}
    plan = pack_sentences(sentences, "s", word_count, 40)
    packed = [s for chunk in plan.chunks for s in chunk.sentences]
    assert " ".join(s.text for s in packed).split() == " ".join(s.text for s in sentences).split()
    assert all(word_count(chunk.text) <= 40 for chunk in plan.chunks)


@FEW
@given(st.lists(TEXT, min_size=1, max_size=3), st.integers(min_value=10, max_value=60))
def test_a_summary_keeps_its_budget_whatever_the_text(texts, budget):
    story = Story("s", [Article(f"a{i}", _no_surrogates(t) or "x") for i, t in enumerate(texts)])
    summary = summarize_story(story, ExtractiveSummarizer(), max_words=budget)
    assert word_count(summary.summary) <= budget


# --- render: no executable output, whatever the input -----------------------------------------

HOSTILE_URLS = st.one_of(
    st.sampled_from(["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)", "data:text/html,<script>x</script>",
                     "vbscript:x", "http://ok.example/a?b=<c>&d=\"e\"", "https://ok.example/", "//evil.example", "\x00javascript:x"]),
    TEXT.map(lambda t: t[:60]),
)
SCRIPTY = st.one_of(TEXT, st.sampled_from(['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>',
                                           "[x](javascript:alert(1))", "*Bold* _it_ `code`", "</style><script>1</script>"]))


def _briefing(headline, sentence, title, outlet, url, note):
    source = Source("a1", title=title, outlet=outlet, url=url, date=dt.date(2025, 5, 14), headline=title)
    story = StorySummary("s1", headline, [SummarySentence(sentence, ["a1"])], [source], notes=[note])
    return Briefing(dt.datetime(2025, 5, 14, 7, 0, tzinfo=dt.timezone.utc), "extractive", None, [story], notes=[note])


class _Executable(html.parser.HTMLParser):
    """Elements and attributes of a page that run code or load active content."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "applet", "base", "frame", "svg", "math"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("formaction", "srcdoc"):
                self.found.append(f"{tag}@{name}")
            if name in ("href", "src", "action", "xlink:href") and value is not None:
                scheme = "".join(value.split()).lower().split(":", 1)
                if len(scheme) == 2 and scheme[0] not in ("http", "https", "mailto") and "/" not in scheme[0]:
                    self.found.append(f"{tag}@{name}={value!r}")


@BOUNDED
@given(SCRIPTY, SCRIPTY, SCRIPTY, SCRIPTY, HOSTILE_URLS, SCRIPTY)
def test_rendered_html_holds_nothing_that_executes(headline, sentence, title, outlet, url, note):
    page = render(_briefing(headline, sentence, title, outlet, url, note), "html")
    parser = _Executable()
    parser.feed(page)
    baseline = _Executable()
    baseline.feed(render(_briefing("H", "S.", "T", "O", "https://ok.example/", "n"), "html"))
    assert parser.found == baseline.found  # whatever the template itself holds, the input adds nothing


@BOUNDED
@given(SCRIPTY, SCRIPTY, SCRIPTY, SCRIPTY, HOSTILE_URLS, SCRIPTY)
def test_every_format_renders_any_text(headline, sentence, title, outlet, url, note):
    briefing = _briefing(headline, sentence, title, outlet, url, note)
    for fmt in FORMATS:
        assert isinstance(render(briefing, fmt), str)
    # Markdown as a Markdown renderer turns it into HTML: no live non-http(s) link, no raw HTML
    from markdown_it import MarkdownIt

    parser = _Executable()
    parser.feed(MarkdownIt("commonmark", {"html": True}).render(render(briefing, "markdown")))
    assert parser.found == []


# --- the evaluation's readers -----------------------------------------------------------------


@BOUNDED
@given(st.lists(st.one_of(JSON_VALUES.map(json.dumps), st.text(max_size=40)), max_size=6))
def test_eval_jsonl_reading_raises_only_data_error(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("eval") / "pred.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    try:
        rows = eval_io.read_jsonl(path)
    except DataError as exc:
        assert "\n" not in str(exc)
    else:
        assert all(isinstance(row, dict) for _, row in rows)


@BOUNDED
@given(st.lists(RECORDS, max_size=5), st.lists(RECORDS, max_size=5))
def test_eval_rows_are_examples_or_one_data_error(predictions, references):
    rows = list(enumerate(predictions, start=1))
    try:
        join_eval_rows(rows, list(enumerate(references, start=1)))
    except DataError as exc:
        assert "\n" not in str(exc)
    try:
        examples_from_rows(predictions, Columns())
    except DataError as exc:
        assert "\n" not in str(exc)


@BOUNDED
@given(st.lists(RECORDS, min_size=1, max_size=4))
def test_feed_like_records_build_articles_or_one_line_errors(records):
    try:
        articles = articles_from_records(records, origin="feed")
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert len(articles) == len(records)


@pytest.mark.parametrize("size", [0, 1, 5_000_000])
def test_empty_and_huge_inputs(size, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(("Word and more words. " * (size // 20 + 1))[:size], encoding="utf-8")
    result = read_articles([path])
    assert (result.articles == []) == (size == 0)
    if size == 0:
        assert result.errors == [f"{path}: file is empty"]
