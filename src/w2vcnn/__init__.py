"""w2vcnn: how to fine-tune word2vec vectors inside a CNN text classifier, measured.

Chapters of the book import this one package; every reusable step lives here.

The names below are imported when first used (PEP 562): ``import w2vcnn`` alone took 2.5 s,
1.8 of them gensim's, in every process that only schedules, lists or checks (the study's driver,
``python -m w2vcnn cache``, each ``make book`` step).
"""

import importlib

# name -> the module that defines it; a module of the package is listed as itself
_WHERE = {
    "Corpus": "corpus",
    "DataError": "_io",
    "Dataset": "splits",
    "TrainedModel": "predict",
    "Vocab": "text",
    "batches": "text",
    "brown_sentences": "corpus",
    "clean_str": "text",
    "data_dir": "_io",
    "describe": "protocol",
    "embeddings": "embeddings",
    "experiments": "experiments",
    "export_model": "predict",
    "grids": "grids",
    "known_datasets": "data",
    "load_dataset": "data",
    "load_model": "predict",
    "pretraining_corpus": "corpus",
    "sha256_file": "_io",
    "stats": "stats",
    "study": "study",
    "tokenize": "text",
    "word2vec_format": "word2vec_format",
}
__all__ = sorted(_WHERE)
__version__ = "0.1.0"


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f".{_WHERE[name]}", __name__)
    value = module if _WHERE[name] == name else getattr(module, name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
