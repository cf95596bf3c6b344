"""Kim (2014)'s CNN and a supervised CBOW in PyTorch.

Both models take token ids, int64 [batch, length] right-padded with 0 (see
:mod:`w2vcnn.text`), and return logits [batch, n_classes]. They share
:class:`WordVectorClassifier`: the embedding channels of the mode, dropout and
the output layer; each subclass only says how a sentence becomes a feature
vector.

The optimizer is the trainer's: note that ``torch.optim.Adadelta`` defaults to
lr=1.0, rho=0.9 (Kim used rho=0.95), while Keras's Adadelta defaults to
learning_rate=0.001.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..text import Vocab
from . import ARCHITECTURES, MODES, check_choice
from .conv_max import conv_max_over_time

PAD = Vocab.pad_index


def pretrained_embedding(embeddings: np.ndarray, freeze: bool) -> nn.Embedding:
    """An embedding layer holding its own copy of ``embeddings``."""
    # torch.tensor always copies. torch.from_numpy would share memory with the
    # caller's array, and from_pretrained wraps the tensor it is given, so
    # fine-tuning would silently rewrite the caller's matrix -- and gensim's
    # KeyedVectors in RAM, if the matrix is a view of them.
    weight = torch.tensor(embeddings, dtype=torch.float32)
    # padding_idx: the pad row gets no gradient, so it stays zero, as Kim's code
    # re-zeroes it after every update. (It matters for the CNN, whose filters
    # see the pads of short sentences.)
    return nn.Embedding.from_pretrained(weight, freeze=freeze, padding_idx=PAD)


class WordVectorClassifier(nn.Module):
    """Embedding channels -> ``features`` -> dropout -> linear logits.

    ``features`` is defined by a subclass. ``embedding`` is the channel a mode
    may fine-tune (it is frozen only in ``static``); ``multichannel`` adds
    ``static_embedding``, a frozen copy of the same pretrained vectors.
    """

    def __init__(
        self,
        embeddings: np.ndarray,
        mode: str,
        n_features: int,
        n_classes: int,
        dropout: float,
        max_norm: float | None = 3.0,
    ):
        super().__init__()
        check_choice("mode", mode, MODES)
        if np.ndim(embeddings) != 2:
            raise ValueError(
                "embeddings must be a [vocab, dim] matrix, "
                f"not {np.shape(embeddings)}"
            )
        self.mode = mode
        self.embedding = pretrained_embedding(
            embeddings, freeze=(mode == "static")
        )
        self.static_embedding = (
            pretrained_embedding(embeddings, freeze=True)
            if mode == "multichannel"
            else None
        )
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(n_features, n_classes)
        self.max_norm = max_norm

    @property
    def n_channels(self) -> int:
        return 1 if self.static_embedding is None else 2

    def channels(self, tokens: torch.Tensor) -> list[torch.Tensor]:
        """The word vectors of each channel, each [batch, length, dim].

        The fine-tuned channel comes first.
        """
        vectors = [self.embedding(tokens)]
        if self.static_embedding is not None:
            vectors.append(self.static_embedding(tokens))
        return vectors

    def features(self, tokens: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.output(self.dropout(self.features(tokens)))

    @torch.no_grad()
    def apply_max_norm(self) -> None:
        """Kim's l2 constraint on the output layer.

        Rescales each class's weight vector to norm <= ``max_norm``. The output
        weight is [n_classes, n_features], so a class's vector is a row
        (``dim=0`` in ``renorm_``). The trainer calls it after every optimizer
        step, as Kim's code does (Keras applies its ``MaxNorm`` constraint at
        the same moment). ``max_norm=None`` switches it off.
        """
        if self.max_norm is not None:
            self.output.weight.renorm_(p=2, dim=0, maxnorm=self.max_norm)

    def embedding_matrix(self) -> np.ndarray:
        """The fine-tuned channel's current vectors, [vocab, dim], as a copy."""
        # .numpy() of a CPU tensor shares its memory: without the copy, a
        # snapshot taken before training would change as training goes on.
        return self.embedding.weight.detach().cpu().numpy().copy()


