"""Kim (2014)'s CNN and a supervised CBOW in Keras 3, with the functional API.

The models take token ids, int64 [batch, length] right-padded with 0 (see
:mod:`w2vcnn.text`); any length works, so length-bucketed batches need no fixed
``input_length``. They return logits [batch, n_classes] -- no softmax, so
compile with ``SparseCategoricalCrossentropy(from_logits=True)``. The study
runs (and tests) the TensorFlow backend, Keras's default.

The optimizer is the trainer's, but beware: ``keras.optimizers.Adadelta``
defaults to learning_rate=0.001 (PyTorch's to 1.0; Kim used 1.0). And set
``trainable`` before ``compile()``: changing it afterwards only takes effect at
the next ``compile()``.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from . import ARCHITECTURES, MODES, check_choice


def word_channels(
    tokens, embeddings: np.ndarray, mode: str, mask_zero: bool = False
) -> list:
    """The word vectors of each channel of ``mode``, each [batch, length, dim].

    The fine-tuned channel comes first. The layer named ``embedding`` is the
    channel a mode may fine-tune (frozen only in ``static``); ``multichannel``
    adds ``static_embedding``, a frozen copy of the same pretrained vectors.
    """
    check_choice("mode", mode, MODES)
    if np.ndim(embeddings) != 2:
        raise ValueError(
            "embeddings must be a [vocab, dim] matrix, "
            f"not {np.shape(embeddings)}"
        )
    vocab_size, dim = np.shape(embeddings)

    def embedding(name: str, trainable: bool) -> layers.Embedding:
        # weights= copies the matrix into the layer's variable: the caller's
        # array is never modified.
        return layers.Embedding(
            vocab_size,
            dim,
            weights=[embeddings],
            trainable=trainable,
            mask_zero=mask_zero,
            name=name,
        )

    channels = [embedding("embedding", trainable=(mode != "static"))(tokens)]
    if mode == "multichannel":
        channels.append(embedding("static_embedding", trainable=False)(tokens))
    return channels


def concatenate(tensors: list):
    return tensors[0] if len(tensors) == 1 else layers.Concatenate()(tensors)


def output_layer(
    features, n_classes: int, dropout: float, max_norm: float | None
):
    """Dropout, then a linear layer with Kim's max-norm constraint.

    The layer's per-class weight vectors are kept to l2 norm <= ``max_norm``.
    """
    # Dense's kernel is [features, classes]: axis=0 takes each class's incoming
    # weight vector (Kim's constraint). Keras applies the constraint after every
    # optimizer step.
    constraint = (
        keras.constraints.MaxNorm(max_norm, axis=0)
        if max_norm is not None
        else None
    )
    features = layers.Dropout(dropout)(features)
    return layers.Dense(n_classes, kernel_constraint=constraint, name="output")(
        features
    )


def build_kim_cnn(
    embeddings: np.ndarray,
    n_classes: int,
    mode: str,
    windows: tuple[int, ...] = (3, 4, 5),
    feature_maps: int = 100,
    dropout: float = 0.5,
    max_norm: float | None = 3.0,
    seed: int | None = None,
) -> keras.Model:
    """``feature_maps`` filters of each width in ``windows``, ReLU, max over
    time.

    Question 1 shows this function's source; every Keras CNN of the book is one.
    ``seed`` reseeds Python, NumPy and TensorFlow
    (``keras.utils.set_random_seed``), so the same seed gives the same initial
    weights.
    """
    if seed is not None:
        keras.utils.set_random_seed(seed)
    tokens = keras.Input(shape=(None,), dtype="int64", name="tokens")
    # A Conv1D over the concatenated channels [batch, length, 2 * dim] is Kim's
    # two-channel convolution: each filter has separate weights for the static
    # and the fine-tuned vectors and adds the two results. No mask: the batcher
    # pads to at least the widest window.
    x = concatenate(word_channels(tokens, embeddings, mode))
    # Pads get zero vectors whatever row 0 holds, so row 0 gets no gradient
    # and stays zero: PyTorch's padding_idx (Kim's code re-zeroes the row after
    # every update, which costs a copy of the whole matrix per step).
    x = x * ops.expand_dims(ops.cast(ops.not_equal(tokens, 0), x.dtype), -1)
    pooled = []
    for window in windows:
        maps = layers.Conv1D(feature_maps, window, name=f"conv{window}")(x)
        # max over time: [batch, feature_maps]
        pooled.append(layers.GlobalMaxPooling1D()(maps))
    # ReLU after the max: the same numbers (ReLU never changes which value is
    # largest), on 1/length of the values.
    features = layers.ReLU()(concatenate(pooled))
    logits = output_layer(features, n_classes, dropout, max_norm)
    return keras.Model(tokens, logits, name=f"kim_cnn_{mode}")


def build_cbow(
    embeddings: np.ndarray,
    n_classes: int,
    mode: str,
    dropout: float = 0.5,
    max_norm: float | None = 3.0,
    seed: int | None = None,
) -> keras.Model:
    """fastText-style supervised CBOW: the mean of the sentence's word vectors.

    ``mask_zero=True`` makes ``GlobalAveragePooling1D`` average over the real
    words only. A sentence with no words at all gets NaN (0 / 0), where the
    PyTorch model gets zeros. In ``multichannel`` the two channels' means are
    concatenated, so the output layer weighs them separately. ``seed`` as in
    :func:`build_kim_cnn`.
    """
    if seed is not None:
        keras.utils.set_random_seed(seed)
    tokens = keras.Input(shape=(None,), dtype="int64", name="tokens")
    channels = word_channels(tokens, embeddings, mode, mask_zero=True)
    means = [layers.GlobalAveragePooling1D()(vectors) for vectors in channels]
    logits = output_layer(concatenate(means), n_classes, dropout, max_norm)
    return keras.Model(tokens, logits, name=f"cbow_{mode}")


BUILDERS = {"cnn": build_kim_cnn, "cbow": build_cbow}


def build_model(
    arch: str,
    mode: str,
    embeddings: np.ndarray,
    n_classes: int,
    seed: int | None = None,
    **hyper,
) -> keras.Model:
    """``BUILDERS[arch](embeddings, n_classes, mode, seed=seed, **hyper)``."""
    check_choice("architecture", arch, ARCHITECTURES)
    return BUILDERS[arch](embeddings, n_classes, mode, seed=seed, **hyper)


def embedding_matrix(model: keras.Model) -> np.ndarray:
    """The current vectors of the fine-tuned channel, [vocab, dim].

    That channel is the layer named ``embedding``.
    """
    return model.get_layer("embedding").get_weights()[
        0
    ]  # a copy: later training does not change it
