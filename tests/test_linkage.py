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


class ConstantDiscount:
    """Evidence that discounts every pair by the same factor and records merges."""

    def __init__(self, factor: float):
        self.factor = factor
        self.merges: list[tuple[int, int]] = []

    def discount(self, a: int, b: int) -> float:
        return self.factor

    def merge(self, keep: int, absorbed: int) -> None:
        self.merges.append((keep, absorbed))


@pytest.mark.parametrize("seed", range(20))
def test_a_constant_discount_is_a_stricter_threshold(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 30))
    similarity = np.triu(rng.random((n, n)) * (rng.random((n, n)) < 0.4), 1)
    similarity = sparse.csr_matrix(similarity + similarity.T)
    evidence = ConstantDiscount(0.5)
    labels = average_linkage(similarity, 0.2, evidence=evidence)
    assert adjusted_rand_score(average_linkage(similarity, 0.4), labels) == 1.0
    assert len(evidence.merges) == n - len(set(labels.tolist()))


def test_evidence_against_one_pair_changes_what_merges():
    similarity = sparse.csr_matrix(np.array([[0, 0.9, 0.8], [0.9, 0, 0], [0.8, 0, 0]]))
    assert average_linkage(similarity, 0.45).tolist() == [0, 0, 1]

    class AgainstZeroOne:
        def discount(self, a, b):
            return 0.1 if {a, b} == {0, 1} else 1.0

        def merge(self, keep, absorbed):
            pass

    assert average_linkage(similarity, 0.45, evidence=AgainstZeroOne()).tolist() == [0, 1, 0]


def test_initial_clusters_start_together_and_count_in_the_mean():
    # 0 and 1 start as one cluster; 2 is close to 0 only: mean 0.9 / 2 = 0.45.
    similarity = sparse.csr_matrix(np.array([[0, 0, 0.9], [0, 0, 0], [0.9, 0, 0]]))
    assert average_linkage(similarity, 0.5, initial=[7, 7, -1]).tolist() == [0, 0, 1]
    assert average_linkage(similarity, 0.4, initial=[7, 7, -1]).tolist() == [0, 0, 0]
    assert average_linkage(similarity, 0.5).tolist() == [0, 1, 0]
    evidence = ConstantDiscount(1.0)
    average_linkage(similarity, 0.4, initial=[3, -1, 3], evidence=evidence)
    assert evidence.merges[0] == (0, 2)  # the initial join is reported first
