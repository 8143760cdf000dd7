"""Events from the dependency parse: who did what to whom, where and when, and how the text says it.

A trigger is a verb or noun whose lemma is in the lexicon (data/event_lexicon.json), a phrasal verb
("draw down"), or a verb with its object ("ship arms"). Arguments come only from the trigger's own
clause: actor (subject, passive agent, possessor or demonym of a nominal, the subject of a light
verb, the noun an -ing participle describes), target (object, passive subject, at/on/against-phrase,
the noun a past participle describes), location and date (entities in the trigger's subtree; with no
named place, a place noun after in/at/inside/near: "inside the training centre"). Modality:
asserted, reported (an attribution verb or "according to" governs the trigger), hypothetical
(would/could/if/want-to/likely) or demanded; negation from the trigger's or its governor's negators.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc as SpacyDoc
from spacy.tokens import Span, Token

from tasks.core.errors import DataFileError
from tasks.nlp.entities import MENTIONS
from tasks.nlp.gazetteer import COUNTRY_ID_PREFIXES

LEXICON_PATH = Path(__file__).parent / "data" / "event_lexicon.json"

_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({"dozens": 24, "dozen": 12, "hundreds": 200, "scores": 40})
_LIGHT_VERBS = {"hold", "launch", "carry", "conduct", "stage", "mount", "make", "begin", "start",
                "resume", "continue", "come", "face", "suffer", "order", "open", "issue", "give", "take",
                "have", "lead", "join", "claim", "announce", "report", "deny", "sustain", "receive"}
_SUBJECTS = {"nsubj", "csubj"}
_ARG_STOP_DEPS = {"relcl", "acl", "appos", "punct", "advcl", "prep", "cc_", "mark", "dep", "parataxis"}
_PLACE_LABELS = {"GPE", "LOC", "FAC"}
# A noun inside these names a thing or a time, not an event: "March 11" is no march.
_NAMED_NOT_EVENTS = {"GPE", "ORG", "PERSON", "NORP", "LOC", "FAC", "DATE", "TIME"}
_PARTICLE_REACH = 2
_KILL_LEMMAS = {"kill", "die", "dead", "death", "killing", "massacre", "execute", "behead", "murder", "slaughter"}
_INJURE_LEMMAS = {"wound", "injure", "injury", "hurt", "maim"}


@dataclass(frozen=True)
class Lexicon:
    verbs: dict[str, str]
    nouns: dict[str, str]
    phrasal: dict[str, str]
    verb_object: dict[str, str]
    want_verbs: frozenset[str]
    clause_heads: frozenset[str]
    object_rules: tuple
    non_violent_causes: frozenset[str]
    noun_modifier_types: dict[str, dict[str, frozenset[str]]]
    accidental_compounds: frozenset[str]
    natural_hazards: frozenset[str]
    place_nouns: frozenset[str]
    outcome_lemmas: frozenset[str]
    modes: dict[str, dict[str, str]]
    quad_class: dict[str, int]
    intensity: dict[str, int]
    speech_verbs: frozenset[str]
    hypothetical_aux: frozenset[str]
    hypothetical_heads: frozenset[str]
    demand_heads: frozenset[str]
    negators: frozenset[str]
    adjectives: dict[str, str]
    context_rules: tuple


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        verbs, nouns, adjectives, phrasal, vobj, modes, quad, inten = {}, {}, {}, {}, {}, {}, {}, {}
        want: set[str] = set()
        heads: set[str] = set()
        for etype, spec in data["types"].items():
            quad[etype] = int(spec["quad_class"])
            inten[etype] = int(spec["intensity"])
            for lemma in spec.get("verbs", []):
                verbs.setdefault(lemma, etype)
            for lemma in spec.get("nouns", []):
                nouns.setdefault(lemma, etype)
            for lemma in spec.get("adjectives", []):
                adjectives.setdefault(lemma, etype)
            phrasal.update(spec.get("phrasal", {}))
            vobj.update(spec.get("verb_object", {}))
            want.update(spec.get("want_with_subject", []))
            heads.update(spec.get("clause_heads", []))
            modes[etype] = spec.get("modes", {})
        rules = tuple((r["type"], r.get("mode"), frozenset(r["verbs"]), frozenset(r["objects"]),
                       frozenset(r.get("object_entities", [])), r.get("prep")) for r in data.get("object_rules", []))
        modifier_types = {noun: {etype: frozenset(mods) for etype, mods in by_type.items()}
                          for noun, by_type in data.get("noun_modifier_types", {}).items() if not noun.startswith("_")}
        return Lexicon(verbs, nouns, phrasal, vobj, frozenset(want), frozenset(heads), rules,
                       frozenset(data.get("non_violent_causes", [])), modifier_types,
                       frozenset(data.get("accidental_compounds", [])), frozenset(data.get("natural_hazards", [])),
                       frozenset(data.get("place_nouns", [])),
                       frozenset(data.get("outcome_lemmas", [])), modes, quad, inten,
                       frozenset(data["speech_verbs"]), frozenset(data["hypothetical_aux"]),
                       frozenset(data["hypothetical_heads"]), frozenset(data["demand_heads"]),
                       frozenset(data["negators"]), adjectives,
                       tuple((r["from"], frozenset(r["lemmas"]), frozenset(r["context"]), r["type"], r.get("mode"))
                             for r in data.get("sentence_context_types", [])))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataFileError(str(path), None, f"event lexicon unreadable: {exc!r}") from exc


def _time_phrase(prep: Token) -> bool:
    """"called on Friday": a time adjunct, not the particle of "call on"."""
    return any(o.ent_type_ in ("DATE", "TIME") for o in prep.children if o.dep_ == "pobj")


def _objects(verb: Token) -> list[Token]:
    """What a verb acts on: its objects, passive subjects and complements ("pleaded guilty"),
    with their conjuncts."""
    heads = [c for c in verb.children if c.dep_ in ("dobj", "nsubjpass", "acomp")]
    # "discovered a large amount of ammunition believed to belong to ...": the parser makes the
    # found thing the subject of a clause.
    heads += [g for c in verb.children if c.dep_ == "ccomp" for g in c.children if g.dep_ == "nsubj"]
    if verb.dep_ == "acl" and verb.tag_ == "VBN":
        heads.append(verb.head)  # "a stash of weapons found near Mosul": the noun the participle describes
    heads += [c for h in heads for c in h.conjuncts]
    # "a depot containing weapons": what the container holds.
    heads += [o for h in heads for a in h.children if a.dep_ == "acl" and a.lemma_.lower() in _CONTAINING
              for o in a.children if o.dep_ == "dobj"]
    # "100kg of explosives", "a large amount of ammunition": the measure's content.
    return heads + [o for h in heads for p in h.children if p.dep_ == "prep" and p.lower_ == "of"
                    for o in p.children if o.dep_ == "pobj"]


_NO_EVENT = object()


def _object_rule(token: Token, lemma: str, lex: Lexicon):
    """(type, mode) decided by what the verb acts on; _NO_EVENT when that object says the verb
    tells no event ("they fired him"); None when no rule applies."""
    for etype, mode, verbs, objects, entities, prep in lex.object_rules:
        if lemma in verbs:
            acted_on = [o for p in token.children if p.dep_ == "prep" and p.lower_ == prep
                        for o in p.children if o.dep_ == "pobj"] if prep else _objects(token)
            for obj in acted_on:
                if obj.lemma_.lower() in objects or obj.ent_type_ in entities:
                    return (etype, mode) if etype else _NO_EVENT
    return None


def _noun_type(token: Token, etype: str, lex: Lexicon) -> str:
    """A hunger strike is a protest: the modifier decides between a noun's senses."""
    by_type = lex.noun_modifier_types.get(token.lemma_.lower())
    if not by_type:
        return etype
    modifiers = {c.lemma_.lower() for c in token.children if c.dep_ in ("compound", "amod", "nmod")}
    modifiers |= {g.lemma_.lower() for c in token.children if c.dep_ in ("compound", "amod") for g in c.children}
    if token.head.lower_ == "on" and token.dep_ == "pobj":
        modifiers.add("on")
    for other, words in by_type.items():
        if modifiers & words:
            return other
    return etype


