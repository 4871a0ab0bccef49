import pytest

from summarize.clean import clean_text, clean_text_report
from summarize.ingest import read_articles
from summarize.sentences import split_sentences

BODY = "Officials met in Istanbul on Thursday to discuss a ceasefire."


@pytest.mark.parametrize(
    ("rule", "line"),
    [
        ("advertisement", "Advertisement"),
        ("advertisement", "ADVERTISEMENT"),
        ("cross-link", "Read also: Rutte: there is \"cautious optimism\" amid potential negotiations"),
        ("cross-link", "Read also| Taliban Declares Chess 'Haram', Imposes Nationwide Ban in Afghanistan"),
        ("section-label", "Details"),
        ("section-label", "Recall"),
        ("photo-caption", "Ukrainian President Volodymyr Zelensky talks to journalists in Ankara (Evgeniy Maloletka/AP)"),
        ("photo-caption", "Turkish President Erdogan shakes hands with Zelensky (Turkish Presidency via AP)"),
        ("photo-caption", "Putin at the Kremlin (Alexander Kryazhev, Sputnik, Kremlin Pool Photo via AP)"),
        ("wire-credit", "(Report by Steve Holland, Tom Balmforth; Editing by Franklin Paul)"),
        ("wire-credit", "Reporting by Lidia Kelly; Editing by Stephen Coates"),
        ("related-headline", "Trump is not going to Turkey for Ukraine-Russia talks - Reuters"),
    ],
)
def test_each_rule_removes_its_boilerplate(rule, line):
    report = clean_text_report(f"{BODY}\n\n{line}\n\n{BODY}")
    assert report.removed == [(rule, line)]
    assert report.text == f"{BODY}\n{BODY}"


@pytest.mark.parametrize(
    "line",
    [
        "The war has killed more than 12,000 civilians along the 1,000-kilometre (620-mile) front line.",
        "More sanctions on Russia?",
        "\u201cSo far, it has not,\u201d Mr Sybiha said.",
        "He said the talks were held in Istanbul (Turkey) last year.",
        "Advertisements for the event appeared across the city on Monday.",
    ],
)
def test_real_sentences_are_kept(line):
    assert clean_text(line) == line


def test_no_real_sentence_of_the_seeds_is_lost(seeds_dir):
    """Every sentence that survives cleaning was in the original, and every removed
    line is boilerplate: the only sentences missing are those of removed lines."""
    for article in read_articles([seeds_dir]).articles:
        report = clean_text_report(article.text)
        removed_lines = {line for _, line in report.removed}
        kept = set(split_sentences(report.text))
        for sentence in split_sentences(article.text):
            if sentence not in kept:
                assert any(sentence in line for line in removed_lines), (article.id, sentence)
        # Removed lines are short boilerplate, never a paragraph of reporting.
        assert all(len(line.split()) <= 40 for line in removed_lines)


def test_seed_boilerplate_is_gone(seeds_dir):
    for article in read_articles([seeds_dir]).articles:
        text = clean_text(article.text)
        assert "Advertisement" not in text.splitlines()
        assert "Read also" not in text
        assert "(Report by" not in text
        assert "/AP)" not in text


def test_cookie_and_privacy_banners_are_boilerplate():
    banner = ("We value your privacy. We and our partners use cookies to store and access information on your device.\n"
              "Accept all cookies\nManage preferences\nCookie settings")
    report = clean_text_report(banner + "\nThe council approved the budget on Tuesday.")
    assert report.text == "The council approved the budget on Tuesday."
    assert report.removed[0] == ("consent-notice", banner.splitlines()[0])
    assert clean_text_report("accept all cookies to read on").removed == [("consent-notice", "accept all cookies to read on")]
    # news about cookies stays
    news = "Regulators fined the company for placing advertising cookies without consent."
    assert clean_text(news) == news


def test_a_page_that_is_only_boilerplate_is_skipped_with_a_note(tmp_path):
    from summarize.pipeline import prepare_articles

    (tmp_path / "banner.html").write_text(
        "<html><body><div class='cookie'>We use cookies to improve your experience. Accept all cookies.</div>"
        "<nav>Home News</nav></body></html>", encoding="utf-8")
    [page] = read_articles([tmp_path / "banner.html"]).articles
    kept, notes = prepare_articles([page])
    assert kept == [] and notes == [f"{tmp_path / 'banner.html'}: no text left after removing boilerplate; skipped"]


def test_cleaning_is_idempotent_and_keeps_a_clean_text_as_it_is():
    text = "Advertisement\nThe council met.\n\n  Read more: other story\nIt voted."
    once = clean_text(text)
    assert clean_text(once) is once
