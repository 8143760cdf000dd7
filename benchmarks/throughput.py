"""End-to-end throughput against the NLP limit, in one process tree and one run.

    python benchmarks/throughput.py [--n 2000] [--small 500] [--runs 3] [--n-process 2] [--gold ../shared/gold]

On the same corpus (benchmarks/corpus.py) and the same number of spaCy worker processes it
measures, median of --runs each:
  (a) spaCy alone: nlp.pipe over the texts newsflow analyses (article bodies and comments) with
      the statistical model alone (nothing of newsflow's: no gazetteer, no components): the limit;
  (b) `newsflow run` end to end into a fresh warehouse (a subprocess: Prefect, parse, spaCy,
      entities, events, Parquet, Great Expectations, DuckDB), and its peak memory from a second
      such run (the whole process tree's proportional set size, sampled every 0.2 s, which costs
      too much processor time to be done in the timed run; summed RSS is printed too);
  (c) a second `newsflow run` with nothing new;
  (d) a run after adding 1% new files;
  (e) the full-text index rebuild at the end of (b) (recorded in search_index_builds).
and the peak memory of (b) at --small documents, to show memory does not grow with the corpus,
and where (b)'s time went (the run's run_stages rows, medians over the runs): processor seconds
the analysis workers spent per stage (spaCy, each newsflow component, row building) as a share of
spaCy's, and wall seconds the flow's own process spent per stage as a share of (b).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from corpus import write_corpus  # noqa: E402

OLD = 1_600_000_000  # an mtime long past the settle time


def fresh(path: Path) -> Path:
    """`path`, emptied: each measurement starts from nothing."""
    if path.exists():
        shutil.rmtree(path)
    return path


def settle(paths) -> None:
    for p in paths:
        os.utime(p, (OLD, OLD))


def spacy_alone(seed_dir: Path, n_process: int) -> tuple[float, int, int]:
    """(seconds, documents, words) of nlp.pipe over exactly the texts newsflow analyses."""
    from tasks.nlp.pipeline import _load_model
    from tasks.ingest.parse import parse_seed
    from tasks.core.settings import DEFAULT_MODEL

    texts = []
    for path in sorted(seed_dir.iterdir()):
        for page in parse_seed(str(path), path.read_bytes()):
            texts.append("\n".join(page.paragraphs))
            texts += [c.text for c in page.comments]
    nlp = _load_model(DEFAULT_MODEL)
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, n_process=n_process, batch_size=64):
        pass
    return time.perf_counter() - t0, len(texts), sum(len(t.split()) for t in texts)


def newsflow_run(seed_dir: Path, warehouse: Path, n_process: int, memory: bool = False) -> tuple[float, float, float]:
    """(wall seconds, peak MB, peak MB as summed RSS) of one `newsflow run`'s whole process tree;
    the peaks only with `memory` (else 0). Peak MB is the proportional set size (PSS): pages that
    worker processes share with each other are counted once, as the machine pays for them; summed
    RSS counts them in every process. Reading PSS walks every page table of every process: sampled
    every 0.2 s it took the CPU a run needs (a 500-file run: 52.2 s unsampled, 59.9 s sampled), so
    a run whose time is measured is never a run whose memory is."""
    exe = Path(sys.executable).with_name("newsflow")
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(exe), "run", str(seed_dir), "-w", str(warehouse), "--n-process", str(n_process)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    peak = peak_rss = 0.0
    stop = threading.Event()

    def sample():
        nonlocal peak, peak_rss
        root = psutil.Process(proc.pid)
        while not stop.is_set():
            pss = rss = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    try:
                        info = p.memory_full_info()
                        pss, rss = pss + info.pss, rss + info.rss
                    except psutil.Error:
                        continue
            except psutil.Error:
                pass
            peak, peak_rss = max(peak, pss / 2**20), max(peak_rss, rss / 2**20)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    if memory:
        sampler.start()
    output = proc.communicate()[0].decode(errors="replace")
    wall = time.perf_counter() - t0
    stop.set()
    if memory:
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"newsflow run failed:\n{output[-3000:]}")
    return wall, peak, peak_rss


def index_seconds(warehouse: Path) -> tuple[float, int]:
    """(seconds, documents) of the last full-text index build in `warehouse`."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("SELECT seconds, articles + comments FROM search_index_builds "
                           "ORDER BY built_at DESC LIMIT 1").fetchone()
    finally:
        con.close()