def _trigger(token: Token, lex: Lexicon) -> tuple[str, Token, Token, str | None] | None:
    """(type, first token, last token, mode if the trigger itself says it) when the token
    triggers an event."""
    lemma = token.lemma_.lower()
    if token.pos_ in ("VERB", "AUX") or token.tag_.startswith("VB"):
        by_object = _object_rule(token, lemma, lex)
        if by_object is _NO_EVENT:
            return None
        if by_object:
            return by_object[0], token, token, by_object[1]
        for child in token.rights:
            # "On Friday, Macron called the explosion an attack": a preposition before the verb is
            # not its particle. A far one types the verb but is no part of the trigger's words.
            if child.dep_ in ("prt", "prep") and f"{lemma} {child.lower_}" in lex.phrasal and not _time_phrase(child):
                last = child if child.i - token.i <= _PARTICLE_REACH else token
                return lex.phrasal[f"{lemma} {child.lower_}"], token, last, None
        for child in token.children:
            if child.dep_ == "dobj" and f"{lemma} {child.lemma_.lower()}" in lex.verb_object:
                return lex.verb_object[f"{lemma} {child.lemma_.lower()}"], token, child, None
        if lemma in lex.want_verbs:
            # "want the US to withdraw": a demand on someone else, not a wish of one's own.
            for child in token.children:
                if child.dep_ == "ccomp" or (child.dep_ == "xcomp" and any(g.dep_ in _SUBJECTS for g in child.children)):
                    return "REQUEST", token, token, None
            return None
        if lemma in lex.clause_heads and _children(token, "xcomp"):
            # "parliament voted to oust them": a demand whose content is the clause.
            return "REQUEST", token, token, None
        if token.pos_ == "AUX":
            return None
        etype = lex.verbs.get(lemma)
        if etype and etype != "ASSAULT" and token.dep_ in ("amod", "compound"):
            return None  # a participle describing a noun ("UAE-backed forces") tells no new event
        return (etype, token, token, None) if etype else None
    if token.pos_ == "ADJ" and lemma in lex.adjectives and token.dep_ != "amod":
        return lex.adjectives[lemma], token, token, None  # "left eight policemen dead", "shot dead"
    if token.pos_ in ("NOUN", "PROPN") and token.ent_type_ not in _NAMED_NOT_EVENTS:
        etype = lex.nouns.get(lemma) or lex.nouns.get(token.lower_)
        if etype and etype != "ASSAULT" and token.dep_ == "compound":
            return None  # a noun modifying another ("aid workers", "peace envoy") tells no event
        return (_noun_type(token, etype, lex), token, token, None) if etype else None
    return None


