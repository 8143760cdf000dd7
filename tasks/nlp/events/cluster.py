"""Mentions of one event in a document, joined under one event_cluster_id."""
from __future__ import annotations

from tasks.nlp.gazetteer import COUNTRY_ID_PREFIXES


def _contradict(x: str | None, y: str | None) -> bool:
    """Two entity ids of one role contradict unless they are one, or one is a country and the other
    is not: "a US base" (linked to the country it belongs to) and "the Ain al-Asad airbase"."""
    if not x or not y or x == y:
        return False
    return x.startswith(COUNTRY_ID_PREFIXES) == y.startswith(COUNTRY_ID_PREFIXES)


def _compatible(a: dict, b: dict) -> bool:
    """Two mentions could be one event: nothing they state contradicts the other."""
    for key in ("target_entity_id", "location_entity_id", "actor_entity_id"):
        if _contradict(a[key], b[key]):
            return False
    return a["negated"] == b["negated"]


def _places(row: dict) -> set[str]:
    return {row[k] for k in ("target_entity_id", "location_entity_id") if row[k]}


def cluster_mentions(rows: list[dict], definite: list[bool], window: int = 1) -> list[dict]:
    """Mentions of one event within a document share an event_cluster_id (the id of its first
    mention). A mention joins an earlier cluster of its type, at most `window` sentences back and
    contradicting none of its members, when it is in the same sentence as a member, names the same
    target or place, or is a definite reference ("the attack")."""
    clusters: list[list[dict]] = []
    for row, is_definite in zip(rows, definite):
        row["event_cluster_id"] = row["event_id"]
        for members in reversed(clusters):
            last = members[-1]
            if row["sentence_index"] - last["sentence_index"] > window:
                continue
            if last["event_type"] != row["event_type"] or not all(_compatible(m, row) for m in members):
                continue
            same_sentence = any(m["sentence_index"] == row["sentence_index"] for m in members)
            shared = any(_places(m) & _places(row) for m in members)
            anaphor = is_definite and not row["trigger"].endswith("s")
            plural = {m["trigger"].lower() != m["trigger_lemma"] and m["trigger"].endswith("s") for m in members + [row]}
            if (same_sentence or shared or anaphor) and len(plural) == 1:
                row["event_cluster_id"] = members[0]["event_id"]
                members.append(row)
                break
        else:
            clusters.append([row])
    return rows
