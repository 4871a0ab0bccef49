"""Why a story's articles are together: the words and names they share, their dates.

``explain_stories`` describes each story of a grouping so that a reader can
check it: the content words and the names (capitalised words, numbers) that
the most of its articles use, how closely the articles match (mean pairwise
cosine of the grouping's TF-IDF features) and the span of their dates. A
wrong merge shows as a story whose articles share only topic words
("earthquake", "magnitude") and no names. Pure functions; no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from summarize.features import article_text, content_words, entity_mentions, tfidf_vectors
from summarize.models import Article

TOP_TERMS = 6


@dataclass(frozen=True)
class StoryExplanation:
    """Evidence that holds a story together.

    ``shared_terms`` and ``shared_entities`` are ``(as written, number of the
    story's articles that use it)``, used by at least two articles, most
    widely shared first (ties: rarer in the whole input first). ``cohesion``
    is the mean cosine between the story's articles (None for one article).
    Dates cover the dated articles only.
    """

    articles: int
    shared_terms: tuple[tuple[str, int], ...]
    shared_entities: tuple[tuple[str, int], ...]
    cohesion: float | None
    first_date: dt.date | None
    last_date: dt.date | None
    dated_articles: int

    @property
    def days(self) -> int | None:
        """Days from the first to the last date, counting both (None when undated)."""
        if self.first_date is None or self.last_date is None:
            return None
        return (self.last_date - self.first_date).days + 1

    def to_dict(self) -> dict:
        return {
            "articles": self.articles,
            "shared_terms": [{"term": t, "articles": n} for t, n in self.shared_terms],
            "shared_entities": [{"entity": e, "articles": n} for e, n in self.shared_entities],
            "cohesion": None if self.cohesion is None else round(self.cohesion, 3),
            "first_date": self.first_date.isoformat() if self.first_date else None,
            "last_date": self.last_date.isoformat() if self.last_date else None,
            "days": self.days,
            "dated_articles": self.dated_articles,
        }

    def to_text(self) -> str:
        """One line: ``shared names: ...; shared words: ...; cohesion 0.31; dates: ...``."""
        if self.articles == 1:
            return f"a single article; {self._dates_text()}"
        parts = [
            "shared names: " + (_listed(self.shared_entities) or "none"),
            "shared words: " + (_listed(self.shared_terms) or "none"),
            f"cohesion {self.cohesion:.2f}",
            self._dates_text(),
        ]
        return "; ".join(parts)

    def _dates_text(self) -> str:
        if self.first_date is None:
            return "no dates"
        undated = self.articles - self.dated_articles
        span = (self.first_date.isoformat() if self.first_date == self.last_date
                else f"{self.first_date.isoformat()} to {self.last_date.isoformat()} ({self.days} days)")
        return f"dates: {span}" + (f", {undated} undated" if undated else "")


def explain_stories(stories: Sequence[Sequence[Article]], top: int = TOP_TERMS) -> list[StoryExplanation]:
    """One ``StoryExplanation`` per story, with word rarity and TF-IDF over
    all the stories' articles together (as when they were grouped)."""
    articles = [article for story in stories for article in story]
    texts = [article_text(a) for a in articles]
    vectors = tfidf_vectors(texts) if texts else None
    names = [_surface_names(text) for text in texts]
    words = [_surface_words(text, exclude=doc_names) for text, doc_names in zip(texts, names)]
    word_df = Counter(key for doc in words for key in doc)
    name_df = Counter(key for doc in names for key in doc)
    out, start = [], 0
    for story in stories:
        rows = range(start, start + len(story))
        start += len(story)
        out.append(StoryExplanation(
            articles=len(story),
            shared_terms=_shared([words[i] for i in rows], word_df, top),
            shared_entities=_shared([names[i] for i in rows], name_df, top),
            cohesion=_cohesion(vectors, rows),
            first_date=min((a.date for a in story if a.date), default=None),
            last_date=max((a.date for a in story if a.date), default=None),
            dated_articles=sum(1 for a in story if a.date),
        ))
    return out


def explain_story(articles: Sequence[Article], top: int = TOP_TERMS) -> StoryExplanation:
    """``explain_stories`` for one story on its own (rarity within the story)."""
    return explain_stories([articles], top)[0]


def _surface_words(text: str, exclude: dict[str, str]) -> dict[str, str]:
    """Stemmed content word -> the first form the text writes it in; words
    that the text also writes as names (``exclude``) and numbers are left to
    the names."""
    forms: dict[str, str] = {}
    for stem, word in content_words(text):
        if word not in exclude and not word.isdigit():
            forms.setdefault(stem, word)
    return forms


def _surface_names(text: str) -> dict[str, str]:
    """Entity token -> the first form the text writes it in ("putin" -> "Putin")."""
    forms: dict[str, str] = {}
    for key, written in entity_mentions(text):
        forms.setdefault(key, written)
    return forms


def _shared(docs: list[dict[str, str]], df: Counter, top: int) -> tuple[tuple[str, int], ...]:
    counts = Counter(key for doc in docs for key in doc)
    written: dict[str, Counter] = {}
    for doc in docs:
        for key, form in doc.items():
            written.setdefault(key, Counter())[form] += 1
    shared = [key for key, count in counts.items() if count >= 2]
    # Most widely shared first; among equals the rarer in the whole input
    # (it says more about this story than a word every article uses).
    shared.sort(key=lambda key: (-counts[key], df[key], key))
    return tuple((written[key].most_common(1)[0][0], counts[key]) for key in shared[:top])


def _cohesion(vectors, rows: range) -> float | None:
    if len(rows) < 2:
        return None
    block = vectors[rows.start:rows.stop]
    similarity = (block @ block.T).toarray()
    n = len(rows)
    mean = (similarity.sum() - np.trace(similarity)) / (n * (n - 1))
    return float(mean) if math.isfinite(mean) else None


def _listed(items: Sequence[tuple[str, int]]) -> str:
    return ", ".join(f"{term} ({count})" for term, count in items)
