import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from w2vcnn import plots  # noqa: E402
from w2vcnn.drift import drift_table, projection_2d  # noqa: E402
from w2vcnn.experiments import RunConfig, RunResult  # noqa: E402


def fake_result(mode="non-static", seed=0, dev=(0.70, 0.75, 0.74), arch="cnn"):
    # the full profile: its settings are RunConfig's defaults, so the variant label is the bare
    # "cnn <mode> skipgram torch" (another profile's word2vec epochs would be appended to it)
    config = RunConfig.for_profile("full", mode=mode, seed=seed, arch=arch)
    curve = [
        dict(epoch=e, train_loss=1 / e, train_accuracy=0.6 + 0.1 * e, dev_accuracy=d, seconds=1.0)
        for e, d in enumerate(dev, start=1)
    ]
    best = int(np.argmax(dev)) + 1
    return RunResult(
        run_id=f"{mode}-{seed}",
        config=config,
        test_accuracy=0.7,
        dev_accuracy=max(dev),
        best_epoch=best,
        epochs_run=len(dev),
        train_seconds=1.0,
        sentences_per_second=1.0,
        wall_seconds=1.0,
        curve=curve,
        test_predictions=[],
        test_labels=[],
        vocab_size=10,
        n_train_words=8,
    )


def check_saves(fig, tmp_path, name):
    path = tmp_path / f"{name}.png"
    fig.savefig(path)
    assert path.stat().st_size > 1000


@pytest.fixture(autouse=True)
def rc_params_stay():
    """Every figure function must leave global rcParams and pyplot's figure list as they were."""
    before = dict(matplotlib.rcParams)
    yield
    assert dict(matplotlib.rcParams) == before
    assert plt.get_fignums() == []


# ---------------------------------------------------------------- learning_curves


def test_learning_curves_one_line_per_variant(tmp_path):
    results = [
        fake_result("static", 0, (0.70, 0.72)),
        fake_result("static", 1, (0.74, 0.76, 0.75)),
        fake_result("non-static", 0),
        fake_result("non-static", 1),
    ]
    fig = plots.learning_curves(results)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "epoch" and "%" in ax.get_ylabel() and ax.get_title()
    assert not ax.spines["top"].get_visible()  # the house style applied while building it
    assert len(ax.lines) == 2
    static = ax.lines[0]
    np.testing.assert_allclose(static.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(
        static.get_ydata(), [72, 74, 75]
    )  # mean of the runs still training, in %
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "cnn static skipgram torch (2 runs)",
        "cnn non-static skipgram torch (2 runs)",
    ]
    check_saves(fig, tmp_path, "curves")


def test_learning_curves_stop_where_fewer_than_half_the_runs_still_train():
    results = [
        fake_result("static", 0, (0.70, 0.72)),
        fake_result("static", 1, (0.74, 0.76)),
        fake_result("static", 2, (0.60, 0.62, 0.99, 0.99)),
    ]
    line = plots.learning_curves(results, show_best=False).axes[0].lines[0]
    np.testing.assert_allclose(line.get_xdata(), [1, 2])  # epochs 3-4: one run of three
    np.testing.assert_allclose(line.get_ydata(), [68, 70])


def test_learning_curves_marks_best_epochs_and_skips_runs_without_curve():
    baseline = dataclasses.replace(fake_result("static"), curve=[])
    fig = plots.learning_curves(
        [fake_result("static", 0), fake_result("static", 1), baseline],
        label=lambda r: f"seed-free {r.config.mode}",
    )
    ax = fig.axes[0]
    assert len(ax.lines) == 1
    best = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(best, [[2, 75], [2, 75]])
    assert len(plots.learning_curves([fake_result()], show_best=False).axes[0].collections) == 0


def test_learning_curves_other_metric_and_bad_metric():
    ax = plots.learning_curves([fake_result()], metric="train_loss").axes[0]
    assert "loss" in ax.get_ylabel() and "%" not in ax.get_ylabel()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1, 1 / 2, 1 / 3])
    with pytest.raises(ValueError, match="unknown metric"):
        plots.learning_curves([fake_result()], metric="test_accuracy")


# ---------------------------------------------------------------- accuracy_by_run


