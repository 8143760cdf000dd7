-- Queries behind `newsflow report`, one per chart or table, each under a `-- name:` line.
-- They read the analyst views (views.sql) through two temporary views that the report creates
-- first on its read-only connection, so that --since applies everywhere the same way:
--   report_articles(article_id)  articles published (or, undated, ingested) on or after --since
--   report_events                event_timeline rows dated on or after --since, with quad_class
-- {bucket} is day, week or month, chosen from the span of the dated events.

-- name: event_span
SELECT min(event_date) AS first_day, max(event_date) AS last_day,
       count(*) FILTER (WHERE event_date IS NULL) AS undated, count(*) AS events
FROM report_events;

-- name: events_by_type
SELECT date_trunc('{bucket}', event_date) AS period, event_type, count(*) AS events
FROM report_events WHERE event_date IS NOT NULL
GROUP BY ALL ORDER BY period, event_type;

-- name: events_by_quad
SELECT date_trunc('{bucket}', event_date) AS period, quad_class, count(*) AS events
FROM report_events WHERE event_date IS NOT NULL AND quad_class IS NOT NULL
GROUP BY ALL ORDER BY period, quad_class;

-- name: network
-- The pairs of actor_target_network (asserted or reported, not negated), summed over event types.
SELECT actor, target, sum(events) AS events,
       string_agg(event_type || ' ' || events, ', ' ORDER BY events DESC, event_type) AS event_types
FROM (SELECT actor, target, event_type, count(*) AS events FROM report_events
      WHERE actor IS NOT NULL AND target IS NOT NULL AND NOT negated AND modality IN ('asserted', 'reported')
      GROUP BY ALL)
GROUP BY actor, target ORDER BY events DESC, actor, target LIMIT {limit};

-- name: countries
-- Mentions of entities tied to a country, and events located in a place of that country.
WITH mentions AS (
    SELECT country_code, sum(mentions) FILTER (WHERE doc_kind = 'article') AS article_mentions,
           sum(mentions) FILTER (WHERE doc_kind = 'comment') AS comment_mentions,
           count(DISTINCT entity_id) AS entities
    FROM entity_mentions_by_doc
    WHERE country_code IS NOT NULL AND article_id IN (SELECT article_id FROM report_articles)
    GROUP BY country_code),
located AS (
    SELECT c.country_code, count(*) AS events
    FROM report_events t JOIN events e USING (event_id) JOIN entity_catalog c ON c.entity_id = e.location_entity_id
    WHERE c.country_code IS NOT NULL GROUP BY c.country_code)
SELECT country_code, coalesce(article_mentions, 0) AS article_mentions,
       coalesce(comment_mentions, 0) AS comment_mentions, coalesce(entities, 0) AS entities,
       coalesce(events, 0) AS events_located
FROM mentions FULL JOIN located USING (country_code)
ORDER BY article_mentions + comment_mentions + events_located DESC, country_code;

-- name: map_events
SELECT m.place, round(m.latitude, 3) AS latitude, round(m.longitude, 3) AS longitude,
       count(*) AS events, string_agg(DISTINCT m.event_type, ', ') AS event_types
FROM event_map m
WHERE m.event_id IN (SELECT event_id FROM report_events)
GROUP BY ALL ORDER BY events DESC, place;

-- name: map_places
SELECT canonical_name AS place, round(latitude, 3) AS latitude, round(longitude, 3) AS longitude,
       count(*) AS mentions
FROM entities
WHERE latitude IS NOT NULL AND longitude IS NOT NULL AND article_id IN (SELECT article_id FROM report_articles)
GROUP BY ALL ORDER BY mentions DESC, place;

-- name: top_entities
SELECT any_value(canonical_name) AS entity, any_value(entity_type) AS type,
       coalesce(sum(mentions) FILTER (WHERE doc_kind = 'article'), 0) AS in_articles,
       coalesce(sum(mentions) FILTER (WHERE doc_kind = 'comment'), 0) AS in_comments
FROM entity_mentions_by_doc
WHERE article_id IN (SELECT article_id FROM report_articles)
GROUP BY entity_id ORDER BY in_articles + in_comments DESC, entity LIMIT {limit};

