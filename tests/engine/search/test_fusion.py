import numpy as np

from relais.engine.search.fusion import convex, min_max, ranks, rrf


def test_ranks_are_one_based_over_candidates_only():
    scores = np.array([0.1, 0.9, 0.5, 0.7])
    assert ranks(scores, np.array([0, 1, 2])).tolist() == [3, 1, 2, 0]


def test_rrf_rewards_agreement():
    lexical = np.array([1, 2, 0], dtype=np.int32)
    dense = np.array([2, 1, 3], dtype=np.int32)
    fused = rrf([lexical, dense], k=60)
    assert fused[0] == fused[1] == 1 / 61 + 1 / 62
    assert fused[2] == 1 / 63  # absent from the lexical ranking: one term only


def test_min_max_with_theoretical_lower_bound():
    assert min_max(np.array([0.7, 0.85, 1.0]), lower=0.7).tolist() == [0.0, 0.5, 1.0]
    assert min_max(np.array([0.5, 0.85]), lower=0.7).tolist()[0] == 0.0  # clipped
    assert min_max(np.array([3.0, 3.0])).tolist() == [0.0, 0.0]


def test_convex_weights_dense_by_alpha():
    lexical = np.array([10.0, 0.0])
    dense = np.array([0.70, 0.90])
    assert convex(lexical, dense, alpha=1.0).argmax() == 1
    assert convex(lexical, dense, alpha=0.0).argmax() == 0
    assert np.allclose(convex(lexical, dense, alpha=0.5), [0.5, 0.5])
