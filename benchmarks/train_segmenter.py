"""Fit the segmentation weights (tasks/ingest/data/segment_weights.json) on gold pages.

A softmax over every possible boundary of a page (the changepoint decoder of tasks/segment.py
scores each one linearly), fitted by maximizing the gold boundary's likelihood with L2. Prints
two estimates of what a held-out set will show first (two-fold and leave-one-article-out
cross-validation), then fits on every page and writes the weights.
    python benchmarks/train_segmenter.py --gold ../shared/gold [--out tasks/ingest/data/segment_weights.json]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tasks.ingest.segment import BOUNDARY_FEATURES, candidate_vectors  # noqa: E402


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


def fit(pages, l2: float = 0.001, steps: int = 3000, lr: float = 0.2):
    """Conditional log-likelihood of the gold boundary under a softmax over all boundaries
    (a one-split linear-chain model), L2-regularized, by gradient ascent."""
    import numpy as np

    dim = len(BOUNDARY_FEATURES)
    mats = [(np.array(v), gold - 1) for _, v, gold in pages]
    w = np.zeros(dim)
    for _ in range(steps):
        grad = -l2 * w
        for phi, g in mats:
            scores = phi @ w
            p = np.exp(scores - scores.max())
            p /= p.sum()
            grad += (phi[g] - p @ phi) / len(mats)
        w += lr * grad
    return w.tolist()


def accuracy(pages, w):
    return sum(decode(v, w) == gold for _, v, gold in pages) / len(pages)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", type=Path, default=Path("../shared/gold"))
    ap.add_argument("--out", type=Path, default=Path("tasks/ingest/data/segment_weights.json"))
    args = ap.parse_args()
    pages = load_pages(args.gold)
    # Pages come in pairs (the same article with and without comments): fold by article, not page.
    articles = sorted({name.rsplit("_", 1)[0] for name, _, _ in pages})
    half = set(articles[::2])
    a = [p for p in pages if p[0].rsplit("_", 1)[0] in half]
    b = [p for p in pages if p[0].rsplit("_", 1)[0] not in half]
    cv = (accuracy(b, fit(a)) * len(b) + accuracy(a, fit(b)) * len(a)) / len(pages)
    print(f"two-fold cross-validated boundary accuracy: {cv:.3f}")
    # Leave one article out: each model is fitted on nearly all pages, as the shipped one is.
    right = 0
    for held in articles:
        rest = [p for p in pages if p[0].rsplit("_", 1)[0] != held]
        w = fit(rest, steps=1500)
        right += sum(decode(v, w) == gold for name, v, gold in pages if name.rsplit("_", 1)[0] == held)
    print(f"leave-one-article-out boundary accuracy: {right / len(pages):.3f}")
    w = fit(pages)
    print(f"fitted on all {len(pages)} pages: boundary accuracy {accuracy(pages, w):.3f}")
    args.out.write_text(json.dumps({
        "weights": {name: round(v, 4) for name, v in zip(BOUNDARY_FEATURES, w)},
        "trained_on": "gold/segmentation (development half) by benchmarks/train_segmenter.py",
    }, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
