"""word2vec training speed on the rt-polarity pretraining corpus: skip-gram vs CBOW.

Prints words/second (raw corpus words, as word2vec.c reports) for 1 and 2 worker threads.
One worker is what the study uses, because only then are the vectors bit-identical per seed.
"""

import os
import sys

from w2vcnn import load_dataset, pretraining_corpus
from w2vcnn.embeddings import train_word2vec


def main() -> None:
    dataset = load_dataset("rt-polarity")
    for sources in (("train", "unlabeled"), ("train", "unlabeled", "brown")):
        corpus = pretraining_corpus(dataset, sources)
        print(
            f"corpus {' + '.join(sources)}: {len(corpus):,} sentences, {corpus.n_tokens:,} tokens; "
            f"300-d, window 5, 5 negatives, 5 epochs, {os.cpu_count()} cores"
        )
        for workers in (1, 2):
            for sg, name in ((1, "skip-gram"), (0, "CBOW")):
                stats = train_word2vec(corpus.sentences, sg=sg, workers=workers).training_stats
                print(
                    f"  {name:9} workers={workers}: {stats.seconds:6.1f} s, "
                    f"{stats.words_per_second:10,.0f} words/s",
                    flush=True,
                )


if __name__ == "__main__":
    sys.exit(main())
