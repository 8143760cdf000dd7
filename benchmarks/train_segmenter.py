"""Fit the segmentation weights (tasks/data/segment_weights.json) on gold pages.

An averaged structured perceptron over the changepoint decoder of tasks/segment.py: for each page
the decoder's boundary is compared with the gold one and the weights move toward the gold
boundary's features. Prints a two-fold cross-validated accuracy first (an estimate of what a
held-out set will show), then fits on every page and writes the weights.
    python benchmarks/train_segmenter.py --gold ../shared/gold [--out tasks/data/segment_weights.json]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tasks.segment import BOUNDARY_FEATURES, candidate_vectors  # noqa: E402


def load_pages(gold: Path):
    pages = []
    for line in (gold / "segmentation" / "labels.jsonl").read_text().splitlines():
        label = json.loads(line)
        text = (gold / "segmentation" / "pages" / label["file"]).read_text(encoding="utf-8")
        paragraphs = [p for p in text.split("\n") if p.strip()]
        pages.append((label["file"], candidate_vectors(paragraphs), label["article_paragraphs"]))
    return pages


def decode(vectors, w):
    scores = [sum(a * b for a, b in zip(w, v)) for v in vectors]
    return max(range(len(scores)), key=lambda i: (scores[i], i)) + 1


def fit(pages, epochs: int = 60, seed: int = 13):
    dim = len(BOUNDARY_FEATURES)
    w, total, steps = [0.0] * dim, [0.0] * dim, 0
    order = list(pages)
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        for _, vectors, gold in order:
            pred = decode(vectors, w)
            if pred != gold:
                g, p = vectors[gold - 1], vectors[pred - 1]
                w = [wi + gi - pi for wi, gi, pi in zip(w, g, p)]
            total = [t + wi for t, wi in zip(total, w)]
            steps += 1
    return [t / steps for t in total]


def accuracy(pages, w):
    return sum(decode(v, w) == gold for _, v, gold in pages) / len(pages)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", type=Path, default=Path("../shared/gold"))
    ap.add_argument("--out", type=Path, default=Path("tasks/data/segment_weights.json"))
    args = ap.parse_args()
    pages = load_pages(args.gold)
    # Pages come in pairs (the same article with and without comments): fold by article, not page.
    articles = sorted({name.rsplit("_", 1)[0] for name, _, _ in pages})
    half = set(articles[::2])
    a = [p for p in pages if p[0].rsplit("_", 1)[0] in half]
    b = [p for p in pages if p[0].rsplit("_", 1)[0] not in half]
    cv = (accuracy(b, fit(a)) * len(b) + accuracy(a, fit(b)) * len(a)) / len(pages)
    print(f"two-fold cross-validated boundary accuracy: {cv:.3f}")
    w = fit(pages)
    print(f"fitted on all {len(pages)} pages: boundary accuracy {accuracy(pages, w):.3f}")
    args.out.write_text(json.dumps({
        "weights": {name: round(v, 4) for name, v in zip(BOUNDARY_FEATURES, w)},
        "trained_on": "gold/segmentation (development half) by benchmarks/train_segmenter.py",
    }, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