def runs(datasets=("MR",)):
    """Three modes: two with three seeds, one with a single run (no interval)."""
    rows = []
    for dataset in datasets:
        rows += [
            {"dataset": dataset, "mode": "static", "seed": s, "test_accuracy": a}
            for s, a in enumerate((0.79, 0.80, 0.81))
        ]
        rows += [{"dataset": dataset, "mode": "non-static", "seed": 0, "test_accuracy": 0.82}]
        rows += [
            {"dataset": dataset, "mode": "rand", "seed": s, "test_accuracy": a}
            for s, a in enumerate((0.75, 0.76, 0.77))
        ]
    return pd.DataFrame(rows)


def dots(ax, colour):
    """x positions of the scatter points drawn in ``colour``."""
    from matplotlib.colors import to_rgba

    return sorted(
        x
        for c in ax.collections
        if not isinstance(c, LineCollection)
        if np.allclose(c.get_facecolors()[0][:3], to_rgba(colour)[:3])
        for x in c.get_offsets()[:, 0]
    )


def error_segments(ax):
    return sum(len(c.get_segments()) for c in ax.collections if isinstance(c, LineCollection))


def test_accuracy_by_run_shows_every_run_the_means_and_the_reference(tmp_path):
    fig = plots.accuracy_by_run(
        runs(),
        rows="mode",
        reference={"MR": {"static": 81.0, "rand": 76.1}},
        reference_label="Kim (2014)",
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["static", "non-static", "rand"]
    assert dots(ax, "grey") == pytest.approx([75, 76, 77, 79, 80, 81, 82])  # one dot per run
    assert dots(ax, "tab:blue") == pytest.approx([76, 80, 82])  # the means
    assert dots(ax, "tab:red") == pytest.approx([76.1, 81.0])  # the published numbers
    assert error_segments(ax) == 2  # the single run gets no interval
    assert "%" in ax.get_xlabel() and ax.get_title() == "MR"
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "one run",
        "mean, 95% CI",
        "Kim (2014)",
    ]
    check_saves(fig, tmp_path, "runs")


def test_accuracy_by_run_one_panel_per_dataset():
    fig = plots.accuracy_by_run(runs(("MR", "Subj")), rows="mode")
    assert [ax.get_title() for ax in fig.axes] == ["MR", "Subj"]
    assert all(dots(ax, "tab:red") == [] for ax in fig.axes)


# ---------------------------------------------------------------- drift figures


@pytest.fixture
def tables():
    rng = np.random.default_rng(0)
    n, seen = 200, 150
    words = ["<pad>", "<unk>", *(f"w{i}" for i in range(n - 2))]
    counts = {w: int(500 / (i + 1)) + 1 for i, w in enumerate(words[2:seen])}
    initial = rng.normal(size=(n, 10))
    final = initial.copy()
    final[2:seen] += rng.normal(scale=0.2, size=(seen - 2, 10))
    return {
        "static": drift_table(words, initial, initial, counts, seen),
        "non-static": drift_table(words, initial, final, counts, seen),
    }


def test_drift_vs_frequency(tables, tmp_path):
    fig = plots.drift_vs_frequency(tables)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert len(ax.lines) == 2  # one running median per table
    assert len(ax.collections) == 4  # per table: seen words, and the count-0 words as crosses
    zero_words = ax.collections[1].get_offsets()
    assert (
        len(zero_words) == 50 and np.all(zero_words[:, 0] == 0.5) and np.all(zero_words[:, 1] == 0)
    )
    assert ax.get_xticklabels()[0].get_text() == "0"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "non-static: 50 words never in training (count 0)" in labels
    check_saves(fig, tmp_path, "frequency")


def test_drift_vs_frequency_without_unseen_words(tables):
    seen_only = {name: t[t["count"] > 0] for name, t in tables.items()}
    assert len(plots.drift_vs_frequency(seen_only).axes[0].collections) == 2


