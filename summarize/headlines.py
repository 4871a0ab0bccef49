"""Headlines: the line a reader sees above each story and each source.

A story's headline is, in order of preference:

1. a source's own title (the most central article that has one), minus a
   trailing " - Outlet" or " | Outlet" tag;
2. a headline the engine wrote (``Summarizer.write_headlines``), when its
   names, numbers and dates are all found in the story's sources;
3. one built from the story's text: the most central sentence of the story's
   main article (the article closest to the story as a whole, so a side
   article never heads it), without dateline or attribution, cut at a clause
   boundary to at most ``MAX_WORDS`` words. Never an ellipsis: a headline is
   a complete phrase, not the first words of a paragraph.

Centrality is TF-IDF cosine similarity to the centroid of the story's
sentences: a story's own vocabulary decides, with no constants fitted to one
data set. Pure functions of the story; no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from summarize.models import Article, Story
from summarize.sentences import split_sentences

MAX_WORDS = 12
MIN_WORDS = 4  # fewer words than this is a fragment, not a headline
LEAD_SENTENCES = 5  # a headline comes from the opening of the main article: news puts the point first
UNTITLED = "Untitled story"

_DASH = r"(?:\s+[-_\u2013\u2014]+|[-\u2013\u2014]{1,2})\s+"
# "LONDON (AP) _ ", "WASHINGTON/ISTANBUL — ", "KYIV, Ukraine, May 14 (Reuters) - ",
# "Washington/Istanbul (Reuters) -": a place (in capitals, or followed by an
# agency in brackets) and a dash at the very start of a text.
_DATELINE = re.compile(
    r"^(?:"
    r"[A-Z][A-Z'./-]+(?:[ ,/]+[A-Z][A-Za-z'./-]*){0,6}(?:,\s*\w+\.?\s*\d{0,2})?(?:\s*\([^()]{1,40}\))?" + _DASH
    + r"|[A-Z][\w'./-]*(?:[ ,/]+[\w'./-]+){0,6}\s*\([A-Z][A-Za-z.&' ]{1,30}\)\s*(?:[-_\u2013\u2014]+\s*)"
    + r"|\([A-Z][A-Za-z.&' ]{1,30}\)\s*[-_\u2013\u2014]+\s*"
    r")"
)
_PARENTHETICAL = re.compile(r"\s*\([^()]{0,60}\)")
_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|yesterday|tonight)"
# "on Saturday", "late on Wednesday", "earlier today": when it happened is the briefing's date line's job.
_WHEN = re.compile(
    rf"(?:^|\s*,?\s+)(?:late |early |earlier |later )?(?:on |this |last |)\b{_DAY}\b(?: (?:morning|afternoon|evening|night))?",
    re.I,
)
# An opening adverbial ("On Sunday,", "Late on Wednesday,", "Meanwhile,") up to its comma.
_OPENER = re.compile(
    r"^(?:(?:late |early )?(?:on|in|at|by|after|before|during|earlier|later|meanwhile|however|also|separately|"
    r"last|this|since|until|for now|so far|according to)\b[^,]{0,40},\s+)",
    re.I,
)
# Sentence adverbs between commas: ", however," -> "".
_ASIDE_WORD = re.compile(r",\s+(?:however|meanwhile|though|too|also|in turn|for example|for instance)\s*(?=,)|^(?:however|meanwhile|still|yet),\s+", re.I)
_SAY = r"(?:said|says|told [^,]{1,40}|announced|reported|added|warned|confirmed|stated|wrote|writes|according to [^,]{1,60})"
# A trailing attribution: ", officials said.", ", he said on Tuesday.", ", said John Smith, a spokesman.",
# ", according to the ministry." Only a speaker may follow the verb, never a clause of its own.
_TRAILING_SAY = re.compile(
    r",\s+(?:[\w'\u2019.-]+\s+){0,5}?(?:said|says|told \w+|added|reported|wrote|writes)(?:\s+(?:late |early )?on\s+\w+)?[.!]?$"
    r"|,\s+(?:said|says)\s+(?:[A-Z][\w'\u2019.-]*\s*){1,4}(?:,[^,]{0,60})?[.!]?$"
    r"|,?\s+according to [^,]{1,60}[.!]?$"
)
# A leading attribution by a short subject: "A US official said (that) ...", "Police say ...".
# Not when a pronoun would be left as the subject ("Putin said he would ..." stays whole).
_LEADING_SAY = re.compile(
    rf"^(?:[\w'\u2019.-]+\s+){{1,5}}?{_SAY}(?:\s+on\s+\w+)?(?:\s+that)?\s+(?=\S)(?!(?:he|she|it|they|we|i|you|this|that)\b)",
    re.I,
)
# Where a sentence may be cut: punctuation between clauses, dashes, and before
# words that open a subordinate clause.
_CLAUSE_BREAK = re.compile(
    r"(?<=\w)[,;:](?=\s)|\s[-\u2013\u2014]+(?=\s)|(?<=[\w)])\s+(?=(?:which|who|whom|whose|while|whereas|although|though|"
    r"because|as|after|before|when|since|until|amid|despite|following|where|if|unless|so that)\b)"
)
# Where a too-long clause may be cut when no clause break is near enough:
# before a preposition or conjunction, so the headline ends on a full phrase.
_PHRASE_BREAK = re.compile(r"\s+(?=(?:in|on|at|for|from|with|without|over|under|between|into|by|than|as|amid|across|near|what|whether)\b)")
# A title or role before a full name ("US President Donald Trump", "his Russian counterpart Vladimir
# Putin"): headlines name people without it.
_ROLE = re.compile(
    r"\b(?:(?:his|her|their|the)\s+)?(?:[A-Z][\w.-]*\s+){0,2}(?:President|Prime Minister|Foreign Minister|"
    r"Defen[cs]e Minister|Minister|Chancellor|Secretary of State|Secretary|Senator|Sen\.|Governor|Gov\.|Mayor|"
    r"counterpart|leader|spokesman|spokeswoman|spokesperson|chief executive|CEO)\s+(?=[A-Z][\w'-]+\s+[A-Z][\w'-]+)"
)
# Words a headline must not end on: it would read as cut off.
_DANGLING_END = frozenset(
    "a an the and or but nor of to in on at for from with by as than that which who whose what this these those "
    "his her its their our my your is are was were be been being has have had will would could should can may "
    "might must not no very more most said says told about into over under between after before during if so "
    "such also its per via".split()
)
_OUTLET_TAG = re.compile(r"\s+[-|\u2013\u2014:]\s+[^-|\u2013\u2014:]{2,40}$")


def story_headline(story: Story, written: str | None = None) -> str:
    """The headline of ``story`` (see the module docstring); ``written`` is the engine's, if any."""
    ordered = articles_by_centrality(story)
    for article in ordered:
        if article.title and article.title.strip():
            return clean_title(article.title, article.source)
    if written and written.strip():
        return written.strip()
    return built_headline(story, ordered)


