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

# Rows per block: a block's similarity slab holds at most this many cells.
BLOCK_CELLS = 8_000_000
# Candidate search ignores terms found in more than this many rows. They cost
# the most (a term in m rows adds m^2 products) and say the least about which
# rows are closest; candidates are then re-scored with the full vectors.
# When no term is that common (any input of up to 200 rows, and ECB+'s 510)
# nothing is ignored and the search is exact.
CANDIDATE_MAX_DF = 200
# Candidates per row kept for exact re-scoring when terms were ignored. On
# 10,000 synthetic + real articles (benchmarks/grouping.py) this finds 97.7%
# of the exact top 7 in half the time of the exact search.
CANDIDATES = 30


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


def nearest_neighbours(vectors: sparse.spmatrix | np.ndarray, k: int) -> Neighbours:
    """Top-``k`` cosine neighbours of every row of L2-normalised ``vectors``.

    Dense vectors (embeddings) are searched exactly. Sparse ones are searched
    exactly too unless some term occurs in more than ``CANDIDATE_MAX_DF``
    rows; then the ``CANDIDATES`` best rows under the rarer terms are
    re-scored with the full vectors. The result is deterministic: ties are
    broken by the lower index.
    """
    n = vectors.shape[0]
    k = max(0, min(k, n - 1))
    if n == 0 or k == 0:
        return Neighbours(np.full((n, k), -1, dtype=np.int64), np.zeros((n, k)))
    if not sparse.issparse(vectors):
        return _dense_neighbours(np.asarray(vectors, dtype=np.float64), k)

    full = sparse.csr_matrix(vectors, dtype=np.float64)
    df = np.bincount(full.indices, minlength=full.shape[1])
    # Terms in one row only add nothing to any product between two rows.
    search = full[:, np.flatnonzero((df > 1) & (df <= CANDIDATE_MAX_DF))].tocsr()
    pruned = bool(np.any(df > CANDIDATE_MAX_DF))
    count = min(n - 1, CANDIDATES) if pruned else k
    transposed = search.T.tocsr()  # csr @ csr is scipy's native product
    indices = np.full((n, k), -1, dtype=np.int64)
    sims = np.zeros((n, k))
    block = max(1, BLOCK_CELLS // n)
    for start in range(0, n, block):
        stop = min(n, start + block)
        product = (search[start:stop] @ transposed).tocsr()
        cand, cand_sims = _top_per_row(product, start, count)
        if pruned:  # re-score the candidates with every term
            rows = np.repeat(np.arange(start, stop), count)
            cols = cand.ravel()
            valid = cols >= 0
            exact = np.zeros(rows.size)
            exact[valid] = np.asarray(full[rows[valid]].multiply(full[cols[valid]]).sum(axis=1)).ravel()
            cand_sims = exact.reshape(cand.shape)
            cand, cand_sims = _sort_rows(cand, cand_sims)
        indices[start:stop] = cand[:, :k]
        sims[start:stop] = cand_sims[:, :k]
    none = indices < 0
    sims[none] = 0.0
    return Neighbours(indices, sims)


def _sort_rows(idx: np.ndarray, sims: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row by decreasing similarity, ties by index; non-positive -> none."""
    sims = np.where((idx >= 0) & (sims > 0), sims, -np.inf)
    key_idx = np.where(idx >= 0, idx, np.iinfo(np.int64).max)
    order = np.lexsort((key_idx, -sims), axis=1)
    idx = np.take_along_axis(idx, order, axis=1)
    sims = np.take_along_axis(sims, order, axis=1)
    idx = np.where(np.isfinite(sims), idx, -1)
    return idx, np.where(np.isfinite(sims), sims, 0.0)


def _top_per_row(product: sparse.csr_matrix, start: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Top ``count`` entries of each row of a sparse block (rows ``start``...)."""
    b = product.shape[0]
    rows = np.repeat(np.arange(b), np.diff(product.indptr))
    cols, vals = product.indices.astype(np.int64), product.data
    keep = (cols != rows + start) & (vals > 0)  # never one's own neighbour
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    bounds = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=b))))
    idx = np.full((b, count), -1, dtype=np.int64)
    sims = np.zeros((b, count))
    for row in range(b):  # a partition per row: O(nnz), not a sort of the block
        lo, hi = bounds[row], bounds[row + 1]
        if lo == hi:
            continue
        row_cols, row_vals = cols[lo:hi], vals[lo:hi]
        if hi - lo > count:
            # Everything at least as good as the count-th best, so that ties
            # at the cut are settled by index below, not by partition order.
            cut = np.partition(row_vals, hi - lo - count)[hi - lo - count]
            top = row_vals >= cut
            row_cols, row_vals = row_cols[top], row_vals[top]
        order = np.lexsort((row_cols, -row_vals))[:count]
        idx[row, :order.size] = row_cols[order]
        sims[row, :order.size] = row_vals[order]
    return idx, sims


def _dense_neighbours(vectors: np.ndarray, k: int) -> Neighbours:
    n = vectors.shape[0]
    indices = np.full((n, k), -1, dtype=np.int64)
    sims = np.zeros((n, k))
    block = max(1, BLOCK_CELLS // n)
    for start in range(0, n, block):
        stop = min(n, start + block)
        slab = vectors[start:stop] @ vectors.T
        rows = np.arange(stop - start)
        slab[rows, rows + start] = -np.inf
        top = np.argpartition(-slab, k - 1, axis=1)[:, :k]
        cand, cand_sims = _sort_rows(top, np.take_along_axis(slab, top, axis=1))
        indices[start:stop], sims[start:stop] = cand, cand_sims
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
