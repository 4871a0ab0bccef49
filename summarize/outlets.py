"""Outlets and links: how a briefing names where an article came from.

An article's outlet is, in order: its ``source`` field (JSON inputs, feeds,
the site name trafilatura reads from an HTML page), the news agency its
dateline or byline names ("LONDON (AP) _", "Washington (Reuters) -",
"..., writes UNN."), then the host of its URL. A file name is never an
outlet: seed files are named by content hashes, which tell a reader nothing.
When nothing names the outlet, there is none (``None``).

Links follow one rule in every output: only http(s) URLs are ever live
(``web_url``); a ``javascript:`` or ``data:`` URL from an input, in any case
and with any leading spaces, is never turned into a link.
"""

from __future__ import annotations

import re
import urllib.parse

from summarize.models import Article

# Agencies and outlets whose names appear in datelines and bylines. Matching
# is exact (after case folding): these are names, not patterns.
KNOWN_OUTLETS = frozenset(
    name.casefold()
    for name in (
        "AP", "Associated Press", "The Associated Press", "Reuters", "AFP", "Agence France-Presse", "Bloomberg",
        "UPI", "dpa", "Xinhua", "PA", "PA Media", "ANSA", "EFE", "Kyodo", "Yonhap", "TASS", "Interfax", "RIA Novosti",
        "Ukrinform", "UNN", "Anadolu", "CNN", "BBC", "BBC News", "NPR", "CBC", "ABC News", "CBS News", "NBC News",
        "Al Jazeera", "The Guardian", "The New York Times", "The Washington Post", "The Wall Street Journal",
        "Financial Times", "The Times", "The Economist", "Politico", "Axios", "Deutsche Welle", "DW", "France 24",
        "Euronews", "Kyiv Independent", "Kyiv Post", "Meduza", "Sky News", "The Independent", "The Telegraph",
    )
)
_AGENCY_IN_BRACKETS = re.compile(r"^[^\n()]{0,80}?\((?P<name>[A-Z][A-Za-z.&' -]{0,38}[A-Za-z.])\)\s*[-_\u2013\u2014]")
# "..., writes UNN." and "..., reports Interfax." close a lead in translated wire copy.
_WRITES = re.compile(r",\s+(?:writes|reports)\s+(?P<name>[A-Z][\w.&' -]{1,30}?)[.]")
_WEB_SCHEMES = ("http", "https")


def outlet_of(article: Article) -> str | None:
    """The outlet that published ``article`` by name, or None when nothing names it."""
    if article.source and article.source.strip():
        return " ".join(article.source.split())
    agency = agency_in_text(article.text)
    if agency:
        return agency
    return url_host(article.url)


def agency_in_text(text: str) -> str | None:
    """The agency a dateline or the lead names: "(AP)", "(Reuters)", ", writes UNN."."""
    opening = text.lstrip()[:600]
    match = _AGENCY_IN_BRACKETS.match(opening)
    if match and (is_known_outlet(match.group("name")) or len(match.group("name").split()) <= 3):
        return match.group("name").strip()
    match = _WRITES.search(opening)
    if match and is_known_outlet(match.group("name")):
        return match.group("name").strip()
    return None


def is_known_outlet(name: str) -> bool:
    return " ".join(name.split()).casefold() in KNOWN_OUTLETS


def web_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) URL with a host (trimmed), else None: the only links ever made live."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in _WEB_SCHEMES or not parts.netloc or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    return url


def url_host(url: str | None) -> str | None:
    """The host of an http(s) URL without ``www.`` ("apnews.com"), or None."""
    url = web_url(url)
    if url is None:
        return None
    host = urllib.parse.urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None
