"""Building the digest email: structure, headers, escaping, templates, attachment."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import json

import pytest

from summarize.digest.config import MailConfig
from summarize.digest.mail import (
    build_message,
    briefing_json,
    make_message_id,
    message_bytes,
    parse_envelope,
)
from summarize.models import Briefing, Source, StorySummary, SummarySentence

CREATED = dt.datetime(2025, 5, 15, 6, 0, 1, 250000, tzinfo=dt.timezone.utc)
HASH = "ab" * 32


def _briefing() -> Briefing:
    return Briefing(
        generated_at=CREATED,
        engine="extractive",
        model=None,
        stories=[
            StorySummary(
                story_id="s1",
                headline="Peace talks <script>alert('x')</script> in Istanbul",
                sentences=[
                    SummarySentence("Putin will not attend the talks in Istanbul.", ["a1"]),
                    SummarySentence("Medinsky leads <the> delegation to Kyiv.", ["a2"], unsupported=["Kyiv"]),
                ],
                sources=[
                    Source("a1", "Talks <b>open</b>", "Reuters", dt.date(2025, 5, 15), "https://example.org/a1"),
                    Source("a2", "Delegation named", "AP", None, "javascript:alert(1)"),
                ],
                factual={
                    "precision_source": 0.75,
                    "entities": 4,
                    "unsupported": ["Kyiv"],
                    "removed_sentences": [{"text": "Moscow sent 40 diplomats.", "unsupported": ["40"]}],
                },
            ),
            StorySummary("s2", "Ferry resumes", [SummarySentence("The ferry runs again & on time.")], [Source("b1", "Ferry", "Gazette")]),
        ],
        notes=["skipped input: x.bin: looks like a binary file"],
    )


def _mail(**changes) -> MailConfig:
    values = dict(to=("Reader <reader@example.org>", "second@example.org"), sender="Briefing <briefing@news.example.org>",
                  subject="Briefing {date}: {stories_text} from {articles} articles")  # fmt: skip
    values.update(changes)
    return MailConfig(**values)


def _parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_message_is_multipart_alternative_with_text_and_html():
    raw = message_bytes(build_message(_briefing(), _mail(), created=CREATED, content_hash=HASH, article_count=3))
    assert b"\r\n" in raw  # SMTP line ends, as sent and stored
    message = _parse(raw)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == "Briefing 2025-05-15: 2 stories from 3 articles"
    assert message["From"] == "Briefing <briefing@news.example.org>"
    assert [a for _, a in email.utils.getaddresses([message["To"]])] == ["reader@example.org", "second@example.org"]
    assert email.utils.parsedate_to_datetime(message["Date"]) == CREATED.replace(microsecond=0)
    assert message["Message-ID"] == make_message_id(CREATED, HASH, "briefing@news.example.org")
    assert message["Message-ID"].endswith("@news.example.org>")
    text = message.get_body(("plain",)).get_content()
    assert "Putin will not attend the talks in Istanbul. Medinsky leads <the> delegation to Kyiv. [not in the sources: Kyiv]" in " ".join(text.split())
    assert "The ferry runs again & on time." in text
    assert "https://example.org/a1" in text
    # What the reader must know (a name the summary keeps that the sources lack), as `briefing brief` says it.
    assert "(!) Not found in the sources: Kyiv." in " ".join(text.split())
    assert "skipped input: x.bin" not in text  # pipeline notes go to the log and the JSON, not the body
    assert "[1] Talks <b>open</b> — Reuters, 15 May 2025" in text


def test_html_part_escapes_article_text_and_links_only_web_urls():
    message = _parse(message_bytes(build_message(_briefing(), _mail(), created=CREATED, content_hash=HASH, article_count=3)))
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Talks &lt;b&gt;open&lt;/b&gt;" in html
    assert '<a href="https://example.org/a1"' in html
    assert "javascript:" not in html  # not linked, and not shown as a link target
    assert "The ferry runs again &amp; on time." in html
    assert "Medinsky leads &lt;the&gt; delegation to Kyiv. <span style=\"color:#c0392b;\">[not in the sources: Kyiv]</span>" in html
    assert "Not found in the sources: Kyiv." in html and "skipped input" not in html


def test_json_attachment_holds_the_briefing():
    built = build_message(_briefing(), _mail(attach_json=True), created=CREATED, content_hash=HASH, article_count=3,
                          json_text=briefing_json(_briefing()))  # fmt: skip
    message = _parse(message_bytes(built))
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = list(message.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    assert attachment.get_content_type() == "application/json"
    assert attachment.get_filename() == "briefing-2025-05-15.json"
    data = json.loads(attachment.get_content())
    assert [s["headline"] for s in data["stories"]][1] == "Ferry resumes"
    assert message.get_body(("html",)) is not None and message.get_body(("plain",)) is not None


def test_same_inputs_give_the_same_bytes():
    first = message_bytes(build_message(_briefing(), _mail(), created=CREATED, content_hash=HASH, article_count=3))
    second = message_bytes(build_message(_briefing(), _mail(), created=CREATED, content_hash=HASH, article_count=3))
    assert first == second
    later = CREATED + dt.timedelta(seconds=1)
    assert make_message_id(later, HASH, "b@x.org") != make_message_id(CREATED, HASH, "b@x.org")


def test_envelope_is_read_back_from_the_stored_message():
    raw = message_bytes(build_message(_briefing(), _mail(), created=CREATED, content_hash=HASH, article_count=3))
    envelope = parse_envelope(raw)
    assert envelope.sender == "briefing@news.example.org"
    assert envelope.recipients == ("reader@example.org", "second@example.org")
    assert envelope.message_id == make_message_id(CREATED, HASH, "briefing@news.example.org")
    with pytest.raises(ValueError):
        parse_envelope(b"Subject: hello\r\n\r\nbody\r\n")


def test_templates_can_be_overridden_by_path(tmp_path):
    html_template = tmp_path / "mine.html.j2"
    html_template.write_text("<p>{% for s in stories %}[{{ s.headline }}]{% endfor %}</p>")
    text_template = tmp_path / "mine.txt.j2"
    text_template.write_text("{% for s in stories %}* {{ s.headline }}\n{% endfor %}")
    mail = _mail(html_template=html_template, text_template=text_template)
    message = _parse(message_bytes(build_message(_briefing(), mail, created=CREATED, content_hash=HASH, article_count=3)))
    assert message.get_body(("html",)).get_content().strip() == (
        "<p>[Peace talks &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; in Istanbul][Ferry resumes]</p>"
    )
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == "* Peace talks <script>alert('x')</script> in Istanbul\n* Ferry resumes\n"


def test_the_digest_is_dated_in_the_readers_time_zone():
    from zoneinfo import ZoneInfo

    evening_utc = dt.datetime(2025, 5, 14, 21, 30, tzinfo=dt.timezone.utc)  # 06:30 on the 15th in Tokyo
    briefing = _briefing()
    briefing.generated_at = evening_utc
    built = build_message(briefing, _mail(attach_json=True), created=evening_utc, content_hash=HASH, article_count=3,
                          json_text=briefing_json(briefing), zone=ZoneInfo("Asia/Tokyo"))
    message = _parse(message_bytes(built))
    assert message["Subject"] == "Briefing 2025-05-15: 2 stories from 3 articles"
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("Morning briefing, Thursday 15 May 2025")
    assert "Made 2025-05-15 06:30 JST." in " ".join(text.split())
    assert list(message.iter_attachments())[0].get_filename() == "briefing-2025-05-15.json"


def test_html_part_is_a_well_formed_page_with_contents_and_labelled_sources():
    import html5lib

    html = _parse(message_bytes(build_message(_briefing(), _mail(), created=CREATED, content_hash=HASH,
                                              article_count=3))).get_body(("html",)).get_content()
    root = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    assert root.get("lang") == "en"
    assert any(m.get("name") == "viewport" for m in root.iter("meta"))
    assert len(list(root.iter("h1"))) == 1 and len(list(root.iter("h2"))) == 2
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    hrefs = [a.get("href") for a in root.iter("a")]
    assert hrefs == ["#story-1", "#story-2", "https://example.org/a1"] and {"story-1", "story-2"} <= ids
    sources = ["".join(li.itertext()) for ol in list(root.iter("ol"))[1:] for li in ol.iter("li")]
    assert sources == ["Talks <b>open</b> — Reuters, 15 May 2025", "Delegation named — AP", "Ferry — Gazette"]
