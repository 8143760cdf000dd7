-- The lake's journal: file moves that make the Parquet lake hold exactly what the warehouse holds.
-- A load writes its rows here in the same transaction as its data, and carries them out after the
-- commit (tasks/lake.py, warehouse/load.py); rows left by a crash are carried out by the next load.

CREATE TABLE IF NOT EXISTS lake_journal (
    run_id  VARCHAR NOT NULL,        -- the run whose load recorded the move
    batch   INTEGER NOT NULL,
    action  VARCHAR NOT NULL,        -- publish: move staged over target | delete: remove target
    staged  VARCHAR,                 -- the hidden file with the new content (publish only)
    target  VARCHAR NOT NULL         -- the lake file readers see
);
COMMENT ON TABLE lake_journal IS 'Lake file moves committed with a load and not yet carried out (normally empty).';