def _in_context(token: Token, etype: str, mode: str | None, sentence: Span, lex: Lexicon) -> tuple[str, str | None]:
    """A clash among protesters is a violent protest: the sentence decides the type."""
    lemma = token.lemma_.lower()
    for from_type, lemmas, context, to_type, to_mode in lex.context_rules:
        if etype == from_type and lemma in lemmas and any(t.lemma_.lower() in context for t in sentence if t.i != token.i):
            return to_type, to_mode
    return etype, mode


def _phrase(head: Token) -> Span:
    """The argument's noun phrase: the head with its modifiers, without clauses and prepositions."""
    doc = head.doc
    left, right = head.i, head.i
    for child in head.children:
        if child.dep_ in _ARG_STOP_DEPS:
            continue
        sub = list(child.subtree)
        left, right = min(left, sub[0].i), max(right, sub[-1].i)
    span = doc[left:right + 1]
    while len(span) > 1 and span[-1].is_punct:
        span = span[:-1]
    return span


def _is_instrument(token: Token, lex: Lexicon) -> bool:
    return any(token.lemma_.lower() in modes for modes in lex.modes.values())


def _children(token: Token, *deps: str) -> list[Token]:
    return [c for c in token.children if c.dep_ in deps]


def _pobj_of(token: Token, preps: set[str]) -> Token | None:
    for prep in _children(token, "prep"):
        if prep.lower_ in preps:
            objs = _children(prep, "pobj")
            if objs:
                return objs[0]
    return None


def _governing_verb(token: Token) -> Token | None:
    """For a nominal trigger, the verb whose object or subject it is ("held talks", "came under attack")."""
    head = token
    if token.dep_ == "pobj" and token.head.dep_ == "prep":
        head = token.head
    if head.dep_ in ("dobj", "nsubj", "nsubjpass", "attr", "prep", "pobj") and head.head.pos_ in ("VERB", "AUX"):
        return head.head
    return None


