"""`newsflow validate`: the suites again, over everything in the warehouse."""
from __future__ import annotations

import uuid

from tasks.core.settings import Settings
from tasks.quality.validate import CheckResult, build_data_docs, result_rows, validate_tables
from warehouse import load
from warehouse.db import writer
from warehouse.query import read_tables


def validate_warehouse(settings: Settings) -> tuple[str, list[CheckResult]]:
    """(validation run id, results); results are recorded in validation_results and the Data Docs
    under the quality folder are updated."""
    tables = read_tables(settings.warehouse)
    articles, comments = tables["articles"], tables["comments"]
    texts = dict(zip(articles.column("article_id").to_pylist(), articles.column("body").to_pylist()))
    texts |= dict(zip(comments.column("comment_id").to_pylist(), comments.column("body").to_pylist()))
    owners = {a: a for a in articles.column("article_id").to_pylist()}
    owners |= dict(zip(comments.column("comment_id").to_pylist(), comments.column("article_id").to_pylist()))
    results = validate_tables(tables, texts, owners=owners, quality_dir=settings.quality_dir)
    build_data_docs(settings.quality_dir)
    run_id = f"validate-{uuid.uuid4()}"
    with writer(settings.warehouse) as con:
        load.record_validation(con, run_id, 0, result_rows(results))
    return run_id, results