def test_drift_arrows(tmp_path):
    rng = np.random.default_rng(1)
    initial = rng.normal(size=(40, 6))
    final = initial + rng.normal(scale=0.3, size=initial.shape)
    words = [f"w{i}" for i in range(40)]
    before, after = projection_2d(initial, final, np.arange(40))
    fig = plots.drift_arrows(words, before, after)
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert sum(isinstance(p, FancyArrowPatch) for p in ax.patches) == 40
    assert len(ax.texts) == 30  # at most 30 labels: the farthest movers
    farthest = words[int(np.argmax(np.linalg.norm(after - before, axis=1)))]
    assert farthest in {t.get_text() for t in ax.texts}
    check_saves(fig, tmp_path, "arrows")

    highlighted = plots.drift_arrows(words, before, after, highlight=["w3", "w7", "absent"]).axes[0]
    assert sorted(t.get_text() for t in highlighted.texts) == ["w3", "w7"]


def test_word2vec_shapes(tmp_path):
    fig = plots.word2vec_shapes()
    assert len(fig.axes) == 3
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("skip-gram") and titles[1].startswith("CBOW") and "CNN" in titles[2]
    for ax in fig.axes:
        assert sum(isinstance(p, FancyArrowPatch) for p in ax.patches) >= 4
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    for label in (
        "input",
        "projection",
        "output",
        "negative sampling",
        "widths 3, 4, 5",
        "max over",
        "dropout",
        "softmax",
    ):
        assert label in texts
    check_saves(fig, tmp_path, "shapes")


def test_corpus_curve_plots_each_mode_against_tokens_and_marks_kim(tmp_path):
    table = pd.DataFrame(
        {
            "tokens": [3e5, 1.5e6, 6.4e6],
            "static_difference": [-0.02, -0.01, -0.03],
            "static_ci95": [0.01, 0.01, 0.01],
            "non_static_difference": [-0.005, 0.0, 0.005],
            "non_static_ci95": [0.008, 0.008, 0.008],
        },
        index=["in_domain", "in_domain_brown", "general"],
    )
    fig = plots.corpus_curve(table, {"static": 4.9, "non-static": 5.4}, 1e11)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    lines = [bars.lines[0] for bars in ax.containers]  # each errorbar's data line
    ydata = [list(line.get_ydata()) for line in lines]  # in points
    assert ydata == [pytest.approx([-2.0, -1.0, -3.0]), pytest.approx([-0.5, 0.0, 0.5])]
    texts = {t.get_text() for t in ax.texts}
    assert {"Kim, static", "Kim, non-static", "general English"} <= texts
    fig.savefig(tmp_path / "curve.png")


def test_accuracy_by_fraction_one_line_per_model_and_panel_per_dataset(tmp_path):
    rows = [
        {"dataset": d, "model": m, "train_fraction": f, "fold": k, "test_accuracy": 0.6 + f / 4}
        for d in ("a", "b")
        for m in ("rand", "tfidf")
        for f in (0.1, 0.5, 1.0)
        for k in range(3)
    ]
    fig = plots.accuracy_by_fraction(pd.DataFrame(rows))
    assert len(fig.axes) == 2
    # each model by its label (tables.GROUP_LABELS), not its identifier
    assert [bars.get_label() for bars in fig.axes[0].containers] == ["rand", "TF-IDF"]
    lines = [bars.lines[0] for bars in fig.axes[0].containers]
    np.testing.assert_allclose(lines[0].get_xdata(), [10, 50, 100])
    np.testing.assert_allclose(lines[0].get_ydata(), [62.5, 72.5, 85.0])
    fig.savefig(tmp_path / "fractions.png")


def test_angle_by_decile_one_line_per_polarity_group_per_panel(tmp_path):
    table = pd.DataFrame(
        {"neutral": [0.1, 0.2], "mild": [0.2, 0.3], "polar": [0.4, 0.5]},
        index=pd.Index([1, 2], name="frequency_decile"),
    )
    fig = plots.angle_by_decile({"rt-polarity, in-domain": table, "general": table * 2})
    assert len(fig.axes) == 2
    assert [line.get_label() for line in fig.axes[1].get_lines()] == ["neutral", "mild", "polar"]
    np.testing.assert_allclose(fig.axes[1].get_lines()[2].get_ydata(), [0.8, 1.0])
    fig.savefig(tmp_path / "deciles.png")