def built_headline(story: Story, ordered: Sequence[Article] | None = None) -> str:
    """A headline from the most central sentence of the story's main article.

    Candidates are the opening sentences of the main article, most central
    first (with a lead bias); the first that compresses to a headline wins:
    its first clause when that fits the word limit, else the clause cut at its
    last phrase boundary within the limit.
    """
    ordered = list(ordered) if ordered is not None else articles_by_centrality(story)
    for article in ordered:
        sentences = split_sentences(strip_dateline(article.text))[:LEAD_SENTENCES]
        if not sentences:
            continue
        context = [s for a in story.distinct_articles or story.articles for s in split_sentences(a.text)]
        sentences = list(dict.fromkeys(sentences))
        # News puts its point first: the k-th sentence's centrality counts 1/log2(k + 1) (the
        # discount of ranked retrieval), so a later sentence heads the story only when it is
        # far more central than the lead (an anecdote or scene-setting lead).
        ranked = rank_by_centrality(sentences, context, [1 / math.log2(k + 2) for k in range(len(sentences))])
        for sentence in ranked:
            headline = headline_from_sentence(sentence) or headline_from_sentence(sentence, force=True)
            if headline:
                return headline
    return UNTITLED


def headline_from_sentence(sentence: str, max_words: int = MAX_WORDS, force: bool = False) -> str | None:
    """``sentence`` compressed to a headline of ``MIN_WORDS`` to ``max_words`` words, or None.

    Removes the dateline, bracketed asides, attribution ("officials said"),
    opening adverbials and day names, then keeps the first clause. With
    ``force``, a clause still too long is cut at its last phrase boundary
    within ``max_words`` instead of giving None.
    """
    text = _compress(sentence)
    clauses = _clauses(text)
    if not clauses:
        return None
    head = _main_clause(clauses)
    unattributed = _LEADING_SAY.sub("", head)
    head = _strip_edges(unattributed if len(unattributed.split()) >= MIN_WORDS else head)
    words = head.split()
    if MIN_WORDS <= len(words) <= max_words and words[-1].lower() not in _DANGLING_END:
        return _finish(head)
    if not force or not words:
        return None
    cut = _cut_at_phrase(head, max_words)
    return _finish(cut) if cut else None


def compress_lead(summary: str, max_words: int = MAX_WORDS) -> str | None:
    """A headline from the lead sentence of a written summary (what a seq2seq engine offers), or None."""
    sentences = split_sentences(summary)
    if not sentences:
        return None
    return headline_from_sentence(sentences[0], max_words, force=True)


def clean_title(title: str, outlet: str | None = None) -> str:
    """A source title without a trailing outlet tag ("... - Reuters", "... | BBC News")."""
    title = " ".join(title.split())
    tag = _OUTLET_TAG.search(title)
    if tag and len(title[: tag.start()].split()) >= MIN_WORDS:
        name = re.sub(r"^\s+[-|\u2013\u2014:]\s+", "", tag.group(0)).strip()
        if (outlet and name.casefold() == outlet.casefold()) or _looks_like_outlet(name):
            return title[: tag.start()].strip()
    return title


def article_headline(article: Article) -> str:
    """How a source is named when listed: its title, else a headline from its own lead."""
    if article.title and article.title.strip():
        return clean_title(article.title, article.source)
    return built_headline(Story(id=article.id, articles=[article]), [article])


