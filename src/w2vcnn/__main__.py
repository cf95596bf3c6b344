"""Train, score and inspect the runs behind the w2vcnn book from a terminal.

  python -m w2vcnn run --mode non-static --init vectors.bin    one run (cached)
  python -m w2vcnn grid --modes static non-static --folds 3    a grid, mean and 95% CI
  python -m w2vcnn study                                       every run the book uses

A word2vec file given to --init sets the vectors' dimension. Run any command with --help
for its options.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time


def _datasets(args) -> None:
    from .data import known_datasets

    for name, description in known_datasets().items():
        print(f"{name:16} {description}")


def _describe(args) -> None:
    from .data import load_dataset
    from .protocol import describe

    print(describe(load_dataset(args.dataset, seed=args.seed)).to_string())


def _config_axes(args) -> dict:
    return dict(
        dataset=args.dataset,
        mode=args.modes,
        arch=args.archs,
        backend=args.backends,
        split=args.split,
    )


def _run(args) -> None:
    from .experiments import RunConfig, run
    from .records import variant
    from .splits import Split
    from .study import vector_size

    init = "random" if args.mode == "rand" else args.init
    config = RunConfig.for_profile(
        args.profile,
        dataset=args.dataset,
        mode=args.mode,
        init=init,
        vector_size=vector_size(init, args.profile),  # a vectors file sets its own
        arch=args.arch,
        backend=args.backend,
        seed=args.seed,
        split=args.split,
        fold=args.fold,
    )
    result = run(config)
    where = f"fold {config.fold}" if config.split == Split.KFOLD else f"seed {config.seed}"
    print(
        f"run {result.run_id} ({variant(config)}, "
        f"{where}{', cached' if result.cached else ''}): "
        f"test accuracy {result.test_accuracy:.2%} at dev-best epoch {result.best_epoch} "
        f"of {result.epochs_run} (dev {result.dev_accuracy:.2%}), "
        f"{result.sentences_per_second:,.0f} sentences/s"
    )


def _grid(args) -> None:
    from .grids import grid, run_grid
    from .stats import aggregate
    from .study import vector_size

    seeds = range(args.seeds) if args.seeds else None
    folds = range(args.folds) if args.folds else None
    configs = [  # each vectors file at its own dimension
        config
        for init in dict.fromkeys(args.init)
        for config in grid(
            seeds=seeds,
            folds=folds,
            profile=args.profile,
            init=init,
            vector_size=vector_size(init, args.profile),
            **_config_axes(args),
        )
    ]
    configs = list(dict.fromkeys(configs))  # rand runs once, however many --init
    with _executor(args) as (executor, workers):
        frame = run_grid(configs, workers=workers, executor=executor)
    if args.out:
        frame.to_csv(args.out, index=False)
        print(f"{len(frame)} runs written to {args.out}", file=sys.stderr)
    table = aggregate(frame)
    print(table.to_string(float_format=lambda x: f"{x:.4f}"))


@contextlib.contextmanager
def _executor(args):
    """``(executor, workers)``: the Dask cluster at ``--scheduler``, else this machine's pool."""
    if getattr(args, "scheduler", None):
        from .grids import dask_executor

        with dask_executor(args.scheduler) as pair:
            yield pair
    else:
        yield None, getattr(args, "workers", 1)


def _study(args) -> None:
    from . import build, protocol
    from .tables import machine_in_words

    protocol.check(args.profile)  # a bad dataset fails here, before anything trains

    began = time.perf_counter()
    lines = []  # the table comes after the progress lines of the runs
    with _executor(args) as (executor, workers):
        table = build.train_all(
            args.profile, workers=workers, report=lines.append, executor=executor
        )
    minutes = (time.perf_counter() - began) / 60
    print(f"{'chapter':24} {'runs':>5} {'trained':>8} {'run minutes':>11}")
    print("\n".join(lines))
    print(
        f"{'all chapters':24} {'':5} {table['trained'].sum():8} {table['run minutes'].sum():11.1f}"
        f"\n{minutes:.1f} minutes wall-clock with {workers} one-thread workers"
    )
    if table["trained"].sum():
        machine = build.build_times(args.profile).attrs["machine"]
        print("on " + machine_in_words(machine))


