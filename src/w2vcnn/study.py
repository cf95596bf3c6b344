"""The study's experiments, defined once: every chapter asks for its grid by name.

Two chapters that need the same run get the same :class:`~w2vcnn.experiments.RunConfig`, hence the
same cache entry: the run is trained once. Sizes (seeds, epochs, vector size) come from the profile.
"""
from __future__ import annotations

from . import profile as profiles
from .experiments import RunConfig
from .grids import grid

DATASETS = ("rt-polarity", "rt-subjectivity")
MODES = ("rand", "static", "non-static", "multichannel")

# Kim (2014), Table 2: test accuracy (%) on the datasets ours rebuild (MR -> rt-polarity, Subj -> rt-subjectivity).
KIM_2014 = {
    "MR": {"rand": 76.1, "static": 81.0, "non-static": 81.5, "multichannel": 81.1},
    "Subj": {"rand": 89.6, "static": 93.0, "non-static": 93.4, "multichannel": 93.2},
}
KIM_DATASET = {"rt-polarity": "MR", "rt-subjectivity": "Subj"}


def profile_note():
    """A line saying which profile computed the page; a warning when it is the smoke-sized one."""
    from IPython.display import Markdown

    p = profiles.current()
    sizes = (f"{len(p.seeds)} seed(s), up to {p.max_epochs} epochs, {p.vector_size}-d vectors, "
             f"{p.feature_maps} feature maps per window, "
             f"{'all examples' if p.max_examples is None else f'{p.max_examples:,} examples per dataset'}")
    if p.name == "full":
        return Markdown(f"*Computed with the full profile: {sizes}.*")
    return Markdown(f"**Built with the `{p.name}` profile ({sizes}): these numbers check that the "
                    f"pipeline runs; they are not the study's results. Run `make book` for those.**")


def against_kim(aggregated):
    """Our mean test accuracy per mode beside Kim's Table 2, and the difference, in percent."""
    import pandas as pd

    rows = []
    for _, row in aggregated.iterrows():
        kim = KIM_2014[KIM_DATASET[row["dataset"]]].get(row["mode"])
        if kim is not None:
            ours = 100 * row["mean"]
            rows.append({"dataset": f"{row['dataset']} vs {KIM_DATASET[row['dataset']]}", "mode": row["mode"],
                         "ours (%)": round(ours, 1), "Kim (%)": kim, "ours − Kim": round(ours - kim, 1)})
    return pd.DataFrame(rows).set_index(["dataset", "mode"])


def embedding_modes(datasets=DATASETS, init: str = "skipgram", backend: str = "torch") -> list[RunConfig]:
    """Question 1: Kim's CNN with each embedding mode, initialised from our skip-gram vectors."""
    return grid(dataset=list(datasets), arch="cnn", backend=backend, mode=list(MODES), init=init)


def backends(dataset: str = "rt-polarity") -> list[RunConfig]:
    """Question 1: the same three modes in PyTorch and in Keras, on the same splits and seeds."""
    return grid(dataset=dataset, arch="cnn", backend=["torch", "keras"],
                mode=["rand", "static", "non-static"], init="skipgram")


def classifiers(datasets=DATASETS) -> list[RunConfig]:
    """Questions 2 and 3: the supervised CBOW classifier fed the same vectors as the CNN."""
    return grid(dataset=list(datasets), arch="cbow", backend="torch", mode=list(MODES), init="skipgram")


def initialisers(datasets=DATASETS) -> list[RunConfig]:
    """Question 3: skip-gram vs CBOW vectors as the CNN's initial embedding, frozen and fine-tuned."""
    return grid(dataset=list(datasets), arch="cnn", backend="torch", mode=["static", "non-static"],
                init=["skipgram", "cbow"])


def corpus_sizes(dataset: str = "rt-polarity") -> list[RunConfig]:
    """Question 3: in-domain text only vs in-domain text plus the Brown corpus (4x the tokens)."""
    return grid(dataset=dataset, arch="cnn", backend="torch", mode=["static", "non-static"], init="skipgram",
                corpus=[("train", "unlabeled"), ("train", "unlabeled", "brown")])


def word2vec_epochs(dataset: str = "rt-polarity", fewer: int = 5) -> list[RunConfig]:
    """Question 3: frozen vectors trained for gensim's default 5 epochs vs the profile's epochs."""
    epochs = sorted({fewer, profiles.current().word2vec_epochs})
    return grid(dataset=dataset, arch="cnn", backend="torch", mode="static", init=["skipgram", "cbow"],
                word2vec_epochs=epochs)


