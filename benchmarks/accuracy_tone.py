"""Tone against the tone gold, scored as ../shared/gold/README.md (section Tone) says.

The pages (`tone/pages/*.json`) and the sentence files (`tone/targets/*.txt`) are ingested together
as seeds through the code a run takes (tasks.ingest.batch.parse_batch, tasks.nlp.stage.analyse_docs,
tasks.lake.batch_tables), in this process rather than a Prefect flow:
- comments, found by page file name and position (the text is checked): toxicity ROC-AUC against
  `toxic`, F1 of toxicity >= 0.5, Spearman correlation with `toxicity_mean`; constructiveness
  accuracy and F1 against `constructive`; a comment missing counts as toxicity 0, not constructive;
- targets: a gold target takes the sentiment of the entity mention in its sentence that overlaps
  it most (none: neutral); macro-F1 over negative/neutral/positive, with how many targets a mention
  overlapped.
Comments are split into `fit` and `check` by page (one article's comments are all in one part),
sentences by id.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.gold_split import in_part
from tasks.ingest.batch import parse_batch
from tasks.ingest.documents import SeedFile
from tasks.lake import batch_tables
from tasks.nlp.stage import analyse_docs

CLASSES = ("negative", "neutral", "positive")


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _seed(path: Path) -> SeedFile:
    data = path.read_bytes()
    return SeedFile(str(path), str(path.resolve()), hashlib.sha256(data).hexdigest(), len(data), 0.0)


_ingested: dict[tuple[str, str], tuple[dict, dict]] = {}


def ingest(gold: Path, model: str) -> tuple[dict, dict]:
    """(comment rows by (page file, position), entity mention rows by sentence file stem), from
    every tone seed ingested once per process."""
    key = (str(gold), model)
    if key not in _ingested:
        files = sorted((gold / "tone" / "pages").glob("*.json")) + sorted((gold / "tone" / "targets").glob("*.txt"))
        with tempfile.TemporaryDirectory() as quarantine:
            parsed = parse_batch([_seed(p) for p in files], "accuracy", datetime.now(timezone.utc), 2**30, Path(quarantine))
        analysis = analyse_docs(parsed.docs, model)
        tables = batch_tables(parsed.articles, parsed.comments, analysis.mentions, analysis.events, analysis.doc_values)
        articles = tables["articles"].to_pylist()
        file_of = {a["article_id"]: Path(a["source_path"]).name for a in articles}
        comments = {(file_of[c["article_id"]], c["position"]): c for c in tables["comments"].to_pylist()}
        mentions: dict[str, list[dict]] = {}
        for m in tables["entities"].to_pylist():
            mentions.setdefault(Path(file_of[m["doc_id"]]).stem if m["doc_id"] in file_of else "", []).append(m)
        _ingested[key] = (comments, mentions)
    return _ingested[key]


def roc_auc(labels: list[bool], scores: list[float]) -> float:
    """Probability that a positive outranks a negative (ties count half)."""
    pairs = sorted(zip(scores, labels))
    n_pos = sum(labels)
    n_neg = len(labels) - n_pos
    if not n_pos or not n_neg:
        return float("nan")
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        mid = (i + 1 + j) / 2  # average 1-based rank of the tie group
        rank_sum += mid * sum(1 for k in range(i, j) if pairs[k][1])
        i = j
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j < len(order) and values[order[j]] == values[order[i]]:
            j += 1
        for k in range(i, j):
            ranks[order[k]] = (i + j + 1) / 2
        i = j
    return ranks


def spearman(a: list[float], b: list[float]) -> float:
    ra, rb = _ranks(a), _ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    va = sum((x - ma) ** 2 for x in ra) ** 0.5
    vb = sum((y - mb) ** 2 for y in rb) ** 0.5
    return cov / (va * vb) if va and vb else 0.0


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def score_comments(gold: Path, model: str, part: str | None = None) -> dict:
    labels = in_part(_read_jsonl(gold / "tone" / "comments.jsonl"), "page", part)
    comments, _ = ingest(gold, model)
    tox, con, missing = [], [], 0
    for g in labels:
        row = comments.get((g["page"], g["index"]))
        if row is None or " ".join(row["body"].split()) != g["text"]:
            missing += 1
            row = None
        tox.append(row["toxicity"] if row and row["toxicity"] is not None else 0.0)
        con.append(bool(row and row["constructive"]))
    toxic = [g["toxic"] for g in labels]
    constructive = [g["constructive"] for g in labels]
    tp = sum(1 for t, y in zip(tox, toxic) if t >= 0.5 and y)
    fp = sum(1 for t, y in zip(tox, toxic) if t >= 0.5 and not y)
    fn = sum(1 for t, y in zip(tox, toxic) if t < 0.5 and y)
    ctp = sum(1 for p, y in zip(con, constructive) if p and y)
    cfp = sum(1 for p, y in zip(con, constructive) if p and not y)
    cfn = sum(1 for p, y in zip(con, constructive) if not p and y)
    return {"comments": len(labels), "toxic": sum(toxic), "missing_comments": missing,
            "toxicity_roc_auc": roc_auc(toxic, tox), "toxicity_f1": _f1(tp, fp, fn),
            "toxicity_spearman": spearman(tox, [g["toxicity_mean"] for g in labels]),
            "constructiveness_accuracy": sum(p == y for p, y in zip(con, constructive)) / len(labels),
            "constructiveness_f1": _f1(ctp, cfp, cfn)}


def score_targets(gold: Path, model: str, part: str | None = None) -> dict:
    sentences = in_part(_read_jsonl(gold / "tone" / "targets.jsonl"), "sentence", part)
    _, mentions = ingest(gold, model)
    tp = {c: 0 for c in CLASSES}
    fp = {c: 0 for c in CLASSES}
    fn = {c: 0 for c in CLASSES}
    n = overlapped = correct = 0
    for s in sentences:
        found = mentions.get(s["id"], [])
        for t in s["targets"]:
            n += 1
            best, best_overlap = None, 0
            for m in found:
                overlap = min(m["end_char"], t["end"]) - max(m["start_char"], t["start"])
                if overlap > best_overlap:
                    best, best_overlap = m, overlap
            predicted = (best["sentiment"] or "neutral") if best else "neutral"
            overlapped += best is not None
            gold_label = t["polarity"]
            correct += predicted == gold_label
            if predicted == gold_label:
                tp[gold_label] += 1
            else:
                fp[predicted] += 1
                fn[gold_label] += 1
    per_class = {c: _f1(tp[c], fp[c], fn[c]) for c in CLASSES}
    return {"sentences": len(sentences), "targets": n, "targets_a_mention_overlapped": overlapped,
            "target_macro_f1": sum(per_class.values()) / len(CLASSES), "target_accuracy": correct / n if n else 0.0,
            "per_class_f1": {c: round(v, 3) for c, v in per_class.items()}}


def score_tone(gold: Path, model: str, part: str | None = None) -> dict:
    return {**score_comments(gold, model, part), **score_targets(gold, model, part)}
