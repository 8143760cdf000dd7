"""The spaCy pipeline, built in one place from settings: the statistical model, its entities kept
aside, the gazetteer's entity ruler after its NER (gazetteer names and types overwrite the model's
guesses where they overlap), then newsflow's own registered components: entity canonicalization,
places (toponyms found and resolved to GeoNames), event extraction and tone."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

import tasks.nlp.entities  # noqa: F401  (registers the newsflow_entities factory)
import tasks.nlp.events  # noqa: F401  (registers the newsflow_events factory)
import tasks.nlp.places  # noqa: F401  (registers the newsflow_places factory)
import tasks.nlp.tone  # noqa: F401  (registers the newsflow_tone factory)
from tasks.nlp.gazetteer import GAZETTEER_DIR, load_gazetteer, ruler_patterns
from tasks.nlp.model_names import candidates, not_installed

COMPONENTS = ("newsflow_entities", "newsflow_places", "newsflow_events", "newsflow_tone")
"""newsflow's components, in pipeline order, after the model's own."""


def _load_model(name: str) -> Language:
    for candidate in candidates(name):
        try:
            return spacy.load(candidate)
        except OSError:
            continue
    raise not_installed(name)


@lru_cache(maxsize=2)
def build_pipeline(model: str, gazetteer_dir: Path = GAZETTEER_DIR) -> Language:
    """The model with the gazetteer's entity ruler and newsflow's components, cached per process.
    A pipeline saved with `nlp.to_disk` loads back with `spacy.load` (the factories are found
    through the package's `spacy_factories` entry points)."""
    nlp = _load_model(model)
    if "newsflow_entities" in nlp.pipe_names:  # a saved newsflow pipeline: complete already
        return nlp
    gaz = load_gazetteer(gazetteer_dir)
    # After the NER, not before it: newsflow_entities needs the model's own reading of a name the
    # gazetteer cuts short, and reading it again with the gazetteer's matches removed cost a
    # second NER pass over a tenth of the documents (a third of the component's time).
    nlp.add_pipe("newsflow_model_entities")
    ruler = nlp.add_pipe(
        "entity_ruler",
        config={"phrase_matcher_attr": "ORTH", "overwrite_ents": True},
    )
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(ruler_patterns(gaz))
    # Shipped data is found by the component itself, so a saved pipeline names no install path.
    nlp.add_pipe("newsflow_entities", config={} if gazetteer_dir == GAZETTEER_DIR else {"gazetteer_dir": str(gazetteer_dir)})
    nlp.add_pipe("newsflow_places")
    nlp.add_pipe("newsflow_events")
    nlp.add_pipe("newsflow_tone")
    return nlp