def _cache(args) -> None:
    from .build import cache_report

    print(cache_report(args.profile, prune=args.action == "prune", dry_run=args.dry_run))


def _export(args) -> None:
    from pathlib import Path

    from .drift import export_projector
    from .experiments import load_result, prepare
    from .word2vec_format import export_vectors

    result = load_result(args.run_id)
    words, _, final = result.embeddings()
    digest = export_vectors(words, final, args.out, source=(result.vectors or {}).get("path"))
    kv = prepare(result.config).kv
    started_random = [kv is None or w not in kv.key_to_index for w in words]
    projector = export_projector(
        words, final, Path(f"{args.out}.projector"), started_random, result.n_train_words
    )
    print(
        f"wrote {len(words) - 2} fine-tuned vectors of run {args.run_id} to {args.out} "
        f"(sha256 {digest}), and vectors.tsv + metadata.tsv for the TensorBoard projector to "
        f"{projector}"
    )


def _predict(args) -> None:
    from .predict import load_model

    trained = load_model(args.model)
    labels, probabilities = trained.predict(args.texts)
    for text, label, row in zip(args.texts, labels, probabilities):
        print(f"{label}\t{row.max():.3f}\t{text}")


def _notebooks(args) -> None:
    from pathlib import Path

    from .notebooks import write_notebooks

    for path in write_notebooks(args.folder, config=Path(args.config)):
        print(path)


def _chapters(args) -> None:
    from .notebooks import execute_chapters

    began = time.perf_counter()
    executed = execute_chapters(args.root, output=args.output)
    print(
        f"{len(executed)} chapters executed in {time.perf_counter() - began:.0f} s"
        + (f": {', '.join(executed)}" if executed else " (every one was cached)")
    )


def _export_model(args) -> None:
    from .predict import export_model

    folder = export_model(args.run_id, args.folder)
    print(f"wrote the model of run {args.run_id} to {folder}")


