"""What entity and event extraction add on top of spaCy, on the same documents.

    python benchmarks/extraction_cost.py --gold ../shared/gold [--repeat 3]

Times (a) the spaCy model with the gazetteer's entity ruler and (b) newsflow's own components
(canonicalization, events, ...) plus row building, over the gold texts, median of --repeat runs
each, and prints (b)/(a).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.core.settings import DEFAULT_MODEL  # noqa: E402
from tasks.ingest.documents import Doc  # noqa: E402
from tasks.nlp.pipeline import COMPONENTS, build_pipeline  # noqa: E402
from tasks.nlp.rows import event_rows, mention_rows  # noqa: E402


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
    nlp = build_pipeline(DEFAULT_MODEL)
    ours = [name for name in nlp.pipe_names if name in COMPONENTS]
    texts = corpus(args.gold)
    spacy_times, extract_times = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        with nlp.select_pipes(disable=ours):
            docs = list(nlp.pipe(texts))
        spacy_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for i, doc in enumerate(docs):
            for name in ours:
                doc = nlp.get_pipe(name)(doc)
            meta = Doc(str(i), "article", str(i), doc.text, None)
            mention_rows(doc, meta)
            event_rows(doc, meta)
        extract_times.append(time.perf_counter() - t0)
    words = sum(len(t.split()) for t in texts)
    a, b = statistics.median(spacy_times), statistics.median(extract_times)
    print(f"documents: {len(texts)}, words: {words}, runs: {args.repeat} (medians)")
    print(f"spaCy nlp.pipe (with gazetteer ruler): {a:.2f}s ({words / a:,.0f} words/s)")
    print(f"newsflow components + rows ({', '.join(ours)}): {b:.2f}s")
    print(f"extraction / spaCy: {b / a:.3f}")


if __name__ == "__main__":
    main()