def _arguments(trigger: Token, etype: str, lex: Lexicon):
    actor = target = None
    if trigger.pos_ in ("VERB", "AUX") or trigger.tag_.startswith("VB"):
        subj = _children(trigger, "nsubj")
        passive = _children(trigger, "nsubjpass")
        agent = [o for a in _children(trigger, "agent") for o in _children(a, "pobj")]
        objs = _children(trigger, "dobj")
        if passive:
            target = passive[0]
            actor = agent[0] if agent else None
            aimed_at = _pobj_of(trigger, {"at", "on", "against", "upon", "into"})
            if aimed_at is not None and _is_instrument(target, lex):
                target = aimed_at  # "rockets were fired at a base": the rockets are the means
        elif trigger.lemma_.lower() in _LOSS_VERBS and objs and \
                f"{trigger.lemma_.lower()} {objs[0].lemma_.lower()}" in lex.verb_object:
            # "soldiers lost their legs": the one who lost them is the victim; the legs are the event.
            # "three soldiers were wounded, losing limbs": the wounded soldiers.
            losers = subj or (_children(trigger.head, "nsubj", "nsubjpass")
                              if trigger.dep_ in ("advcl", "conj", "xcomp") else [])
            target = losers[0] if losers else None
        elif trigger.lemma_.lower() in _UNDERGOER_SUBJECT and not objs:
            # "About 100 people died": the subject is the victim; "the device exploded": the means.
            target = subj[0] if subj and trigger.lemma_.lower() in ("die", "perish") else None
        else:
            actor = subj[0] if subj else None
            target = objs[0] if objs else None
            if target is not None and _is_instrument(target, lex):
                target = None  # "set off a car bomb": the bomb is the means, not the target
            if target is not None and f"{trigger.lemma_.lower()} {target.lemma_.lower()}" in lex.verb_object:
                target = _pobj_of(trigger, {"to", "on"})  # "set fire to the mosque": the fire is the event
        if trigger.dep_ == "acl" and not subj and not passive and trigger.head.pos_ in ("NOUN", "PROPN", "PRON"):
            # A participle describing a noun: "the guards abducted by gunmen" are the ones it was
            # done to; "gunmen attacking the base" are the ones who did it.
            if trigger.tag_ == "VBG":
                actor = actor or trigger.head
            elif target is None:
                target, actor = trigger.head, agent[0] if agent else actor
        adjunct = trigger.dep_ == "advcl" and trigger.tag_ == "VBG"  # "a bomber blew himself up, killing six"
        if actor is None and (trigger.dep_ in ("xcomp", "conj") or adjunct) and trigger.head.pos_ in ("VERB", "AUX"):
            inherited = _children(trigger.head, "nsubj")
            actor = inherited[0] if inherited else None
        if target is None:
            target = _pobj_of(trigger, {"at", "on", "against", "upon", "into", "with"})
        if target is not None and target.lemma_.lower() in lex.want_verbs:
            target = None
        for child in _children(trigger, "xcomp", "ccomp"):
            # "want the US to withdraw": the one asked to act is the target.
            subj2 = _children(child, "nsubj")
            if target is None and subj2:
                target = subj2[0]
    elif trigger.pos_ == "ADJ":
        # "left eight policemen dead": the one left dead is the verb's object; "were shot dead by
        # police": its passive subject, and the agent is the actor.
        verb = trigger.head
        objs = _children(verb, "dobj") or _children(verb, "nsubjpass") or _children(verb, "nsubj")
        target = objs[0] if objs else None
        agent = [o for a in _children(verb, "agent") for o in _children(a, "pobj")]
        actor = agent[0] if agent else None
    else:
        poss = _children(trigger, "poss")
        by = _pobj_of(trigger, {"by"})
        modifier = [c for c in trigger.children if c.dep_ in ("amod", "compound", "nmod") and c.ent_type_ in ("NORP", "GPE", "ORG")]
        actor = poss[0] if poss else by or (modifier[0] if modifier else None)
        target = _pobj_of(trigger, {"on", "against", "at", "upon", "with"})
        if target is None and etype in _DONE_TO_TYPES:
            # "the killing of a police officer", "the arrest of the mayor": what it was done to.
            target = _pobj_of(trigger, {"of"})
        if target is None and etype in _DONE_TO_TYPES:
            # "the pub bombings", "a market attack": the place hit.
            target = next((c for c in trigger.children if c.dep_ == "compound" and c.pos_ == "NOUN"
                           and not c.ent_type_ and c.lemma_.lower() in lex.place_nouns), None)
        verb = _governing_verb(trigger)
        if verb is not None and actor is None and verb.lemma_.lower() in _LIGHT_VERBS:
            subj = _children(verb, "nsubj")
            if subj and verb.lemma_.lower() not in _UNDERGOING_VERBS:
                actor = subj[0]
            elif subj and target is None:
                target = subj[0]  # "bases came under attack", "13 people suffered injuries"
    return _argument_head(actor, trigger, lex), _argument_head(target, trigger, lex)


