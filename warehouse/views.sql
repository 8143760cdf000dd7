-- Views for analysts: one question per view, named for it. Recreated at every writable connection.

-- When did what happen, with who and where by name.
CREATE OR REPLACE VIEW event_timeline AS
SELECT coalesce(e.date_resolved, CAST(a.published_at AS DATE)) AS event_date,
       e.date_precision, e.event_type, e.mode, e.modality, e.negated,
       coalesce(ca.canonical_name, e.actor) AS actor,
       coalesce(ct.canonical_name, e.target) AS target,
       coalesce(cl.canonical_name, e.location) AS location,
       e.fatalities, e.doc_kind, e.article_id, e.event_id, e.sentence
FROM events e
JOIN articles a USING (article_id)
LEFT JOIN entity_catalog ca ON ca.entity_id = e.actor_entity_id
LEFT JOIN entity_catalog ct ON ct.entity_id = e.target_entity_id
LEFT JOIN entity_catalog cl ON cl.entity_id = e.location_entity_id;

-- Which entities each document mentions, how often.
CREATE OR REPLACE VIEW entity_mentions_by_doc AS
SELECT doc_id, doc_kind, article_id, entity_id, any_value(canonical_name) AS canonical_name,
       any_value(entity_type) AS entity_type, any_value(country_code) AS country_code, count(*) AS mentions
FROM entities GROUP BY doc_id, doc_kind, article_id, entity_id;

-- Pairs of canonical entities named in the same sentence.
CREATE OR REPLACE VIEW entity_cooccurrence AS
SELECT a.entity_id AS entity_a, any_value(a.canonical_name) AS name_a,
       b.entity_id AS entity_b, any_value(b.canonical_name) AS name_b,
       count(DISTINCT a.doc_id || ':' || a.sentence_index) AS sentences
FROM entities a JOIN entities b
  ON a.doc_id = b.doc_id AND a.sentence_index = b.sentence_index AND a.entity_id < b.entity_id
GROUP BY a.entity_id, b.entity_id;

-- What comments bring up about their article: entities and event types, and whether the article did too.
CREATE OR REPLACE VIEW comment_reactions AS
SELECT c.article_id, 'entity' AS kind, m.canonical_name AS item, count(*) AS comment_mentions,
       bool_or(EXISTS (SELECT 1 FROM entities x WHERE x.doc_id = c.article_id AND x.entity_id = m.entity_id)) AS in_article
FROM comments c JOIN entities m ON m.doc_id = c.comment_id
GROUP BY c.article_id, m.canonical_name
UNION ALL
SELECT c.article_id, 'event', e.event_type, count(*),
       bool_or(EXISTS (SELECT 1 FROM events x WHERE x.doc_id = c.article_id AND x.event_type = e.event_type))
FROM comments c JOIN events e ON e.doc_id = c.comment_id
GROUP BY c.article_id, e.event_type;

-- Who acts on whom, by event type (asserted or reported, not negated).
CREATE OR REPLACE VIEW actor_target_network AS
SELECT coalesce(ca.canonical_name, e.actor) AS actor, coalesce(ct.canonical_name, e.target) AS target,
       e.event_type, count(*) AS events
FROM events e
LEFT JOIN entity_catalog ca ON ca.entity_id = e.actor_entity_id
LEFT JOIN entity_catalog ct ON ct.entity_id = e.target_entity_id
WHERE e.actor IS NOT NULL AND e.target IS NOT NULL AND NOT e.negated AND e.modality IN ('asserted', 'reported')
GROUP BY ALL;

-- Events on the map: where each event happened, from its location's resolved place (events
-- without a located place are left out: never the actor's country).
CREATE OR REPLACE VIEW event_map AS
SELECT e.event_id, e.event_type,
       coalesce(e.date_resolved, CAST(a.published_at AS DATE)) AS event_date,
       coalesce(c.canonical_name, e.location) AS place,
       e.location_latitude AS latitude, e.location_longitude AS longitude,
       coalesce(m.country_code, c.country_code) AS country,
       e.location_geonames_id AS geonames_id, e.location_entity_id,
       e.modality, e.negated, e.fatalities, e.doc_kind, e.article_id, e.sentence
FROM events e
JOIN articles a USING (article_id)
LEFT JOIN entity_catalog c ON c.entity_id = e.location_entity_id
LEFT JOIN (SELECT DISTINCT ON (geonames_id) geonames_id, country_code FROM entities
           WHERE geonames_id IS NOT NULL ORDER BY geonames_id, country_code) m
       ON m.geonames_id = e.location_geonames_id
WHERE e.location_latitude IS NOT NULL;

-- How each entity is treated, in articles and in comments: the sentiment of the sentences toward its mentions.
CREATE OR REPLACE VIEW entity_tone AS
SELECT entity_id, any_value(canonical_name) AS canonical_name, doc_kind, count(*) AS mentions,
       count(*) FILTER (WHERE sentiment = 'negative') AS negative,
       count(*) FILTER (WHERE sentiment = 'neutral') AS neutral,
       count(*) FILTER (WHERE sentiment = 'positive') AS positive,
       avg(sentiment_score) AS mean_score
FROM entities
WHERE sentiment IS NOT NULL
GROUP BY entity_id, doc_kind;