def _count(least: int, most: int | None = None):
    """An argparse type: an integer >= ``least`` (and <= ``most``; argparse names the option in
    its error)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be {least} or more, got {value}")
        if most is not None and value > most:
            raise argparse.ArgumentTypeError(f"must be {most} or less, got {value}")
        return value

    return parse


_SCHEDULER_HELP = (
    "train on the Dask cluster whose scheduler listens here (tcp://host:8786); "
    "this machine stores the results (needs the dask extra)"
)


def main(argv=None) -> int:
    from ._io import DataError
    from .notebooks import ChapterError
    from .profile import current

    # the entry point's own choice, inherited by the worker processes it starts: TensorFlow's
    # start-up chatter would bury the results
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = parser().parse_args(argv)
    try:
        args.profile = current(args.profile)  # read here once, passed down
        args.func(args)
    except (DataError, ValueError, ChapterError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def parser() -> argparse.ArgumentParser:
    """Every command, its arguments, and the function that runs it (``func``)."""
    parser = argparse.ArgumentParser(
        prog="python -m w2vcnn",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,  # keep the examples' lines
    )
    parser.add_argument(
        "--profile",
        choices=("full", "quick"),
        default=None,
        help="study size (default: $W2VCNN_PROFILE, else full)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("datasets", help="list the datasets known by name").set_defaults(
        func=_datasets
    )

    describe = commands.add_parser("describe", help="sizes, balance and lengths of a dataset")
    describe.add_argument("dataset")
    describe.add_argument("--seed", type=_count(0), default=0)
    describe.set_defaults(func=_describe)

    one = commands.add_parser("run", help="train and score one configuration (cached)")
    one.add_argument("--dataset", default="rt-polarity")
    one.add_argument("--mode", default="non-static")
    one.add_argument(
        "--init", default="skipgram", help="skipgram, cbow or a path to a word2vec file"
    )
    one.add_argument("--arch", default="cnn")
    one.add_argument("--backend", default="torch")
    one.add_argument("--split", default="kfold", help="kfold (Kim's 10 folds) or holdout")
    one.add_argument("--fold", type=_count(0), default=0, help="k-fold: the test fold, 0-9")
    one.add_argument("--seed", type=_count(0), default=0)
    one.set_defaults(func=_run)

    many = commands.add_parser(
        "grid", help="every combination x folds x seeds; prints mean, 95%% CI per variant"
    )
    many.add_argument("--dataset", nargs="+", default=["rt-polarity"])
    many.add_argument(
        "--modes", nargs="+", default=["rand", "static", "non-static", "multichannel"]
    )
    many.add_argument("--init", nargs="+", default=["skipgram"])
    many.add_argument("--archs", nargs="+", default=["cnn"])
    many.add_argument("--backends", nargs="+", default=["torch"])
    many.add_argument("--split", default="kfold", help="kfold (Kim's 10 folds) or holdout")
    many.add_argument(
        "--folds",
        type=_count(1, 10),
        default=None,
        help="k-fold: test folds 0..N-1 (default: the profile's)",
    )
    many.add_argument(
        "--seeds", type=_count(1), default=None, help="seeds 0..N-1 (default: the profile's)"
    )
    many.add_argument("--out", help="write one row per run to this CSV file")
    many.add_argument(
        "--workers", type=_count(1), default=1, help="processes of one thread each (default: 1)"
    )
    many.add_argument("--scheduler", help=_SCHEDULER_HELP)
    many.set_defaults(func=_grid)

    everything = commands.add_parser(
        "study",
        help="train every run the book's chapters use, in parallel; "
        "prints the minutes per chapter (a run two chapters share counts in the first)",
    )
    everything.add_argument(
        "--workers",
        type=_count(1),
        default=os.cpu_count() or 1,
        help="processes of one thread each (default: one per core)",
    )
    everything.add_argument("--scheduler", help=_SCHEDULER_HELP)
    everything.set_defaults(func=_study)

    housekeeping = commands.add_parser(
        "cache",
        help="entries and sizes in the run cache, and how many the book uses (this profile, "
        "VECTORS); 'cache prune' removes the rest",
    )
    housekeeping.add_argument("action", nargs="?", choices=("prune",))
    housekeeping.add_argument(
        "--dry-run", action="store_true", help="with prune: list what would go, remove nothing"
    )
    housekeeping.set_defaults(func=_cache)

    export = commands.add_parser(
        "export-vectors", help="fine-tuned vectors of a cached run -> a new word2vec file"
    )
    export.add_argument("run_id")
    export.add_argument("out")
    export.set_defaults(func=_export)

    model = commands.add_parser(
        "export-model", help="a cached run's model -> a folder that loads without the cache"
    )
    model.add_argument("run_id")
    model.add_argument("folder")
    model.set_defaults(func=_export_model)

    notebooks = commands.add_parser(
        "notebooks", help="every chapter as a Jupyter notebook that installs this package first"
    )
    notebooks.add_argument("folder")
    notebooks.add_argument(
        "--config", default="_config.yml", help="a book configuration with repository.url"
    )
    notebooks.set_defaults(func=_notebooks)

    chapters = commands.add_parser(
        "chapters",
        help="execute the chapters not executed yet, one kernel per core, into the cache "
        "jupyter-book build reads (make book runs it before the build)",
    )
    chapters.add_argument("root", nargs="?", default=".", help="the book (its _toc.yml)")
    chapters.add_argument("--output", help="the build's --path-output, if it has one")
    chapters.set_defaults(func=_chapters)

    predict = commands.add_parser(
        "predict", help="label texts with a run's model (a run id or an exported folder)"
    )
    predict.add_argument("model", help="run id, or a folder written by export-model")
    predict.add_argument("texts", nargs="+", help="one or more texts")
    predict.set_defaults(func=_predict)
    return parser


if __name__ == "__main__":
    sys.exit(main())
