"""The analysis stage of a batch: in this process, or in the long-lived worker pool."""
from __future__ import annotations

from tasks.core.prefect_task import batch_task
from tasks.ingest.batch import ParsedBatch
from tasks.ingest.documents import Doc
from tasks.nlp.analysis import Analysis
from tasks.nlp.pool import analyse_parallel


def analyse_in_process(docs: list[Doc], model: str) -> Analysis:
    """The spaCy pipeline in this process (tasks.nlp.analyse, which imports spaCy: only here, so
    that the flow's process does without it when workers do the analysis)."""
    from tasks.nlp.analyse import analyse_in_process as analyse

    return analyse(docs, model)


def analyse_docs(docs: list[Doc], model: str, n_process: int = 1, on_progress=None) -> Analysis:
    """Entity mention rows and event rows for the documents: in this process, or with
    `n_process` > 1 in that many long-lived worker processes. `on_progress(n)` hears of every
    `n` documents finished."""
    if n_process > 1 and len(docs) > 1:
        return analyse_parallel(docs, model, n_process, on_progress)
    if on_progress is None:
        return analyse_in_process(docs, model)
    out = Analysis()
    for i in range(0, len(docs), 64):  # nlp.pipe's own batch: pieces of it cost nothing extra
        out.extend(analyse_in_process(docs[i:i + 64], model))
        on_progress(len(docs[i:i + 64]))
    return out


@batch_task(name="analyse")
def analyse_task(parsed: ParsedBatch, model: str, n_process: int, on_progress=None) -> Analysis:
    """spaCy over one batch's documents: entity mention rows and event rows."""
    return analyse_docs(parsed.docs, model, n_process, on_progress)
