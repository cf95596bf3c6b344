"""Using a trained run: load its model, label new sentences, export it and load it without the
cache."""

import json

import numpy as np
import pytest

from conftest import QUICK, snapshot
from w2vcnn import DataError, export_model, load_model
from w2vcnn.__main__ import main
from w2vcnn.experiments import RunConfig, build_classifier, prepare, run
from w2vcnn.models import layer_weights


def _test_texts(config):
    dataset = prepare(config).dataset
    return [dataset.texts[i] for i in dataset.test], dataset


@pytest.mark.parametrize(
    "backend, mode, arch",
    [
        ("torch", "non-static", "cnn"),
        ("keras", "non-static", "cnn"),
        ("torch", "multichannel", "cnn"),
        ("keras", "static", "cnn"),
        ("keras", "multichannel", "cbow"),
    ],
)
def test_a_loaded_model_predicts_what_the_run_predicted(cache, tmp_path, backend, mode, arch):
    config = RunConfig(**QUICK, backend=backend, mode=mode, arch=arch, init="skipgram")
    result = run(config)
    texts, dataset = _test_texts(config)
    trained = load_model(result.run_id)
    # the weights of the run's best dev epoch, not the ones the model started from
    stored = {k.split("/", 1)[1]: v for k, v in result.arrays().items() if k.startswith("weights/")}
    start = prepare(config)
    untrained = layer_weights(build_classifier(config, start.matrix, 2))
    loaded = layer_weights(trained.model)
    assert stored.keys() == loaded.keys() == untrained.keys() and len(stored) >= 2
    for name, value in stored.items():
        np.testing.assert_array_equal(loaded[name], value)
        assert not np.array_equal(untrained[name], value), name
    labels, probabilities = trained.predict(texts)
    # the same model, tokenizer and vocabulary: the run's own test predictions, sentence by sentence
    assert [dataset.label_names.index(label) for label in labels] == result.test_predictions
    assert probabilities.shape == (len(texts), 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert 0.1 < probabilities[:, 1].mean() < 0.9  # not one class for everything

    folder = export_model(result.run_id, tmp_path / "model")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["config.json", "labels.json", "vocab.json", "weights.npz"]
    )
    # an exported folder needs no cache, dataset or word vectors
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("W2VCNN_DATA", str(tmp_path / "empty"))
        again = load_model(folder)
        labels_again, probabilities_again = again.predict(texts)
    assert labels_again == labels
    np.testing.assert_allclose(probabilities_again, probabilities, rtol=1e-5, atol=1e-6)
    assert not (tmp_path / "empty").exists()


def test_predict_takes_a_list_and_handles_unknown_and_empty_texts(cache):
    result = run(RunConfig(**QUICK, mode="rand", init="random"))
    trained = load_model(result.run_id)
    labels, probabilities = trained.predict(["", "zzzqqq xxyyzz", "a fine , moving film ."])
    assert len(labels) == 3 and set(labels) <= set(trained.label_names)
    assert np.isfinite(probabilities).all()
    with pytest.raises(TypeError, match="list of texts"):
        trained.predict("one string")


def test_cli_predict_prints_one_line_per_text(cache, tmp_path, capsys):
    result = run(RunConfig(**QUICK, mode="rand", init="random"))
    assert main(["predict", result.run_id, "a gorgeous film", "dull and tedious"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[2] for line in lines] == ["a gorgeous film", "dull and tedious"]
    assert all(line.split("\t")[0] in ("negative", "positive") for line in lines)
    assert main(["export-model", result.run_id, str(tmp_path / "m")]) == 0
    assert main(["predict", str(tmp_path / "m"), "a gorgeous film"]) == 0


def test_a_run_id_that_does_not_exist_is_one_clear_error(cache):
    before = snapshot(cache)
    with pytest.raises(DataError, match="0123456789abcdef"):
        load_model("0123456789abcdef")
    assert main(["predict", "0123456789abcdef", "some text"]) == 2
    assert snapshot(cache) == before


def test_a_model_folder_without_its_vocabulary_is_one_clear_error(cache, tmp_path):
    result = run(RunConfig(**QUICK, mode="rand", init="random"))
    folder = export_model(result.run_id, tmp_path / "model")
    (folder / "vocab.json").unlink()
    before = snapshot(tmp_path)
    with pytest.raises(DataError, match=r"vocab\.json is missing"):
        load_model(folder)
    assert snapshot(tmp_path) == before


def test_a_model_folder_whose_vocabulary_does_not_fit_its_vectors_is_refused(cache, tmp_path):
    result = run(RunConfig(**QUICK, mode="rand", init="random"))
    folder = export_model(result.run_id, tmp_path / "model")
    vocab = json.loads((folder / "vocab.json").read_text())
    vocab["words"] = vocab["words"][:-5]
    (folder / "vocab.json").write_text(json.dumps(vocab))
    before = snapshot(tmp_path)
    with pytest.raises(DataError, match="differ in size"):
        load_model(folder)
    assert snapshot(tmp_path) == before


def test_a_baseline_run_has_no_model_to_load(cache):
    result = run(RunConfig(**QUICK, arch="tfidf"))
    with pytest.raises(DataError, match="baseline"):
        load_model(result.run_id)


def test_initial_vectors_come_from_the_cache_only(cache, tmp_path):
    from w2vcnn.experiments import load_result

    result = run(RunConfig(**{**QUICK, "mode": "non-static"}))
    folder = export_model(result.run_id, tmp_path / "model")
    with pytest.raises(ValueError, match="holds the trained vectors only"):
        load_model(folder, vectors="initial")
    with pytest.raises(ValueError, match="vectors must be 'trained' or 'initial', got 'final'"):
        load_model(result.run_id, vectors="final")
    swapped = load_model(result.run_id, vectors="initial").model.embedding.weight.detach().numpy()
    np.testing.assert_array_equal(swapped, load_result(result.run_id).embeddings()[1])
