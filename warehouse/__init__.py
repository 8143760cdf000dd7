"""The DuckDB warehouse: schema, views, loading batches from the lake, and read-only querying."""