def stage_seconds(warehouse: Path) -> dict[tuple[str, str], float]:
    """(clock, stage) -> seconds of the first run recorded in `warehouse` (run_stages)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {(clock, stage): seconds for stage, clock, seconds in con.execute(
            "SELECT stage, clock, seconds FROM run_stages WHERE run_id = "
            "(SELECT run_id FROM pipeline_runs ORDER BY started_at LIMIT 1)").fetchall()}
    finally:
        con.close()


ISSUE_NAMES = {"spacy": "spaCy (model + gazetteer ruler)", "newsflow_entities": "extraction: entities",
               "newsflow_events": "extraction: events", "newsflow_places": "places", "newsflow_tone": "tone",
               "rows": "rows from Docs (tone scores of comments included)"}


def print_stages(stages: list[dict[tuple[str, str], float]], wall: float) -> None:
    med = statistics.median
    keys = sorted({k for s in stages for k in s})
    value = {k: med([s.get(k, 0.0) for s in stages]) for k in keys}
    spacy = value.get(("workers", "spacy"), 0.0) or 1.0
    print("where (b)'s time went (medians):")
    for clock, title, base, unit in (("workers", "analysis workers, processor seconds summed", spacy, "of spaCy"),
                                     ("flow", "the flow's process, wall seconds", wall, "of (b)")):
        print(f"  {title}:")
        for (c, stage), v in sorted(value.items(), key=lambda kv: -kv[1]):
            if c == clock:
                print(f"    {ISSUE_NAMES.get(stage, stage):52s} {v:8.1f}s  {100 * v / base:5.1f}% {unit}")
    ours = sum(v for (c, stage), v in value.items() if c == "workers" and stage != "spacy")
    print(f"  newsflow's analysis work beyond spaCy: {100 * ours / spacy:.1f}% of spaCy's processor time")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--small", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--n-process", type=int, default=2)
    ap.add_argument("--gold", type=Path, default=ROOT.parent / "shared" / "gold")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="newsflow-bench-"))
    base = fresh(work / "corpus")
    settle(write_corpus(args.n, base, args.gold))
    small = fresh(work / "corpus-small")
    small.mkdir()
    for p in sorted(base.iterdir())[:args.small]:
        shutil.copy2(p, small / p.name)

    a, b, c, d, e, peaks, rss_peaks, small_peaks, stages = [], [], [], [], [], [], [], [], []
    docs = words = 0
    for run in range(args.runs):
        seconds, docs, words = spacy_alone(base, args.n_process)
        a.append(seconds)
        seeds = fresh(work / f"seeds-{run}")
        shutil.copytree(base, seeds)
        warehouse = fresh(work / f"run-{run}") / "newsflow.duckdb"
        b.append(newsflow_run(seeds, warehouse, args.n_process)[0])
        _wall, peak, peak_rss = newsflow_run(base, fresh(work / f"memory-{run}") / "newsflow.duckdb", args.n_process,
                                             memory=True)
        peaks.append(peak)
        rss_peaks.append(peak_rss)
        index_cost, indexed = index_seconds(warehouse)
        stages.append(stage_seconds(warehouse))
        e.append(index_cost)
        c.append(newsflow_run(seeds, warehouse, args.n_process)[0])
        new = max(1, args.n // 100)
        settle(write_corpus(new, seeds, args.gold, seed=1000 + run, start=args.n + run * new))
        d.append(newsflow_run(seeds, warehouse, args.n_process)[0])
        small_wh = fresh(work / f"small-{run}") / "newsflow.duckdb"
        small_peaks.append(newsflow_run(small, small_wh, args.n_process, memory=True)[1])
        print(f"run {run + 1}/{args.runs}: spaCy {a[-1]:.1f}s, newsflow {b[-1]:.1f}s, no-op {c[-1]:.1f}s, "
              f"+1% {d[-1]:.1f}s, peak {peaks[-1]:.0f} MB ({args.small} docs: {small_peaks[-1]:.0f} MB)", flush=True)

    med = statistics.median
    share = med(b) * (max(1, args.n // 100) / args.n)
    print()
    print(f"corpus: {args.n} seed files, {docs:,} documents (articles + comments), {words:,} words; "
          f"n_process={args.n_process}; medians of {args.runs} runs")
    print(f"(a) spaCy alone:       {med(a):7.1f}s  {docs / med(a):7.1f} docs/s  {words / med(a):9,.0f} words/s")
    print(f"(b) newsflow run:      {med(b):7.1f}s  {docs / med(b):7.1f} docs/s  {words / med(b):9,.0f} words/s  "
          f"peak {med(peaks):.0f} MB (summed RSS {med(rss_peaks):.0f} MB)")
    print(f"(c) no-op rerun:       {med(c):7.1f}s")
    print(f"(d) +1% new files:     {med(d):7.1f}s  (2x no-op + new files' share = {2 * med(c) + share:.1f}s)")
    print(f"(e) search index:      {med(e):7.1f}s  rebuilt over {indexed:,} documents: {100 * med(e) / med(b):.1f}% of (b), "
          f"{100 * med(e) / med(d):.0f}% of (d)")
    print(f"ratio (b)/(a): {med(b) / med(a):.2f}")
    print(f"peak memory: {med(peaks):.0f} MB at {args.n} files vs {med(small_peaks):.0f} MB at {args.small} "
          f"({med(peaks) / med(small_peaks):.2f}x)")
    print()
    print_stages(stages, med(b))


if __name__ == "__main__":
    main()