def vectors_by_epochs(dataset, epochs) -> pd.DataFrame:
    """Skip-gram and CBOW vectors trained for each number of ``epochs`` (cached): time, spread, quality."""
    import pandas as pd

    from . import intrinsic
    from .experiments import word2vec_vectors

    rows = {}
    for init in ("skipgram", "cbow"):
        for n in epochs:
            kv, meta = word2vec_vectors(dataset, RunConfig.for_profile(init=init, mode="static", word2vec_epochs=n))
            scores = intrinsic.evaluate(kv).set_index("benchmark")["score"]
            rows[(init, n)] = {"training seconds": meta["training_seconds"],
                               "mean cosine of random pairs": intrinsic.mean_cosine(kv),
                               "WordSim353 ρ": scores["WordSim353"], "SimLex-999 ρ": scores["SimLex-999"],
                               "neighbours of 'good'": intrinsic.neighbours(kv, "good", k=3)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(["vectors", "word2vec epochs"])


def tfidf(datasets=DATASETS) -> list[RunConfig]:
    """Beyond: TF-IDF + logistic regression, the bag-of-words baseline."""
    return grid(dataset=list(datasets), arch="tfidf")


def transfer_schedules(dataset: str = "rt-polarity") -> list[RunConfig]:
    """Beyond: frozen, fine-tuned, frozen-then-unfrozen, and fine-tuned with a 10x smaller embedding step."""
    common = dict(dataset=dataset, arch="cnn", backend="torch", init="skipgram")
    return (grid(mode=["static", "non-static"], **common)
            + grid(mode="static", unfreeze_epoch=4, **common)
            + grid(mode="non-static", embedding_lr_scale=0.1, **common))


RECIPE = (
    ("pretrained vectors vs random init", "cnn non-static skipgram torch", "cnn rand random torch"),
    ("fine-tuned vs frozen", "cnn non-static skipgram torch", "cnn static skipgram torch"),
    ("CNN vs TF-IDF + logistic regression", "cnn non-static skipgram torch", "tfidf sklearn"),
    ("CNN vs supervised CBOW classifier", "cnn non-static skipgram torch", "cbow non-static skipgram torch"),
    ("skip-gram vs CBOW vectors", "cnn non-static skipgram torch", "cnn non-static cbow torch"),
    ("+ Brown corpus vs in-domain text only", "cnn non-static skipgram torch train+unlabeled+brown",
     "cnn non-static skipgram torch"),
)


def recipe_evidence(frame):
    """The paired difference behind each step of the book's recipe (one dataset's runs)."""
    import pandas as pd

    from .stats import compare, comparison_cells

    rows = [{"step": step, "a": a, "b": b, **comparison_cells(compare(frame, a, b))} for step, a, b in RECIPE]
    return pd.DataFrame(rows, index=range(1, len(rows) + 1))


def chapter_grids() -> dict[str, list]:
    """The runs each chapter asks for, by chapter."""
    return {
        "Q1 embedding layer": embedding_modes() + backends(),
        "Q2 vec.bin": embedding_modes() + classifiers(),
        "Q3 skip-gram and CBOW": (initialisers() + classifiers() + corpus_sizes() + word2vec_epochs()
                                  + embedding_modes()),
        "Beyond": tfidf() + embedding_modes() + transfer_schedules(),
    }


def train_all(workers: int = 1, report=print):
    """Train every run the chapters use, chapter by chapter, ``workers`` processes at a time.

    ``report`` gets one line per chapter as it finishes. When anything was trained, the wall-clock
    minutes per chapter are recorded for :func:`build_times` (a run two chapters share counts in
    the first). Returns the per-chapter table.
    """
    import datetime
    import json
    import time

    import pandas as pd

    from ._io import atomic_write
    from .experiments import is_cached
    from .grids import run_grid

    rows, start = [], time.perf_counter()
    for chapter, configs in chapter_grids().items():
        began = time.perf_counter()
        unique = set(configs)
        trained = sum(not is_cached(c) for c in unique)
        run_grid(configs, workers=workers, progress=False)
        rows.append({"chapter": chapter, "runs": len(unique), "trained": trained,
                     "minutes": (time.perf_counter() - began) / 60})
        report(f"{chapter:24} {len(unique):5} {trained:8} {rows[-1]['minutes']:8.1f}")
    table = pd.DataFrame(rows).set_index("chapter")
    if table["trained"].sum():
        record = {"finished": datetime.datetime.now().isoformat(timespec="seconds"), "workers": workers,
                  "total_minutes": (time.perf_counter() - start) / 60, "chapters": rows}
        with atomic_write(_build_times_path(), "w") as out:
            json.dump(record, out, indent=1)
    return table


def build_times():
    """Wall-clock minutes per chapter of the last :func:`train_all` that trained anything in this
    profile (empty if none did); ``.attrs`` holds when it finished, its workers and its total."""
    import json

    import pandas as pd

    path = _build_times_path()
    if not path.is_file():
        return pd.DataFrame(columns=["runs", "trained", "minutes"]).rename_axis("chapter")
    record = json.loads(path.read_text())
    table = pd.DataFrame(record.pop("chapters")).set_index("chapter")
    table.attrs.update(record)
    return table


def inputs_digest() -> str:
    """A digest of what the book's pages show: the profile, the package's source and the runs in the
    cache. ``make book`` rebuilds the pages from scratch when it changes, because executed notebooks
    are cached by their own text only and would otherwise keep showing old numbers."""
    import hashlib
    from pathlib import Path

    from .experiments import cache_dir

    digest = hashlib.sha256(profiles.current().name.encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    runs = cache_dir() / "runs"
    names = sorted(p.name for p in runs.iterdir() if not p.name.startswith(".")) if runs.is_dir() else []
    digest.update("\n".join(names).encode())
    return digest.hexdigest()


def _build_times_path():
    from .experiments import cache_dir

    return cache_dir() / f"build-times-{profiles.current().name}.json"


def environment():
    """Versions of what produced the numbers, and the machine."""
    import importlib.metadata as metadata
    import os
    import platform

    import pandas as pd

    packages = ("torch", "keras", "tensorflow-cpu", "gensim", "numpy", "scipy", "pandas", "scikit-learn",
                "matplotlib", "jupyter-book", "w2vcnn")
    facts = {"python": platform.python_version(), "platform": platform.platform(),
             "processor": platform.processor() or platform.machine(), "CPU cores": os.cpu_count()}
    for name in packages:
        try:
            facts[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            facts[name] = "not installed"
    try:
        import torch

        facts["accelerator"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none (CPU)"
    except ImportError:
        pass
    return pd.Series(facts, name="value").to_frame()
