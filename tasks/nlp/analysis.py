"""What the analysis of a batch hands back to the flow: rows, per-document columns, failures and
where the time went. Its own module, without spaCy, so that the flow's process never imports the
NLP stack it leaves to the workers."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Analysis:
    mentions: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    doc_values: dict[str, dict] = field(default_factory=dict)
    """doc_id -> columns the analysis adds to that document's own row (article or comment)."""
    failed: dict[str, str] = field(default_factory=dict)
    """doc_id -> why the pipeline could not analyse that document."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Processor seconds per stage: "spacy" (the model and the gazetteer's ruler), each newsflow
    component by name, and "rows" (warehouse rows built from the Docs)."""

    def extend(self, other: "Analysis") -> None:
        self.mentions += other.mentions
        self.events += other.events
        self.doc_values.update(other.doc_values)
        self.failed.update(other.failed)
        for name, s in other.seconds.items():
            self.seconds[name] = self.seconds.get(name, 0.0) + s
