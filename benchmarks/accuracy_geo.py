"""Geography against the gold (../shared/gold/README.md, section Geography): toponym recognition
and resolution over GeoWebNews, LGL and TR-News.

    python benchmarks/accuracy.py geo --gold ../shared/gold [--part fit|check|both] [--limit N]

Each `.txt` is ingested as a seed would be (decoded, normalized, segmented into article and
comments); a page split into article and comments is put back together (each comment after the
body and the comments before it, after one newline) and offsets are carried over to the gold text
through the characters that are not whitespace.
- Recognition: a GPE, LOC or FAC mention overlapping a gold toponym is right; precision over those
  mentions, recall over gold toponyms, F1; per corpus; for GeoWebNews also recall per type group
  and recall counting NORP mentions.
- Resolution: a gold toponym with coordinates takes the coordinates of the GPE/LOC/FAC mention
  overlapping it most (of those with coordinates). Over those so recognised: accuracy@161km, mean
  and median error, AUC of the sorted log(1 + error) curve over log(20039) (trapezoidal); all
  corpora together and each apart. Beside it, accuracy over all gold toponyms with coordinates
  (missed ones wrong) and the share of matching GeoNames ids where both sides have one.
"""
from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict
from pathlib import Path

from benchmarks.gold_split import in_part
from tasks.ingest.documents import Doc
from tasks.ingest.parse import parse_seed
from tasks.nlp.places_data import haversine_km
from tasks.nlp.stage import analyse_docs

PLACE_LABELS = ("GPE", "LOC", "FAC")
CORPORA = ("GeoWebNews", "LGL", "TR-News")
LITERAL = {"Literal", "Mixed", "Coercion", "Embedded_Literal", "Literal_Modifier"}
ASSOCIATIVE = {"Metonymic", "Non_Literal_Modifier", "Demonym", "Language", "Homonym", "Embedded_Non_Lit"}
MAX_ERROR_KM = 20039


def _non_ws(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if not ch.isspace()]


def _carry(start: int, end: int, ours: list[int], gold: list[int]) -> tuple[int, int] | None:
    """(start, end) in the gold text of our [start, end), through the non-whitespace characters."""
    from bisect import bisect_left
    a = bisect_left(ours, start)
    b = bisect_left(ours, end) - 1
    if a > b or b >= len(gold):
        return None
    return gold[a], gold[b] + 1


def analysed_mentions(gold_dir: Path, docs: list[dict], model: str) -> dict[str, list[dict]]:
    """file -> mention rows with offsets into the gold text."""
    pieces, layout = [], {}
    for d in docs:
        path = gold_dir / "geo" / "docs" / d["file"]
        pages = parse_seed(str(path), path.read_bytes())
        texts = []
        for p_index, page in enumerate(pages):
            texts.append("\n".join(page.paragraphs))
            texts += [c.text for c in page.comments]
        offset, parts = 0, []
        for k, text in enumerate(texts):
            doc_id = f"{d['file']}#{k}"
            pieces.append(Doc(doc_id, "article" if k == 0 else "comment", d["file"], text, None))
            parts.append((doc_id, offset))
            offset += len(text) + 1
        layout[d["file"]] = ("\n".join(texts), parts)
    analysis = analyse_docs(pieces, model)
    by_doc = defaultdict(list)
    for m in analysis.mentions:
        by_doc[m["doc_id"]].append(m)
    out = {}
    for d in docs:
        path = gold_dir / "geo" / "docs" / d["file"]
        gold_text = path.read_text(encoding="utf-8")
        gold_text = gold_text[:-1] if gold_text.endswith("\n") else gold_text
        ours_text, parts = layout[d["file"]]
        ours, gold = _non_ws(ours_text), _non_ws(gold_text)
        rows = []
        for doc_id, offset in parts:
            for m in by_doc.get(doc_id, []):
                span = _carry(m["start_char"] + offset, m["end_char"] + offset, ours, gold)
                if span:
                    rows.append({**m, "start": span[0], "end": span[1]})
        out[d["file"]] = rows
    return out


def _overlap(a0, a1, b0, b1) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _auc(errors: list[float]) -> float:
    if len(errors) < 2:
        return 0.0
    ys = [math.log(1 + e) for e in sorted(errors)]
    area = sum((ys[i] + ys[i + 1]) / 2 for i in range(len(ys) - 1))
    return area / (len(ys) - 1) / math.log(MAX_ERROR_KM)


