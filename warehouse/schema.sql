-- newsflow warehouse schema. Every row is traceable to its source file; every character offset
-- counts into the stored body of the document it names (body[start_char:end_char] = text).
-- Applied idempotently at every connection that writes.

CREATE TABLE IF NOT EXISTS articles (
    article_id     VARCHAR PRIMARY KEY,  -- hash of the source file's identity and page index
    source_path    VARCHAR NOT NULL,     -- the seed's path as given
    source_key     VARCHAR NOT NULL,     -- absolute path: a changed file replaces this source's rows
    source_sha256  VARCHAR NOT NULL,     -- content hash of the seed file
    page_index     INTEGER NOT NULL,     -- page number within the file (JSON Lines hold several)
    title          VARCHAR,              -- from front matter, JSON, HTML <title> or Markdown heading
    url            VARCHAR,
    publisher      VARCHAR,              -- publisher given by the seed's metadata
    cited_source   VARCHAR,              -- news source the text cites ("According to Reuters")
    published_at   TIMESTAMPTZ,          -- publication time when the seed gives it
    body           VARCHAR NOT NULL,     -- article text, paragraphs joined by newlines
    n_paragraphs   INTEGER NOT NULL,
    n_words        INTEGER NOT NULL,
    n_comments     INTEGER NOT NULL,
    language       VARCHAR,
    encoding       VARCHAR,              -- encoding the seed was decoded with
    segmentation   VARCHAR,              -- how comments were found: explicit|marker|model|single
    ingested_at    TIMESTAMPTZ NOT NULL,
    run_id         VARCHAR NOT NULL,     -- pipeline_runs.run_id that loaded it
    tone           FLOAT,                -- -1..1: VADER compound of the sentences, weighted by their words
    tone_positive  FLOAT,                -- 0..1: share of words VADER's lexicon rates positive (GDELT GKG style)
    tone_negative  FLOAT                 -- 0..1: share of words VADER's lexicon rates negative
);
COMMENT ON TABLE articles IS 'One row per news article (page) read from a seed file.';

CREATE TABLE IF NOT EXISTS comments (
    comment_id  VARCHAR PRIMARY KEY,     -- hash of article_id and position
    article_id  VARCHAR NOT NULL,        -- the article the comment is under
    position    INTEGER NOT NULL,        -- 0-based order under the article
    body        VARCHAR NOT NULL,
    n_words     INTEGER NOT NULL,
    author      VARCHAR,                 -- when the seed gives it
    posted_at   TIMESTAMPTZ,             -- when the seed gives it
    parent      VARCHAR,                 -- the replied-to comment, when the seed gives it
    run_id      VARCHAR NOT NULL,
    tone              FLOAT,             -- -1..1, as articles.tone
    tone_positive     FLOAT,             -- 0..1, share of positive words
    tone_negative     FLOAT,             -- 0..1, share of negative words
    toxicity          FLOAT,             -- 0..1: alt-profanity-check's probability of the comment's most offensive word (names aside)
    constructive      BOOLEAN,           -- constructiveness at or above its threshold
    constructiveness  FLOAT              -- 0..1: probability the comment is constructive (reasons, proposals, substance)
);
COMMENT ON TABLE comments IS 'Reader comments, first-class documents with their own entities and events.';

