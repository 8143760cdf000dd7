"""Processor seconds the flow's own process spends per stage on one batch (not spaCy's workers).

    python benchmarks/stage_cost.py --gold ../shared/gold --work /tmp/stage_cost [--files 500] [--repeat 3]

The first run writes a corpus (benchmarks/corpus.py) and keeps its parse and analysis in --work;
later runs time only the flow-side stages: parse, tables, parquet, checks, load, search index,
data docs, report (minimum of --repeat runs, time.process_time). Each run's outputs (Parquet rows,
check results, warehouse tables, report page) are fingerprinted, so two versions of the code can be
compared on the same batch (--dump FILE writes the fingerprints)."""
from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import write_corpus  # noqa: E402
from tasks.core.settings import DEFAULT_MODEL  # noqa: E402
from tasks.ingest.batch import parse_batch  # noqa: E402
from tasks.ingest.discover import scan  # noqa: E402


def _seeds(corpus: Path):
    found = scan([str(corpus)], {}, {}, 0.0)
    return sorted(found.new, key=lambda s: s.source_key)


def prepare(args) -> tuple:
    work = Path(args.work)
    cache = work / "analysis.pkl"
    corpus = work / "corpus"
    if not cache.exists():
        corpus.mkdir(parents=True, exist_ok=True)
        write_corpus(args.files, corpus, Path(args.gold))
        parsed = parse_batch(_seeds(corpus), "run-cost", STARTED, 1 << 24, work / "q")
        from tasks.nlp.stage import analyse_docs

        analysis = analyse_docs(parsed.docs, DEFAULT_MODEL, 1)
        cache.write_bytes(pickle.dumps(analysis))
    return corpus, pickle.loads(cache.read_bytes())


STARTED = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _fingerprint(obj) -> str:
    return hashlib.sha256(repr(obj).encode()).hexdigest()[:16]


def one_run(corpus: Path, analysis, work: Path) -> tuple[dict, dict]:
    from tasks.lake import batch_tables, read_lake_table, write_batch
    from tasks.quality.quarantine import batch_records
    from tasks.quality.validate import apply_verdict, build_data_docs, result_rows, validate_tables, warm_up
    from warehouse import load
    from warehouse.db import writer
    from warehouse.report import build_report
    from warehouse.search import update_search_index

    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    wh, lake, quality = out / "w.duckdb", out / "lake", out / "quality"
    warm_up(quality)
    with writer(wh) as con:
        known_ids = load.known_entity_ids(con)
    cost, prints = {}, {}

    def timed(name, fn):
        t = time.process_time()
        value = fn()
        cost[name] = time.process_time() - t
        return value

    seeds = _seeds(corpus)
    parsed = timed("parse", lambda: parse_batch(seeds, "run-cost", STARTED, 1 << 24, work / "q"))
    parsed = parsed.without_failed(analysis.failed, work / "q")
    tables = timed("tables", lambda: batch_tables(parsed.articles, parsed.comments, analysis.mentions,
                                                  analysis.events, analysis.doc_values))
    paths = timed("parquet", lambda: write_batch(tables, lake, "run-cost", 1))
    prints["parquet"] = {t: _fingerprint(read_lake_table(p).to_pylist()) for t, p in paths.items()}
    results = timed("checks", lambda: validate_tables(tables, {d.doc_id: d.text for d in parsed.docs}, known_ids,
                                                      {d.doc_id: d.article_id for d in parsed.docs}, quality_dir=quality))
    prints["checks"] = _fingerprint([(r.name, r.blocking, r.success, r.unexpected_count, r.sample,
                                      sorted(r.failing_articles)) for r in results])
    excluded, rejected, loading = apply_verdict(results, parsed.articles_by_source)
    bad, manifest_rows = batch_records(parsed.quarantined, parsed.loaded, parsed.articles_by_source,
                                       rejected, work / "q", set())

    def load_it():
        with writer(wh) as con:
            counts = load.load_batch(con, run_id="run-cost", batch=1, lake_paths=paths, loaded_sources=loading,
                                     excluded_articles=excluded, manifest_rows=manifest_rows, quarantine_rows=bad,
                                     validation_rows=result_rows(results))
            load.known_entity_ids(con)
            return counts
    prints["load counts"] = timed("load", load_it)
    with writer(wh) as con:
        load.record_run(con, {"run_id": "run-cost", "flow_run_id": "run-cost", "started_at": STARTED,
                              "finished_at": STARTED, "status": "completed", "seeds": str(corpus)})
        timed("search index", lambda: update_search_index(con, "run-cost"))
        # entity_catalog's mode()/arg_max() columns break ties differently from run to run
        # (DuckDB's threads), so only its deterministic columns are compared.
        catalog = con.execute("select entity_id, aliases, n_mentions, n_documents, n_articles "
                              "from entity_catalog order by all").fetchall()
        prints["warehouse entity_catalog"] = _fingerprint(catalog)
        for t in ("articles", "comments", "entities", "events"):
            cols = [r[0] for r in con.execute(f"select column_name from information_schema.columns where table_name='{t}' "
                                              "and column_name not in ('loaded_at', 'ingested_at') order by ordinal_position").fetchall()]
            rows = con.execute(f"select {', '.join(cols)} from {t} order by all").fetchall()
            prints[f"warehouse {t}"] = _fingerprint(rows)
    timed("data docs", lambda: build_data_docs(quality))
    report = timed("report", lambda: build_report(wh, out / "report.html"))
    page = (out / "report.html").read_text(encoding="utf-8")
    import re
    prints["report"] = _fingerprint(re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?(\.\d+)?", "T", page))
    del report
    return cost, prints


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gold", default="../shared/gold")
    ap.add_argument("--work", default="/tmp/stage_cost")
    ap.add_argument("--files", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dump")
    args = ap.parse_args()
    corpus, analysis = prepare(args)
    best, prints = {}, None
    for _ in range(args.repeat):
        cost, prints_now = one_run(corpus, analysis, Path(args.work))
        if prints is not None and prints != prints_now:
            print("outputs differ between runs:", [k for k in prints if prints[k] != prints_now.get(k)])
        prints = prints_now
        best = {k: min(v, best.get(k, v)) for k, v in cost.items()}
    for k, v in best.items():
        print(f"{k:14s} {v:6.2f} s")
    print(f"{'total':14s} {sum(best.values()):6.2f} s")
    if args.dump:
        Path(args.dump).write_text(json.dumps(prints, indent=1, default=str))


if __name__ == "__main__":
    main()
