"""The event rules, read from the pattern files in tasks/nlp/data/events/ and checked at load.

Every file is JSON Lines: one small object per line (a trigger, a phrasal verb, a rule, a word set),
with an optional `comment` saying why. A line that breaks its file's schema stops the run with
`DataFileError(path, line, reason)`. The files:

- types.jsonl          one event type per line: GDELT quad class, PLOVER intensity, `done_to`
- triggers.jsonl       spaCy Matcher patterns of one token, grouped by type: `{"type": "ASSAULT",
                       "pattern": [{"LEMMA": "attack", "POS": "VERB"}]}`. POS is the word class the
                       trigger is read as: VERB (a verb or auxiliary), NOUN (a common or proper noun;
                       also matched by its lower-cased form: "supplies", a capitalised "Attack") or
                       ADJ (a predicative adjective: "left eight dead")
- phrasal_verbs.jsonl  verb + particle ("draw down")
- verb_objects.jsonl   verb + the lemma of its object ("ship arms")
- object_rules.jsonl   what a verb acts on decides its type, its mode, or that it tells no event
- modifier_senses.jsonl a noun's modifier picks its sense ("hunger strike" is PROTEST)
- context_rules.jsonl  a word in the sentence changes a trigger's type ("raid" with arrests)
- modes.jsonl          words in the trigger's clause that tell how it was done ("rocket")
- numbers.jsonl        number words, for casualty counts
- roles.jsonl          argument roles as spaCy DependencyMatcher patterns: node "trigger" is the
                       event's trigger, node "actor" or "target" the argument ("an attack on X")
- trigger_cues.jsonl, arguments.jsonl, modality.jsonl, causes.jsonl: named word sets
  (`{"name": ..., "words": [...], "comment": ...}`) read by the trigger, argument, modality and
  cause rules; every name the code reads must be there, and no other.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy
from spacy.matcher import DependencyMatcher, Matcher
from spacy.strings import get_string_id
from spacy.vocab import Vocab

from tasks.core.errors import DataFileError

PATTERNS_DIR = Path(__file__).resolve().parents[1] / "data" / "events"

WORD_CLASSES = {"VERB": ["VERB", "AUX"], "NOUN": ["NOUN", "PROPN"], "ADJ": ["ADJ"]}
"""A trigger pattern's POS -> the spaCy parts of speech it matches."""

WORD_SET_FILES = {
    "trigger_cues.jsonl": ("want_verbs", "clause_heads", "light_verbs", "undergoing_verbs", "named_not_events",
                           "temporal_preps"),
    "arguments.jsonl": ("loss_verbs", "undergoer_subject", "victim_subject", "people", "quantity_heads",
                        "relative_pronouns", "containing_verbs", "measure_preps", "place_labels", "place_preps",
                        "common_place_preps", "place_nouns", "kill_lemmas", "injure_lemmas", "topic_preps",
                        "demonstratives", "actor_labels", "time_labels", "date_labels",
                        "definite_determiners", "town_labels"),
    "modality.jsonl": ("negators", "negating_determiners", "hypothetical_aux", "hypothetical_adverbs",
                       "hypothetical_heads", "hypothetical_marks", "demand_heads", "speech_verbs",
                       "according_to", "rhetorical_determiners", "generic_determiners", "intent_heads",
                       "question_marks", "knowing_verbs", "asked_for_preps", "additive_focus"),
    "causes.jsonl": ("non_violent_causes", "accidental_compounds", "blast_lemmas", "natural_hazards",
                     "outcome_lemmas", "accident_cause_preps", "death_cause_preps", "death_noun_cause_preps",
                     "violent_causes", "death_lemmas", "accident_modifiers"),
}
"""Which named word sets each word-set file holds: exactly these."""