class KimCNN(WordVectorClassifier):
    """``feature_maps`` filters of each width in ``windows``, ReLU, max over
    time.

    Question 1 shows this class's source; every PyTorch CNN of the book is one.
    """

    def __init__(
        self,
        embeddings: np.ndarray,
        n_classes: int,
        mode: str,
        windows: tuple[int, ...] = (3, 4, 5),
        feature_maps: int = 100,
        dropout: float = 0.5,
        max_norm: float | None = 3.0,
    ):
        n_features = feature_maps * len(windows)
        super().__init__(
            embeddings, mode, n_features, n_classes, dropout, max_norm
        )
        dim = np.shape(embeddings)[1]
        # A filter spans `window` whole word vectors of every channel.
        # Convolving the channels concatenated along the vector
        # ([batch, 2 * dim, length]) gives each filter separate weights for the
        # static and the fine-tuned vectors and adds the two results: exactly
        # Kim's two-channel convolution (a Conv2d with in_channels=2 and a
        # window x dim kernel), but Conv1d runs several times faster on CPU.
        # Named as in Keras: conv3, conv4, conv5.
        self.convs = nn.ModuleDict(
            {
                f"conv{window}": nn.Conv1d(
                    self.n_channels * dim, feature_maps, window
                )
                for window in windows
            }
        )

    def features(self, tokens: torch.Tensor) -> torch.Tensor:
        # No mask: the batcher pads every sentence to at least the widest
        # window, and pads are zeros. x: [batch, length, channels * dim].
        x = torch.cat(self.channels(tokens), dim=2)
        # Each conv gives [batch, feature_maps, length - window + 1]; max over
        # time leaves [batch, feature_maps]. conv_max_over_time computes
        #   torch.cat([conv(x.transpose(1, 2)).max(dim=2).values
        #              for conv in self.convs.values()], dim=1)
        # in one matrix product with a sparse backward, several times faster
        # on a CPU (tested equal). ReLU after the max: the same numbers (ReLU
        # never changes which value is largest), on 1/length of the values.
        return F.relu(conv_max_over_time(x, self.convs.values()))


class CBOWClassifier(WordVectorClassifier):
    """fastText-style supervised CBOW: the mean of the sentence's word vectors.

    Used in questions 2 and 3. In ``multichannel`` the two channels' means are
    concatenated rather than added, so the output layer weighs static and
    fine-tuned vectors separately -- as the CNN's two-channel filters do.
    """

    def __init__(
        self,
        embeddings: np.ndarray,
        n_classes: int,
        mode: str,
        dropout: float = 0.5,
        max_norm: float | None = 3.0,
    ):
        n_channels = 2 if mode == "multichannel" else 1
        super().__init__(
            embeddings,
            mode,
            n_channels * np.shape(embeddings)[1],
            n_classes,
            dropout,
            max_norm,
        )

    def features(self, tokens: torch.Tensor) -> torch.Tensor:
        # Average over the real words only, so padding a sentence further does
        # not change its mean.
        is_word = (tokens != PAD).unsqueeze(2).float()  # [batch, length, 1]
        # clamp: a sentence of pads only gets zeros, not NaN
        n_words = is_word.sum(dim=1).clamp(min=1)
        means = [
            (vectors * is_word).sum(dim=1) / n_words
            for vectors in self.channels(tokens)
        ]
        return torch.cat(means, dim=1)  # [batch, channels * dim]


ARCHITECTURE_CLASSES = {"cnn": KimCNN, "cbow": CBOWClassifier}


def build_model(
    arch: str,
    mode: str,
    embeddings: np.ndarray,
    n_classes: int,
    seed: int | None = None,
    **hyper,
) -> WordVectorClassifier:
    """The ``arch`` class built with ``hyper`` (``windows``,
    ``feature_maps``, ``dropout``, ``max_norm``), after seeding torch."""
    check_choice("architecture", arch, ARCHITECTURES)
    if seed is not None:
        torch.manual_seed(seed)
    return ARCHITECTURE_CLASSES[arch](embeddings, n_classes, mode, **hyper)


def embedding_matrix(model: WordVectorClassifier) -> np.ndarray:
    """The current vectors of the fine-tuned channel.

    Same name as in :mod:`w2vcnn.models.keras`.
    """
    return model.embedding_matrix()