def _argument_head(token: Token | None, trigger: Token, lex: Lexicon) -> Token | None:
    """The participant a token stands for, or None when it names no participant."""
    if token is None:
        return None
    lemma = token.lemma_.lower()
    if lemma in ("who", "which", "that") and token.head.dep_ == "relcl":
        token = token.head.head  # "the men who attacked": the men
        lemma = token.lemma_.lower()
    if lemma in _QUANTITY_HEADS or token.pos_ == "NUM":
        of = [o for p in _children(token, "prep") if p.lower_ == "of" for o in _children(p, "pobj")]
        if of:
            token = of[0]  # "a number of protesters", "five of the guards": the protesters, the guards
    if token.ent_type_ in ("DATE", "TIME") or token.i == trigger.i:
        return None
    if token.lemma_.lower() not in _PEOPLE and (token.lemma_.lower() in lex.nouns or _is_instrument(token, lex)):
        return None  # "the blast damaged ...": an event or a weapon is no actor or target
    return token


def _clause_entities(trigger: Token, labels: set[str]) -> list[Span]:
    """Entities of the given labels inside the trigger's subtree, not inside a nested clause."""
    subtree = list(trigger.subtree)
    lo, hi = subtree[0].i, subtree[-1].i
    out = []
    for ent in trigger.doc.ents:
        if ent.label_ not in labels or ent.start < lo or ent.end - 1 > hi:
            continue
        tok = ent.root
        nested = False
        while tok.i != trigger.i and tok.head.i != tok.i:
            if tok.dep_ in ("relcl", "advcl", "ccomp") and tok.i != ent.root.i:
                nested = True
                break
            tok = tok.head
        if not nested:
            out.append(ent)
    return out


_PLACE_PREPS = {"in", "at", "near", "across", "inside", "outside", "throughout", "around", "on", "along", "into", "from", "over"}


def _is_place_phrase(ent: Span) -> bool:
    """A place the event happened at ("in Iraq", "on the Syrian border"), not a modifier ("US base")."""
    root = ent.root
    if root.dep_ == "pobj" and root.head.lower_ in _PLACE_PREPS:
        return True
    return root.dep_ in ("npadvmod", "appos") and root.head.dep_ == "pobj"


def _attached_to(head: Token, trigger: Token) -> bool:
    """The place phrase modifies the trigger, its argument, or its argument's phrase, not a
    noun further down ("attacks in response to support for the onslaught in Gaza")."""
    hops = 0
    while head.i != trigger.i and hops < 3:
        if head.head.i == head.i:
            return False
        head, hops = head.head, hops + 1
    return head.i == trigger.i and hops <= 2


_LOCATIVE_PREPS = {"in", "at", "inside", "outside", "near", "into", "within", "beside"}


def _place_noun(trigger: Token, lex: Lexicon) -> Span | None:
    """With no named place, a place the text names with a common noun: "inside the training
    centre", "near the finish line"."""
    for prep in _children(trigger, "prep"):
        if prep.lower_ in _LOCATIVE_PREPS:
            for obj in _children(prep, "pobj"):
                if obj.pos_ == "NOUN" and not obj.ent_type_ and obj.lemma_.lower() in lex.place_nouns:
                    return _phrase(obj)
    return None


def _inside(inner: Span, outer: Span | None) -> bool:
    return outer is not None and outer.start <= inner.start and inner.end <= outer.end


def _modality(trigger: Token, lex: Lexicon, sentence: Span):
    """(modality, negated, attribution source)."""
    negated = any(c.lower_ in lex.negators and c.dep_ in ("neg", "det", "advmod") for c in trigger.children)
    chain = [trigger]
    tok = trigger
    while tok.head.i != tok.i and len(chain) < 8:
        tok = tok.head
        chain.append(tok)
    hypothetical = demanded = False
    source = None
    reported = False
    prev = trigger
    for i, node in enumerate(chain):
        lemma = node.lemma_.lower()
        kids = list(node.children)
        if i <= 1 and any(c.dep_ == "aux" and c.lower_ in lex.hypothetical_aux for c in kids):
            hypothetical = True
        if i <= 1 and any(c.dep_ == "advmod" and c.lower_ in ("likely", "possibly", "perhaps", "maybe") for c in kids):
            hypothetical = True
        if i == 1 and prev.dep_ in ("dobj", "nsubj", "nsubjpass", "pobj", "attr") and any(c.dep_ == "neg" for c in kids):
            negated = True
        if node.i != trigger.i and prev.dep_ in ("xcomp", "ccomp") and lemma in lex.hypothetical_heads:
            hypothetical = True
        if node.i != trigger.i and prev.dep_ in ("xcomp", "ccomp") and lemma in lex.demand_heads:
            demanded = True
        if node.i != trigger.i and prev.dep_ in ("ccomp", "parataxis") and lemma in lex.speech_verbs and not reported:
            reported = True
            subj = _children(node, "nsubj")
            source = _phrase(subj[0]).text if subj else None
        if node.i != trigger.i and prev.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ == "if" for c in prev.children):
            hypothetical = True
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless") for c in kids) and i == 0:
            hypothetical = True
        prev = node
    for tok in sentence:
        if tok.lower_ == "according" and tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].lower_ == "to":
            objs = _children(tok.doc[tok.i + 1], "pobj") or _children(tok, "pobj")
            if objs:
                reported = True
                source = source or _phrase(objs[0]).text
                break
    modality = "hypothetical" if hypothetical else "demanded" if demanded else "reported" if reported else "asserted"
    return modality, negated, source


