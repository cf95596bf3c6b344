"""Use a trained run: load its model, label new sentences, export it as a self-contained folder.

``load_model(run_id)`` rebuilds a run's model from the cache (its config, its vocabulary, its best
dev epoch's weights); ``export_model(run_id, folder)`` writes what that needs into a folder, which
``load_model(folder)`` reads without the cache, the dataset or the word vectors. Both backends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._io import DataError, atomic_write
from .models import EMBEDDING_LAYERS, layer_weights
from .text import Vocab, tokenize

EXPORT_FILES = ("config.json", "vocab.json", "labels.json", "weights.npz")


def _set_weights(model, weights: dict[str, np.ndarray], vectors: dict[str, np.ndarray]) -> None:
    """Load ``weights`` (as from :func:`layer_weights`) and the embedding layers' ``vectors``."""
    expected = layer_weights(model)
    missing, unexpected = set(expected) - set(weights), set(weights) - set(expected)
    if missing or unexpected:
        raise DataError(
            f"the stored weights do not fit the model: missing {sorted(missing)}, "
            f"unexpected {sorted(unexpected)}"
        )
    if hasattr(model, "state_dict"):
        import torch

        state = model.state_dict()
        state.update({name: torch.tensor(value) for name, value in weights.items()})
        state.update({f"{layer}.weight": torch.tensor(v) for layer, v in vectors.items()})
        model.load_state_dict(state)
        return
    variables = {v.path: v for v in model.weights}
    for name, value in weights.items():
        variables[name].assign(value)
    for layer, value in vectors.items():
        model.get_layer(layer).set_weights([value])


@dataclass
class TrainedModel:
    """A trained classifier with the tokenizer, vocabulary and labels of its run."""

    model: object  # a torch.nn.Module or a keras.Model
    vocab: Vocab
    label_names: list[str]
    config: object  # the run's RunConfig

    def predict(self, texts: list[str]) -> tuple[list[str], np.ndarray]:
        """The label of each text and the probability of every label, [texts, labels]."""
        from .train import score_batches

        if isinstance(texts, str):
            raise TypeError("predict takes a list of texts, not one string")
        from .neural import encode

        encoded = [encode(self.vocab, tokenize(t), self.config) for t in texts]  # as in training
        logits = score_batches(self._logits, encoded).reshape(len(texts), -1)
        logits = logits - logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return [self.label_names[i] for i in probabilities.argmax(1)], probabilities

    def _logits(self, tokens: np.ndarray) -> np.ndarray:
        if hasattr(self.model, "state_dict"):
            import torch

            self.model.eval()
            with torch.no_grad():
                return self.model(torch.from_numpy(tokens)).numpy()
        return np.asarray(self.model(tokens, training=False))


def load_model(source: str | Path, vectors: str = "trained") -> TrainedModel:
    """The model of a finished run: ``source`` is its run id (read from the cache) or a folder
    written by :func:`export_model`. ``vectors="initial"`` puts the word vectors the run started
    from back in place of its fine-tuned ones, every other weight as trained (from the cache
    only): what accuracy the drift carries (:func:`w2vcnn.drift.swap_back`)."""
    if vectors not in ("trained", "initial"):
        raise ValueError(f"vectors must be 'trained' or 'initial', got {vectors!r}")
    folder = Path(source)
    if folder.is_dir():
        if vectors != "trained":
            raise ValueError(f"{folder} holds the trained vectors only: load the run id instead")
        return _load_folder(folder)
    from .experiments import build_classifier, load_result, prepared_run

    result = load_result(str(source))
    if result.config.arch not in ("cnn", "cbow"):
        raise DataError(f"run {source} is a {result.config.arch} baseline: no model to load")
    stored = result.arrays()
    weights = {k.split("/", 1)[1]: v for k, v in stored.items() if k.startswith("weights/")}
    if not weights:
        raise DataError(f"run {source} was cached without its weights: run it again to load it")
    prepared = prepared_run(result.config)
    initial = final = prepared.matrix  # a frozen run stores no vectors: they are its initial ones
    if "initial" in stored:
        words, initial, final = result.embeddings()
        if words != prepared.vocab.itos:
            raise DataError(f"run {source}'s vocabulary differs from its dataset's today")
    model = build_classifier(result.config, initial, prepared.dataset.n_classes)
    _set_weights(model, weights, {"embedding": final if vectors == "trained" else initial})
    return TrainedModel(model, prepared.vocab, prepared.dataset.label_names, result.config)


def export_model(run_id: str, folder: str | Path) -> Path:
    """Write run ``run_id``'s model to ``folder`` (created): its config, vocabulary, label names
    and weights, word vectors included. :func:`load_model` reads it without the cache."""
    import dataclasses

    trained = load_model(run_id)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vectors = {f"vectors/{layer}": v for layer, v in _embeddings(trained.model).items()}
    weights = {f"weights/{k}": v for k, v in layer_weights(trained.model).items()}
    texts = {
        "config.json": dataclasses.asdict(trained.config),
        "vocab.json": {"words": trained.vocab.itos, "n_train_words": trained.vocab.n_train_words},
        "labels.json": trained.label_names,
    }
    for name, content in texts.items():
        with atomic_write(folder / name, "w") as out:
            json.dump(content, out, indent=1)
    with atomic_write(folder / "weights.npz", "wb") as out:
        np.savez(out, **vectors, **weights)
    return folder


def _embeddings(model) -> dict[str, np.ndarray]:
    """The word vectors of each embedding layer the model's mode has, by layer name."""
    if hasattr(model, "state_dict"):
        return {
            layer: getattr(model, layer).weight.detach().cpu().numpy().copy()
            for layer in EMBEDDING_LAYERS
            if getattr(model, layer, None) is not None
        }
    present = {layer.name for layer in model.layers}
    return {
        name: model.get_layer(name).get_weights()[0] for name in EMBEDDING_LAYERS if name in present
    }


def _load_folder(folder: Path) -> TrainedModel:
    from .experiments import RunConfig, build_classifier

    for name in EXPORT_FILES:
        if not (folder / name).is_file():
            raise DataError(f"{folder / name} is missing: not a folder written by export_model")
    try:
        config = RunConfig.from_record(json.loads((folder / "config.json").read_text()))
        vocabulary = json.loads((folder / "vocab.json").read_text())
        label_names = json.loads((folder / "labels.json").read_text())
        with np.load(folder / "weights.npz", allow_pickle=False) as stored:
            arrays = dict(stored)
    except (ValueError, TypeError, KeyError, OSError) as err:
        raise DataError(f"{folder} holds a damaged model ({err})") from err
    vocab = Vocab.from_words(vocabulary["words"], vocabulary["n_train_words"])
    vectors = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("vectors/")}
    weights = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("weights/")}
    if len(vectors.get("embedding", ())) != len(vocab):
        raise DataError(f"{folder}: the vocabulary and the word vectors differ in size")
    model = build_classifier(config, vectors["embedding"], len(label_names))
    _set_weights(model, weights, vectors)
    return TrainedModel(model, vocab, label_names, config)
