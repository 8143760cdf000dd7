"""What entity and event extraction add on top of spaCy, on the same documents.

    python benchmarks/extraction_cost.py --gold ../shared/gold [--repeat 3]

Times (a) nlp.pipe alone over the gold article texts and (b) entity + event extraction over the
resulting Docs, median of --repeat runs each, and prints (b)/(a).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.nlp.entities import extract_mentions, sentence_starts  # noqa: E402
from tasks.nlp.events import extract_events, load_lexicon  # noqa: E402
from tasks.nlp.gazetteer import load_gazetteer  # noqa: E402
from tasks.nlp.pipeline import build_pipeline  # noqa: E402
from tasks.core.settings import DEFAULT_MODEL  # noqa: E402


def corpus(gold: Path) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((gold / "events" / "docs").glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((gold / "entities" / "gum").glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((gold / "segmentation" / "pages").glob("*.txt"))]
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", type=Path, default=Path("../shared/gold"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    nlp, gaz, lex = build_pipeline(DEFAULT_MODEL), load_gazetteer(), load_lexicon()
    texts = corpus(args.gold)
    spacy_times, extract_times = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        docs = list(nlp.pipe(texts))
        spacy_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for i, doc in enumerate(docs):
            starts = sentence_starts(doc)
            mentions = extract_mentions(doc, str(i), "article", str(i), gaz, starts)
            extract_events(doc, str(i), "article", str(i), mentions, None, starts, lex)
        extract_times.append(time.perf_counter() - t0)
    words = sum(len(t.split()) for t in texts)
    a, b = statistics.median(spacy_times), statistics.median(extract_times)
    print(f"documents: {len(texts)}, words: {words}, runs: {args.repeat} (medians)")
    print(f"spaCy nlp.pipe (with gazetteer ruler): {a:.2f}s ({words / a:,.0f} words/s)")
    print(f"entity + event extraction:             {b:.2f}s")
    print(f"extraction / spaCy: {b / a:.3f}")


if __name__ == "__main__":
    main()
