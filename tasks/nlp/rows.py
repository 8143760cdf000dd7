"""Warehouse rows from analysed Docs, built in one place: entity mentions from
`doc.spans["mentions"]`, events from `doc.spans["events"]`. Ids are hashes of the document and the
offsets, so the same text always gives the same rows."""
from __future__ import annotations

from bisect import bisect_right

from spacy.tokens import Doc as SpacyDoc
from spacy.tokens import Span

from tasks.core.dates import resolve_date
from tasks.core.ids import stable_id
from tasks.nlp.entities import MENTIONS
from tasks.nlp.events import EVENTS, cluster_mentions
from tasks.nlp.places import place_columns
from tasks.nlp.tone import PRONOUNS, combined_tone, comment_scores
from tasks.ingest.documents import Doc as DocMeta


def sentence_starts(doc: SpacyDoc) -> list[int]:
    return [s.start_char for s in doc.sents]


def sentence_index(starts: list[int], char: int) -> int:
    return max(bisect_right(starts, char) - 1, 0)


def mention_rows(doc: SpacyDoc, meta: DocMeta, offset: int = 0, first_sentence: int = 0) -> list[dict]:
    """Entity mention rows; `offset` and `first_sentence` place a piece of a long document in it."""
    starts = sentence_starts(doc)
    rows, seen = [], set()
    # A pronoun that refers to a mention (tasks/nlp/pronouns.py, scored by tone) is a mention of
    # its entity: the entity's columns are the antecedent's; text, offsets and sentiment its own,
    # and its label PERSON (only he/she/him/her are kept, and one may refer to a surname the model
    # labelled ORG or GPE: "she" is never a place).
    named = [(span, span, "name") for span in doc.spans.get(MENTIONS, [])]
    pronouns = [(span, span._.antecedent, "pronoun") for span in doc.spans.get(PRONOUNS, [])
                if span._.antecedent is not None]
    for span, entity, form in named + pronouns:
        c = entity._.canonical
        start, end = span.start_char + offset, span.end_char + offset
        if (start, end) in seen:
            continue  # a mention is its span (mention_id hashes the offsets): the first reading wins
        seen.add((start, end))
        rows.append({
            "mention_id": stable_id("men", meta.doc_id, start, end),
            "doc_id": meta.doc_id, "doc_kind": meta.doc_kind, "article_id": meta.article_id,
            "sentence_index": first_sentence + sentence_index(starts, span.start_char),
            "start_char": start, "end_char": end, "text": span.text,
            "label": "PERSON" if form == "pronoun" else entity.label_,
            "entity_id": entity.kb_id_, "canonical_name": c.canonical_name, "entity_type": c.entity_type,
            "country_code": c.country_code, "sector": c.sector,
            **place_columns(entity),
            "sentiment": span._.sentiment, "sentiment_score": span._.sentiment_score,
            "mention_form": form,
        })
    return rows


def _text(span: Span | None) -> str | None:
    return span.text if span is not None else None


def _sector(mention: Span | None) -> str | None:
    return mention._.canonical.sector if mention is not None else None


def _location_place(mention: Span | None) -> dict:
    """Where the event happened, from its location's place (never from the actor's country)."""
    place = place_columns(mention)
    return {"location_geonames_id": place["geonames_id"], "location_latitude": place["latitude"],
            "location_longitude": place["longitude"]}


def event_rows(doc: SpacyDoc, meta: DocMeta, offset: int = 0, first_sentence: int = 0) -> list[dict]:
    """Event rows, mentions of one event sharing an `event_cluster_id`."""
    rows, definite = [], []
    for trigger in doc.spans[EVENTS] if EVENTS in doc.spans else []:
        e = trigger._.event
        definite.append(e.definite)
        start, end = trigger.start_char + offset, trigger.end_char + offset
        date_text = _text(e.date)
        date_resolved, precision = resolve_date(date_text, meta.published_at) if date_text else (None, None)
        rows.append({
            "event_id": stable_id("evt", meta.doc_id, start, end, e.event_type),
            "doc_id": meta.doc_id, "doc_kind": meta.doc_kind, "article_id": meta.article_id,
            "sentence_index": first_sentence + e.sentence_index,
            "trigger": trigger.text, "trigger_lemma": e.trigger_lemma, "trigger_start": start, "trigger_end": end,
            "event_type": e.event_type, "mode": e.mode,
            "actor": _text(e.actor), "actor_entity_id": e.actor_mention.kb_id_ if e.actor_mention else None,
            "actor_sector": _sector(e.actor_mention),
            "target": _text(e.target), "target_entity_id": e.target_mention.kb_id_ if e.target_mention else None,
            "target_sector": _sector(e.target_mention),
            "location": _text(e.location),
            "location_entity_id": e.location_mention.kb_id_ if e.location_mention else None,
            **_location_place(e.location_mention),
            "date_text": date_text, "date_resolved": date_resolved, "date_precision": precision,
            "modality": e.modality, "negated": e.negated, "attribution_source": e.attribution_source,
            "fatalities": e.fatalities, "injured": e.injured, "quad_class": e.quad_class, "intensity": e.intensity,
            "confidence": e.confidence, "event_cluster_id": None,
            "sentence": e.sentence.text, "sentence_start": e.sentence.start_char + offset,
        })
    return cluster_mentions(rows, definite)


def doc_values(pieces: list[SpacyDoc], doc_kind: str = "comment") -> dict:
    """Columns the components add to the document's own row (article or comment), from the Docs of
    its pieces (one unless the document was too long for spaCy at once): tone and its word shares,
    each piece weighted by its words; for a comment, also toxicity and constructiveness."""
    tones = [d._.tone for d in pieces if d._.tone is not None]
    if not tones:
        return {}
    tone = combined_tone(tones)
    out = {"tone": tone.tone, "tone_positive": tone.positive, "tone_negative": tone.negative}
    if doc_kind == "comment":
        out.update(comment_scores("".join(d.text for d in pieces), tone))
    return out
