"""w2vcnn: how to fine-tune word2vec vectors inside a CNN text classifier, measured.

Chapters of the book import this one package; every reusable step lives here.
"""

from . import embeddings, experiments, grids, stats, study, word2vec_format
from ._io import DataError, data_dir, sha256_file
from .corpus import Corpus, brown_sentences, pretraining_corpus
from .data import known_datasets, load_dataset
from .predict import TrainedModel, export_model, load_model
from .protocol import describe
from .splits import Dataset
from .text import Vocab, batches, clean_str, tokenize

__all__ = [
    "Corpus",
    "DataError",
    "Dataset",
    "TrainedModel",
    "Vocab",
    "batches",
    "brown_sentences",
    "clean_str",
    "data_dir",
    "describe",
    "embeddings",
    "experiments",
    "export_model",
    "grids",
    "known_datasets",
    "load_dataset",
    "load_model",
    "pretraining_corpus",
    "sha256_file",
    "stats",
    "study",
    "tokenize",
    "word2vec_format",
]
__version__ = "0.1.0"
