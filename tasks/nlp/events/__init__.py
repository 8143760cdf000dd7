"""Event extraction as the spaCy component `newsflow_events`: who did what to whom, where and when,
and how the text tells it. The rules are data (tasks/nlp/data/events/*.jsonl, read and checked by
`rules.py`); `extract.py` applies them over the dependency parse; `cluster.py` joins mentions of one
event in a document."""
from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc as SpacyDoc
from spacy.tokens import Span

from tasks.nlp.events.cluster import cluster_mentions
from tasks.nlp.events.extract import EVENTS, EventMention, find_events
from tasks.nlp.events.rules import PATTERNS_DIR, EventRules, load_rules, role_matcher

__all__ = ["EVENTS", "EventMention", "EventExtractor", "EventRules", "PATTERNS_DIR", "cluster_mentions",
           "find_events", "load_rules", "make_event_extractor"]


class EventExtractor:
    """spaCy component: the events a Doc tells, as trigger spans in `doc.spans["events"]` with
    `span._.event` (an EventMention). Reads the entity mentions that `newsflow_entities` left."""

    def __init__(self, nlp: Language, name: str, patterns_dir: str | None):
        self.name = name
        self.rules = load_rules(Path(patterns_dir) if patterns_dir else PATTERNS_DIR)
        self.roles_matcher = role_matcher(self.rules, nlp.vocab)

    def __call__(self, doc: SpacyDoc) -> SpacyDoc:
        spans = []
        for trigger, event in find_events(doc, self.rules, self.roles_matcher):
            span = Span(doc, trigger.start, trigger.end, label=event.event_type)
            span._.event = event
            spans.append(span)
        doc.spans[EVENTS] = spans
        return doc


@Language.factory("newsflow_events", default_config={"patterns_dir": None}, requires=["doc.spans"])
def make_event_extractor(nlp: Language, name: str, patterns_dir: str | None):
    """`patterns_dir`: a folder of event pattern files laid out as tasks/nlp/data/events/ (the
    default, found by the component itself so that a saved pipeline names no install path)."""
    return EventExtractor(nlp, name, patterns_dir)