_SCHEMAS: dict[str, dict[str, tuple[tuple[type, ...], bool]]] = {
    "types.jsonl": {"type": ((str,), True), "quad_class": ((int,), True), "intensity": ((int,), True),
                    "done_to": ((bool,), False), "topical": ((bool,), False), "demand": ((bool,), False),
                    "told_by_modifiers": ((bool,), False), "casualties": ((bool,), False),
                    "noun_needs_actor": ((bool,), False), "noun_needs_participant": ((bool,), False),
                    "comment": ((str,), False)},
    "triggers.jsonl": {"type": ((str,), True), "pattern": ((list,), True), "comment": ((str,), False)},
    "phrasal_verbs.jsonl": {"type": ((str,), True), "verb": ((str,), True), "particle": ((str,), True),
                            "comment": ((str,), False)},
    "verb_objects.jsonl": {"type": ((str,), True), "verb": ((str,), True), "object": ((str,), True),
                           "comment": ((str,), False)},
    "object_rules.jsonl": {"type": ((str, type(None)), True), "mode": ((str,), False), "verbs": ((list,), True),
                           "prep": ((str,), False), "objects": ((list,), True),
                           "object_entities": ((list,), False), "comment": ((str,), True)},
    "modifier_senses.jsonl": {"noun": ((str,), True), "type": ((str,), True), "modifiers": ((list,), True),
                              "comment": ((str,), True)},
    "context_rules.jsonl": {"from": ((str,), True), "lemmas": ((list,), True), "context": ((list,), True),
                            "type": ((str,), True), "mode": ((str, type(None)), False), "comment": ((str,), True)},
    "modes.jsonl": {"type": ((str,), True), "mode": ((str,), True), "words": ((list,), True),
                    "comment": ((str,), False)},
    "numbers.jsonl": {"word": ((str,), True), "value": ((int,), True), "comment": ((str,), False)},
    "roles.jsonl": {"name": ((str,), True), "role": ((str,), True), "pattern": ((list,), True), "comment": ((str,), True)},
}

ROLE_RULES = ("aimed_at", "verb_target", "verb_object_target", "noun_actor", "noun_target", "done_to")
"""The argument-role rules of roles.jsonl, each a DependencyMatcher pattern whose node "trigger" is
the event's trigger and whose node named by its role ("actor", "target") is the argument."""
_WORD_SET_SCHEMA = {"name": ((str,), True), "words": ((list,), True), "comment": ((str,), True)}


@dataclass(frozen=True)
class ObjectRule:
    type: str | None
    mode: str | None
    verbs: frozenset[str]
    objects: frozenset[str]
    object_entities: frozenset[str]
    prep: str | None


@dataclass(frozen=True)
class ContextRule:
    from_type: str
    lemmas: frozenset[str]
    context: frozenset[str]
    type: str
    mode: str | None


