"""The command line: one clear line for bad input, the profile passed down, nothing corrupted."""

import re

import numpy as np
import pandas as pd
import pytest

from conftest import QUICK, snapshot
from w2vcnn import profile, study
from w2vcnn.__main__ import __doc__ as usage
from w2vcnn.__main__ import main, parser
from w2vcnn.experiments import RunConfig, is_cached, load_result
from w2vcnn.word2vec_format import load_vectors


def test_cli_lists_datasets(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("rt-polarity") and "rt-subjectivity" in out and "trec" in out


def test_cli_grid_prints_the_aggregate_and_writes_csv_then_exports(cache, tmp_path, capsys):
    out = tmp_path / "grid.csv"
    assert (
        main(
            [
                "--profile",
                "quick",
                "grid",
                "--modes",
                "rand",
                "static",
                "--seeds",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    rows = pd.read_csv(out)
    assert len(rows) == 2 and rows["test_accuracy"].between(0, 1).all()
    # the --profile flag reached the runs: the quick profile's sizes, not the full study's
    assert set(rows["vector_size"]) == {profile.PROFILES["quick"].vector_size}
    for _, row in rows.iterrows():  # the printed mean is the run's accuracy (one seed)
        assert f"{row['test_accuracy']:.4f}" in printed and row["variant"] in printed
    run_id = rows.loc[rows["mode"] == "rand", "run_id"].item()
    exported = tmp_path / "tuned.bin"
    assert main(["export-vectors", run_id, str(exported)]) == 0
    words, _, final = load_result(run_id).embeddings()
    kv = load_vectors(exported)
    assert kv.index_to_key == words[2:] and np.array_equal(kv.vectors, final[2:])
    # and the same vectors for the TensorBoard projector: a CNN-rand run's words all start random
    projector = tmp_path / "tuned.bin.projector"
    vectors = np.loadtxt(projector / "vectors.tsv", delimiter="\t", ndmin=2)
    np.testing.assert_allclose(vectors, final[2:], rtol=1e-5, atol=1e-7)
    metadata = pd.read_csv(projector / "metadata.tsv", sep="\t", quoting=3, keep_default_na=False)
    assert list(metadata["word"]) == words[2:] and set(metadata["start"]) == {"random"}
    n_train_words = load_result(run_id).n_train_words
    assert list(metadata["in training"]) == ["yes"] * (n_train_words - 2) + ["no"] * (
        len(words) - n_train_words
    )


def test_cli_study_passes_the_profile_to_the_grids(cache, capsys, monkeypatch):
    tiny = [RunConfig(**QUICK, mode="rand", init="random", seed=s) for s in (31, 32)]
    asked = []
    monkeypatch.setattr(study, "chapter_grids", lambda p: asked.append(p) or {"Q1 tiny": tiny})
    monkeypatch.delenv(profile.PROFILE_ENV, raising=False)
    assert main(["--profile", "quick", "study", "--workers", "1"]) == 0  # in this process
    assert asked == [profile.PROFILES["quick"]]
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:4] == ["Q1", "tiny", "2", "2"] and all(is_cached(c) for c in tiny)


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["run", "--mode", "dynamic"],
            "error: unknown mode 'dynamic'; valid: rand, static, non-static, multichannel",
        ),
        (["run", "--backend", "jax"], "error: unknown backend 'jax'; valid: torch, keras"),
        (["run", "--init", "vectors"], "error: unknown init 'vectors'"),
        (
            ["run", "--mode", "static", "--init", "missing.bin"],
            "error: vectors file missing.bin does not exist",
        ),
        (
            ["export-vectors", "0123456789abcdef", "out.bin"],
            "error: no finished run '0123456789abcdef'",
        ),
        (["describe", "no-such-dataset"], "error: "),
    ],
)
def test_cli_bad_input_is_one_clear_line_and_changes_nothing(
    argv, message, cache, capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    before, files_before = snapshot(cache), snapshot(tmp_path)
    assert main(["--profile", "quick", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and len(err.strip().splitlines()) == 1, err
    assert snapshot(cache) == before and snapshot(tmp_path) == files_before


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "--seed", "-1"], "argument --seed: must be 0 or more, got -1"),
        (["grid", "--seeds", "0"], "argument --seeds: must be 1 or more, got 0"),
        (["grid", "--folds", "11"], "argument --folds: must be 10 or less, got 11"),
        (["study", "--workers", "two"], "argument --workers: 'two' is not an integer"),
    ],
)
def test_cli_bad_numbers_name_their_option(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_help_is_plain_text_and_names_every_command(capsys):
    import argparse

    with pytest.raises(SystemExit):
        main(["--help"])
    printed = capsys.readouterr().out
    assert "``" not in printed and ":func:" not in printed  # written for a terminal, not reST
    (commands,) = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    for command in commands.choices:  # each on its own line, with its help
        assert re.search(rf"^\s+{command}\s+\S", printed, re.M), command
    assert "python -m w2vcnn run" in usage


def test_cli_run_takes_the_dimension_from_a_vectors_file(cache, tmp_path, capsys):
    from w2vcnn.data import load_dataset
    from w2vcnn.embeddings import train_word2vec
    from w2vcnn.text import tokenize
    from w2vcnn.word2vec_format import save_vectors

    texts = load_dataset("rt-polarity").texts[:3000]
    path = tmp_path / "vectors-16.bin"
    save_vectors(train_word2vec([tokenize(t) for t in texts], vector_size=16, epochs=1), path)
    argv = ["--profile", "quick", "run", "--mode", "static", "--init", str(path), "--seed", "3"]
    assert main(argv) == 0, capsys.readouterr().err
    run_id = capsys.readouterr().out.split()[1]
    config = load_result(run_id).config
    assert config.vector_size == 16 and config.init == str(path)


def test_cli_unknown_profile_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--profile", "huge", "datasets"])
    assert exit_info.value.code == 2 and "invalid choice: 'huge'" in capsys.readouterr().err


def test_an_edited_dataset_file_is_trained_again(cache, tmp_path, capsys):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(30)]
    rows = [
        (" ".join(rng.choice(words[:15] if label == "pos" else words[15:], 8)), label)
        for label in ["pos", "neg"] * 40
    ]
    path = tmp_path / "my.csv"
    argv = ["--profile", "quick", "run", "--dataset", str(path), "--mode", "rand"]
    argv += ["--init", "random", "--split", "holdout"]
    printed = []
    for flip in (False, True):
        flipped = {"pos": "neg", "neg": "pos"} if flip else {"pos": "pos", "neg": "neg"}
        pd.DataFrame(
            {"text": [t for t, _ in rows], "label": [flipped[lab] for _, lab in rows]}
        ).to_csv(path, index=False)
        assert main(argv) == 0
        printed.append(capsys.readouterr().out)
    run_ids = [line.split()[1] for line in printed]
    assert run_ids[0] != run_ids[1] and "cached" not in printed[1]
    accuracy = load_result(run_ids[1]).test_accuracy
    assert f"test accuracy {accuracy:.2%}" in printed[1]
    assert main(argv) == 0 and "cached" in capsys.readouterr().out  # unchanged: read back
