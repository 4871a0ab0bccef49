import datetime as dt
import json

from summarize.ingest import decode_bytes, parse_plain_text, read_articles


def test_seeds_are_read_with_their_metadata(seeds_dir):
    result = read_articles([seeds_dir])
    assert result.errors == []
    assert [a.id for a in result.articles] == [p.stem for p in sorted(seeds_dir.glob("*.txt"))]
    by_id = {a.id: a for a in result.articles}
    reuters = by_id["002_71438543a7dec172"]
    assert reuters.authors == ("Steve Holland", "Tom Balmforth")
    assert reuters.source == "Reuters"
    assert reuters.text.startswith("Washington/Istanbul (Reuters)")
    dated = by_id["000_1495d95d3dcc58ae"]
    assert dated.date == dt.date(2025, 5, 15)
    assert dated.text.startswith("WASHINGTON/ISTANBUL")
    titled = by_id["004_de3ffc82946b7fb5"]
    assert titled.title == "Putin to Miss Ukraine Peace Talks in Turkey; Kremlin Aide to Head Russian Delegation"
    assert not titled.text.startswith("Putin to Miss")


def test_plain_text_without_metadata_keeps_everything():
    article = parse_plain_text("The central bank raised rates on Monday. Markets fell.", "a1")
    assert article.title is None and article.date is None and article.authors == ()
    assert article.text == "The central bank raised rates on Monday. Markets fell."


def test_jsonl_ids_come_from_field_or_path_and_line(tmp_path):
    path = tmp_path / "feed.jsonl"
    rows = [
        {"id": "x1", "title": "T1", "text": "First text.", "url": "http://a", "date": "2025-05-15T08:00:00Z", "source": "AP"},
        {"title": "T2", "text": "Second text."},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = read_articles([path])
    assert result.errors == []
    first, second = result.articles
    assert (first.id, first.title, first.url, first.source, first.date) == ("x1", "T1", "http://a", "AP", dt.date(2025, 5, 15))
    assert second.id == "feed:2"


def test_bad_jsonl_lines_are_reported_and_the_rest_is_read(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"text": "good one"}\nnot json\n{"title": "no text"}\n', encoding="utf-8")
    result = read_articles([path])
    assert [a.text for a in result.articles] == ["good one"]
    assert result.errors[0].startswith(f"{path}:2: invalid JSON")
    assert result.errors[1] == f"{path}:3: record has no 'text'"


def test_a_lone_surrogate_escape_becomes_the_replacement_character(tmp_path):
    # "\ud800" alone is valid JSON but no valid text: it could not be printed or encoded later
    path = tmp_path / "broken.jsonl"
    path.write_text('{"id": "a\\udfff", "title": "T\\ud800", "text": "Bad \\ud800 here. Pair \\ud83d\\ude00 kept."}\n',
                    encoding="utf-8")
    result = read_articles([path])
    assert result.errors == []
    (article,) = result.articles
    assert article.text == "Bad \ufffd here. Pair \U0001f600 kept."
    assert (article.id, article.title) == ("a\ufffd", "T\ufffd")


def test_json_list_and_single_object(tmp_path):
    (tmp_path / "many.json").write_text(json.dumps([{"text": "A."}, {"text": "B."}]), encoding="utf-8")
    (tmp_path / "one.json").write_text(json.dumps({"id": "solo", "text": "C."}), encoding="utf-8")
    result = read_articles([tmp_path])
    assert sorted(a.id for a in result.articles) == ["many:1", "many:2", "solo"]


def test_html_goes_through_trafilatura(tmp_path):
    paragraph = "The city council approved the new budget after a long debate on Tuesday evening. " * 3
    html = f"""<html><head><title>Council approves budget</title></head><body>
    <nav>Home | News | Sport</nav><article><h1>Council approves budget</h1><p>{paragraph}</p>
    <p>{paragraph}</p></article><footer>Copyright 2025</footer></body></html>"""
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    [article] = read_articles([tmp_path / "page.html"]).articles
    assert article.title == "Council approves budget"
    assert "approved the new budget" in article.text
    assert "Copyright" not in article.text


def test_markdown_title_and_inline_markup(tmp_path):
    (tmp_path / "note.md").write_text("# Big news\n\nThe **mayor** resigned [today](http://x).\n", encoding="utf-8")
    [article] = read_articles([tmp_path / "note.md"]).articles
    assert article.title == "Big news"
    assert article.text == "The mayor resigned today."


def test_encodings_bom_and_cp1252():
    assert decode_bytes("\ufeffCafé".encode("utf-8"), "x") == "Café"
    assert decode_bytes("caf\xe9 \u2019".encode("cp1252"), "x") == "caf\xe9 \u2019"


def test_bad_inputs_each_give_one_line_and_the_run_goes_on(tmp_path, seeds_dir):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "notes.toml").write_text("a = 1", encoding="utf-8")
    result = read_articles([tmp_path / "empty.txt", tmp_path / "binary.txt", tmp_path / "notes.toml", tmp_path / "missing", seeds_dir])
    assert len(result.articles) == 5
    assert len(result.errors) == 4
    assert all("\n" not in error for error in result.errors)
    assert "file is empty" in result.errors[0]
    assert "binary" in result.errors[1]
    assert "unsupported file type" in result.errors[2]
    assert "no such file" in result.errors[3]


def test_stdin_plain_and_jsonl():
    [article] = read_articles(["-"], stdin="date 2025-01-02 Something happened today.").articles
    assert article.origin == "<stdin>" and article.date == dt.date(2025, 1, 2)
    jsonl = read_articles(["-"], stdin='{"id": "a", "text": "x"}\n{"id": "b", "text": "y"}\n').articles
    assert [a.id for a in jsonl] == ["a", "b"]


def test_repeated_ids_are_made_unique(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": "same", "text": "x"}\n{"id": "same", "text": "y"}\n', encoding="utf-8")
    assert [a.id for a in read_articles([tmp_path]).articles] == ["same", "same#2"]
