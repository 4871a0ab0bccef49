"""Average-linkage (UPGMA) clustering of a sparse similarity graph.

Exact average linkage over *all* pairs, where a pair missing from the sparse
matrix has similarity 0: two clusters merge while the mean similarity over
every pair across them exceeds ``min_similarity``, best pair first. Storing
only the non-zero pairs keeps memory at O(edges) instead of O(n^2), which is
what lets story grouping run on tens of thousands of articles (scikit-learn's
and SciPy's average linkage need the dense n x n matrix).

Two facts keep it fast:

* clusters can only form inside connected components of the graph of pairs
  with similarity > ``min_similarity`` (a mean cannot exceed its largest
  term), so each component is clustered on its own and edges between
  components are dropped;
* a merge can only *raise* the mean similarity towards clusters adjacent to
  the absorbed side; all other means can only drop (the merged cluster is
  bigger). So only the absorbed side's neighbours are pushed again, and a
  stale (too high) heap entry is re-scored when it comes out.
"""

from __future__ import annotations

import heapq

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components


def average_linkage(similarity: sparse.spmatrix, min_similarity: float) -> np.ndarray:
    """Flat cluster labels (0..m-1, numbered by first member) for a similarity graph.

    ``similarity`` is a symmetric n x n sparse matrix (the diagonal is
    ignored). The result is deterministic: equal means are merged in order of
    the lower node index.
    """
    n = similarity.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    upper = sparse.triu(sparse.coo_matrix(similarity), k=1).tocoo()
    keep = upper.data > 0
    rows, cols, weights = upper.row[keep], upper.col[keep], upper.data[keep]
    strong = weights > min_similarity
    graph = sparse.coo_matrix((np.ones(int(strong.sum())), (rows[strong], cols[strong])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    # Only edges inside one component can ever contribute to a merge.
    inside = component[rows] == component[cols]
    rows, cols, weights = rows[inside], cols[inside], weights[inside]

    parent = np.arange(n)
    _merge(n, rows.tolist(), cols.tolist(), weights.tolist(), min_similarity, parent)
    roots = [_find(parent, i) for i in range(n)]
    labels: dict[int, int] = {}
    return np.array([labels.setdefault(root, len(labels)) for root in roots], dtype=np.int64)


def _find(parent: np.ndarray, node: int) -> int:
    root = node
    while parent[root] != root:
        root = parent[root]
    while parent[node] != root:  # path compression
        parent[node], node = root, parent[node]
    return root


def _merge(n: int, rows: list[int], cols: list[int], weights: list[float],
           min_similarity: float, parent: np.ndarray) -> None:
    """Greedy UPGMA on the edge list; records merges in ``parent``."""
    # total[a][b]: sum of pair similarities between clusters a and b.
    total: dict[int, dict[int, float]] = {}
    for a, b, w in zip(rows, cols, weights):
        total.setdefault(a, {})[b] = w
        total.setdefault(b, {})[a] = w
    size = {node: 1 for node in total}
    heap = [(-w, a, b) for a, b, w in zip(rows, cols, weights) if w > min_similarity]
    heapq.heapify(heap)
    while heap:
        negative_mean, a, b = heapq.heappop(heap)
        a, b = _find(parent, a), _find(parent, b)
        if a == b:
            continue
        mean = total[a].get(b, 0.0) / (size[a] * size[b])
        if mean != -negative_mean:  # stale: re-score (it can only have dropped)
            if mean > min_similarity:
                heapq.heappush(heap, (-mean, min(a, b), max(a, b)))
            continue
        # Absorb the side with fewer neighbours into the other (small into large).
        if len(total[a]) < len(total[b]):
            a, b = b, a
        parent[b] = a
        links_a, links_b = total[a], total.pop(b)
        links_a.pop(b, None)
        size[a] += size.pop(b)
        for c, w in links_b.items():
            if c == a:
                continue
            links_c = total[c]
            del links_c[b]
            combined = links_a.get(c, 0.0) + w
            links_a[c] = links_c[a] = combined
            new_mean = combined / (size[a] * size[c])
            if new_mean > min_similarity:
                heapq.heappush(heap, (-new_mean, min(a, c), max(a, c)))
