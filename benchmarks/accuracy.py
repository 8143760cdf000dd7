"""Accuracy against gold annotations, scored as ../shared/gold/README.md says.

    python benchmarks/accuracy.py segmentation --gold ../shared/gold
    python benchmarks/accuracy.py entities --gold ../shared/gold
    python benchmarks/accuracy.py events --gold ../shared/gold
    python benchmarks/accuracy.py geo --gold ../shared/gold      (benchmarks/accuracy_geo.py)
    python benchmarks/accuracy.py tone --gold ../shared/gold      (benchmarks/accuracy_tone.py)
    python benchmarks/accuracy.py all --gold ../shared/gold [--part fit|check|both]

Each gold set is split by a stable hash of the document id into a `fit` part (read its errors, fit
weights and thresholds on it) and a `check` part (read only its score; quote it): both are printed.

Every figure comes from the real pipeline code (tasks.ingest.segment, the spaCy pipeline with the
gazetteer, tasks.nlp.entities, tasks.nlp.events); nothing here is tuned per document.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.nlp.stage import analyse_docs  # noqa: E402
from tasks.ingest.documents import Doc  # noqa: E402
from tasks.ingest.segment import segment  # noqa: E402
from tasks.core.settings import DEFAULT_MODEL  # noqa: E402
from benchmarks.gold_split import PARTS, in_part  # noqa: E402
from benchmarks.accuracy_tone import score_tone  # noqa: E402

TYPE_GROUPS = {"PERSON": "person", "ORG": "organization", "GPE": "place", "LOC": "place", "FAC": "place"}
ACTOR_ROLES = {"Attacker", "Agent", "Killer", "Communicator", "Demonstrator", "Jailer"}
TARGET_ROLES = {"Target", "Victim", "Recipient", "Detainee"}
PLACE_ROLES = {"Place"}


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, f1(p, r)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text[:-1] if text.endswith("\n") else text


def overlaps(a0, a1, b0, b1) -> bool:
    return a0 < b1 and b0 < a1


_analysed: dict[tuple[str, str, str], tuple[list, list]] = {}
"""(model, name, text) -> (mentions, events): each gold text is analysed once per process,
whichever parts are scored."""


def analyse_texts(texts: dict[str, str], model: str) -> tuple[dict, dict]:
    """Run the real pipeline over named texts; (mentions by name, events by name)."""
    todo = {name: text for name, text in texts.items() if (model, name, text) not in _analysed}
    if todo:
        analysis = analyse_docs([Doc(name, "article", name, text, None) for name, text in todo.items()], model)
        for name, reason in analysis.failed.items():
            # A document the pipeline failed on scores as if nothing were found in it: say so.
            print(f"  analysis failed on {name}: {reason}", file=sys.stderr)
        found = {name: ([], []) for name in todo}
        for m in analysis.mentions:
            found[m["doc_id"]][0].append(m)
        for e in analysis.events:
            found[e["doc_id"]][1].append(e)
        for name, rows in found.items():
            _analysed[(model, name, todo[name])] = rows
    mentions_by, events_by = defaultdict(list), defaultdict(list)
    for name, text in texts.items():
        mentions_by[name], events_by[name] = _analysed[(model, name, text)]
    return mentions_by, events_by


# --- segmentation -------------------------------------------------------------------------------

def score_segmentation(gold: Path, part: str | None = None) -> dict:
    """Exact boundary accuracy and MAE; pages without comments are reported apart, with the
    article-only pages the model split (false splits: article paragraphs lost as comments)."""
    labels = in_part(read_jsonl(gold / "segmentation" / "labels.jsonl"), "file", part)
    exact, abs_err = 0, 0
    none_pages = none_right = false_splits = lost_paragraphs = with_pages = with_right = 0
    for label in labels:
        text = (gold / "segmentation" / "pages" / label["file"]).read_text(encoding="utf-8")
        paragraphs = [p for p in text.split("\n") if p.strip()]
        predicted = len(segment(paragraphs).article)
        right = predicted == label["article_paragraphs"]
        exact += right
        abs_err += abs(predicted - label["article_paragraphs"])
        if label["comment_paragraphs"] == 0:
            none_pages += 1
            none_right += right
            false_splits += not right
            lost_paragraphs += label["article_paragraphs"] - predicted
        else:
            with_pages += 1
            with_right += right
    return {"pages": len(labels), "exact_boundary_accuracy": exact / len(labels), "mae_paragraphs": abs_err / len(labels),
            "pages_with_comments": with_pages, "accuracy_on_pages_with_comments": with_right / with_pages if with_pages else 0.0,
            "article_only_pages": none_pages, "false_splits_on_article_only_pages": false_splits,
            "article_paragraphs_lost_to_false_splits": lost_paragraphs}


# --- entities -----------------------------------------------------------------------------------

GENRE_GROUPS = ("news", "reddit", "other")
"""How the gold README groups GUM genres for reporting."""


def genre_group(genre: str) -> str:
    return genre if genre in ("news", "reddit") else "other"


_plain: dict[tuple[str, str, str], list[dict]] = {}


def plain_model_mentions(texts: dict[str, str], model: str) -> dict[str, list[dict]]:
    """spaCy alone: the plain model's PERSON/ORG/GPE/LOC/FAC entities, no newsflow component, for
    the figures newsflow must not fall below."""
    from tasks.nlp.pipeline import _load_model

    todo = {name: text for name, text in texts.items() if (model, name, text) not in _plain}
    if todo:
        nlp = _load_model(model)
        for (name, text), doc in zip(todo.items(), nlp.pipe(todo.values(), batch_size=16)):
            _plain[(model, name, text)] = [{"label": e.label_, "start_char": e.start_char, "end_char": e.end_char,
                                            "text": e.text} for e in doc.ents if e.label_ in TYPE_GROUPS]
    return {name: _plain[(model, name, text)] for name, text in texts.items()}


def ner_counts(golds: list[dict], preds: list[dict]) -> tuple[list[int], list[tuple[str, dict]]]:
    """[gold hits, named gold, right predictions, predictions] for one document, and the
    (gold identity, first prediction) pairs of the gold mentions found."""
    tp_gold = n_gold = tp_pred = 0
    matched = []
    for g in golds:
        if not g["named"] or g["identity"] is None:
            continue
        n_gold += 1
        hit = [p for p in preds if TYPE_GROUPS[p["label"]] == g["type"] and overlaps(p["start_char"], p["end_char"], g["start"], g["end"])]
        if hit:
            tp_gold += 1
            matched.append((g["identity"], hit[0]))
    for p in preds:
        if any(g["type"] == TYPE_GROUPS[p["label"]] and overlaps(p["start_char"], p["end_char"], g["start"], g["end"]) for g in golds):
            tp_pred += 1
    return [tp_gold, n_gold, tp_pred, len(preds)], matched


def ner_prf(counts: list[int]) -> tuple[float, float, float]:
    tp_gold, n_gold, tp_pred, n_pred = counts
    p = tp_pred / n_pred if n_pred else 0.0
    r = tp_gold / n_gold if n_gold else 0.0
    return p, r, f1(p, r)


def _fmt(counts: list[int]) -> str:
    p, r, f = ner_prf(counts)
    return f"P {p:.3f} R {r:.3f} F1 {f:.3f}"


def score_entities(gold: Path, model: str, part: str | None = None) -> dict:
    docs_gold = in_part(read_jsonl(gold / "entities" / "gum_identity.jsonl"), "file", part)
    texts = {d["file"]: read_text(gold / "entities" / "gum" / d["file"]) for d in docs_gold}
    mentions_by, _ = analyse_texts(texts, model)
    plain_by = plain_model_mentions(texts, model)
    # Named entity recognition: a pronoun row ("she", a mention of Merkel) is no name.
    by_doc = {name: [m for m in ms if m["label"] in TYPE_GROUPS and m["mention_form"] == "name"]
              for name, ms in mentions_by.items()}
    total = [0, 0, 0, 0]
    ours: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    alone: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    matched = []  # (gold identity, predicted entity id)
    for d in docs_gold:
        counts, hits = ner_counts(d["mentions"], by_doc.get(d["file"], []))
        matched += [(identity, p["entity_id"]) for identity, p in hits]
        plain, _ = ner_counts(d["mentions"], plain_by.get(d["file"], []))
        for key in (genre_group(d["genre"]), "genre " + d["genre"]):
            ours[key] = [a + b for a, b in zip(ours[key], counts)]
            alone[key] = [a + b for a, b in zip(alone[key], plain)]
        total = [a + b for a, b in zip(total, counts)]
        alone["all"] = [a + b for a, b in zip(alone["all"], plain)]
    precision, recall, f = ner_prf(total)
    same_pred = same_gold = both = 0
    for (g1, p1), (g2, p2) in combinations(matched, 2):
        same_gold += g1 == g2
        same_pred += p1 == p2
        both += g1 == g2 and p1 == p2
    cp, cr, cf = prf(both, same_pred, same_gold)
    report = {"documents": len(docs_gold), "ner_precision": precision, "ner_recall": recall, "ner_f1": f,
              "spacy_alone_ner_f1": ner_prf(alone["all"])[2],
              "canonicalization_precision": cp, "canonicalization_recall": cr, "canonicalization_f1": cf,
              "gold_named_mentions": total[1], "predicted_mentions": total[3]}
    # Per genre group (the bar: never below spaCy alone), then per GUM genre, newsflow | spaCy alone.
    for key in sorted(ours, key=lambda k: (k.startswith("genre "), k)):
        docs = sum(1 for d in docs_gold if key in (genre_group(d["genre"]), "genre " + d["genre"]))
        delta = ner_prf(ours[key])[2] - ner_prf(alone[key])[2]
        report[key if key.startswith("genre ") else f"group {key}"] = (
            f"{docs:3d} docs, {ours[key][1]:4d} named | newsflow {_fmt(ours[key])} | spaCy alone {_fmt(alone[key])}"
            f" | {delta:+.3f}")
    return report


# --- events -------------------------------------------------------------------------------------

def _arg_hit(pred: tuple[int, int] | None, gold_args: list[dict]) -> tuple[int, int, int]:
    """(tp, predicted, gold) for one argument slot of one matched event."""
    has_gold = bool(gold_args)
    if pred is None:
        return 0, 0, int(has_gold)
    tp = int(any(overlaps(pred[0], pred[1], a["start"], a["end"]) for a in gold_args))
    return tp, 1, int(has_gold)


def _span(event: dict, key: str, doc_text: str) -> tuple[int, int] | None:
    value = event.get(key)
    if not value:
        return None
    start = doc_text.find(value, event["sentence_start"])
    return (start, start + len(value)) if start >= 0 else None


def score_wikievents(gold: Path, model: str, part: str | None = None) -> dict:
    """Typed-trigger and argument scores as ../shared/gold/README.md says: a prediction of a type
    the KAIROS mapping never produces (none of the typed gold types) is left out of precision,
    and one overlapping a gold trigger of `type: null` is ignored. `strict_*` counts the first kind."""
    all_docs = read_jsonl(gold / "events" / "wikievents.jsonl")
    # The types the mapping produces: those of the typed gold events of the whole set, not of one part.
    source_types = {g["type"] for d in all_docs for g in d["events"] if g["type"]}
    gold_docs = in_part(all_docs, "file", part)
    texts = {d["file"]: read_text(gold / "events" / "docs" / d["file"]) for d in gold_docs}
    _, by_doc = analyse_texts(texts, model)
    tp = n_pred = n_gold = 0
    arg_tp = arg_pred = arg_gold = 0
    # Where the false positives fall, to tell our errors from what the gold leaves unlabelled.
    fp_other_type = fp_unlabelled_sentence = 0
    for d in gold_docs:
        golds = d["events"]
        typed = [g for g in golds if g["type"]]
        n_gold += len(typed)
        matched_gold = set()
        for e in by_doc[d["file"]]:
            s, t = e["trigger_start"], e["trigger_end"]
            match = next((i for i, g in enumerate(typed) if i not in matched_gold and g["type"] == e["event_type"]
                          and overlaps(s, t, g["start"], g["end"])), None)
            if match is None:
                if any(g["type"] is None and overlaps(s, t, g["start"], g["end"]) for g in golds):
                    continue  # an event outside the taxonomy: neither right nor wrong
                if e["event_type"] not in source_types:
                    fp_other_type += 1  # a type the source never labels: counted only in strict precision
                    continue
                n_pred += 1
                sentence_end = e["sentence_start"] + len(e["sentence"])
                if not any(overlaps(e["sentence_start"], sentence_end, g["start"], g["end"]) for g in golds):
                    fp_unlabelled_sentence += 1
                continue
            n_pred += 1
            tp += 1
            matched_gold.add(match)
            g = typed[match]
            text = texts[d["file"]]
            for key, roles in (("actor", ACTOR_ROLES), ("target", TARGET_ROLES), ("location", PLACE_ROLES)):
                gold_args = [a for role, args in g["arguments"].items() if role in roles for a in args]
                a, b, c = _arg_hit(_span(e, key, text), gold_args)
                arg_tp, arg_pred, arg_gold = arg_tp + a, arg_pred + b, arg_gold + c
    p, r, f = prf(tp, n_pred, n_gold)
    sp, _, sf = prf(tp, n_pred + fp_other_type, n_gold)
    ap, ar, af = prf(arg_tp, arg_pred, arg_gold)
    return {"documents": len(gold_docs), "trigger_precision": p, "trigger_recall": r, "trigger_f1": f,
            "strict_trigger_precision": sp, "strict_trigger_f1": sf,
            "argument_precision": ap, "argument_recall": ar, "argument_f1": af, "gold_events": n_gold,
            "predicted_events": n_pred,
            "predictions_of_types_the_source_never_labels": fp_other_type,
            "false_positives_in_sentences_with_no_gold_event": fp_unlabelled_sentence}


def score_case(gold: Path, model: str, part: str | None = None) -> dict:
    snippets = in_part(read_jsonl(gold / "events" / "case2021.jsonl"), "id", part)
    _, events_by = analyse_texts({s["id"]: s["text"] for s in snippets}, model)
    predicted = {name: {e["event_type"] for e in es} for name, es in events_by.items()}
    labels = sorted({s["type"] or "null" for s in snippets})
    tp, fp, fn = defaultdict(int), defaultdict(int), defaultdict(int)
    for s in snippets:
        g = s["type"] or "null"
        pred = predicted.get(s["id"]) or {"null"}
        for t in pred:
            if t == g:
                tp[t] += 1
            else:
                fp[t] += 1
        if g not in pred:
            fn[g] += 1
    per_type = {t: f1(*prf(tp[t], tp[t] + fp[t], tp[t] + fn[t])[:2]) for t in labels}
    return {"snippets": len(snippets), "macro_f1": sum(per_type.values()) / len(per_type),
            "per_type_f1": {t: round(v, 3) for t, v in per_type.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["segmentation", "entities", "events", "geo", "tone", "all"])
    ap.add_argument("--gold", type=Path, default=Path("../shared/gold"))
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--part", choices=[*PARTS, "both"], default="both",
                    help="which part of each gold set to score (default: fit, then check)")
    ap.add_argument("--limit", type=int, default=None, help="geo: score only the first N articles of each part")
    args = ap.parse_args()
    report = {}
    for part in PARTS if args.part == "both" else (args.part,):
        if args.what in ("segmentation", "all"):
            report[f"segmentation/{part}"] = score_segmentation(args.gold, part)
        if args.what in ("entities", "all"):
            report[f"entities/{part}"] = score_entities(args.gold, args.model, part)
        if args.what in ("events", "all"):
            report[f"events_wikievents/{part}"] = score_wikievents(args.gold, args.model, part)
            report[f"events_case/{part}"] = score_case(args.gold, args.model, part)
        if args.what in ("geo", "all"):
            from benchmarks.accuracy_geo import score_geo
            report[f"geo/{part}"] = score_geo(args.gold, args.model, part, args.limit)
        if args.what in ("tone", "all"):
            report[f"tone/{part}"] = score_tone(args.gold, args.model, part)
    for section, figures in report.items():
        print(f"[{section}]")
        for key, value in figures.items():
            print(f"  {key}: {value:.3f}" if isinstance(value, float) else f"  {key}: {value}")


if __name__ == "__main__":
    main()
