"""Group: articles about the same event form one story.

Baseline (to be replaced by the tuned grouping): TF-IDF cosine distance with
average-linkage agglomerative clustering cut at a distance threshold.
"""

from __future__ import annotations

from collections.abc import Sequence

from summarize.models import Article

DEFAULT_DISTANCE_THRESHOLD = 0.9


def group_articles(articles: Sequence[Article], *, distance_threshold: float | None = None) -> list[list[Article]]:
    """Groups of articles, each one story, ordered by first appearance."""
    if len(articles) <= 1:
        return [list(articles)] if articles else []
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{a.title or ''}\n{a.text}" for a in articles]
    vectors = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts).toarray()
    labels = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average",
        distance_threshold=distance_threshold or DEFAULT_DISTANCE_THRESHOLD,
    ).fit_predict(vectors)
    groups: dict[int, list[Article]] = {}
    for label, article in zip(labels, articles):
        groups.setdefault(int(label), []).append(article)
    return list(groups.values())
