"""Nearest neighbours: exact and pruned searches against brute force."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

from summarize.neighbours import CANDIDATE_MAX_DF, nearest_neighbours, shared_neighbour_similarity


def brute_force(vectors, k):
    dense = vectors.toarray() if sparse.issparse(vectors) else vectors
    sims = dense @ dense.T
    np.fill_diagonal(sims, -np.inf)
    out = []
    for row in sims:
        order = sorted(range(len(row)), key=lambda j: (-row[j], j))
        out.append([j for j in order[:k] if row[j] > 0])
    return out


def listed(neighbours):
    return [[int(j) for j in row if j >= 0] for row in neighbours.indices]


def test_sparse_and_dense_searches_are_exact_on_small_inputs():
    rng = np.random.default_rng(0)
    vectors = normalize(sparse.random(60, 40, density=0.1, random_state=1, format="csr"))
    assert listed(nearest_neighbours(vectors, 5)) == brute_force(vectors, 5)
    dense = normalize(rng.random((30, 8)))
    assert listed(nearest_neighbours(dense, 4)) == brute_force(dense, 4)


def test_ignoring_very_common_terms_still_finds_the_neighbours_that_rare_terms_give():
    # Every row shares term 0; pairs (2i, 2i+1) share one rare term of their own.
    n = CANDIDATE_MAX_DF + 100
    rows, cols = [], []
    for i in range(n):
        rows += [i, i]
        cols += [0, 1 + i // 2]
    vectors = normalize(sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, 1 + n // 2 + 1)))
    neighbours = nearest_neighbours(vectors, 1)
    assert [int(row[0]) for row in neighbours.indices] == [i ^ 1 for i in range(n)]
    assert np.allclose(neighbours.similarities[:, 0], 1.0)  # re-scored with the common term too


def test_ties_go_to_the_lower_index_and_no_row_lists_itself():
    vectors = normalize(sparse.csr_matrix(np.ones((5, 3))))
    assert listed(nearest_neighbours(vectors, 2)) == [[1, 2], [0, 2], [0, 1], [0, 1], [0, 1]]


def test_shared_neighbour_similarity_is_symmetric_with_a_unit_diagonal():
    vectors = normalize(sparse.random(40, 30, density=0.15, random_state=2, format="csr"))
    similarity = shared_neighbour_similarity(nearest_neighbours(vectors, 7), (3, 5, 7)).toarray()
    assert np.allclose(similarity, similarity.T)
    assert np.allclose(np.diag(similarity)[np.asarray(vectors.sum(axis=1)).ravel() > 0], 1.0)
    assert similarity.min() >= 0 and similarity.max() <= 1
