"""Write N seed files of real text for benchmarks.

    python benchmarks/corpus.py N DIR [--gold ../shared/gold] [--seed 7] [--start 0]

Articles are built from the gold article texts (WikiEvents, GUM, Globe and Mail article
paragraphs) and reader comments from the gold comment paragraphs; each file takes a different
window of paragraphs and a numbered title in its front matter, so every file has its own content
hash. --start numbers the files, so a later call adds new files next to earlier ones.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path


def gold_paragraphs(gold: Path) -> tuple[list[str], list[str]]:
    articles, comments = [], []
    for p in sorted((gold / "events" / "docs").glob("*.txt")) + sorted((gold / "entities" / "gum").glob("*.txt")):
        articles += [line.strip() for line in p.read_text(encoding="utf-8").splitlines() if len(line.split()) >= 12]
    for line in (gold / "segmentation" / "labels.jsonl").read_text().splitlines():
        label = json.loads(line)
        lines = [x for x in (gold / "segmentation" / "pages" / label["file"]).read_text(encoding="utf-8").splitlines() if x.strip()]
        articles += lines[:label["article_paragraphs"]]
        comments += lines[label["article_paragraphs"]:]
    return articles, comments


def write_corpus(n: int, out: Path, gold: Path, seed: int = 7, start: int = 0) -> list[Path]:
    articles, comments = gold_paragraphs(gold)
    rng = random.Random(seed + start)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        k = rng.randint(4, 8)
        first = rng.randrange(0, len(articles) - k)
        body = articles[first:first + k]
        chosen = rng.sample(comments, rng.randint(2, 6))
        day = 1 + i % 28
        text = (f"---\ntitle: Benchmark page {i}\npublished_at: 2024-03-{day:02d}T09:00:00Z\n---\n"
                + "\n".join(body) + "\nComments\n" + "\n".join(chosen) + "\n")
        path = out / f"page_{i:06d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--gold", type=Path, default=Path("../shared/gold"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--start", type=int, default=0)
    args = ap.parse_args()
    paths = write_corpus(args.n, args.dir, args.gold, args.seed, args.start)
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in paths)
    print(f"wrote {len(paths)} seed files ({words:,} words) to {args.dir}")


if __name__ == "__main__":
    main()
