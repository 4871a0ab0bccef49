"""Average-linkage (UPGMA) clustering of a sparse similarity graph, with evidence.

Exact average linkage over *all* pairs, where a pair missing from the sparse
matrix has similarity 0: two clusters merge while the mean similarity over
every pair across them exceeds ``min_similarity``, best pair first. Storing
only the non-zero pairs keeps memory at O(edges) instead of O(n^2), which is
what lets story grouping run on tens of thousands of articles (scikit-learn's
and SciPy's average linkage need the dense n x n matrix).

Two optional inputs extend plain UPGMA:

* ``discount(a, b)`` (``summarize.evidence.ClusterEvidence``): a factor in
  [0, 1] on the mean similarity of clusters ``a`` and ``b``, from evidence
  the text similarity does not see (conflicting key facts, a gap in time).
  The merge order and the stopping rule use the discounted mean.
* ``initial``: clusters that exist before linkage starts (yesterday's
  stories, for incremental grouping); their members start merged.

Two facts keep it fast:

* clusters can only form inside connected components of the graph of pairs
  whose mean similarity exceeds ``min_similarity`` (a mean over a merged
  cluster is a weighted average of the means it came from, and a discount
  only lowers it), so each component is clustered on its own;
* after a merge only the merged cluster's links change; they are pushed on a
  heap again, and an entry whose value is out of date when it comes out is
  re-scored (the heap then holds the current value of every live pair).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components


class MergeEvidence(Protocol):
    """What average linkage asks about two clusters besides their similarity."""

    def discount(self, a: int, b: int) -> float: ...

    def merge(self, keep: int, absorbed: int) -> None: ...


def average_linkage(
    similarity: sparse.spmatrix,
    min_similarity: float,
    *,
    evidence: MergeEvidence | None = None,
    initial: Sequence[int] | None = None,
) -> np.ndarray:
    """Flat cluster labels (0..m-1, numbered by first member) for a similarity graph.

    ``similarity`` is a symmetric n x n sparse matrix (the diagonal is
    ignored). ``initial`` gives one label per node (or -1 for none): nodes
    with the same label start as one cluster. ``evidence`` names a cluster by
    one of its nodes (each node is its own cluster to start with) and is told
    of every merge, the initial ones first. The result is deterministic:
    equal means are merged in order of the lower node index.
    """
    n = similarity.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    upper = sparse.triu(sparse.coo_matrix(similarity), k=1).tocoo()
    keep = upper.data > 0
    rows, cols, weights = upper.row[keep], upper.col[keep], upper.data[keep]

    parent = np.arange(n)
    size = np.ones(n, dtype=np.int64)
    if initial is not None:
        _merge_initial(initial, parent, size, evidence)
        rows, cols = parent[rows], parent[cols]
        inside = rows != cols
        rows, cols, weights = _summed(rows[inside], cols[inside], weights[inside])
    # Only pairs inside one component of above-threshold means can ever merge.
    strong = weights / (size[rows] * size[cols]) > min_similarity
    graph = sparse.coo_matrix((np.ones(int(strong.sum())), (rows[strong], cols[strong])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    inside = component[rows] == component[cols]
    rows, cols, weights = rows[inside], cols[inside], weights[inside]

    _merge(rows.tolist(), cols.tolist(), weights.tolist(), min_similarity, parent, size, evidence)
    roots = [_find(parent, i) for i in range(n)]
    labels: dict[int, int] = {}
    return np.array([labels.setdefault(root, len(labels)) for root in roots], dtype=np.int64)


def _merge_initial(initial: Sequence[int], parent: np.ndarray, size: np.ndarray,
                   evidence: MergeEvidence | None) -> None:
    """Join the nodes that share an initial label, each group into its lowest node."""
    first: dict[int, int] = {}
    for node, label in enumerate(initial):
        if label < 0:
            continue
        root = first.setdefault(label, node)
        if root != node:
            parent[node] = root
            size[root] += 1
            if evidence is not None:
                evidence.merge(root, node)


def _summed(rows: np.ndarray, cols: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges between clusters, weights summed, each pair once as (low, high)."""
    low, high = np.minimum(rows, cols), np.maximum(rows, cols)
    n = int(max(high.max(initial=0), 0)) + 1
    summed = sparse.coo_matrix((weights, (low, high)), shape=(n, n)).tocsr().tocoo()  # duplicates summed
    return summed.row.astype(np.int64), summed.col.astype(np.int64), summed.data


def _find(parent: np.ndarray, node: int) -> int:
    root = node
    while parent[root] != root:
        root = parent[root]
    while parent[node] != root:  # path compression
        parent[node], node = root, parent[node]
    return root


def _merge(rows: list[int], cols: list[int], weights: list[float], min_similarity: float,
           parent: np.ndarray, size: np.ndarray, evidence: MergeEvidence | None) -> None:
    """Greedy UPGMA on the edge list of current clusters; records merges in ``parent``."""
    # total[a][b]: sum of pair similarities between clusters a and b.
    total: dict[int, dict[int, float]] = {}
    for a, b, w in zip(rows, cols, weights):
        total.setdefault(a, {})[b] = w
        total.setdefault(b, {})[a] = w
    sizes = {node: int(size[node]) for node in total}

    def score(a: int, b: int) -> float:
        mean = total[a].get(b, 0.0) / (sizes[a] * sizes[b])
        if evidence is not None and mean > min_similarity:
            mean *= evidence.discount(a, b)
        return mean

    heap = []
    for a, b in zip(rows, cols):
        value = score(a, b)
        if value > min_similarity:
            heap.append((-value, min(a, b), max(a, b)))
    heapq.heapify(heap)
    while heap:
        negative, a, b = heapq.heappop(heap)
        if _find(parent, a) != a or _find(parent, b) != b:
            continue  # one side was absorbed since: its links moved to the survivor
        value = score(a, b)
        if value != -negative:  # out of date: re-score
            if value > min_similarity:
                heapq.heappush(heap, (-value, a, b))
            continue
        # The side with fewer links is folded into the other: small into large.
        keep, absorbed = (a, b) if len(total[a]) >= len(total[b]) else (b, a)
        parent[absorbed] = keep
        if evidence is not None:
            evidence.merge(keep, absorbed)
        links_keep, links_absorbed = total[keep], total.pop(absorbed)
        links_keep.pop(absorbed, None)
        sizes[keep] += sizes.pop(absorbed)
        for c, w in links_absorbed.items():
            if c == keep:
                continue
            links_c = total[c]
            del links_c[absorbed]
            links_keep[c] = links_c[keep] = links_keep.get(c, 0.0) + w
        # Every link of the merged cluster may have changed (its size, and with
        # evidence its facts and dates), so all are pushed with their new value.
        for c in links_keep:
            value = score(keep, c)
            if value > min_similarity:
                heapq.heappush(heap, (-value, min(keep, c), max(keep, c)))