def _prf(tp_pred, n_pred, tp_gold, n_gold) -> dict:
    p = tp_pred / n_pred if n_pred else 0.0
    r = tp_gold / n_gold if n_gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def score_geo(gold_dir: Path, model: str, part: str | None = None, limit: int | None = None) -> dict:
    docs = in_part([json.loads(line) for line in (gold_dir / "geo" / "geo.jsonl").read_text(encoding="utf-8").splitlines()
                    if line.strip()], "file", part)
    if limit:
        docs = docs[:limit]
    mentions = analysed_mentions(gold_dir, docs, model)
    rec = defaultdict(lambda: defaultdict(int))
    errors = defaultdict(list)
    ids = defaultdict(lambda: [0, 0])
    with_coords = defaultdict(int)
    for d in docs:
        corpus = d["corpus"]
        ms = mentions[d["file"]]
        places = [m for m in ms if m["label"] in PLACE_LABELS]
        gold = d["toponyms"]
        r = rec[corpus]
        r["n_pred"] += len(places)
        r["tp_pred"] += sum(any(_overlap(m["start"], m["end"], g["start"], g["end"]) for g in gold) for m in places)
        for g in gold:
            hits = [m for m in places if _overlap(m["start"], m["end"], g["start"], g["end"])]
            r["n_gold"] += 1
            r["tp_gold"] += bool(hits)
            group = "literal" if g["type"] in LITERAL else "associative" if g["type"] in ASSOCIATIVE else None
            if group:
                r[f"n_{group}"] += 1
                r[f"tp_{group}"] += bool(hits)
            r["tp_gold_norp"] += bool(hits) or any(m["label"] == "NORP" and _overlap(m["start"], m["end"], g["start"], g["end"]) for m in ms)
            if g["lat"] is None or g["lon"] is None:
                continue
            with_coords[corpus] += 1
            located = [m for m in hits if m.get("latitude") is not None]
            if not located:
                continue
            best = max(located, key=lambda m: _overlap(m["start"], m["end"], g["start"], g["end"]))
            errors[corpus].append(haversine_km(g["lat"], g["lon"], best["latitude"], best["longitude"]))
            if g.get("geonames_id") and best.get("geonames_id"):
                ids[corpus][0] += 1
                ids[corpus][1] += int(g["geonames_id"]) == int(best["geonames_id"])
    report = {"articles": len(docs)}
    for corpus in CORPORA:
        r = rec[corpus]
        if not r["n_gold"]:
            continue
        f = _prf(r["tp_pred"], r["n_pred"], r["tp_gold"], r["n_gold"])
        report[f"{corpus}: recognition P / R / F1"] = f"{f['precision']:.3f} / {f['recall']:.3f} / {f['f1']:.3f}" \
            f"  ({r['n_gold']} toponyms, {r['n_pred']} place mentions)"
        if r["n_literal"] or r["n_associative"]:
            report[f"{corpus}: recall literal / associative / counting NORP"] = (
                f"{r['tp_literal'] / max(r['n_literal'], 1):.3f} / {r['tp_associative'] / max(r['n_associative'], 1):.3f}"
                f" / {r['tp_gold_norp'] / r['n_gold']:.3f}")
    for name, keys in (("all", CORPORA), *((c, (c,)) for c in CORPORA)):
        errs = [e for c in keys for e in errors[c]]
        total = sum(with_coords[c] for c in keys)
        if not total:
            continue
        within = sum(e <= 161 for e in errs)
        id_pairs = [ids[c] for c in keys]
        both, same = sum(p[0] for p in id_pairs), sum(p[1] for p in id_pairs)
        report[f"resolution {name}: acc@161 / mean km / median km / AUC (recognised)"] = (
            f"{within / len(errs):.3f} / {statistics.fmean(errs):.0f} / {statistics.median(errs):.0f} / {_auc(errs):.3f}"
            f"  ({len(errs)} of {total})" if errs else "none recognised")
        report[f"resolution {name}: acc@161 over all gold toponyms with coordinates"] = within / total
        report[f"resolution {name}: same GeoNames id where both have one"] = same / both if both else 0.0
    return report


def place_cost(gold_dir: Path, model: str, n_paragraphs: int = 3000, runs: int = 3) -> dict:
    """What `newsflow_places` adds to the NLP: the same texts through the whole pipeline with and
    without it (alternating, median of `runs`), and the one-off cost of its place index."""
    import time

    from benchmarks.corpus import gold_paragraphs
    from tasks.nlp.pipeline import build_pipeline
    from tasks.nlp.places_data import place_index

    articles, comments = gold_paragraphs(gold_dir)
    texts = (articles + comments)[:n_paragraphs]
    t0 = time.perf_counter()
    place_index.cache_clear()
    place_index()
    index_s = time.perf_counter() - t0
    nlp = build_pipeline(model)
    with_places, without = [], []
    for _ in range(runs):
        for keep, out in ((True, with_places), (False, without)):
            disabled = [] if keep else ["newsflow_places"]
            t = time.perf_counter()
            with nlp.select_pipes(disable=disabled):
                for _doc in nlp.pipe(texts, batch_size=64):
                    pass
            out.append(time.perf_counter() - t)
    a, b = statistics.median(with_places), statistics.median(without)
    return {"texts": len(texts), "characters": sum(map(len, texts)), "pipeline without places (s)": b,
            "pipeline with places (s)": a, "places' share of the NLP": (a - b) / b,
            "place index load, once per process (s)": index_s}


if __name__ == "__main__":  # python -m benchmarks.accuracy_geo cost [--gold ../shared/gold]
    import argparse
    import sys

    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["cost"])
    ap.add_argument("--gold", type=Path, default=Path("../shared/gold"))
    ap.add_argument("--model", default="en_core_web_sm")
    ap.add_argument("--paragraphs", type=int, default=3000)
    args = ap.parse_args()
    for key, value in place_cost(args.gold, args.model, args.paragraphs).items():
        print(f"  {key}: {value:.3f}" if isinstance(value, float) else f"  {key}: {value}")
    sys.exit(0)
