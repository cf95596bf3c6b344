"""The experiment runner: cached, paired, honest about what fine-tuning touches."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import QUICK, snapshot
from w2vcnn import train
from w2vcnn._io import DataError, sha256_file
from w2vcnn.experiments import RunConfig, is_cached, load_result, run
from w2vcnn.records import variant


def quick(**overrides):
    return RunConfig(**{**QUICK, **overrides})


def test_static_keeps_the_embedding_non_static_changes_it_and_vec_bin_is_untouched(cache):
    static = run(quick(mode="static"))
    tuned = run(quick(mode="non-static"))
    assert static.extra["embedding_changed"] is False
    assert tuned.extra["embedding_changed"] is True
    assert (
        tuned.extra["unseen_rows_max_change"] == 0.0
    )  # words never in a training sentence never move
    words, initial, final = tuned.embeddings()
    assert len(words) == tuned.vocab_size and not np.array_equal(initial, final)
    assert np.array_equal(initial[tuned.n_train_words :], final[tuned.n_train_words :])
    # both runs read the same cached vec.bin, stored under the key the scheduler waits on, and
    # neither wrote to it
    assert static.vectors["path"] == tuned.vectors["path"]
    assert Path(tuned.vectors["path"]).parent.name == f"skipgram-{tuned.config.vectors_key}"
    for result in (static, tuned):
        assert (
            result.vectors["sha256_before"]
            == result.vectors["sha256_after"]
            == sha256_file(result.vectors["path"])
        )


def test_second_call_is_a_cache_hit_and_trains_nothing(cache, monkeypatch):
    first = run(quick(mode="non-static"))
    monkeypatch.setattr(train, "fit", lambda *a, **k: pytest.fail("retrained a cached run"))
    again = run(quick(mode="non-static"))
    assert (
        again.cached and again.run_id == first.run_id and again.test_accuracy == first.test_accuracy
    )
    assert again.curve == first.curve


def test_same_config_same_numbers_without_the_cache(cache):
    first = run(quick(mode="rand", init="random", seed=3))
    fresh = run(quick(mode="rand", init="random", seed=3), use_cache=False)
    assert fresh.test_predictions == first.test_predictions and fresh.curve == [
        {**c, "seconds": f["seconds"]} for c, f in zip(first.curve, fresh.curve)
    ]


def test_a_finished_runs_preparation_is_read_once_per_data_folder(cache, monkeypatch, tmp_path):
    from w2vcnn.experiments import prepare, prepared_run

    static = run(quick(mode="static"))
    first = prepared_run(static.config)
    assert prepared_run(static.config) is first  # the drift, the model and the test read it
    again = prepare(static.config)
    assert first.vocab.itos == again.vocab.itos and np.array_equal(first.matrix, again.matrix)
    words, initial, final = static.embeddings()  # a frozen run's, rebuilt from the preparation
    initial[:] = 7.0
    assert not np.shares_memory(initial, first.matrix) and np.array_equal(
        first.matrix, again.matrix
    )
    other = tmp_path / "data"  # another data folder (the same dataset): not the same preparation
    shutil.copytree(cache / "rt", other / "rt", symlinks=True)
    monkeypatch.setenv("W2VCNN_DATA", str(other))
    assert prepared_run(static.config) is not first


def test_early_stopping_reads_dev_and_scores_test_once(cache):
    result = run(quick(mode="non-static", max_epochs=3, patience=1))
    dev = [epoch["dev_accuracy"] for epoch in result.curve]
    assert result.best_epoch == 1 + int(np.argmax(dev)) and result.dev_accuracy == max(dev)
    assert len(result.test_predictions) == len(result.test_labels)
    assert result.test_accuracy == np.mean(
        np.array(result.test_predictions) == np.array(result.test_labels)
    )


def test_keras_and_cbow_and_tfidf_run_through_the_same_api(cache):
    keras_run = run(quick(mode="non-static", backend="keras"))
    cbow_run = run(quick(mode="multichannel", arch="cbow"))
    tfidf_run = run(quick(arch="tfidf"))
    assert keras_run.extra["embedding_changed"] and cbow_run.extra["embedding_changed"]
    assert variant(tfidf_run.config) == "tfidf sklearn" and 0.4 < tfidf_run.test_accuracy <= 1.0


def test_an_interrupted_run_leaves_no_cache_entry(cache, monkeypatch):
    config = quick(mode="non-static", seed=11)
    runs = cache / "cache" / "runs"
    before = sorted(p.name for p in runs.iterdir()) if runs.exists() else []

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(config)
    assert sorted(p.name for p in runs.iterdir()) == before  # neither the run nor a staging folder
    with pytest.raises(DataError, match=f"no finished run '{config.validated().key}'"):
        load_result(config.validated().key)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "field, value, valid",
    [
        ("mode", "dynamic", "rand, static, non-static, multichannel"),
        ("backend", "jax", "torch, keras"),
        ("arch", "lstm", "cnn, cbow, tfidf"),
    ],
)
def test_unknown_choices_list_the_valid_ones(field, value, valid):
    with pytest.raises(ValueError, match=f"unknown .*'{value}'; valid: {valid}"):
        quick(**{field: value}).validated()


def test_partial_freeze_fine_tunes_only_the_rows_without_a_pretrained_vector(cache):
    from w2vcnn.experiments import prepare

    config = quick(mode="non-static", frozen_rows="pretrained")
    partial = run(config)
    pretrained = prepare(config.validated()).pretrained
    words, initial, final = partial.embeddings()
    moved = np.flatnonzero(np.any(initial != final, axis=1))
    assert len(pretrained) > 100 and moved.size > 10
    assert not set(moved) & set(pretrained)  # every pretrained row as it started
    assert "non-static skipgram torch pretrained rows frozen" in variant(partial.config)


def test_a_train_fraction_trains_on_a_subset_with_the_same_vectors_and_test_sentences(cache):
    full, tenth = run(quick(mode="static")), run(quick(mode="static", train_fraction=0.1))
    assert tenth.vectors["path"] == full.vectors["path"]  # word2vec read the whole split
    assert tenth.test_labels == full.test_labels
    assert tenth.n_train_words < full.n_train_words
    assert "10% of train" in variant(tenth.config)
    tfidf = run(quick(arch="tfidf", train_fraction=0.1))
    assert tfidf.test_labels == full.test_labels


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(train_fraction=0.0), r"train_fraction must be in \(0, 1\], got 0.0"),
        (dict(train_fraction=1.5), r"train_fraction must be in \(0, 1\]"),
        (dict(frozen_rows="some"), "unknown frozen rows 'some'; valid: none, pretrained"),
        (dict(frozen_rows="pretrained", mode="static"), "needs mode 'non-static'"),
        (dict(frozen_rows="pretrained", backend="keras"), "the torch backend"),
        (dict(embedding_lr_scale=0), "embedding_lr_scale must be a positive number, got 0"),
        (dict(embedding_lr_scale="10"), "embedding_lr_scale must be a positive number"),
        (dict(embedding_lr_scale=10, backend="keras"), "in the torch backend only .*'keras'"),
    ],
)
def test_bad_fraction_or_frozen_rows_is_one_clear_error(overrides, message):
    with pytest.raises(ValueError, match=message):
        quick(**overrides).validated()


def test_rand_goes_with_random_init_only():
    with pytest.raises(ValueError, match="mode 'rand' goes with init 'random'"):
        quick(mode="rand", init="skipgram").validated()
    with pytest.raises(ValueError, match="'rand-scaled' draws its random rows at the scale"):
        quick(mode="rand-scaled", init="random").validated()


def test_rand_scaled_is_kims_rand_drawn_at_the_pretrained_vectors_scale(cache):
    from w2vcnn.embeddings import random_scale
    from w2vcnn.experiments import prepare

    rand, scaled = run(quick(mode="rand", init="random")), run(quick(mode="rand-scaled"))
    static = run(quick(mode="static"))
    a = random_scale(prepare(quick(mode="static").validated()).kv)
    assert rand.extra["random_scale"] == 0.25
    assert scaled.extra["random_scale"] == pytest.approx(a) == static.coverage["scale"]
    assert a > 0.25  # why the control exists: Kim's rows start smaller than the vectors
    (words, rand_start, _), (scaled_words, scaled_start, _) = rand.embeddings(), scaled.embeddings()
    assert scaled_words == words  # the training words only, as rand
    np.testing.assert_allclose(scaled_start, rand_start * (a / 0.25), rtol=1e-5, atol=1e-7)
    assert scaled.test_accuracy != rand.test_accuracy or scaled.run_id != rand.run_id
    assert "rand-scaled skipgram" in variant(scaled.config)


def test_wide_padding_gives_every_word_every_filter_position(cache):
    from w2vcnn.experiments import prepare
    from w2vcnn.predict import TrainedModel

    narrow = quick(mode="rand", init="random").validated()
    wide = quick(mode="rand", init="random", padding="wide").validated()
    pads = [0] * (max(wide.windows) - 1)
    for part in ("train", "test"):
        sentences, wide_sentences = prepare(narrow).parts[part][0], prepare(wide).parts[part][0]
        assert wide_sentences == [pads + s + pads for s in sentences]
    assert "wide convolution" in variant(wide)
    with pytest.raises(ValueError, match="padding 'wide' is a CNN's"):
        quick(arch="cbow", padding="wide").validated()
    with pytest.raises(ValueError, match="unknown padding 'full'; valid: narrow, wide"):
        quick(padding="full").validated()
    model = run(wide)
    trained = TrainedModel(None, prepare(wide).vocab, ["a", "b"], wide)
    seen = []
    trained._logits = lambda tokens: seen.append(tokens) or np.zeros((len(tokens), 2))
    trained.predict(["a fine film"])
    assert (seen[0][0, : len(pads)] == 0).all()  # predicting pads as training did
    assert model.test_accuracy > 0


def test_a_replicate_draws_everything_anew_but_the_sentences(cache):
    first, again = run(quick(mode="non-static")), run(quick(mode="non-static", replicate=1))
    assert again.test_labels == first.test_labels  # the same split and test sentences
    assert again.n_train_words == first.n_train_words
    assert again.vectors["path"] != first.vectors["path"]  # word2vec trained from another start
    assert not np.array_equal(again.embeddings()[1], first.embeddings()[1])
    assert again.config.draw_seed != first.config.draw_seed
    assert run(quick(mode="non-static", replicate=1)).test_predictions == again.test_predictions
    assert "replicate 1" in variant(again.config)
    with pytest.raises(ValueError, match="replicate must be a non-negative integer, got -1"):
        quick(replicate=-1).validated()


@pytest.mark.parametrize(
    "sentences, dim, message",
    [
        ([["good", "film"], ["bad", "film"]], 8, r"vec\.bin.*dimension 8.*16"),
        ([["zyxwv", "qwvzx"], ["qwvzx", "vvzzq"]], 16, r"vec\.bin: none of the [\d,]+ words asked"),
    ],
    ids=["wrong dimension", "no word matches"],
)
def test_unusable_vectors_are_one_clear_error_and_write_nothing(
    cache, tmp_path, sentences, dim, message
):
    from w2vcnn.embeddings import train_word2vec
    from w2vcnn.word2vec_format import save_vectors

    kv = train_word2vec(sentences * 20, vector_size=dim, epochs=1)
    path = tmp_path / "vec.bin"
    save_vectors(kv, path)
    before = snapshot(tmp_path)
    runs_before = snapshot(cache / "cache") if (cache / "cache").exists() else {}
    with pytest.raises(DataError, match=message):
        run(quick(init=str(path), mode="static", seed=19))
    assert snapshot(tmp_path) == before
    assert snapshot(cache / "cache") == runs_before


def test_vectors_covering_almost_nothing_warn_with_the_figure(cache, tmp_path):
    from w2vcnn.embeddings import train_word2vec
    from w2vcnn.word2vec_format import save_vectors

    sentences = [["zyxwv", "qwvzx"], ["qwvzx", "Film"]] * 20  # one word, in title case
    kv = train_word2vec(sentences, vector_size=16, epochs=1)
    path = tmp_path / "other.bin"
    save_vectors(kv, path)
    with pytest.warns(UserWarning, match=r"cover only \d+\.\d% of the training tokens"):
        result = run(quick(init=str(path), mode="static"))
    assert result.coverage["n_found"] == 1 and result.coverage["type_coverage"] < 0.01
    assert result.vectors["matched"]["title case"] == 1  # "film" found as "Film"
    assert result.vectors["sha256_before"] == result.vectors["sha256_after"]


def test_a_nan_loss_stops_with_a_clear_error_and_caches_nothing(cache):
    config = quick(mode="rand", init="random", learning_rate=1e30)
    before = snapshot(cache / "cache") if (cache / "cache").exists() else {}
    with pytest.raises(train.TrainingError, match=r"loss became (nan|inf) at epoch 1, batch \d+"):
        run(config)
    assert not is_cached(config) and snapshot(cache / "cache") == before


def test_a_damaged_run_record_is_a_clear_error_and_run_trains_it_again(cache):
    config = quick(mode="rand", init="random", seed=13)
    first = run(config)
    record = cache / "cache" / "runs" / first.run_id / "result.json"
    for damage in ("{not json", '{"config": {"seed": 1}, "unknown_field": 2}', "[1, 2]"):
        record.write_text(damage)
        with pytest.raises(DataError, match=f"{record}.*corrupt.*delete its folder"):
            load_result(first.run_id)
        with pytest.warns(UserWarning, match="retraining"):
            again = run(config)
        assert again.test_predictions == first.test_predictions and not again.cached
        assert load_result(first.run_id).test_accuracy == first.test_accuracy  # replaced, readable


def test_damaged_cached_vectors_are_trained_again_not_trusted(cache):
    config = quick(mode="static", seed=17)
    first = run(config)
    path = Path(first.vectors["path"])
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])  # a truncated vec.bin inside the cache
    with pytest.warns(UserWarning, match="retraining the cached word vectors"):
        again = run(config, use_cache=False)
    assert path.read_bytes() == good  # the same vectors, trained again from the same seed
    assert again.test_predictions == first.test_predictions


def test_keras_runs_are_repeatable_too(cache):
    first = run(quick(mode="non-static", backend="keras", seed=5), use_cache=False)
    again = run(quick(mode="non-static", backend="keras", seed=5), use_cache=False)
    assert again.test_predictions == first.test_predictions
    assert [e["train_loss"] for e in again.curve] == [e["train_loss"] for e in first.curve]


def test_a_run_is_stored_under_the_key_of_the_data_it_read(cache, tmp_path, monkeypatch):
    from w2vcnn import baselines

    path = tmp_path / "my.csv"
    lines = [
        f"{'good' if i % 2 else 'bad'} film number {i},{'pos' if i % 2 else 'neg'}"
        for i in range(60)
    ]
    path.write_text("text,label\n" + "\n".join(lines) + "\n")
    config = RunConfig(dataset=str(path), arch="tfidf", split="holdout").validated()
    key_read = config.key
    compute_tfidf = baselines.compute_tfidf

    def edited_while_training(c):
        fields = compute_tfidf(c)
        path.write_text(path.read_text() + "bad film again,neg\n")  # the file changes meanwhile
        return fields

    monkeypatch.setattr(baselines, "compute_tfidf", edited_while_training)
    result = run(config)
    assert (
        result.run_id == key_read != config.key
    )  # stored under what it read, not what is there now
    assert not is_cached(config)  # the edited file has no result yet


def test_a_run_found_under_another_path_of_the_same_content_points_at_that_path(cache, tmp_path):
    from w2vcnn.neural import prepare

    lines = [
        f"{'good' if i % 2 else 'bad'} film number {i},{'pos' if i % 2 else 'neg'}"
        for i in range(60)
    ]
    first, moved = tmp_path / "first" / "my.csv", tmp_path / "moved" / "my.csv"
    for path in (first, moved):
        path.parent.mkdir()
        path.write_text("text,label\n" + "\n".join(lines) + "\n")
    trained = run(quick(dataset=str(first), mode="rand", init="random"))
    first.unlink()  # the copy it trained on is gone, as a test's temporary folder goes
    config = quick(dataset=str(moved), mode="rand", init="random").validated()
    assert config.key == trained.run_id  # keyed by content: a cache hit
    assert run(config).config.dataset == str(moved)
    again = load_result(config.key)  # what a page reloads from a grid's run_id
    assert again.config.dataset == str(moved)
    assert len(prepare(again.config).dataset) == 60  # its dataset loads from where it is now


def _same_run(a, b):
    """Two results of one run: the same numbers and arrays, whatever the time it took."""
    no_seconds = [{k: v for k, v in e.items() if k != "seconds"} for e in a.curve]
    assert no_seconds == [{k: v for k, v in e.items() if k != "seconds"} for e in b.curve]
    for name in ("test_accuracy", "dev_accuracy", "best_epoch", "epochs_run", "test_predictions"):
        assert getattr(a, name) == getattr(b, name), name
    arrays_a, arrays_b = a.arrays(), b.arrays()
    assert sorted(arrays_a) == sorted(arrays_b)
    for name in arrays_a:
        assert np.array_equal(arrays_a[name], arrays_b[name]), name


@pytest.mark.parametrize(
    "settings",
    [
        dict(mode="non-static"),
        dict(mode="rand", init="random", seed=4),
        dict(mode="static", unfreeze_epoch=4),  # patience counted from the unfreeze epoch
        dict(mode="non-static", backend="keras"),
    ],
    ids=["torch", "rand", "unfrozen", "keras"],
)
def test_a_run_stopped_early_read_from_kims_training_is_the_run_trained_alone(cache, settings):
    """Kim's regime (every epoch, best dev kept) gives the patience rule's runs in the same
    training: identical to each trained on its own (make book trains them once)."""
    from w2vcnn import cache as run_cache
    from w2vcnn.experiments import compute
    from w2vcnn.grids import run_grid

    kim = quick(**settings, max_epochs=6, patience=None)
    early = [quick(**settings, max_epochs=m, patience=p) for m, p in ((5, 1), (6, 2), (3, 1))]
    assert all(c.stops_early_within(kim) for c in early)
    assert not quick(**settings, max_epochs=7, patience=1).stops_early_within(kim)
    assert not quick(**settings, max_epochs=4, patience=None).stops_early_within(kim)
    assert not quick(**{**settings, "seed": 9}, max_epochs=5, patience=1).stops_early_within(kim)
    alone = [run(c, use_cache=False) for c in early]
    for c in early:
        shutil.rmtree(run_cache.run_dir(c.key))
    frame = run_grid([kim, *early], progress=False)
    assert list(frame["run_id"]) == [c.key for c in (kim, *early)]
    read = [load_result(c.key) for c in early]
    assert all(r.extra["read_from"] == kim.key for r in read)
    # no time of their own: the build counts the training once, under Kim's run
    assert all(r.wall_seconds == 0.0 < r.train_seconds for r in read)
    assert [r.epochs_run for r in alone] != [6, 6, 6]  # the rules did stop these runs early
    for a, b in zip(alone, read):
        _same_run(a, b)
    with pytest.raises(ValueError, match="is not .* stopped earlier"):
        compute(kim, (quick(**settings, max_epochs=7, patience=1),))


def test_parallel_workers_read_the_runs_stopped_early_from_the_same_training(cache):
    from w2vcnn.grids import run_grid

    kim = quick(mode="rand", init="random", seed=5, max_epochs=4, patience=None)
    early = quick(mode="rand", init="random", seed=5, max_epochs=3, patience=1)
    frame = run_grid([early, kim], workers=2, progress=False)
    assert list(frame["run_id"]) == [early.key, kim.key]
    assert load_result(early.key).extra["read_from"] == kim.key