CREATE TABLE IF NOT EXISTS entities (
    mention_id      VARCHAR PRIMARY KEY, -- hash of doc_id and offsets
    doc_id          VARCHAR NOT NULL,    -- article_id or comment_id
    doc_kind        VARCHAR NOT NULL,    -- article | comment
    article_id      VARCHAR NOT NULL,    -- the article the document belongs to
    sentence_index  INTEGER NOT NULL,
    start_char      INTEGER NOT NULL,    -- offsets into the document's body
    end_char        INTEGER NOT NULL,
    text            VARCHAR NOT NULL,    -- the mention as written
    label           VARCHAR NOT NULL,    -- spaCy label of the mention (GPE, ORG, NORP, ...)
    entity_id       VARCHAR NOT NULL,    -- canonical entity (entity_catalog.entity_id)
    canonical_name  VARCHAR NOT NULL,
    entity_type     VARCHAR NOT NULL,    -- type of the canonical entity ("Iraqi" is NORP of GPE Iraq)
    country_code    VARCHAR,             -- ISO-3166 alpha-3 where one applies (for a place: the place's country)
    sector          VARCHAR,             -- GOV, MIL, REB, IGO, MED, ... where the gazetteer knows it
    -- The place a GPE/LOC/FAC mention (or a country's NORP, "Iraqi") names, resolved to GeoNames;
    -- all NULL when the mention is no place or no place fits (tasks/nlp/places.py):
    geonames_id     BIGINT,              -- GeoNames id of the place (NULL for a place GeoNames data here lacks an id for)
    latitude        DOUBLE,              -- the place's point, WGS84 degrees (-90..90)
    longitude       DOUBLE,              -- WGS84 degrees (-180..180)
    feature_class   VARCHAR,             -- continent | country | first-level division | second-level division | populated place
    admin1_code     VARCHAR,             -- GeoNames first-level division code of the place ("TX", "07"); NULL for countries
    sentiment       VARCHAR,             -- negative | neutral | positive: how the sentence treats this mention
    sentiment_score FLOAT,               -- -1..1: P(positive) - P(negative) toward this mention
    mention_form    VARCHAR              -- name | pronoun ("she" after "Angela Merkel": the entity's columns are hers)
);
COMMENT ON TABLE entities IS 'Entity mentions in articles and comments, each tied to one canonical entity.';

CREATE TABLE IF NOT EXISTS events (
    event_id            VARCHAR PRIMARY KEY, -- hash of doc_id, trigger offsets and type
    doc_id              VARCHAR NOT NULL,
    doc_kind            VARCHAR NOT NULL,
    article_id          VARCHAR NOT NULL,
    sentence_index      INTEGER NOT NULL,
    trigger             VARCHAR NOT NULL,    -- the words that tell the event
    trigger_lemma       VARCHAR,
    trigger_start       INTEGER NOT NULL,    -- offsets into the document's body
    trigger_end         INTEGER NOT NULL,
    event_type          VARCHAR NOT NULL,    -- PLOVER-aligned type (ASSAULT, CONSULT, ...)
    mode                VARCHAR,             -- sub-type where clear (rockets, drones, air strike, ...)
    actor               VARCHAR,             -- who did it, as written
    actor_entity_id     VARCHAR,
    actor_sector        VARCHAR,
    target              VARCHAR,             -- to whom or what
    target_entity_id    VARCHAR,
    target_sector       VARCHAR,
    location            VARCHAR,             -- where: a named place, else a place noun ("the training centre")
    location_entity_id  VARCHAR,             -- set only for a named place
    location_geonames_id BIGINT,             -- GeoNames id of the location's place
    location_latitude   DOUBLE,              -- the location's point (WGS84); NULL without a resolved
    location_longitude  DOUBLE,              --   location: never the actor's country
    date_text           VARCHAR,             -- the date expression as written
    date_resolved       DATE,                -- resolved against the publication date when known
    date_precision      VARCHAR,             -- day | month | year
    modality            VARCHAR NOT NULL,    -- asserted | reported | hypothetical | demanded
    negated             BOOLEAN NOT NULL,    -- the text says it did not happen
    attribution_source  VARCHAR,             -- who reports it ("Reuters", "US officials")
    fatalities          INTEGER,
    injured             INTEGER,
    quad_class          TINYINT,             -- GDELT quad class: 1 verbal coop .. 4 material conflict
    intensity           TINYINT,             -- conflict (-10) to cooperation (+10) for the type
    confidence          FLOAT,
    event_cluster_id    VARCHAR,             -- mentions of one event within a document
    sentence            VARCHAR NOT NULL,    -- the sentence's text
    sentence_start      INTEGER              -- where the sentence starts in the body
);
COMMENT ON TABLE events IS 'Events told in the text: who did what to whom, where, when, and how the text says it.';

CREATE TABLE IF NOT EXISTS entity_catalog (
    entity_id       VARCHAR PRIMARY KEY,
    canonical_name  VARCHAR NOT NULL,
    entity_type     VARCHAR NOT NULL,
    country_code    VARCHAR,
    sector          VARCHAR,
    geonames_id     BIGINT,              -- for a place: the GeoNames place its mentions resolve to most often
    latitude        DOUBLE,              --   and that place's point,
    longitude       DOUBLE,
    feature_class   VARCHAR,             --   feature class
    admin1_code     VARCHAR,             --   and first-level division code
    aliases         VARCHAR[],           -- surface forms seen
    n_mentions      BIGINT NOT NULL,
    n_documents     BIGINT NOT NULL,
    n_articles      BIGINT NOT NULL      -- articles whose text or comments mention it
);
COMMENT ON TABLE entity_catalog IS 'One row per canonical entity, rebuilt from entities at every load.';

CREATE TABLE IF NOT EXISTS ingest_manifest (
    source_key      VARCHAR PRIMARY KEY, -- absolute path of the seed file
    source_path     VARCHAR NOT NULL,
    source_sha256   VARCHAR NOT NULL,
    size_bytes      BIGINT,
    status          VARCHAR NOT NULL,    -- loaded | quarantined | duplicate | stale (the current
                                         -- content was quarantined; the rows of the last loaded version stay)
    duplicate_of    VARCHAR,             -- source_key with the same content, for duplicates
    n_articles      INTEGER,
    run_id          VARCHAR NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE ingest_manifest IS 'Every seed file seen, by content hash: what makes reruns no-ops.';

CREATE TABLE IF NOT EXISTS pipeline_runs (
    run_id              VARCHAR PRIMARY KEY,
    flow_run_id         VARCHAR,
    started_at          TIMESTAMPTZ NOT NULL,
    finished_at         TIMESTAMPTZ,
    status              VARCHAR NOT NULL,    -- running (from its start; left so by a kill until the next run
                                             -- marks it failed) | completed | failed | skipped
    seeds               VARCHAR,             -- the seed folders and files given
    files_seen          INTEGER,
    files_new           INTEGER,
    files_unchanged     INTEGER,
    files_waiting       INTEGER,             -- still being written; picked up next run
    files_duplicate     INTEGER,
    files_quarantined   INTEGER,
    articles            INTEGER,             -- rows loaded by this run
    comments            INTEGER,
    entities            INTEGER,
    events              INTEGER,
    checks_failed       INTEGER,             -- blocking checks that failed
    warnings            INTEGER,             -- warning checks that failed
    seconds             DOUBLE
);
COMMENT ON TABLE pipeline_runs IS 'One row per ingest run, from its start, including runs that found nothing new or failed.';
-- Added after the first release: warehouses created before get them here.
ALTER TABLE pipeline_runs ADD COLUMN IF NOT EXISTS error VARCHAR;            -- why a failed run failed
ALTER TABLE pipeline_runs ADD COLUMN IF NOT EXISTS files_vanished INTEGER;   -- loaded earlier, gone from the folder now
ALTER TABLE pipeline_runs ADD COLUMN IF NOT EXISTS files_pruned INTEGER;     -- of those, rows removed (run --prune)
ALTER TABLE entities ADD COLUMN IF NOT EXISTS mention_form VARCHAR DEFAULT 'name'; -- before pronouns were mentions, all were names

CREATE TABLE IF NOT EXISTS run_stages (
    run_id   VARCHAR NOT NULL,            -- pipeline_runs.run_id
    stage    VARCHAR NOT NULL,            -- discover | parse | analysis (waiting for workers) | tables | parquet |
                                          -- checks | load | data docs | search index | report, or, timed by
                                          -- the workers: spacy | newsflow_entities | newsflow_places |
                                          -- newsflow_events | newsflow_tone | rows | ...
    clock    VARCHAR NOT NULL,            -- flow: wall seconds in the flow's process; workers: processor
                                          -- seconds summed over the analysis workers
    seconds  DOUBLE NOT NULL,
    PRIMARY KEY (run_id, stage, clock)
);
COMMENT ON TABLE run_stages IS 'Where each run''s time went, per stage, summed over its batches.';

CREATE TABLE IF NOT EXISTS validation_results (
    run_id            VARCHAR NOT NULL,
    batch             INTEGER NOT NULL,
    table_name        VARCHAR NOT NULL,
    expectation       VARCHAR NOT NULL,
    column_name       VARCHAR,
    blocking          BOOLEAN NOT NULL,
    success           BOOLEAN NOT NULL,
    unexpected_count  BIGINT NOT NULL,
    sample            VARCHAR,           -- JSON list of a few unexpected values
    validated_at      TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE validation_results IS 'Great Expectations results per run, batch, table and expectation.';

CREATE TABLE IF NOT EXISTS quarantine (
    run_id           VARCHAR NOT NULL,
    source_path      VARCHAR NOT NULL,
    source_key       VARCHAR NOT NULL,
    source_sha256    VARCHAR,
    stage            VARCHAR NOT NULL,   -- read | parse | analyse | validate
    reason           VARCHAR NOT NULL,
    quarantine_path  VARCHAR,            -- copy of the file under the data dir's quarantine/ (no more readable
                                         -- than the original); NULL when not copied: larger than 2 MB,
                                         -- or refused unread (source_path and source_sha256 identify it)
    quarantined_at   TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE quarantine IS 'Seed files kept out of the warehouse, with the reason.';

-- The full-text index's tables (documents, fts_main_documents.*) and the search_documents() macro
-- are built by warehouse/search.sql after a run changes articles or comments.
CREATE TABLE IF NOT EXISTS search_index_builds (
    built_at     TIMESTAMPTZ NOT NULL,
    run_id       VARCHAR,                -- the run after whose load it was built
    articles     BIGINT NOT NULL,        -- documents indexed, by kind
    comments     BIGINT NOT NULL,
    seconds      DOUBLE NOT NULL,        -- what the rebuild cost
    fingerprint  VARCHAR NOT NULL        -- of the articles and comments indexed: unchanged means no rebuild
);
COMMENT ON TABLE search_index_builds IS 'One row per build of the full-text index; the latest says how current search is.';
