"""Fit the segmentation weights (tasks/ingest/data/segment_weights.json) on the `fit` gold pages.

A softmax over every possible boundary of a page (the changepoint decoder of
tasks/ingest/segment.py scores each one linearly), fitted by maximizing the gold boundary's
likelihood with L2. Then the "no split" margin: how far the best boundary must score above "no
comments" before a page is split, chosen by cross-validation on `fit` so that pages without
comments (half the gold pages, and many real news pages) are not split on weak evidence.
Only the `fit` part of the gold pages is read (benchmarks/gold_split.py); `check` stays unseen.
    python benchmarks/train_segmenter.py --gold ../shared/gold [--out tasks/ingest/data/segment_weights.json]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.gold_split import part_of  # noqa: E402
from tasks.ingest.segment import BOUNDARY_FEATURES, candidate_vectors, decode  # noqa: E402

MARGINS = [m / 4 for m in range(0, 41)]
"""Candidate "no split" margins, in score units (0 to 10)."""


def load_pages(gold: Path, part: str = "fit"):
    pages = []
    for line in (gold / "segmentation" / "labels.jsonl").read_text().splitlines():
        label = json.loads(line)
        if part_of(label["file"]) != part:
            continue
        text = (gold / "segmentation" / "pages" / label["file"]).read_text(encoding="utf-8")
        paragraphs = [p for p in text.split("\n") if p.strip()]
        pages.append((label["file"], candidate_vectors(paragraphs), label["article_paragraphs"]))
    return pages


def fit(pages, l2: float = 0.01, steps: int = 3000, lr: float = 0.2):
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


def outcomes(pages, w, margin: float) -> tuple[int, int]:
    """(pages right, article-only pages split) under weights w and a no-split margin."""
    right = false_splits = 0
    for _, v, gold in pages:
        k = decode(v, w, margin)
        right += k == gold
        false_splits += gold == len(v) and k < len(v)
    return right, false_splits


def article_of(name: str) -> str:
    return name.rsplit("_", 1)[0]


def cross_validated(pages, folds: int = 4):
    """Per margin, (pages right, false splits) over `folds` folds by article (a page's versions
    with and without comments stay in one fold), each fold scored by weights fitted on the others."""
    articles = sorted({article_of(name) for name, _, _ in pages})
    totals = {m: [0, 0] for m in MARGINS}
    for f in range(folds):
        held = set(articles[f::folds])
        w = fit([p for p in pages if article_of(p[0]) not in held], steps=1500)
        test = [p for p in pages if article_of(p[0]) in held]
        for m in MARGINS:
            right, false_splits = outcomes(test, w, m)
            totals[m][0] += right
            totals[m][1] += false_splits
    return totals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", type=Path, default=Path("../shared/gold"))
    ap.add_argument("--out", type=Path, default=Path("tasks/ingest/data/segment_weights.json"))
    args = ap.parse_args()
    pages = load_pages(args.gold, "fit")
    n_none = sum(gold == len(v) for _, v, gold in pages)
    print(f"fit pages: {len(pages)} ({n_none} without comments)")
    totals = cross_validated(pages)
    for m in MARGINS[::4]:
        print(f"  margin {m:4.1f}: cross-validated accuracy {totals[m][0] / len(pages):.3f}, "
              f"false splits {totals[m][1]} of {n_none}")
    # The most accurate margin; among equals, the one with fewest false splits, then the middle of
    # the run of equal margins (robust to where exactly the boundary lies).
    best = max(totals[m][0] - 0.5 * totals[m][1] for m in MARGINS)
    tied = [m for m in MARGINS if totals[m][0] - 0.5 * totals[m][1] == best]
    margin = tied[len(tied) // 2]
    print(f"chosen no-split margin {margin} (cross-validated accuracy {totals[margin][0] / len(pages):.3f}, "
          f"false splits {totals[margin][1]})")
    w = fit(pages)
    right, false_splits = outcomes(pages, w, margin)
    print(f"fitted on all {len(pages)} fit pages: accuracy {right / len(pages):.3f}, false splits {false_splits}")
    args.out.write_text(json.dumps({
        "weights": {name: round(v, 4) for name, v in zip(BOUNDARY_FEATURES, w)},
        "no_split_margin": margin,
        "trained_on": "the fit part of gold/segmentation (development half), by benchmarks/train_segmenter.py",
    }, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
