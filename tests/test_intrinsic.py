import math
import random

import numpy as np
import pytest
from gensim.models import KeyedVectors
from gensim.test.utils import datapath

from w2vcnn.embeddings import train_word2vec
from w2vcnn.intrinsic import evaluate

NAMES = ["WordSim353", "SimLex-999", "Google analogies"]


def wordsim_pairs():
    pairs = []
    with open(datapath("wordsim353.tsv"), encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("#"):
                a, b, gold = line.rstrip("\n").split("\t")
                pairs.append((a, b, float(gold)))
    return pairs


def test_evaluate_trained_vectors():
    rng = random.Random(0)
    words = sorted({w for a, b, _ in wordsim_pairs() for w in (a, b)})
    corpus = [[rng.choice(words) for _ in range(10)] for _ in range(500)]
    kv = train_word2vec(corpus, vector_size=16, epochs=2)
    table = evaluate(kv)
    assert list(table["benchmark"]) == NAMES
    assert list(table["metric"]) == ["spearman", "spearman", "accuracy"]
    assert table["oov_ratio"].between(0, 1).all()
    assert (table["n_covered"] <= table["n_items"]).all()
    assert list(table["n_items"]) == [353, 999, 19544]
    wordsim = table.iloc[0]
    assert wordsim.oov_ratio == 0 and -1 <= wordsim.score <= 1 and -1 <= wordsim.pearson <= 1
    # our coverage count agrees with gensim's own OOV figure (a percentage)
    *_, gensim_oov = kv.evaluate_word_pairs(datapath("simlex999.txt"), case_insensitive=True)
    assert table.iloc[1].oov_ratio == pytest.approx(gensim_oov / 100)


def pairs_vectors(n_pairs, similarity):
    """WordSim pairs with no other WordSim pair among their words, each pair alone in its own plane,
    at cosine ``similarity(gold)``: Spearman's rho is then known exactly."""
    chosen, used, golds = [], set(), set()
    pairs = wordsim_pairs()
    for a, b, gold in pairs:
        words = used | {a.upper(), b.upper()}
        if a.upper() == b.upper() or {a.upper(), b.upper()} & used or gold in golds:
            continue
        if sum(x.upper() in words and y.upper() in words for x, y, _ in pairs) == len(chosen) + 1:
            chosen.append((a, b, gold))
            used, golds = words, golds | {gold}
        if len(chosen) == n_pairs:
            break
    kv = KeyedVectors(2 * n_pairs)
    eye = np.eye(2 * n_pairs, dtype=np.float32)
    for i, (a, b, gold) in enumerate(chosen):
        angle = math.acos(similarity(gold))
        kv.add_vectors(
            [a, b], [eye[2 * i], math.cos(angle) * eye[2 * i] + math.sin(angle) * eye[2 * i + 1]]
        )
    return kv


def test_wordsim_score_follows_known_geometry():
    table = evaluate(pairs_vectors(8, lambda gold: gold / 10)).set_index("benchmark")
    row = table.loc["WordSim353"]
    assert row.n_covered == 8 and row.oov_ratio == pytest.approx(1 - 8 / 353)
    assert row.score == pytest.approx(1.0) and row.pearson == pytest.approx(1.0)

    reversed_table = evaluate(pairs_vectors(8, lambda gold: 1 - gold / 10)).set_index("benchmark")
    assert reversed_table.loc["WordSim353"].score == pytest.approx(-1.0)


def test_all_out_of_vocabulary_gives_nan_not_an_error():
    kv = KeyedVectors(4)
    kv.add_vectors(["qwzx", "zzyq"], np.eye(2, 4, dtype=np.float32))
    table = evaluate(kv)
    assert list(table["benchmark"]) == NAMES
    assert table["score"].isna().all() and table["pearson"].isna().all()
    assert (table["oov_ratio"] == 1.0).all() and (table["n_covered"] == 0).all()


def test_analogy_accuracy_follows_known_geometry():
    """country = (capital + e)/sqrt2, the same offset e for every capital: the vector-offset method
    (3CosAdd) answers every covered capital:country question."""
    capitals = ["Athens", "Baghdad", "Bangkok", "Beijing", "Berlin"]
    countries = ["Greece", "Iraq", "Thailand", "China", "Germany"]
    k = len(capitals)
    eye = np.eye(k + 1, dtype=np.float32)
    kv = KeyedVectors(k + 1)
    kv.add_vectors(capitals + countries, np.vstack([eye[:k], (eye[:k] + eye[k]) / np.sqrt(2)]))
    row = evaluate(kv).set_index("benchmark").loc["Google analogies"]
    assert row.n_covered == 30  # 5*4 ordered capital pairs in one section, 10 more in another
    assert row.oov_ratio == pytest.approx(1 - 30 / 19544)
    assert row.score == 1.0


def test_mean_cosine_tells_spread_vectors_from_collinear_ones():
    import numpy as np
    from gensim.models import KeyedVectors

    from w2vcnn.intrinsic import mean_cosine

    rng = np.random.default_rng(0)
    spread = KeyedVectors(50)
    spread.add_vectors(
        [f"w{i}" for i in range(200)], rng.standard_normal((200, 50)).astype(np.float32)
    )
    collinear = KeyedVectors(50)
    common = rng.standard_normal(50)
    collinear.add_vectors(
        [f"w{i}" for i in range(200)],
        (common + 0.05 * rng.standard_normal((200, 50))).astype(np.float32),
    )
    assert abs(mean_cosine(spread)) < 0.05
    assert mean_cosine(collinear) > 0.95
    assert mean_cosine(spread, seed=1) != mean_cosine(spread, seed=2)
    with pytest.raises(ValueError, match="at least two words"):
        mean_cosine(KeyedVectors(3))


def test_neighbours_as_text_and_missing_words():
    import numpy as np
    from gensim.models import KeyedVectors

    from w2vcnn.intrinsic import neighbours

    kv = KeyedVectors(2)
    kv.add_vectors(
        ["good", "great", "bad"], np.array([[1, 0], [0.9, 0.1], [-1, 0]], dtype=np.float32)
    )
    assert neighbours(kv, "good", k=2).startswith("great (0.99), bad (-1.00)")
    assert neighbours(kv, "awful") == "— (not in the vocabulary)"
