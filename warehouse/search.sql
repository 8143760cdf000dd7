-- Full-text search: the documents table, its BM25 index and the search_documents() table macro.
-- Run by warehouse/search.py in one transaction, with DuckDB's fts extension loaded, whenever
-- articles or comments changed since the last build. DuckDB's fts index cannot be appended to
-- (create_fts_index reads a whole table), so the documents and the index are rebuilt together.

-- documents: articles and comments as one table, what the index covers.
--   doc_id        article_id or comment_id
--   doc_kind      article | comment
--   article_id    the article, or the one the comment is under
--   title         the article's title; NULL for comments: a title repeated under every comment would
--                 make all of an article's comments match its headline's words
--   body          the stored body
--   published_at  comments: posted_at, else their article's published_at
-- Dropped and created rather than emptied: DuckDB keeps deleted rows' space in the table, and the
-- warehouse file would grow by a copy of every text at every rebuild.
DROP TABLE IF EXISTS documents;
CREATE TABLE documents AS
SELECT article_id AS doc_id, 'article' AS doc_kind, article_id, title, body, published_at FROM articles
UNION ALL
SELECT c.comment_id, 'comment', c.article_id, NULL, c.body, coalesce(c.posted_at, a.published_at)
FROM comments c JOIN articles a USING (article_id);
COMMENT ON TABLE documents IS 'Articles and comments as one table: what the full-text index (fts_main_documents) covers; rebuilt with it (warehouse/search.sql).';

PRAGMA create_fts_index('documents', 'doc_id', 'title', 'body',
                        stemmer = 'porter', stopwords = 'english', strip_accents = 1, lower = 1, overwrite = 1);

-- search_documents('rocket attack'[, kind := 'article'|'comment'][, since := DATE][, entity := ENTITY_ID]
--                  [, max_hits := 10]): documents ranked by BM25 over title and body (stemmed:
-- "rocket" finds "rockets"), best first, with a snippet around the matched words, every
-- matched word marked **like this**. `since` keeps documents published (comments: posted, or
-- their article published) on or after it; `entity` keeps documents that mention that canonical
-- entity (entities.entity_id). Created after the index, as it calls the index's own macros.
CREATE OR REPLACE MACRO search_documents(query_string, kind := NULL, since := NULL, entity := NULL,
                                         max_hits := NULL) AS TABLE
WITH ranked AS (
    SELECT d.doc_id, d.doc_kind, d.article_id, d.body, d.published_at,
           fts_main_documents.match_bm25(d.doc_id, query_string) AS score
    FROM documents d
    WHERE (kind IS NULL OR d.doc_kind = kind)
      AND (since IS NULL OR d.published_at >= CAST(since AS TIMESTAMPTZ))
      AND (entity IS NULL OR d.doc_id IN (SELECT doc_id FROM entities WHERE entity_id = entity))
),
top AS (
    SELECT * FROM ranked WHERE score IS NOT NULL
    ORDER BY score DESC, published_at DESC NULLS LAST, doc_id LIMIT max_hits
),
-- The query's words as the index knows them: tokenized and stemmed the same way, stopwords
-- (absent from the dictionary) left out so that "the" is never marked.
query_terms AS (
    SELECT coalesce(list(DISTINCT t), []) AS terms
    FROM (SELECT stem(unnest(fts_main_documents.tokenize(query_string)), 'porter') AS t)
    WHERE t IN (SELECT term FROM fts_main_documents.dict)
),
words AS (
    SELECT top.*, string_split_regex(trim(body), '\s+') AS w FROM top
),
hits AS (
    SELECT words.*,
           list_transform(w, x -> list_has_any(
               list_transform(fts_main_documents.tokenize(x), t -> stem(t, 'porter')), query_terms.terms)) AS hit
    FROM words, query_terms
),
-- The snippet is the 30 words around the densest run of matched words (of 20 words from a match),
-- the earliest among equals.
windows AS (
    SELECT hits.*,
           greatest(coalesce(list_sort(list_transform(list_filter(range(1, len(hit) + 1), i -> hit[i]),
                                                      i -> {'n': -len(list_filter(hit[i:i + 19], x -> x)), 'i': i}))[1].i,
                             1) - 5, 1) AS first_word
    FROM hits
)
SELECT round(h.score, 4) AS score,
       h.doc_kind AS kind,
       a.title,
       CAST(h.published_at AS DATE) AS date,
       CASE WHEN h.first_word > 1 THEN '… ' ELSE '' END
       || array_to_string(list_transform(h.w, (x, i) -> CASE WHEN h.hit[i] THEN '**' || x || '**' ELSE x END)
                          [h.first_word:h.first_word + 29], ' ')
       || CASE WHEN h.first_word + 29 < len(h.w) THEN ' …' ELSE '' END AS snippet,
       h.doc_id,
       h.article_id
FROM windows h JOIN articles a ON a.article_id = h.article_id
ORDER BY h.score DESC, h.published_at DESC NULLS LAST, h.doc_id;