def _number(token: Token) -> int | None:
    text = token.lower_.replace(",", "")
    if text.isdigit():
        return int(text)
    return _NUMBER_WORDS.get(text)


def _count(token: Token) -> int | None:
    """How many the phrase counts: "three US troops", "five of the guards"."""
    for child in token.children:
        if child.dep_ == "nummod" and _number(child) is not None:
            return _number(child)
    if token.dep_ == "pobj" and token.head.lower_ == "of":
        return _number(token.head.head)
    return None


def _casualties(trigger: Token, target: Token | None) -> tuple[int | None, int | None]:
    lemma = trigger.lemma_.lower()
    victims = target
    if victims is None:
        return None, None
    n = _count(victims)
    if lemma in _KILL_LEMMAS:
        return n, None
    if lemma in _INJURE_LEMMAS:
        return None, n
    return None, None


def _mode(trigger: Token, etype: str, lex: Lexicon) -> str | None:
    modes = lex.modes.get(etype) or {}
    if not modes:
        return None
    clause = [trigger] + list(trigger.children) + [g for c in trigger.children for g in c.children]
    for tok in [trigger, *clause]:
        m = modes.get(tok.lemma_.lower())
        if m:
            return m
    return None


_DONE_TO_TYPES = {"ASSAULT", "COERCE"}  # nominals whose "of" names the one they were done to
_CONTAINING = {"contain", "hold", "store", "hide"}
_LOSS_VERBS = {"lose"}
_UNDERGOING_VERBS = {"come", "suffer", "sustain", "face", "receive"}  # light verbs whose subject undergoes the event
_UNDERGOER_SUBJECT = {"die", "perish", "explode", "blast", "detonate", "crash", "collapse", "burn"}
# Words that trigger an event or tell its mode and are people too: participants, not events or weapons.
_PEOPLE = {"gunman", "gunmen", "sniper", "bomber", "arsonist", "protester", "demonstrator", "rioter"}
_QUANTITY_HEADS = {"number", "dozen", "dozens", "hundreds", "thousands", "scores", "group", "handful", "lot", "total"}
_BLAST_LEMMAS = {"explosion", "blast", "explode", "fire", "blaze", "burn"}
_VIOLENT_CAUSES = {"wound", "injury", "gunshot", "bullet", "shrapnel", "burn", "torture", "beating", "stab"}
_CAUSE_PREPS = {"by", "in", "after", "from"}  # "killed in / injured after / died from" the cause


def _names_cause(t: Token, trigger: Token, words: frozenset[str]) -> bool:
    # A storm is a cause; "stormed" and the "Storm Corps" are not.
    return t.i != trigger.i and t.pos_ == "NOUN" and not t.ent_type_ and t.lemma_.lower() in words


def _accidental_blast(blast: Token, lex: Lexicon) -> bool:
    """An explosion or fire of something that explodes by accident: a gas cylinder, a furnace."""
    if blast.lemma_.lower() not in _BLAST_LEMMAS:
        return False
    exploded = [c for c in blast.children if c.dep_ in ("compound", "nsubj", "amod")]
    exploded += [g for c in exploded for g in c.children if g.dep_ in ("compound", "amod")]
    return any(_names_cause(t, blast, lex.accidental_compounds) for t in exploded)