def strip_dateline(text: str) -> str:
    """``text`` without a leading dateline ("LONDON (AP) _", "KYIV, Ukraine —", "(CNN) -")."""
    return _DATELINE.sub("", text.lstrip(), count=1)


def articles_by_centrality(story: Story) -> list[Article]:
    """The story's articles, the one closest to the story as a whole first.

    Closeness is TF-IDF cosine similarity to the centroid of all the story's
    articles. Near-duplicates follow the distinct articles: they add no
    wording of their own.
    """
    distinct = story.distinct_articles or story.articles
    if len(distinct) > 1:
        # Near-duplicates count towards the story's centre (every report of it does), though
        # they are never its main article.
        order = _centrality_order([a.text for a in distinct], [a.text for a in story.articles])
        distinct = [distinct[i] for i in order]
    return list(distinct) + [a for a in story.articles if a not in distinct]


def rank_by_centrality(candidates: Sequence[str], context: Sequence[str], weights: Sequence[float] | None = None) -> list[str]:
    """``candidates`` ordered by TF-IDF cosine similarity to the centroid of ``context``
    (times ``weights``, when given), best first.

    Ties keep the candidates' order (an earlier sentence of a news article wins).
    """
    if len(candidates) < 2:
        return list(candidates)
    return [candidates[i] for i in _centrality_order(candidates, list(context) or list(candidates), weights)]


def _centrality_order(candidates: Sequence[str], context: Sequence[str], weights: Sequence[float] | None = None) -> list[int]:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    try:
        matrix = vectorizer.fit_transform(list(context) + list(candidates))
    except ValueError:  # nothing but stop words
        return list(range(len(candidates)))
    centroid = np.asarray(matrix[: len(context)].mean(axis=0)).ravel()
    norm = np.linalg.norm(centroid)
    scores = matrix[len(context):] @ (centroid / norm if norm else centroid)
    scores = np.asarray(scores).ravel() * (np.asarray(weights) if weights is not None else 1.0)
    scores = np.round(scores, 6)
    return sorted(range(len(candidates)), key=lambda i: (-scores[i], i))


def _compress(sentence: str) -> str:
    text = " ".join(strip_dateline(sentence).split())
    text = _PARENTHETICAL.sub("", text)
    text = _OPENER.sub("", text)
    text = _ASIDE_WORD.sub("", text)
    text = _ROLE.sub("", text)
    text = _TRAILING_SAY.sub("", text)
    text = _WHEN.sub("", text)
    return text.strip()


def _clauses(text: str) -> list[str]:
    """``text`` cut at each clause break; each piece keeps its leading separator except the first."""
    pieces, start = [], 0
    for match in _CLAUSE_BREAK.finditer(text):
        if match.start() > start:
            pieces.append(text[start:match.start()])
            start = match.start()
    pieces.append(text[start:])
    return [p for p in pieces if p.strip()]


def _main_clause(clauses: list[str]) -> str:
    """The first clause; when it is a fragment, joined with what completes it.

    A list ("Russia, Ukraine and Turkey agree ...") is joined up; an aside
    between commas ("Mr Zelensky, speaking in Ankara, said ...") is skipped.
    """
    head, rest = clauses[0], clauses[1:]
    while rest and len(head.split()) < MIN_WORDS:
        clause = rest.pop(0)
        if not (clause.startswith(",") and any(c.startswith(",") for c in rest)) or re.search(r"\b(?:and|or)\b", clause):
            head = f"{head}{clause}"
            continue
        while not rest[0].startswith(","):  # the aside runs to its closing comma
            rest.pop(0)
        head = f"{head} {rest.pop(0).lstrip(',;: ')}"
    return head


def _cut_at_phrase(text: str, max_words: int) -> str | None:
    """The longest prefix of ``text`` within ``max_words`` that ends before a phrase break, or None."""
    best = None
    for match in _PHRASE_BREAK.finditer(text):
        prefix = _strip_edges(text[: match.start()])
        words = prefix.split()
        if len(words) > max_words:
            break
        if len(words) >= MIN_WORDS and words[-1].lower() not in _DANGLING_END:
            best = prefix
    return best


def _strip_edges(text: str) -> str:
    text = text.strip().strip(",;:-\u2013\u2014 ").strip()
    return re.sub(r"[.!,;:]+$", "", text).strip()


def _finish(text: str) -> str:
    text = _balance_quotes(_strip_edges(text))
    return text[:1].upper() + text[1:]


def _balance_quotes(text: str) -> str:
    """Drop quote marks left without their partner by a cut."""
    if text.count("\u201c") != text.count("\u201d"):
        text = text.replace("\u201c", "").replace("\u201d", "")
    if text.count('"') % 2:
        text = text.replace('"', "")
    return " ".join(text.split())


def _looks_like_outlet(name: str) -> bool:
    """A domain ("apnews.com") or a known outlet ("Reuters", "BBC News")."""
    from summarize.outlets import is_known_outlet

    return bool(re.fullmatch(r"[\w-]+(\.[\w-]+)+", name)) or is_known_outlet(name)