-- name: comment_only
SELECT kind, item, sum(comment_mentions) AS comment_mentions, count(DISTINCT article_id) AS articles
FROM comment_reactions
WHERE NOT in_article AND article_id IN (SELECT article_id FROM report_articles)
GROUP BY ALL ORDER BY comment_mentions DESC, kind, item LIMIT {limit};

-- name: entity_tone
-- Mean sentiment toward the most-mentioned entities, in articles and in comments
-- (sentiment_score: P(positive) - P(negative), as the view entity_tone averages it).
WITH top AS (
    SELECT entity_id FROM entities
    WHERE sentiment_score IS NOT NULL AND article_id IN (SELECT article_id FROM report_articles)
    GROUP BY entity_id ORDER BY count(*) DESC, entity_id LIMIT {limit})
SELECT any_value(canonical_name) AS entity, doc_kind, round(avg(sentiment_score), 3) AS mean_sentiment,
       count(*) AS mentions
FROM entities
WHERE sentiment_score IS NOT NULL AND entity_id IN (SELECT entity_id FROM top)
  AND article_id IN (SELECT article_id FROM report_articles)
GROUP BY entity_id, doc_kind ORDER BY entity, doc_kind;

-- name: toxic_share
-- Share of each article's comments whose toxicity is at least {toxic}.
SELECT coalesce(a.title, a.source_path) AS article, count(*) AS comments,
       count(*) FILTER (WHERE c.toxicity >= {toxic}) AS toxic_comments,
       round(count(*) FILTER (WHERE c.toxicity >= {toxic}) / count(*), 3) AS toxic_share
FROM comments c JOIN articles a USING (article_id)
WHERE c.toxicity IS NOT NULL AND c.article_id IN (SELECT article_id FROM report_articles)
GROUP BY ALL ORDER BY toxic_share DESC, article;

-- name: article_tone
SELECT coalesce(title, source_path) AS article, round(tone, 3) AS tone, n_comments AS comments
FROM articles WHERE tone IS NOT NULL AND article_id IN (SELECT article_id FROM report_articles)
ORDER BY tone, article;

-- name: last_runs
SELECT left(run_id, 8) AS run, strftime(started_at, '%Y-%m-%d %H:%M') AS started, status,
       files_new, files_quarantined, articles, comments, entities, events,
       checks_failed, warnings, round(seconds, 1) AS seconds
FROM pipeline_runs ORDER BY started_at DESC LIMIT 10;

-- name: rows_per_table
SELECT 'articles' AS "table", count(*) AS "rows" FROM articles
UNION ALL SELECT 'comments', count(*) FROM comments
UNION ALL SELECT 'entities', count(*) FROM entities
UNION ALL SELECT 'events', count(*) FROM events
UNION ALL SELECT 'entity_catalog', count(*) FROM entity_catalog
UNION ALL SELECT 'quarantine', count(*) FROM quarantine;

-- name: failed_checks
-- Checks that failed in the latest validation of each table.
SELECT left(run_id, 8) AS run, table_name AS "table", expectation, column_name AS "column",
       CASE WHEN blocking THEN 'blocking' ELSE 'warning' END AS severity, unexpected_count AS unexpected,
       sample, strftime(validated_at, '%Y-%m-%d %H:%M') AS validated
FROM validation_results v
WHERE NOT success AND run_id = (SELECT run_id FROM validation_results w WHERE w.table_name = v.table_name
                                ORDER BY validated_at DESC LIMIT 1)
ORDER BY blocking DESC, "table", expectation, "column";

-- name: checks_summary
SELECT count(*) AS checks, count(*) FILTER (WHERE NOT success AND blocking) AS blocking_failed,
       count(*) FILTER (WHERE NOT success AND NOT blocking) AS warnings
FROM validation_results v
WHERE run_id = (SELECT run_id FROM validation_results w WHERE w.table_name = v.table_name
                ORDER BY validated_at DESC LIMIT 1);

-- name: quarantined
SELECT source_path, stage, reason, strftime(quarantined_at, '%Y-%m-%d %H:%M') AS quarantined
FROM quarantine ORDER BY quarantined_at DESC, source_path LIMIT 50;
