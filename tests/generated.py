"""Generated datasets in the layouts a reader brings (no text copied from anywhere): sentences of
common words with a few cue words of their class, so that every model learns something in a
couple of epochs and word2vec finds every word often enough."""

from __future__ import annotations

from pathlib import Path

import numpy as np

COMMON = (
    "the a of and to in is it that this was for on with as but at by from so very just one all "
    "more about what there when which their out up some would even time only than most also much "
    "well still into after over never before story people made back little first way man life "
    "new old long right own work world great real last same big place thing end part year day"
).split()
CUES = {
    "sport": "match goal team coach season league player score win stadium".split(),
    "food": "dinner recipe taste kitchen bread sauce spicy cheese soup chef".split(),
    "travel": "flight hotel beach island journey train passport city map luggage".split(),
    "pos": "good great fine lovely brilliant moving funny charming superb warm".split(),
    "neg": "bad dull boring awful tedious flat weak mess clumsy stale".split(),
}


def sentences(label: str, n: int, seed: int) -> list[str]:
    """``n`` sentences of class ``label``: 8-16 common words and 2 cues, one in ten of them a
    cue of another class (so that no model is perfect)."""
    rng = np.random.default_rng([seed, len(label), ord(label[0])])
    others = [w for c, ws in CUES.items() if c != label for w in ws]
    out = []
    for _ in range(n):
        words = list(rng.choice(COMMON, size=rng.integers(8, 17)))
        for _ in range(2):
            pool = others if rng.random() < 0.1 else CUES[label]
            words.insert(int(rng.integers(0, len(words) + 1)), str(rng.choice(pool)))
        out.append(" ".join(words) + " .")
    return out


def topics_csv(path: Path, per_class: int = 200, seed: int = 0) -> Path:
    """A CSV (text, label) of three classes, sport / food / travel: multi-class, no given split."""
    rows = [(s, c) for c in ("sport", "food", "travel") for s in sentences(c, per_class, seed)]
    order = np.random.default_rng(seed).permutation(len(rows))
    lines = ["text,label"] + [f'"{rows[i][0]}",{rows[i][1]}' for i in order]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def mr_folder(path: Path, per_class: int = 300, seed: int = 0) -> Path:
    """A folder in the layout of Pang & Lee's sentence polarity data (Kim's MR): one sentence per
    line in ``rt-polarity.pos`` and ``rt-polarity.neg``, cp1252."""
    path.mkdir(parents=True, exist_ok=True)
    for label in ("pos", "neg"):
        text = "\n".join(sentences(label, per_class, seed)) + "\n"
        (path / f"rt-polarity.{label}").write_bytes(text.encode("cp1252"))
    return path


def trec_folder(path: Path, per_class: int = 60, seed: int = 0) -> Path:
    """A folder in the layout of Li & Roth's TREC questions: ``train_5500.label`` and
    ``TREC_10.label`` (its given split), ``COARSE:fine text`` lines, three classes."""
    path.mkdir(parents=True, exist_ok=True)
    coarse = {"sport": "HUM", "food": "ENTY", "travel": "LOC"}
    lines = [f"{coarse[c]}:other {s}" for c in coarse for s in sentences(c, per_class, seed)]
    order = np.random.default_rng(seed).permutation(len(lines))
    test = set(order[: len(lines) // 5].tolist())
    for name, keep in (("train_5500.label", False), ("TREC_10.label", True)):
        chosen = [lines[i] for i in range(len(lines)) if (i in test) == keep]
        (path / name).write_text("\n".join(chosen) + "\n", encoding="latin-1")
    return path
