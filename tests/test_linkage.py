"""Sparse average linkage: the same clusters as SciPy's dense average linkage."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.metrics import adjusted_rand_score

from summarize.linkage import average_linkage


@pytest.mark.parametrize("seed", range(40))
def test_matches_scipy_average_linkage_with_missing_pairs_as_zero(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    similarity = np.triu(rng.random((n, n)) * (rng.random((n, n)) < 0.3), 1)
    similarity = similarity + similarity.T
    min_similarity = float(rng.uniform(0.05, 0.6))
    labels = average_linkage(sparse.csr_matrix(similarity), min_similarity)
    distance = 1 - similarity
    np.fill_diagonal(distance, 0)
    reference = fcluster(linkage(squareform(distance, checks=False), "average"), 1 - min_similarity, "distance")
    assert adjusted_rand_score(reference, labels) == 1.0


def test_labels_are_numbered_by_first_member_and_isolated_nodes_stay_alone():
    similarity = sparse.csr_matrix(np.array([
        [0, 0, 0.9, 0],
        [0, 0, 0, 0],
        [0.9, 0, 0, 0.1],
        [0, 0, 0.1, 0],
    ]))
    assert average_linkage(similarity, 0.5).tolist() == [0, 1, 0, 2]
    assert average_linkage(similarity, 0.01).tolist() == [0, 1, 0, 0]
    assert average_linkage(sparse.csr_matrix((0, 0)), 0.5).tolist() == []


def test_a_chain_of_strong_pairs_does_not_merge_when_the_average_is_weak():
    # a-b and b-c are close, a-c unrelated: average linkage keeps {a, b} + {c}
    # at a cut that the mean of {a, b} to c (0.45) does not reach.
    similarity = sparse.csr_matrix(np.array([[0, 0.95, 0], [0.95, 0, 0.9], [0, 0.9, 0]]))
    assert average_linkage(similarity, 0.5).tolist() == [0, 0, 1]