@dataclass(frozen=True)
class EventRules:
    """Everything the event extractor reads, from one folder of pattern files."""

    directory: str
    trigger_patterns: tuple[tuple[str, str, str], ...]
    """(type, word class, lemma) of every trigger pattern, in file order."""
    phrasal: dict[str, str]
    verb_object: dict[str, str]
    object_rules: tuple[ObjectRule, ...]
    noun_modifier_types: dict[str, dict[str, frozenset[str]]]
    context_rules: tuple[ContextRule, ...]
    modes: dict[str, dict[str, str]]
    quad_class: dict[str, int]
    intensity: dict[str, int]
    done_to: frozenset[str]
    topical: frozenset[str]
    """Types whose "on/about X" is a topic, not a target ("talks on the future")."""
    told_by_modifiers: frozenset[str]
    """Types a participle or noun modifying another noun still tells ("wounded soldiers")."""
    demand_type: str
    casualty_types: frozenset[str]
    actor_needed: frozenset[str]
    """Types whose nouns tell an event only with someone doing it ("Iran's threat", not "the threat of terrorism")."""
    participant_needed: frozenset[str]
    """Types whose nouns tell an event only when the text says who took part, or where or when it
    was ("police detained him ... released from custody": a state, no event; "the talks involved")."""
    """Types whose deaths and injuries are counted, unless nature, illness or accident caused them."""
    """The type of "want X to ..." and "voted to ..."."""
    numbers: dict[str, int]
    role_patterns: tuple[tuple[str, str, list], ...]
    """(name, role, DependencyMatcher pattern) of every argument-role rule."""
    words: dict[str, frozenset[str]]
    """Named word sets (trigger_cues, arguments, modality, causes)."""

    def __post_init__(self):
        types: dict[str, dict[str, str]] = {}
        for etype, cls, lemma in self.trigger_patterns:
            types.setdefault(cls, {})[lemma] = etype
        object.__setattr__(self, "_types", types)
        object.__setattr__(self, "_nouns", frozenset(types.get("NOUN", {})))
        first_words = {lemma for _, _, lemma in self.trigger_patterns}
        first_words |= {pair.split()[0] for pair in (*self.phrasal, *self.verb_object)}
        first_words |= {verb for rule in self.object_rules for verb in rule.verbs}
        first_words |= self.words["want_verbs"] | self.words["clause_heads"]
        # A capitalised or upper-case lemma ("Attack" read as a name) is still the word.
        keys = {get_string_id(v) for w in first_words for v in (w, w.capitalize(), w.upper())}
        object.__setattr__(self, "_first_word_keys", numpy.sort(numpy.fromiter(keys, dtype=numpy.uint64, count=len(keys))))
        deps: set[str] | None = set()
        for _, _, pattern in self.role_patterns:
            for node in pattern:
                if node.get("LEFT_ID") == "trigger" and deps is not None:
                    dep = node.get("RIGHT_ATTRS", {}).get("DEP")
                    deps = deps | {dep} if isinstance(dep, str) else deps | set(dep["IN"]) \
                        if isinstance(dep, dict) and set(dep) == {"IN"} else None
        object.__setattr__(self, "_role_child_deps", frozenset(deps) if deps is not None else None)
        # How far below its trigger a role rule's nodes hang, when every node is a child (">") of
        # the one before it: the matcher need read no further down.
        depth: int | None = 0
        for _, _, pattern in self.role_patterns:
            hops = {"trigger": 0}
            for node in pattern:
                if "LEFT_ID" not in node:
                    continue
                if node.get("REL_OP") != ">" or node["LEFT_ID"] not in hops:
                    depth = None
                    break
                hops[node["RIGHT_ID"]] = hops[node["LEFT_ID"]] + 1
            if depth is None:
                break
            depth = max(depth, *hops.values())
        object.__setattr__(self, "_role_depth", depth)

    @property
    def role_child_deps(self) -> frozenset[str] | None:
        """The dependency labels a role rule asks of the trigger's child ("prep"): a trigger with no
        child of these has no role match. None when some rule asks none (any child may do)."""
        return self._role_child_deps

    @property
    def role_depth(self) -> int | None:
        """How many child links below its trigger the deepest role rule node lies; None when some
        rule asks another relation than a child (">"), which may reach anywhere in the subtree."""
        return self._role_depth

    @property
    def first_word_keys(self) -> "numpy.ndarray":
        """String ids (sorted) of every word a trigger rule starts with (a trigger lemma, the verb of a phrasal
        verb, of a verb-object pair or of an object rule, a want verb, a clause head): a token whose
        lemma and form are none of these triggers nothing."""
        return self._first_word_keys

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(self.quad_class)

    @property
    def nouns(self) -> frozenset[str]:
        """Lemmas of the nominal triggers: events, never participants."""
        return self._nouns

    def matcher(self, vocab: Vocab) -> Matcher:
        """A spaCy Matcher of the trigger patterns; a match's key is the word class."""
        # One pattern per word class, its lemmas as a set (the type is looked up from the lemma):
        # the same matches as one pattern per line, at a fraction of the cost.
        lemmas: dict[str, list[str]] = {}
        for _, cls, lemma in self.trigger_patterns:
            lemmas.setdefault(cls, []).append(lemma)
        matcher = Matcher(vocab, validate=True)
        for cls, words in lemmas.items():
            pos = {"IN": WORD_CLASSES[cls]}
            variants = [[{"LEMMA": {"IN": words}, "POS": pos}]]
            if cls == "NOUN":
                variants.append([{"LOWER": {"IN": words}, "POS": pos}])
            matcher.add(cls, variants)
        return matcher

    def trigger_type(self, word_class: str, *forms: str) -> str | None:
        """The type the trigger patterns give a word of the class, by lemma or (nouns) its own form."""
        by_lemma = self._types.get(word_class, {})
        return next((by_lemma[f] for f in forms if f in by_lemma), None)


