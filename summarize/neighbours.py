"""Nearest neighbours and shared-neighbour similarity, without an n x n matrix.

Story grouping and dedup only ever need each article's few most similar
articles, so similarities are computed a block of rows at a time and only the
top ``k`` per row are kept: memory stays O(n * k) and the full similarity
matrix of 10,000+ articles is never held.

``shared_neighbour_similarity`` turns the neighbour lists into a second-order
similarity: two articles are similar when their neighbourhoods (the articles
they are each close to, weighted by closeness) look alike. Unlike a raw
cosine, this adapts to how tight each story is: a loosely worded story whose
articles share few words still has articles that are each other's nearest
neighbours, while two look-alike events (two earthquakes, two rehab stays)
have neighbourhoods that stay mostly apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

# Rows per block: a block's dense similarity slab holds BLOCK_CELLS floats.
BLOCK_CELLS = 8_000_000


@dataclass
class Neighbours:
    """Top-k neighbours per row: ``indices[i]`` (-1 = none) and their similarities.

    Rows are sorted by decreasing similarity (ties by index); a row never
    lists itself, and only positive similarities are kept.
    """

    indices: np.ndarray  # (n, k) int64
    similarities: np.ndarray  # (n, k) float64

    @property
    def size(self) -> int:
        return self.indices.shape[0]


def _drop_unshared_columns(vectors: sparse.csr_matrix) -> sparse.csr_matrix:
    """Remove terms found in one row only: they add nothing to any dot product
    between two different rows, but cost time in the sparse products."""
    df = np.bincount(vectors.indices, minlength=vectors.shape[1])
    return vectors[:, np.flatnonzero(df > 1)].tocsr()


def nearest_neighbours(
    vectors: sparse.spmatrix | np.ndarray,
    k: int,
    *,
    days: Sequence[int | None] | None = None,
    max_days_apart: int | None = None,
) -> Neighbours:
    """Exact top-``k`` cosine neighbours of every row of L2-normalised ``vectors``.

    ``days`` (one day number or None per row) with ``max_days_apart`` forbids
    pairs dated further apart than that; undated rows pair with anything.
    The result is deterministic: ties are broken by the lower index.
    """
    n = vectors.shape[0]
    k = max(0, min(k, n - 1))
    indices = np.full((n, k), -1, dtype=np.int64)
    sims = np.zeros((n, k), dtype=np.float64)
    if n == 0 or k == 0:
        return Neighbours(indices, sims)
    is_sparse = sparse.issparse(vectors)
    if is_sparse:
        vectors = _drop_unshared_columns(sparse.csr_matrix(vectors, dtype=np.float64))
        transposed = vectors.T.tocsr()  # csr @ csr is scipy's native product
    else:
        vectors = np.asarray(vectors, dtype=np.float64)
    day_array = None
    if days is not None and max_days_apart is not None:
        day_array = np.array([np.nan if d is None else float(d) for d in days])
    block = max(1, BLOCK_CELLS // n)
    for start in range(0, n, block):
        stop = min(n, start + block)
        if is_sparse:
            slab = (vectors[start:stop] @ transposed).toarray()
        else:
            slab = vectors[start:stop] @ vectors.T
        rows = np.arange(stop - start)
        slab[rows, rows + start] = -np.inf  # never one's own neighbour
        if day_array is not None:
            gap = np.abs(day_array[start:stop, None] - day_array[None, :])
            slab[gap > max_days_apart] = -np.inf  # NaN (undated) compares False
        top = np.argpartition(-slab, k - 1, axis=1)[:, :k] if k < n - 1 else np.argsort(-slab, axis=1)[:, :k]
        top_sims = np.take_along_axis(slab, top, axis=1)
        # Sort each row by (-similarity, index) so ties are deterministic.
        order = np.lexsort((top, -top_sims), axis=1)
        top = np.take_along_axis(top, order, axis=1)
        top_sims = np.take_along_axis(top_sims, order, axis=1)
        keep = top_sims > 0
        indices[start:stop] = np.where(keep, top, -1)
        sims[start:stop] = np.where(keep, top_sims, 0.0)
    return Neighbours(indices, sims)


def _neighbour_graph(neighbours: Neighbours, k: int) -> sparse.csr_matrix:
    """Symmetric graph of each row's first ``k`` neighbours, self-loops of 1."""
    n = neighbours.size
    idx = neighbours.indices[:, :k]
    sim = neighbours.similarities[:, :k]
    rows = np.repeat(np.arange(n), idx.shape[1])
    keep = idx.ravel() >= 0
    graph = sparse.csr_matrix((sim.ravel()[keep], (rows[keep], idx.ravel()[keep])), shape=(n, n))
    graph = graph.maximum(graph.T)  # a link either way counts
    return (graph + sparse.identity(n, format="csr")).tocsr()


def shared_neighbour_similarity(neighbours: Neighbours, ks: Sequence[int]) -> sparse.csr_matrix:
    """Second-order similarity from neighbour lists, averaged over ``ks``.

    For each k, every row becomes a profile: itself (weight 1) and its first
    k neighbours (weight = cosine), linked both ways; the similarity of two
    rows is the cosine of their profiles. Averaging over several k makes the
    result less sensitive to story size (a 2-article story and a
    20-article one need different neighbourhood sizes). Symmetric, values in
    [0, 1], 1 on the diagonal; zero for rows more than two links apart.
    """
    n = neighbours.size
    total = sparse.csr_matrix((n, n))
    for k in ks:
        profile = normalize(_neighbour_graph(neighbours, k))
        total = total + profile @ profile.T
    total = total / len(ks)
    total.data = np.clip(total.data, 0.0, 1.0)
    return total.tocsr()
