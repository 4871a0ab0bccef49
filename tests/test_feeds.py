"""RSS and Atom feeds read with feedparser from local files."""

from __future__ import annotations

import datetime as dt

from summarize.feeds import html_to_text, read_feeds

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Harbour Gazette</title>
  <link>https://gazette.example.org/</link>
  <description>Local news</description>
  <item>
    <title>Ferry service resumes after storm</title>
    <link>https://gazette.example.org/ferry</link>
    <guid>https://gazette.example.org/ferry</guid>
    <pubDate>Thu, 15 May 2025 07:30:00 +0000</pubDate>
    <description>Short teaser only.</description>
    <content:encoded><![CDATA[<p>The harbour ferry resumed service on Thursday after a storm closed the port for two days.</p><p>Operators said 14 crossings would run.</p>]]></content:encoded>
  </item>
  <item>
    <title>Library extends opening hours</title>
    <link>https://gazette.example.org/library</link>
    <pubDate>Wed, 14 May 2025 18:00:00 +0000</pubDate>
    <description>&lt;p&gt;The central library will open until 9 pm from June, the council said.&lt;/p&gt;</description>
  </item>
  <item>
    <title>Empty entry</title>
    <link>https://gazette.example.org/empty</link>
  </item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Valley Courier</title>
  <id>urn:uuid:courier</id>
  <updated>2025-05-15T08:00:00Z</updated>
  <entry>
    <title type="html">Bridge &lt;b&gt;repairs&lt;/b&gt; finished</title>
    <id>urn:uuid:bridge</id>
    <link href="https://courier.example.org/bridge"/>
    <updated>2025-05-15T08:00:00Z</updated>
    <content type="html">&lt;p&gt;Repairs to the old stone bridge finished a week early.&lt;/p&gt;&lt;p&gt;Engineers warned readers: &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; is not a bridge.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>School choir wins regional prize</title>
    <id>urn:uuid:choir</id>
    <link href="https://courier.example.org/choir"/>
    <published>2025-05-13T10:00:00+02:00</published>
    <updated>2025-05-13T10:00:00+02:00</updated>
    <summary>The school choir won the regional prize with a programme of folk songs.</summary>
  </entry>
</feed>
"""


def _write(tmp_path):
    rss = tmp_path / "gazette.rss"
    atom = tmp_path / "courier.atom"
    rss.write_text(RSS, encoding="utf-8")
    atom.write_text(ATOM, encoding="utf-8")
    return rss, atom


def test_local_rss_and_atom_feeds_become_articles(tmp_path):
    rss, atom = _write(tmp_path)
    result = read_feeds([str(rss), str(atom)])
    by_title = {a.title: a for a in result.articles}
    assert set(by_title) == {
        "Ferry service resumes after storm",
        "Library extends opening hours",
        "Bridge repairs finished",
        "School choir wins regional prize",
    }
    ferry = by_title["Ferry service resumes after storm"]
    # Full content wins over the teaser; HTML paragraphs become lines.
    assert ferry.text == (
        "The harbour ferry resumed service on Thursday after a storm closed the port for two days.\n"
        "Operators said 14 crossings would run."
    )
    assert ferry.url == "https://gazette.example.org/ferry"
    assert ferry.date == dt.date(2025, 5, 15)
    assert ferry.source == "Harbour Gazette"
    # No full text: the summary is used, its HTML removed.
    assert by_title["Library extends opening hours"].text == "The central library will open until 9 pm from June, the council said."
    bridge = by_title["Bridge repairs finished"]
    assert bridge.source == "Valley Courier" and bridge.url == "https://courier.example.org/bridge"
    assert "<script>alert(1)</script> is not a bridge." in bridge.text  # escaped markup is text, kept as text
    choir = by_title["School choir wins regional prize"]
    assert choir.text == "The school choir won the regional prize with a programme of folk songs."
    assert choir.date == dt.date(2025, 5, 13)
    # The entry with no text is skipped with one line naming the feed and the entry.
    assert result.errors == [f"{rss}: entry 'https://gazette.example.org/empty' has neither content nor summary text; skipped"]
    assert result.counts == {str(rss): 2, str(atom): 2}
    assert len({a.id for a in result.articles}) == 4


def test_missing_and_invalid_feeds_are_reported_and_others_still_read(tmp_path):
    rss, _ = _write(tmp_path)
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"\x00\x01 this is not xml at all")
    result = read_feeds([str(tmp_path / "absent.rss"), str(junk), str(rss)])
    assert len(result.articles) == 2
    assert any("absent.rss: no such file or folder" in e for e in result.errors)
    assert any("junk.xml: not an RSS or Atom feed" in e for e in result.errors)


def test_html_to_text_drops_scripts_and_keeps_blocks_apart():
    assert html_to_text("<p>One <b>two</b></p><script>evil()</script><p>Three<br>four</p>") == "One two\nThree\nfour"
    assert html_to_text("") == ""
    assert html_to_text("plain words") == "plain words"


def test_feed_urls_are_fetched_over_http(tmp_path):
    import functools
    import http.server
    import threading

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    (tmp_path / "gazette.rss").write_text(RSS, encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        result = read_feeds([f"{base}/gazette.rss", f"{base}/missing.rss"], timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert sorted(a.title for a in result.articles) == ["Ferry service resumes after storm", "Library extends opening hours"]
    assert result.errors[-1] == f"{base}/missing.rss: HTTP 404 File not found"