def _non_violent(trigger: Token, lex: Lexicon, sentence: Span) -> bool:
    """Deaths, injuries and blasts put down to nature, illness or accident ("a tsunami killed 43",
    "died of diabetes", "a gas explosion")."""
    scope = trigger.head if trigger.dep_ not in ("ROOT",) else trigger
    if any(_names_cause(t, trigger, lex.non_violent_causes) for t in scope.subtree):
        return True
    if _accidental_blast(trigger, lex):
        return True
    lemma = trigger.lemma_.lower()
    # "A gas explosion killed eight", "injured after a gas cylinder exploded": the accident's.
    causes = [c for c in trigger.children if c.dep_ in ("nsubj", "advcl")]
    causes += [o for p in trigger.children if p.dep_ in ("agent", "prep") and p.lower_ in _CAUSE_PREPS
               for o in p.children if o.dep_ in ("pobj", "pcomp")]
    if lemma in lex.outcome_lemmas and any(_accidental_blast(c, lex) for c in causes):
        return True
    if lemma in ("die", "death"):
        # "died of cancer", "death from malaria"; but "the death of a soldier" names the victim.
        cause_preps = ("of", "from", "by") if lemma == "die" else ("from",)
        causes = [o for p in trigger.children if p.dep_ == "prep" and p.lower_ in cause_preps
                  for o in p.children if o.dep_ == "pobj"]
        if causes and not any(c.lemma_.lower() in lex.nouns or c.lemma_.lower() in _VIOLENT_CAUSES for c in causes):
            return True
    # An outcome (deaths, damage) in a sentence that names a natural hazard is put down to it.
    return lemma in lex.outcome_lemmas and any(_names_cause(t, trigger, lex.natural_hazards) for t in sentence)


def _names_a_town(modifier: Token | None, trigger: Token, entity: dict | None) -> bool:
    """The noun trigger's modifier is a place smaller than a country ("the Birmingham bombings")."""
    return (modifier is not None and entity is not None and modifier.head.i == trigger.i
            and modifier.dep_ in ("compound", "nmod", "amod") and entity["label"] == "GPE"
            and not entity["entity_id"].startswith(COUNTRY_ID_PREFIXES))


def _entity_for(span: Span | None, entities_by_start: dict[int, dict]) -> dict | None:
    if span is None:
        return None
    root_start = span.root.idx
    best = None
    for start, row in entities_by_start.items():
        if span.start_char <= start < span.end_char:
            if row["start_char"] <= root_start < row["end_char"]:
                return row
            best = best or row
    return best


if not Span.has_extension("event"):
    Span.set_extension("event", default=None)

EVENTS = "events"
"""The `doc.spans` key of the event mentions (one span per trigger; `span._.event` holds the rest)."""


@dataclass
class EventMention:
    """One event told in a sentence: its type and how the text tells it, with every role as a span
    of the same Doc (None when the trigger's clause does not name it)."""

    event_type: str
    trigger_lemma: str
    mode: str | None
    sentence: Span
    sentence_index: int
    actor: Span | None
    target: Span | None
    location: Span | None
    date: Span | None
    actor_mention: Span | None
    """The entity mention (of `doc.spans["mentions"]`) the actor names, if any; likewise below."""
    target_mention: Span | None
    location_mention: Span | None
    modality: str
    negated: bool
    attribution_source: str | None
    fatalities: int | None
    injured: int | None
    quad_class: int
    intensity: int
    confidence: float


def _mention_index(doc: SpacyDoc) -> dict[int, dict]:
    """Entity mentions by start offset, as the argument rules read them; where two start together
    ("LA Weekly" and the "LA" in it), the longer one."""
    mentions = doc.spans[MENTIONS] if MENTIONS in doc.spans else []
    rows = [{"start_char": m.start_char, "end_char": m.end_char, "label": m.label_, "entity_id": m.kb_id_,
             "span": m} for m in mentions]
    return {m["start_char"]: m for m in sorted(rows, key=lambda m: m["end_char"] - m["start_char"])}


