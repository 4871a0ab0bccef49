import datetime as dt
import io
import json
import os

import pytest

from summarize.ingest import SUPPORTED_SUFFIXES, IngestLimits, decode_bytes, parse_date, parse_plain_text, read_articles


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


# --- hostile input: one bad part costs that part only, every skip has its line ------------


GOOD = [{"id": f"g{i}", "text": f"The council approved budget number {i} on Tuesday."} for i in range(3)]


def test_a_pathological_jsonl_line_costs_that_line_only(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [json.dumps(GOOD[0]), "[" * 100_000 + "]" * 100_000, json.dumps(GOOD[1]),
             '{"id": "n", "text": "x", "n": ' + "9" * 5000 + "}", json.dumps(GOOD[2])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_articles([path])
    assert [a.id for a in result.articles] == ["g0", "g1", "g2"]
    assert result.errors == [f"{path}:2: invalid JSON (nested too deeply to read)",
                             f"{path}:4: invalid JSON (a number of more than 4300 digits)"]
    assert result.failed == []


def test_any_json_value_in_a_record_field_is_no_crash(tmp_path):
    path = tmp_path / "odd.jsonl"
    rows = [{"id": {"x": 1}, "text": "Kept one.", "authors": 7, "title": ["T"], "date": 5, "url": 3},
            {"text": "Kept two.", "authors": ["A", 1, None], "source": {"s": 1}}, {"text": 12}, [1]]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = read_articles([path])
    assert [a.text for a in result.articles] == ["Kept one.", "Kept two."]
    first, second = result.articles
    assert (first.id, first.title, first.authors, first.date, first.url) == ("odd:1", None, (), None, None)
    assert second.authors == ("A",) and second.source is None
    assert result.errors == [f"{path}:3: record has no 'text'", f"{path}:4: expected a JSON object, got array"]


def test_special_files_and_broken_symlinks_in_a_folder_each_get_a_line(tmp_path, seeds_dir):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.txt").write_text("The mayor resigned on Friday after a long inquiry.", encoding="utf-8")
    os.mkfifo(folder / "pipe.txt")
    (folder / "loop1.txt").symlink_to(folder / "loop2.txt")
    (folder / "loop2.txt").symlink_to(folder / "loop1.txt")
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (folder / "up").symlink_to(folder)  # a symlink back to the folder itself
    (folder / "photo.jpg").write_bytes(b"\xff\xd8")
    (folder / ".hidden.txt").write_text("hidden", encoding="utf-8")
    result = read_articles([folder])
    assert [a.id for a in result.articles] == ["ok"]
    assert result.errors == [
        f"{folder / 'gone.txt'}: dangling symlink (its target {tmp_path / 'nowhere.txt'} does not exist)",
        f"{folder / 'loop1.txt'}: symlink loop",
        f"{folder / 'loop2.txt'}: symlink loop",
        f"{folder / 'pipe.txt'}: is a named pipe (FIFO), not a regular file",
        f"{folder / 'up'}: symlink loop (leads back to a folder already read)",
        f"{folder}: files of other types not read (1 .jpg); expected {', '.join(sorted(SUPPORTED_SUFFIXES))}",
    ]
    assert result.failed == []  # inside a folder: skipped, not failed


def test_named_inputs_that_cannot_be_read_are_failures(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    named = [tmp_path / "pipe.txt", tmp_path / "zero.txt", tmp_path / "missing.txt", tmp_path / "empty.txt"]
    result = read_articles(named)
    assert result.failed == result.errors[:3]
    assert result.errors[3].endswith("empty.txt: file is empty")  # read, but nothing in it: skipped only


def test_a_file_name_with_a_newline_is_quoted(tmp_path):
    path = tmp_path / "new\nline.txt"
    path.write_text("", encoding="utf-8")
    [error] = read_articles([path]).errors
    assert "\n" not in error and error == f"{str(path)!r}: file is empty"


def test_cp1252_and_utf16_read_the_same_from_stdin_and_files(tmp_path):
    text = "The café owner’s plan was approved on Tuesday by the council."
    for encoding in ("cp1252", "utf-16", "utf-16-le"):
        (tmp_path / f"{encoding}.txt").write_bytes(text.encode(encoding))
        [from_file] = read_articles([tmp_path / f"{encoding}.txt"]).articles
        [from_stdin] = read_articles(["-"], stdin=io.BytesIO(text.encode(encoding))).articles
        assert from_file.text == from_stdin.text == text


def test_stdin_is_bounded(tmp_path):
    with open("/dev/zero", "rb") as zero:
        result = read_articles(["-"], stdin=zero, limits=IngestLimits(max_file_bytes=1 << 20))
    assert result.articles == [] and result.failed == ["<stdin>: more than the limit of 1 MiB"]


def test_limits_each_give_one_line_and_the_rest_goes_on(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 1000, encoding="utf-8")
    (tmp_path / "long.txt").write_text("short line.\n" + "x" * 300 + " tail", encoding="utf-8")
    many = tmp_path / "many.jsonl"
    many.write_text("".join(json.dumps({"text": f"Story {i}."}) + "\n" for i in range(5)), encoding="utf-8")
    limits = IngestLimits(max_file_bytes=4000, max_line_chars=200, max_articles=4)
    result = read_articles([tmp_path / "big.txt", tmp_path / "long.txt", many, tmp_path / "after.txt"], limits=limits)
    assert result.failed == [f"{tmp_path / 'big.txt'}: 4.9 KiB is over the limit of 3.9 KiB"]
    long_article = result.articles[0]
    assert long_article.text == "short line.\n" + "x" * 200  # cut at the limit: no word boundary in it
    assert [a.text for a in result.articles[1:]] == ["Story 0.", "Story 1.", "Story 2."]
    assert result.errors[1] == (f"{tmp_path / 'long.txt'}: 1 line longer than 200 characters cut there at a word "
                                "boundary (raise the limit with --max-line-chars)")
    assert result.errors[2].startswith(f"{many}: not read: the limit of 4 articles per run was reached")
    assert len(result.errors) == 3  # after.txt is not read, and not reported twice


def test_common_date_formats_are_read():
    for written in ("May 14, 2025", "14 May 2025 09:30 CET", "Wed, 14 May 2025 09:30:00 +0200", "2025-05-14T23:30:00Z"):
        assert parse_date(written) == dt.date(2025, 5, 14), written
    assert parse_date("14 May") is None and parse_date("5") is None and parse_date("tomorrow") is None
    assert parse_date(20250514) is None and parse_date(True) is None
    article = parse_plain_text("Date: May 14, 2025\n\nThe council met on Wednesday.", "a")
    assert article.date == dt.date(2025, 5, 14) and article.text == "The council met on Wednesday."


def test_a_large_plain_text_keeps_its_metadata_and_body(tmp_path):
    body = "\n".join(f"  Paragraph {i} of the report says something new.  " for i in range(5000))
    article = parse_plain_text("date 2025-05-15 Report title\n\n" + body, "big")
    assert article.date == dt.date(2025, 5, 15) and article.title == "Report title"
    assert article.text.startswith("Paragraph 0 of") and article.text.endswith("Paragraph 4999 of the report says something new.")
    assert "  " not in article.text


# --- URLs and feeds, against a real local HTTP server ---------------------------------------


def test_urls_of_pages_and_feeds_are_read(tmp_path, news_site):
    http_server = news_site
    (tmp_path / "local.rss").write_bytes((tmp_path / "gazette.rss").read_bytes())
    result = read_articles([f"{http_server}/page.html", f"{http_server}/gazette.rss", tmp_path / "local.rss",
                            f"{http_server}/missing.html"])
    page = result.articles[0]
    assert page.title == "Council approves budget" and page.url == f"{http_server}/page.html"
    assert "approved the new budget" in page.text
    titles = [a.title for a in result.articles[1:]]
    assert titles[:2] == ["Ferry service resumes after storm", "Library extends opening hours"] and titles[:2] == titles[2:]
    assert result.failed == [f"{http_server}/missing.html: HTTP 404 File not found"]


def test_a_url_that_streams_without_end_or_trickles_is_bounded(http_server):
    limits = IngestLimits(max_file_bytes=1 << 20, fetch_timeout=1.0)
    result = read_articles([f"{http_server}/endless", f"{http_server}/slow"], limits=limits)
    assert result.articles == []
    assert result.failed == [f"{http_server}/endless: more than the limit of 1 MiB",
                             f"{http_server}/slow: not complete within 1 s"]
