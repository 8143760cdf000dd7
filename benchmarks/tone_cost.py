"""What tone adds to a run, on the documents a run analyses.

    python benchmarks/tone_cost.py [--n 200] [--repeat 3] [--gold ../shared/gold]

Writes --n seed files with benchmarks/corpus.py (the corpus benchmarks/throughput.py runs on),
parses them as a run does, and times over the same articles and comments, median of --repeat:
  (a) the analysis without tone: spaCy, the gazetteer ruler, newsflow_entities, newsflow_events,
      and the rows (mention_rows, event_rows);
  (b) tone alone: the newsflow_tone component over those Docs plus its columns (doc_values:
      document tone, comment toxicity and constructiveness; sentiment keys in the mention rows).
(b)/(a) bounds what tone adds to the end-to-end time from above: a run spends (a) and more
(parsing, Parquet, Great Expectations, DuckDB), and (b) the same.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.accuracy_tone import _seed  # noqa: E402
from benchmarks.corpus import write_corpus  # noqa: E402
from tasks.core.settings import DEFAULT_MODEL  # noqa: E402
from tasks.ingest.batch import parse_batch  # noqa: E402
from tasks.nlp.pipeline import build_pipeline  # noqa: E402
from tasks.nlp.rows import doc_values, event_rows, mention_rows  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--gold", type=Path, default=ROOT.parent / "shared" / "gold")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        seeds = write_corpus(args.n, Path(work) / "corpus", args.gold)
        parsed = parse_batch([_seed(p) for p in seeds], "cost", datetime.now(timezone.utc), 2**30, Path(work) / "q")
    docs = parsed.docs
    nlp = build_pipeline(DEFAULT_MODEL)
    tone = nlp.get_pipe("newsflow_tone")
    without, with_tone = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        with nlp.select_pipes(disable=["newsflow_tone"]):
            analysed = list(nlp.pipe((d.text for d in docs), batch_size=64))
        for meta, doc in zip(docs, analysed):
            mention_rows(doc, meta)
            event_rows(doc, meta)
        without.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for meta, doc in zip(docs, analysed):
            doc_values([tone(doc)], meta.doc_kind)
        with_tone.append(time.perf_counter() - t0)
    a, b = statistics.median(without), statistics.median(with_tone)
    words = sum(len(d.text.split()) for d in docs)
    comments = sum(1 for d in docs if d.doc_kind == "comment")
    print(f"{args.n} seed files: {len(docs)} documents ({comments} comments), {words:,} words; medians of {args.repeat}")
    print(f"(a) analysis without tone (spaCy + entities + events + rows): {a:.2f}s")
    print(f"(b) tone (newsflow_tone + doc_values):                        {b:.2f}s")
    print(f"tone adds {100 * b / a:.1f}% to the analysis, so at most that to the end-to-end run")


if __name__ == "__main__":
    main()