def find_events(doc: SpacyDoc, lex: Lexicon) -> list[tuple[Span, EventMention]]:
    """(trigger span, event) for every event the document tells, in document order."""
    entities_by_start = _mention_index(doc)
    found = []
    for s_index, sentence in enumerate(doc.sents):
        for token in sentence:
            trigger = _trigger(token, lex)
            if not trigger:
                continue
            etype, first, last, trigger_mode = trigger
            etype, trigger_mode = _in_context(token, etype, trigger_mode, sentence, lex)
            if etype == "ASSAULT" and _non_violent(token, lex, sentence):
                continue
            actor_tok, target_tok = _arguments(token, etype, lex)
            actor = _phrase(actor_tok) if actor_tok is not None else None
            target = _phrase(target_tok) if target_tok is not None else None
            places = [p for p in _clause_entities(token, _PLACE_LABELS)
                      if _is_place_phrase(p) and _attached_to(p.root.head.head, token)
                      and not _inside(p, actor) and not _inside(p, target)]
            dates = _clause_entities(token, {"DATE"})
            modality, negated, source = _modality(token, lex, sentence)
            fatalities, injured = _casualties(token, target_tok) if etype == "ASSAULT" else (None, None)
            lo, hi = (first, last) if first.i <= last.i else (last, first)
            actor_ent, target_ent = _entity_for(actor, entities_by_start), _entity_for(target, entities_by_start)
            location = places[0] if places else _place_noun(token, lex)
            if location is None and _names_a_town(actor_tok, token, actor_ent):
                # "the Birmingham pub bombings": a town before the noun is where, not who;
                # a country ("US strikes") stays the actor.
                location, actor, actor_ent = actor, None, None
            location_ent = _entity_for(location, entities_by_start)
            confidence = 0.5 + 0.15 * (actor is not None) + 0.15 * (target is not None) + 0.1 * (token.pos_ == "VERB")
            event = EventMention(
                event_type=etype, trigger_lemma=token.lemma_.lower(), mode=trigger_mode or _mode(token, etype, lex),
                sentence=sentence, sentence_index=s_index, actor=actor, target=target, location=location,
                date=dates[0] if dates else None,
                actor_mention=actor_ent["span"] if actor_ent else None,
                target_mention=target_ent["span"] if target_ent else None,
                location_mention=location_ent["span"] if location_ent else None,
                modality=modality, negated=negated, attribution_source=source, fatalities=fatalities,
                injured=injured, quad_class=lex.quad_class[etype], intensity=lex.intensity[etype],
                confidence=round(min(confidence, 1.0), 2))
            found.append((doc[lo.i:hi.i + 1], event))
    return found


class EventExtractor:
    """spaCy component: the events a Doc tells, as trigger spans in `doc.spans["events"]` with
    `span._.event` (an EventMention). Reads the entity mentions that `newsflow_entities` left."""

    def __init__(self, nlp: Language, name: str, lexicon_path: str | None):
        self.name = name
        self.lexicon = load_lexicon(Path(lexicon_path) if lexicon_path else LEXICON_PATH)

    def __call__(self, doc: SpacyDoc) -> SpacyDoc:
        spans = []
        for trigger, event in find_events(doc, self.lexicon):
            span = Span(doc, trigger.start, trigger.end, label=event.event_type)
            span._.event = event
            spans.append(span)
        doc.spans[EVENTS] = spans
        return doc


@Language.factory("newsflow_events", default_config={"lexicon_path": None}, requires=["doc.spans"])
def make_event_extractor(nlp: Language, name: str, lexicon_path: str | None):
    """The lexicon path defaults to the file shipped in tasks/nlp/data/."""
    return EventExtractor(nlp, name, lexicon_path)


def _compatible(a: dict, b: dict) -> bool:
    """Two mentions could be one event: nothing they state contradicts the other."""
    for key in ("target_entity_id", "location_entity_id", "actor_entity_id"):
        if a[key] and b[key] and a[key] != b[key]:
            return False
    return a["negated"] == b["negated"]


def _places(row: dict) -> set[str]:
    return {row[k] for k in ("target_entity_id", "location_entity_id") if row[k]}


_ANAPHOR = re.compile(r"^(?:the|this|that)\s+\w+$", re.IGNORECASE)


def cluster_mentions(rows: list[dict], window: int = 1) -> list[dict]:
    """Mentions of one event within a document share an event_cluster_id (the id of its first
    mention). A mention joins an earlier cluster of its type, at most `window` sentences back and
    contradicting none of its members, when it is in the same sentence as a member, names the same
    target or place, or is a definite reference ("the attack")."""
    text_before = {}
    clusters: list[list[dict]] = []
    for row in rows:
        row["event_cluster_id"] = row["event_id"]
        start = row["trigger_start"] - row["sentence_start"]
        text_before[row["event_id"]] = row["sentence"][max(0, start - 5):start + len(row["trigger"])]
        for members in reversed(clusters):
            last = members[-1]
            if row["sentence_index"] - last["sentence_index"] > window:
                continue
            if last["event_type"] != row["event_type"] or not all(_compatible(m, row) for m in members):
                continue
            same_sentence = any(m["sentence_index"] == row["sentence_index"] for m in members)
            shared = any(_places(m) & _places(row) for m in members)
            anaphor = bool(_ANAPHOR.match(text_before[row["event_id"]].strip())) and not row["trigger"].endswith("s")
            plural = {m["trigger"].lower() != m["trigger_lemma"] and m["trigger"].endswith("s") for m in members + [row]}
            if (same_sentence or shared or anaphor) and len(plural) == 1:
                row["event_cluster_id"] = members[0]["event_id"]
                members.append(row)
                break
        else:
            clusters.append([row])
    return rows
