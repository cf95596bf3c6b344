"""w2vcnn.splits: stratified holdout, Kim's k folds, a fixed subset, nested training subsets."""

import numpy as np
import pytest

from w2vcnn.data import load_dataset


@pytest.fixture(scope="module")
def polarity():
    return load_dataset("rt-polarity")


def test_holdout_is_a_stratified_partition(polarity):
    parts = [polarity.train, polarity.dev, polarity.test]
    joined = np.concatenate(parts)
    assert sorted(joined.tolist()) == list(range(len(polarity)))
    assert [round(len(p) / len(polarity), 2) for p in parts] == [0.8, 0.1, 0.1]
    share = [polarity.labels[p].mean() for p in parts]
    assert max(share) - min(share) < 0.01


def test_same_seed_same_split_other_seed_other_split(polarity):
    again = load_dataset("rt-polarity", seed=0)
    other = load_dataset("rt-polarity", seed=1)
    assert (again.test == polarity.test).all() and not np.array_equal(other.test, polarity.test)


def test_kfold_folds_are_stratified_disjoint_and_cover_everything(polarity):
    # rt-polarity is 58/42: folds that ignore the labels would miss each class's share by ~20
    class_sizes = np.bincount(polarity.labels)
    tests = []
    for fold in range(10):
        ds = load_dataset("rt-polarity", split="kfold", fold=fold, seed=5)
        train, dev, test = set(ds.train), set(ds.dev), set(ds.test)
        assert not test & train and not dev & train and not dev & test
        assert train | dev | test == set(range(len(ds)))  # every example, in every fold
        for part in (ds.test, ds.dev):  # each class spread evenly over the folds, and into dev
            share = np.bincount(ds.labels[part], minlength=2) / len(part)
            assert np.abs(share - class_sizes / len(ds)).max() < 0.002, (fold, share)
        assert np.abs(np.bincount(ds.labels[ds.test]) - class_sizes / 10).max() <= 1
        assert abs(len(ds.dev) - 0.1 * (len(ds) - len(ds.test))) <= 2
        tests.append(ds.test)
    assert sorted(np.concatenate(tests).tolist()) == list(range(len(polarity)))
    # the same seed gives the same folds; another seed, other folds
    again = load_dataset("rt-polarity", split="kfold", fold=3, seed=5)
    assert again.test.tolist() == tests[3].tolist()
    other = load_dataset("rt-polarity", split="kfold", fold=3, seed=6)
    assert other.test.tolist() != tests[3].tolist()


def test_max_examples_keeps_a_stratified_fixed_subset(polarity):
    small = load_dataset("rt-polarity", max_examples=2_000)
    assert abs(len(small) - 2_000) <= 2
    assert abs(small.labels.mean() - polarity.labels.mean()) < 0.01
    assert set(small.texts) <= set(polarity.texts)


def test_bad_split_and_fold():
    with pytest.raises(
        ValueError, match="unknown split 'random'; known: auto, holdout, given, kfold"
    ):
        load_dataset("rt-polarity", split="random")
    with pytest.raises(ValueError, match=r"fold must be in 0\.\.9, got 10"):
        load_dataset("rt-polarity", split="kfold", fold=10)
    with pytest.raises(ValueError, match="rt-polarity comes without a given split"):
        load_dataset("rt-polarity", split="given")


def test_train_subset_is_stratified_nested_and_leaves_dev_and_test_alone():
    from w2vcnn.splits import train_subset

    ds = load_dataset("rt-polarity", max_examples=1000)
    tenth, half = (train_subset(ds, f, seed=3) for f in (0.1, 0.5))
    assert set(tenth.train) < set(half.train) < set(ds.train)
    assert np.array_equal(half.dev, ds.dev) and np.array_equal(half.test, ds.test)
    for sub, fraction in ((tenth, 0.1), (half, 0.5)):
        for cls in (0, 1):
            n = np.sum(ds.labels[ds.train] == cls)
            assert np.sum(ds.labels[sub.train] == cls) == round(fraction * n)
    assert train_subset(ds, 1.0) is ds
    assert not set(train_subset(ds, 0.1, seed=4).train) == set(tenth.train)
    with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\], got 0"):
        train_subset(ds, 0)


def test_the_split_is_typed_fields_not_a_description(polarity):
    from w2vcnn.splits import Split

    assert polarity.split is Split.HOLDOUT and polarity.split == "holdout"
    assert (polarity.fold, polarity.k, polarity.seed) == (None, None, 0)
    fold = load_dataset("rt-polarity", split="kfold", fold=3, seed=2)
    assert fold.split is Split.KFOLD and (fold.fold, fold.k, fold.seed) == (3, 10, 2)
    assert fold.split_description == "kfold(3/10, seed=2)" and "kfold(3/10" in repr(fold)
    assert str(Split.GIVEN) == "given" and Split("kfold") is Split.KFOLD
