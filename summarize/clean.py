"""Clean: remove the boilerplate lines that news pages leave in article text.

Each rule is a named predicate over one line (articles put one paragraph a
line). A line is removed only when a rule matches the whole line, so a real
sentence is never cut in half; ``clean_text_report`` says which rule removed
which line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from summarize.models import Article

_TERMINAL = tuple(".!?:;\"'\u201d\u2019")

# "Advertisement", "ADVERTISEMENT", "Advertisement - scroll to continue".
_ADVERTISEMENT = re.compile(r"^(advertisement|sponsored content)\b[\s\-\u2013\u2014:]*(scroll (down )?to continue( reading)?)?$", re.I)
# "Read also: ...", "Read also| ...", "Read more: ...", "See also - ...", "RELATED: ...".
_CROSS_LINK = re.compile(r"^(read also|also read|read more|see also|related( stories| articles)?|more on this story)\s*[:|\-\u2013\u2014>]", re.I)
# Section labels: one to three capitalised words, no punctuation ("Details", "Recall").
_SECTION_LABEL = re.compile(r"^[A-Z][a-z]+(?: [A-Za-z][a-z]+){0,2}$")
# A photo caption ends with a credit in parentheses: "(Evgeniy Maloletka/AP)",
# "(Turkish Presidency via AP)", "(Alexander Kryazhev, Sputnik, Kremlin Pool Photo via AP)".
_PHOTO_CREDIT = re.compile(
    r"\((?:[^()]*\S/\s*[A-Z][\w.&' -]*|[^()]*\bvia [A-Z][\w.&' -]*|[^()]*\b(?:Photo|Pool|Getty Images|Shutterstock)\b[^()]*)\)\s*$"
)
# Wire credits: "(Report by ...; Editing by ...)", "Reporting by ...; Editing by ...".
_WIRE_CREDIT = re.compile(r"^\(?\s*(report(ing)?|writing|editing|additional reporting|compiled|produced) by\b.*\)?$", re.I)
# Cookie and privacy banners: the site speaking of its cookies ("We use cookies",
# "This site uses cookies", "our partners use cookies"), cookie buttons and
# settings ("Accept all cookies", "Cookie settings"), and consent buttons alone.
_CONSENT_NOTICE = re.compile(
    r"\b(?:we|our partners|this (?:web)?site|our (?:web)?site)\b[^.!?]{0,80}\bcookies\b"
    r"|\b(?:accept|allow|reject|decline|manage)(?: all)? cookies\b"
    r"|\bcookie (?:settings|preferences|policy|consent|notice|banner)\b"
    r"|^we value your privacy\b"
    r"|^(?:accept all|reject all|manage (?:my )?preferences|privacy (?:settings|preferences))$",
    re.I,
)
# A bare headline linking to another story: "Trump is not going to Turkey - Reuters".
_RELATED_HEADLINE = re.compile(r"^[A-Z][^.!?]{10,160}\s[-\u2013\u2014|]\s[A-Z][\w.&' ]{1,30}$")


def _is_advertisement(line: str) -> bool:
    return bool(_ADVERTISEMENT.match(line))


def _is_cross_link(line: str) -> bool:
    return bool(_CROSS_LINK.match(line))


def _is_section_label(line: str) -> bool:
    return bool(_SECTION_LABEL.match(line))


def _is_photo_caption(line: str) -> bool:
    # A caption describes a picture and ends with its credit, not with a full stop.
    return bool(_PHOTO_CREDIT.search(line)) and not line.rstrip().endswith(".")


def _is_wire_credit(line: str) -> bool:
    return bool(_WIRE_CREDIT.match(line))


def _is_consent_notice(line: str) -> bool:
    return len(line.split()) <= 80 and bool(_CONSENT_NOTICE.search(line))


def _is_related_headline(line: str) -> bool:
    return bool(_RELATED_HEADLINE.match(line)) and len(line.split()) <= 25


RULES: dict[str, Callable[[str], bool]] = {
    "advertisement": _is_advertisement,
    "cross-link": _is_cross_link,
    "section-label": _is_section_label,
    "photo-caption": _is_photo_caption,
    "wire-credit": _is_wire_credit,
    "related-headline": _is_related_headline,
    "consent-notice": _is_consent_notice,
}


@dataclass
class CleanReport:
    """The cleaned text and each removed line with the rule that removed it."""

    text: str
    removed: list[tuple[str, str]] = field(default_factory=list)


def clean_text_report(text: str) -> CleanReport:
    """Remove boilerplate lines; returns the text and what was removed, by rule.

    Lines are compared after stripping; the text keeps one paragraph a line
    with blank lines collapsed.
    """
    kept: list[str] = []
    removed: list[tuple[str, str]] = []
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        rule = next((name for name, matches in RULES.items() if matches(line)), None)
        if rule:
            removed.append((rule, line))
        else:
            kept.append(line)
    return CleanReport("\n".join(kept), removed)


def clean_text(text: str) -> str:
    """The text with boilerplate lines removed (see ``clean_text_report``).

    A text that is clean already comes back as the same object, so cleaning
    twice keeps one copy of a large text, not two.
    """
    cleaned = clean_text_report(text).text
    return text if cleaned == text else cleaned


def clean_article(article: Article) -> Article:
    """The article with its text cleaned; metadata unchanged."""
    return replace(article, text=clean_text(article.text))