def role_matcher(rules: "EventRules", vocab: Vocab) -> DependencyMatcher:
    """A spaCy DependencyMatcher of the argument-role rules; a match's key is the rule's name."""
    matcher = DependencyMatcher(vocab, validate=True)
    for name, _, pattern in rules.role_patterns:
        matcher.add(name, [pattern])
    return matcher


class _File:
    """One pattern file's entries with their line numbers; `fail` raises the file's error."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: list[tuple[int, dict]] = []
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise DataFileError(str(path), None, f"cannot read the pattern file: {exc.strerror or exc}") from exc
        schema = _SCHEMAS.get(path.name, _WORD_SET_SCHEMA)
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError as exc:
                self.fail(number, f"not a JSON object: {exc}")
            if not isinstance(entry, dict):
                self.fail(number, "not a JSON object")
            for key in entry:
                if key not in schema:
                    self.fail(number, f"unknown key {key!r} (allowed: {', '.join(schema)})")
            for key, (kinds, required) in schema.items():
                if key not in entry:
                    if required:
                        self.fail(number, f"missing {key!r}")
                    continue
                value = entry[key]
                if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
                    self.fail(number, f"{key!r} must be {' or '.join('null' if k is type(None) else k.__name__ for k in kinds)}")
                if key == "comment" and not value.strip():
                    self.fail(number, "'comment' is empty: say why the entry is there")
                if isinstance(value, list):
                    if not value:
                        self.fail(number, f"{key!r} is empty")
                    if key != "pattern" and not all(isinstance(w, str) and w and w == w.strip() for w in value):
                        self.fail(number, f"{key!r} must hold non-empty words without surrounding spaces")
            self.entries.append((number, entry))

    def fail(self, line: int | None, reason: str):
        raise DataFileError(str(self.path), line, reason)


def _lower(file: _File, line: int, entry: dict, *keys: str) -> None:
    for key in keys:
        values = entry[key] if isinstance(entry[key], list) else [entry[key]]
        for value in values:
            if value != value.lower():
                file.fail(line, f"{key!r} must be lower case: {value!r}")


@lru_cache(maxsize=4)
def load_rules(directory: str | Path = PATTERNS_DIR) -> EventRules:
    """The event rules from a folder of pattern files (default: the shipped ones), checked."""
    directory = Path(directory)
    vocab = Vocab()

    types = _File(directory / "types.jsonl")
    quad, intensity, done_to, topical, modifiers, demand, casualties, needs_actor = {}, {}, set(), set(), set(), [], set(), set()
    needs_participant = set()
    for line, e in types.entries:
        if e["type"] in quad:
            types.fail(line, f"type {e['type']} defined twice")
        if e["type"] != e["type"].upper():
            types.fail(line, f"type {e['type']!r} must be upper case")
        if not 1 <= e["quad_class"] <= 4 or not -10 <= e["intensity"] <= 10:
            types.fail(line, "quad_class is 1..4 and intensity -10..10")
        quad[e["type"]], intensity[e["type"]] = e["quad_class"], e["intensity"]
        if e.get("done_to"):
            done_to.add(e["type"])
        if e.get("topical"):
            topical.add(e["type"])
        if e.get("told_by_modifiers"):
            modifiers.add(e["type"])
        if e.get("noun_needs_actor"):
            needs_actor.add(e["type"])
        if e.get("noun_needs_participant"):
            needs_participant.add(e["type"])
        if e.get("casualties"):
            casualties.add(e["type"])
        if e.get("demand"):
            demand.append(e["type"])
    if len(demand) != 1:
        types.fail(None, "exactly one type must be the demand type (\"demand\": true)")

    def known(file: _File, line: int, etype: str | None, key: str = "type") -> None:
        if etype is not None and etype not in quad:
            file.fail(line, f"{key} {etype!r} is not an event type of types.jsonl")

    triggers = _File(directory / "triggers.jsonl")
    patterns, first_line, lemma_types = [], {}, {}
    for line, e in triggers.entries:
        known(triggers, line, e["type"])
        pattern = e["pattern"]
        if len(pattern) != 1 or not isinstance(pattern[0], dict) or set(pattern[0]) != {"LEMMA", "POS"}:
            triggers.fail(line, 'a trigger pattern is one token: [{"LEMMA": "...", "POS": "VERB|NOUN|ADJ"}]')
        lemma, cls = pattern[0]["LEMMA"], pattern[0]["POS"]
        if not isinstance(lemma, str) or not lemma or lemma != lemma.lower():
            triggers.fail(line, f"LEMMA must be a lower-case word: {lemma!r}")
        if cls not in WORD_CLASSES:
            triggers.fail(line, f"POS must be one of {', '.join(WORD_CLASSES)}: {cls!r}")
        try:
            Matcher(vocab, validate=True).add("check", [pattern])
        except Exception as exc:  # spaCy's MatchPatternError and friends
            triggers.fail(line, f"not a valid spaCy Matcher pattern: {exc}")
        if (lemma, cls) in first_line:
            triggers.fail(line, f"{cls} {lemma!r} is already a trigger on line {first_line[(lemma, cls)]}")
        first_line[(lemma, cls)] = line
        lemma_types.setdefault(lemma, {})[e["type"]] = line
        patterns.append((e["type"], cls, lemma))

    def pairs(name: str, second: str, what: str) -> dict[str, str]:
        """'verb second' -> event type, from a file of two-word entries (each listed once)."""
        file = _File(directory / name)
        table = {}
        for line, e in file.entries:
            known(file, line, e["type"])
            _lower(file, line, e, "verb", second)
            key = f"{e['verb']} {e[second]}"
            if key in table:
                file.fail(line, f"{what} {key!r} listed twice")
            table[key] = e["type"]
        return table

    phrasal = pairs("phrasal_verbs.jsonl", "particle", "phrasal verb")
    vobj = pairs("verb_objects.jsonl", "object", "verb-object pair")

    rules_file = _File(directory / "object_rules.jsonl")
    object_rules = []
    for line, e in rules_file.entries:
        known(rules_file, line, e["type"])
        _lower(rules_file, line, e, "verbs", "objects")
        object_rules.append(ObjectRule(e["type"], e.get("mode"), frozenset(e["verbs"]), frozenset(e["objects"]),
                                       frozenset(e.get("object_entities", [])), e.get("prep")))

    senses_file = _File(directory / "modifier_senses.jsonl")
    senses: dict[str, dict[str, frozenset[str]]] = {}
    for line, e in senses_file.entries:
        known(senses_file, line, e["type"])
        _lower(senses_file, line, e, "noun", "modifiers")
        senses.setdefault(e["noun"], {})[e["type"]] = frozenset(e["modifiers"])

    context_file = _File(directory / "context_rules.jsonl")
    context_rules = []
    for line, e in context_file.entries:
        known(context_file, line, e["type"])
        known(context_file, line, e["from"], "from")
        _lower(context_file, line, e, "lemmas", "context")
        context_rules.append(ContextRule(e["from"], frozenset(e["lemmas"]), frozenset(e["context"]), e["type"], e.get("mode")))

    modes_file = _File(directory / "modes.jsonl")
    modes: dict[str, dict[str, str]] = {t: {} for t in quad}
    for line, e in modes_file.entries:
        known(modes_file, line, e["type"])
        _lower(modes_file, line, e, "words")
        for word in e["words"]:
            if word in modes[e["type"]]:
                modes_file.fail(line, f"{word!r} already tells a mode of {e['type']}")
            modes[e["type"]][word] = e["mode"]

    numbers_file = _File(directory / "numbers.jsonl")
    numbers = {}
    for line, e in numbers_file.entries:
        _lower(numbers_file, line, e, "word")
        if e["word"] in numbers:
            numbers_file.fail(line, f"{e['word']!r} listed twice")
        numbers[e["word"]] = e["value"]

    roles_file = _File(directory / "roles.jsonl")
    role_patterns = []
    for line, e in roles_file.entries:
        if e["name"] not in ROLE_RULES:
            roles_file.fail(line, f"unknown role rule {e['name']!r} (the rules: {', '.join(ROLE_RULES)})")
        if any(e["name"] == name for name, _, _ in role_patterns):
            roles_file.fail(line, f"role rule {e['name']!r} defined twice")
        if e["role"] not in ("actor", "target"):
            roles_file.fail(line, f"role must be actor or target: {e['role']!r}")
        nodes = [n.get("RIGHT_ID") for n in e["pattern"] if isinstance(n, dict)]
        if "trigger" not in nodes or e["role"] not in nodes:
            roles_file.fail(line, f'the pattern needs a node "trigger" and a node "{e["role"]}"')
        try:
            DependencyMatcher(vocab, validate=True).add("check", [e["pattern"]])
        except Exception as exc:  # spaCy's ValueError / MatchPatternError
            roles_file.fail(line, f"not a valid spaCy DependencyMatcher pattern: {exc}")
        role_patterns.append((e["name"], e["role"], e["pattern"]))
    missing = [n for n in ROLE_RULES if all(n != name for name, _, _ in role_patterns)]
    if missing:
        roles_file.fail(None, f"missing role rules: {', '.join(missing)}")

    words: dict[str, frozenset[str]] = {}
    for name, expected in WORD_SET_FILES.items():
        file = _File(directory / name)
        for line, e in file.entries:
            if e["name"] not in expected:
                file.fail(line, f"unknown word set {e['name']!r} (this file holds: {', '.join(expected)})")
            if e["name"] in words:
                file.fail(line, f"word set {e['name']!r} defined twice")
            words[e["name"]] = frozenset(e["words"])
        missing = [n for n in expected if n not in words]
        if missing:
            file.fail(None, f"missing word sets: {', '.join(missing)}")

    # A lemma under two types must be told apart by a rule, or the first type would silently win.
    disambiguated = set(senses) | {lemma for r in context_rules for lemma in r.lemmas} | \
        {verb for r in object_rules for verb in r.verbs}
    for lemma, by_type in lemma_types.items():
        if len(by_type) > 1 and lemma not in disambiguated:
            (a, la), (b, lb) = list(by_type.items())[:2]
            triggers.fail(lb, f"{lemma!r} is {b} here and {a} on line {la}, and no rule tells them apart")

    return EventRules(str(directory), tuple(patterns), phrasal, vobj, tuple(object_rules), senses,
                      tuple(context_rules), modes, quad, intensity, frozenset(done_to), frozenset(topical),
                      frozenset(modifiers), demand[0], frozenset(casualties),
                      frozenset(needs_actor), frozenset(needs_participant), numbers, tuple(role_patterns), words)
