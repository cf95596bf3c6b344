"""The study's classifiers: PyTorch (:mod:`.torch`) and Keras 3 (:mod:`.keras`).

Two architectures, the same in both backends:

* ``cnn``: Kim (2014)'s CNN -- convolutions of widths 3, 4 and 5 over the word
  vectors, max-over-time pooling, dropout, a linear output layer whose
  per-class weight vectors are kept to norm <= 3.
* ``cbow``: a fastText-style supervised CBOW -- the mean of the sentence's word
  vectors, then a linear layer. The simplest model that can fine-tune word
  vectors, as a baseline for the CNN.

Four embedding modes (Kim's names). The caller always passes a float32 matrix
[vocab, dim] whose row 0 (the pad) is zeros; the models copy it, so the
caller's array is never modified:

* ``rand``: trainable, initialised from the given (random) matrix -- to the
  model, the same as ``non-static``; the difference is only in what the caller
  passes.
* ``static``: the pretrained vectors, frozen.
* ``non-static``: the pretrained vectors, fine-tuned.
* ``multichannel``: two copies of the pretrained vectors, one frozen and one
  fine-tuned.

Both backends return logits (no softmax): train with ``CrossEntropyLoss`` /
``SparseCategoricalCrossentropy(from_logits=True)``.

The backends are imported lazily, so importing PyTorch never imports
TensorFlow and vice versa. Optimizers are the trainer's business, but beware:
Adadelta's defaults differ between the libraries (PyTorch lr=1.0, rho=0.9,
eps=1e-6; Keras learning_rate=0.001, rho=0.95, epsilon=1e-7). Kim used lr=1.0,
rho=0.95, eps=1e-6.
"""

from __future__ import annotations

import numpy as np

from ..choices import ARCHITECTURES, BACKENDS, MODES, check_choice

__all__ = [
    "ARCHITECTURES",
    "BACKENDS",
    "MODES",
    "build_model",
    "check_choice",
    "layer_weights",
]
# the layers that hold word vectors (named alike in both backends)
EMBEDDING_LAYERS = ("embedding", "static_embedding")


def build_model(
    backend: str,
    arch: str,
    mode: str,
    embeddings,
    n_classes: int,
    seed: int | None = None,
    **hyper,
):
    """A ``torch.nn.Module`` or ``keras.Model``: ``arch`` in embedding ``mode``.

    ``hyper`` goes to the backend's constructor (e.g. ``windows``,
    ``feature_maps``, ``dropout``, ``max_norm``). ``seed`` seeds the backend's
    global random state before the weights are drawn.
    """
    check_choice("backend", backend, BACKENDS)
    check_choice("architecture", arch, ARCHITECTURES)
    check_choice("mode", mode, MODES)
    if backend == "torch":
        from . import torch as backend_module
    else:
        from . import keras as backend_module
    return backend_module.build_model(
        arch, mode, embeddings, n_classes, seed=seed, **hyper
    )


def layer_weights(model) -> dict[str, np.ndarray]:
    """Every weight of ``model`` but the word vectors, by name.

    Names are the backend's own, with the same layer names in both:
    ``output.bias`` and ``convs.conv3.weight`` in PyTorch, ``output/bias`` and
    ``conv3/kernel`` in Keras. Runs store them; :func:`w2vcnn.load_model` puts
    them back.
    """
    if hasattr(model, "state_dict"):
        return {
            name: value.detach().cpu().numpy().copy()
            for name, value in model.state_dict().items()
            if name.split(".")[0] not in EMBEDDING_LAYERS
        }
    return {
        v.path: np.asarray(v).copy()
        for v in model.weights
        if v.path.split("/")[0] not in EMBEDDING_LAYERS
    }
