"""Arrow schemas of the lake tables: one definition that the lake, validation and loading share.
warehouse/schema.sql declares the same columns (a test keeps the two in step)."""
from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

ARTICLES = pa.schema([
    ("article_id", pa.string()), ("source_path", pa.string()), ("source_key", pa.string()),
    ("source_sha256", pa.string()), ("page_index", pa.int32()), ("title", pa.string()),
    ("url", pa.string()), ("publisher", pa.string()), ("cited_source", pa.string()),
    ("published_at", TS), ("body", pa.string()), ("n_paragraphs", pa.int32()), ("n_words", pa.int32()),
    ("n_comments", pa.int32()), ("language", pa.string()), ("encoding", pa.string()),
    ("segmentation", pa.string()), ("ingested_at", TS), ("run_id", pa.string()),
    ("tone", pa.float32()), ("tone_positive", pa.float32()), ("tone_negative", pa.float32()),
])

COMMENTS = pa.schema([
    ("comment_id", pa.string()), ("article_id", pa.string()), ("position", pa.int32()),
    ("body", pa.string()), ("n_words", pa.int32()), ("author", pa.string()), ("posted_at", TS),
    ("parent", pa.string()), ("run_id", pa.string()),
    ("tone", pa.float32()), ("tone_positive", pa.float32()), ("tone_negative", pa.float32()),
    ("toxicity", pa.float32()), ("constructive", pa.bool_()), ("constructiveness", pa.float32()),
])

ENTITIES = pa.schema([
    ("mention_id", pa.string()), ("doc_id", pa.string()), ("doc_kind", pa.string()),
    ("article_id", pa.string()), ("sentence_index", pa.int32()), ("start_char", pa.int32()),
    ("end_char", pa.int32()), ("text", pa.string()), ("label", pa.string()), ("entity_id", pa.string()),
    ("canonical_name", pa.string()), ("entity_type", pa.string()), ("country_code", pa.string()),
    ("sector", pa.string()),
    # The place a GPE/LOC/FAC (or a country's NORP) mention names, when resolved (tasks/nlp/places.py).
    ("geonames_id", pa.int64()), ("latitude", pa.float64()), ("longitude", pa.float64()),
    ("feature_class", pa.string()), ("admin1_code", pa.string()),
    ("sentiment", pa.string()), ("sentiment_score", pa.float32()),
    ("mention_form", pa.string()),
])

EVENTS = pa.schema([
    ("event_id", pa.string()), ("doc_id", pa.string()), ("doc_kind", pa.string()),
    ("article_id", pa.string()), ("sentence_index", pa.int32()), ("trigger", pa.string()),
    ("trigger_lemma", pa.string()), ("trigger_start", pa.int32()), ("trigger_end", pa.int32()),
    ("event_type", pa.string()), ("mode", pa.string()), ("actor", pa.string()),
    ("actor_entity_id", pa.string()), ("actor_sector", pa.string()), ("target", pa.string()),
    ("target_entity_id", pa.string()), ("target_sector", pa.string()), ("location", pa.string()),
    ("location_entity_id", pa.string()),
    ("location_geonames_id", pa.int64()), ("location_latitude", pa.float64()), ("location_longitude", pa.float64()),
    ("date_text", pa.string()), ("date_resolved", pa.date32()),
    ("date_precision", pa.string()), ("modality", pa.string()), ("negated", pa.bool_()),
    ("attribution_source", pa.string()), ("fatalities", pa.int32()), ("injured", pa.int32()),
    ("quad_class", pa.int8()), ("intensity", pa.int8()), ("confidence", pa.float32()),
    ("event_cluster_id", pa.string()), ("sentence", pa.string()), ("sentence_start", pa.int32()),
])

TABLES: dict[str, pa.Schema] = {"articles": ARTICLES, "comments": COMMENTS, "entities": ENTITIES, "events": EVENTS}
"""The lake tables, in load order (parents before children)."""


def to_table(name: str, rows: list[dict]) -> pa.Table:
    schema = TABLES[name]
    return pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
