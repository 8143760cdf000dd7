"""Events from the dependency parse: who did what to whom, where and when, and how the text says it.

Every word and rule is data (tasks/nlp/data/events/, read by rules.py); this module is the grammar
that applies them. A trigger is a token the trigger patterns match (a verb, noun or predicative
adjective), a phrasal verb ("draw down"), or a verb with its object ("ship arms"); what the verb
acts on, a noun's modifier or the sentence may change its type or cancel it. Arguments come only
from the trigger's own clause: actor (subject, passive agent, possessor or demonym of a nominal, the
subject of a light verb or of the clause a conjunct shares, the noun an -ing participle describes),
target (object, passive subject, at/on/against-phrase unless it names a topic, the noun a past
participle describes), location and date (entities of the trigger's clause, not of a clause of its
own; with no named place, a place noun: "inside the training centre"). Pronouns stand for the
entity mention tasks/nlp/pronouns.py resolves them to, or for nothing. Modality: asserted, reported
(an attribution verb or "according to"), hypothetical (would/could/if/want-to/likely) or demanded;
negation from the trigger's, its governor's or its noun phrase's negators ("no casualties or
damage"). What someone only meant to do ("tried to plant a bomb", "tear gas to disperse the
crowd") is no event.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy
from spacy.attrs import DEP, ENT_IOB, ENT_KB_ID, ENT_TYPE, HEAD, LEMMA, LOWER, MORPH, NORM, ORTH, POS, SENT_START, SPACY, TAG
from spacy.tokens import Doc as SpacyDoc
from spacy.matcher import DependencyMatcher
from spacy.tokens import Span, Token

from tasks.nlp.entities import MENTIONS
from tasks.nlp.events.rules import WORD_CLASSES, EventRules, role_matcher
from tasks.nlp.gazetteer import COUNTRY_ID_PREFIXES
from tasks.nlp.pronouns import antecedent

# The grammar the rules read (spaCy's English dependency labels), not words: those are in the data.
_SUBJECTS = {"nsubj", "csubj"}
_ARG_STOP_DEPS = {"relcl", "acl", "appos", "punct", "advcl", "prep", "cc_", "mark", "dep", "parataxis"}
"""An argument's phrase stops before these: clauses, prepositions, appositions."""
_WH_TAGS = {"WRB", "WP", "WDT"}
"""Wh-words ("why", "what", "which"): a clause they open asks a question."""
_ANAPHOR_REACH = 2
"""A definite event noun refers back at most this many sentences."""
_PARTICLE_REACH = 2
"""A particle further than this many tokens from its verb types the verb but is not part of the trigger."""


def _time_phrase(prep: Token, lex: EventRules) -> bool:
    """"called on Friday": a time adjunct, not the particle of "call on"."""
    return any(o.ent_type_ in lex.words["time_labels"] for o in prep.children if o.dep_ == "pobj")


def _objects(verb: Token, lex: EventRules) -> list[Token]:
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
    heads += [o for h in heads for a in h.children if a.dep_ == "acl" and a.lemma_.lower() in lex.words["containing_verbs"]
              for o in a.children if o.dep_ == "dobj"]
    # "100kg of explosives", "a large amount of ammunition": the measure's content.
    return heads + [o for h in heads for p in h.children if p.dep_ == "prep" and p.lower_ in lex.words["measure_preps"]
                    for o in p.children if o.dep_ == "pobj"]


_NO_EVENT = object()


def _object_rule(token: Token, lemma: str, lex: EventRules):
    """(type, mode) decided by what the verb acts on; _NO_EVENT when that object says the verb
    tells no event ("they fired him"); None when no rule applies."""
    for rule in lex.object_rules:
        if lemma in rule.verbs:
            acted_on = [o for p in token.children if p.dep_ == "prep" and p.lower_ == rule.prep
                        for o in p.children if o.dep_ == "pobj"] if rule.prep else _objects(token, lex)
            for obj in acted_on:
                if obj.lemma_.lower() in rule.objects or obj.ent_type_ in rule.object_entities:
                    return (rule.type, rule.mode) if rule.type else _NO_EVENT
    return None


def _noun_type(token: Token, etype: str, lex: EventRules) -> str:
    """A hunger strike is a protest: the modifier decides between a noun's senses."""
    by_type = lex.noun_modifier_types.get(token.lemma_.lower())
    if not by_type:
        return etype
    modifiers = {c.lemma_.lower() for c in token.children if c.dep_ in ("compound", "amod", "nmod")}
    modifiers |= {g.lemma_.lower() for c in token.children if c.dep_ in ("compound", "amod") for g in c.children}
    if token.dep_ == "pobj":
        modifiers.add(token.head.lower_)  # "on strike": the preposition before the noun counts too
    for other, words in by_type.items():
        if modifiers & words:
            return other
    return etype


def _is_verb(token: Token) -> bool:
    return token.pos_ in ("VERB", "AUX") or token.tag_.startswith("VB")


def _asks_a_question(verb: Token, lex: EventRules) -> bool:
    """The verb's complement is a question, not an act asked for: a clause opened by if/whether or a
    wh-word ("asked him whether ...", "asked why ..."), or a to-clause of knowing ("demanded to know").
    With an act asked for ("ask for a ceasefire if the talks fail"), an if-clause is a condition."""
    if any((c.dep_ == "xcomp" and c.lemma_.lower() not in lex.words["knowing_verbs"])
           or (c.dep_ == "prep" and c.lower_ in lex.words["asked_for_preps"]) for c in verb.children):
        return False
    for child in verb.children:
        if child.dep_ not in ("ccomp", "advcl", "xcomp") or child.i < verb.i:
            continue
        if child.dep_ == "xcomp" and child.lemma_.lower() in lex.words["knowing_verbs"]:
            return True
        if child.dep_ in ("ccomp", "advcl") and any(
                (g.dep_ == "mark" and g.lower_ in lex.words["question_marks"]) or (g.tag_ in _WH_TAGS and g.i < child.i)
                for g in child.children):
            return True
    return False


def _trigger(token: Token, lex: EventRules, matched: dict[str, str]) -> tuple[str, Token, Token, str | None] | None:
    """(type, first token, last token, mode if the trigger itself says it) when the token
    triggers an event; `matched` maps a word class to the type the trigger patterns give the token."""
    lemma = token.lemma_.lower()
    if _is_verb(token):
        by_object = _object_rule(token, lemma, lex)
        if by_object is _NO_EVENT:
            return None
        if by_object:
            return by_object[0], token, token, by_object[1]
        for child in token.rights:
            # "On Friday, Macron called the explosion an attack": a preposition before the verb is
            # not its particle. A far one types the verb but is no part of the trigger's words.
            if child.dep_ in ("prt", "prep") and f"{lemma} {child.lower_}" in lex.phrasal and not _time_phrase(child, lex):
                last = child if child.i - token.i <= _PARTICLE_REACH else token
                return lex.phrasal[f"{lemma} {child.lower_}"], token, last, None
        for child in token.children:
            if child.dep_ == "dobj" and f"{lemma} {child.lemma_.lower()}" in lex.verb_object:
                return lex.verb_object[f"{lemma} {child.lemma_.lower()}"], token, child, None
        if lemma in lex.words["want_verbs"]:
            # "want the US to withdraw": a demand on someone else, not a wish of one's own.
            for child in token.children:
                # A complement clause follows its verb: one before it is a clause of its own
                # ("I want X, I want to be able to ...").
                if child.i > token.i and (child.dep_ == "ccomp" or (child.dep_ == "xcomp" and any(g.dep_ in _SUBJECTS for g in child.children))):
                    return lex.demand_type, token, token, None
            return None
        if lemma in lex.words["clause_heads"] and _children(token, "xcomp"):
            # "parliament voted to oust them": a demand whose content is the clause.
            return lex.demand_type, token, token, None
        if token.pos_ == "AUX":
            return None
        etype = matched.get("VERB")
        if etype == lex.demand_type and _asks_a_question(token, lex):
            return None  # "asked the agent if there was evidence", "demanded to know why": a question
        if etype and etype not in lex.told_by_modifiers and token.dep_ in ("amod", "compound"):
            return None  # a participle describing a noun ("UAE-backed forces") tells no new event
        return (etype, token, token, None) if etype else None
    if token.pos_ == "ADJ" and "ADJ" in matched and token.dep_ != "amod":
        return matched["ADJ"], token, token, None  # "left eight policemen dead", "shot dead"
    if token.pos_ in ("NOUN", "PROPN") and token.ent_type_ not in lex.words["named_not_events"]:
        etype = matched.get("NOUN")
        if etype and etype not in lex.told_by_modifiers and token.dep_ == "compound":
            return None  # a noun modifying another ("aid workers", "peace envoy") tells no event
        return (_noun_type(token, etype, lex), token, token, None) if etype else None
    return None


def _in_context(token: Token, etype: str, mode: str | None, sentence: Span, lex: EventRules) -> tuple[str, str | None]:
    """A clash among protesters is a violent protest: the sentence decides the type."""
    lemma = token.lemma_.lower()
    for rule in lex.context_rules:
        if etype == rule.from_type and lemma in rule.lemmas and \
                any(t.lemma_.lower() in rule.context for t in sentence if t.i != token.i):
            return rule.type, rule.mode
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


def _is_instrument(token: Token, lex: EventRules) -> bool:
    return any(token.lemma_.lower() in modes for modes in lex.modes.values())


def _children(token: Token, *deps: str) -> list[Token]:
    return [c for c in token.children if c.dep_ in deps]


Roles = dict[tuple[int, str], list[tuple[int, int]]]
"""(trigger index, role rule) -> (preposition index, argument index) of every match of roles.jsonl."""


def _reach(trigger: Token, lex: EventRules) -> tuple[int, int]:
    """(first, last + 1) token index of what the role rules may read below the trigger: the
    descendants as deep as the deepest rule node (the first link only through a child a rule asks
    for), else its whole subtree."""
    depth, deps = lex.role_depth, lex.role_child_deps
    if depth is None:
        return trigger.left_edge.i, trigger.right_edge.i + 1
    lo = hi = trigger.i
    level = [c for c in trigger.children if deps is None or c.dep_ in deps]
    for _ in range(depth):
        for t in level:
            lo, hi = min(lo, t.i), max(hi, t.i)
        level = [c for t in level for c in t.children]
    return lo, hi + 1


def _role_spans(triggers: list[Token], lex: EventRules) -> list[Span]:
    """The stretches of text the role rules must read: a rule's nodes hang below its trigger, so the
    reach (`_reach`) of the triggers that have a child a rule asks for, joined where they overlap."""
    deps = lex.role_child_deps
    edges = sorted(_reach(t, lex) for t in triggers if deps is None or any(c.dep_ in deps for c in t.children))
    spans: list[list[int]] = []
    for lo, hi in edges:
        if spans and lo < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    return [triggers[0].doc[lo:hi] for lo, hi in spans]


_SUB_DOC_ATTRS = (ORTH, SPACY, LEMMA, NORM, POS, TAG, MORPH, DEP, HEAD, ENT_IOB, ENT_TYPE, ENT_KB_ID, SENT_START)
"""What a role rule may ask of a token, copied into the Doc of a span (`_sub_doc`)."""


def _sub_doc(span: Span, array: numpy.ndarray) -> SpacyDoc:
    """The span as a Doc of its own, every token as in the document (`array`: its
    `_SUB_DOC_ATTRS`); a token whose head lies outside becomes a root. (Span.as_doc does the same
    but reads every entity of the document each time.)"""
    part = array[span.start:span.end].copy()
    head, iob = _SUB_DOC_ATTRS.index(HEAD), _SUB_DOC_ATTRS.index(ENT_IOB)
    offsets = part[:, head].astype(numpy.int64)  # relative heads, stored as unsigned
    outside = (numpy.arange(len(part)) + offsets < 0) | (numpy.arange(len(part)) + offsets >= len(part))
    part[outside, head] = 0
    if len(part) and part[0, iob] == 1:
        part[0, iob] = 3  # an entity begun before the span begins in it
    sub = SpacyDoc(span.doc.vocab, words=[t.text for t in span])
    return sub.from_array(list(_SUB_DOC_ATTRS), part)


def _role_matches(spans: list[Span], matcher: DependencyMatcher, lex: EventRules) -> Roles:
    """The role rules' matches in the spans: each matched as a Doc of its own (the document's token
    arrays read once), so the matcher reads only the text around the triggers."""
    roles: Roles = {}
    if not spans:
        return roles
    ids = {name: [n["RIGHT_ID"] for n in pattern] for name, _, pattern in lex.role_patterns}
    role_of = {name: role for name, role, _ in lex.role_patterns}
    doc = spans[0].doc
    array = doc.to_array(list(_SUB_DOC_ATTRS))
    for span in spans:
        offset = span.start
        for key, tokens in matcher(_sub_doc(span, array)):
            name = doc.vocab.strings[key]
            nodes = {node: i + offset for node, i in zip(ids[name], tokens)}
            roles.setdefault((nodes["trigger"], name), []).append((nodes.get("prep", nodes[role_of[name]]), nodes[role_of[name]]))
    return roles


def _role(trigger: Token, name: str, roles: Roles, skip_preps: frozenset[str] = frozenset()) -> Token | None:
    """The argument the role rule `name` (roles.jsonl) finds for the trigger: of several, the one
    after the first preposition ("On Thursday, rockets were fired at a base": the base)."""
    found = sorted(m for m in roles.get((trigger.i, name), []) if trigger.doc[m[0]].lower_ not in skip_preps)
    return trigger.doc[found[0][1]] if found else None


def _topics(etype: str, lex: EventRules) -> frozenset[str]:
    """Prepositions whose object is a topic, not a target, for a topical type ("talks on the future")."""
    return lex.words["topic_preps"] if etype in lex.topical else frozenset()


def _finite(verb: Token) -> bool:
    return verb.tag_ in ("VBD", "VBZ", "VBP", "MD") or any(
        c.dep_ in ("aux", "auxpass") and c.tag_ in ("VBD", "VBZ", "VBP", "MD") for c in verb.children)


def _infinitive(verb: Token) -> bool:
    return any(c.dep_ == "aux" and c.tag_ == "TO" for c in verb.children)


def _clause_head(verb: Token) -> Token:
    """The verb a conjunct shares its subject and its clause with. "want the US to withdraw and have
    been pressuring X": a finite conjunct of an infinitive is conjoined with the infinitive's
    governor ("want"), whatever the parser attached it to."""
    head = verb.head
    if verb.dep_ == "conj" and _infinitive(head) and _finite(verb) and head.head.i != head.i:
        return head.head
    return head


def _governing_verb(token: Token, lex: EventRules) -> Token | None:
    """For a nominal trigger, the verb whose object or subject it is ("held talks", "came under attack")."""
    head = token
    if token.dep_ == "pobj" and token.head.lower_ in lex.words["measure_preps"] and \
            {token.head.head.lemma_.lower(), token.head.head.lower_} & lex.words["quantity_heads"]:
        head = token.head.head  # "came under hundreds of attacks": the verb governs the quantity
    if head.dep_ == "pobj" and head.head.dep_ == "prep":
        head = head.head
    if head.dep_ == "prep" and head.lower_ in lex.words["temporal_preps"]:
        return None  # "came after talks": a time, not a part in them
    if head.dep_ in ("dobj", "nsubj", "nsubjpass", "attr", "prep", "pobj") and head.head.pos_ in ("VERB", "AUX"):
        return head.head
    return None


def _arguments(trigger: Token, etype: str, lex: EventRules, roles: Roles):
    actor = target = None
    if _is_verb(trigger):
        subj = _children(trigger, "nsubj")
        passive = _children(trigger, "nsubjpass")
        agent = [o for a in _children(trigger, "agent") for o in _children(a, "pobj")]
        objs = _children(trigger, "dobj")
        if passive:
            target = passive[0]
            actor = agent[0] if agent else None
            aimed_at = _role(trigger, "aimed_at", roles)
            if aimed_at is not None and _is_instrument(target, lex):
                target = aimed_at  # "rockets were fired at a base": the rockets are the means
        elif trigger.lemma_.lower() in lex.words["loss_verbs"] and objs and \
                f"{trigger.lemma_.lower()} {objs[0].lemma_.lower()}" in lex.verb_object:
            # "soldiers lost their legs": the one who lost them is the victim; the legs are the event.
            # "three soldiers were wounded, losing limbs": the wounded soldiers.
            losers = subj or (_children(trigger.head, "nsubj", "nsubjpass")
                              if trigger.dep_ in ("advcl", "conj", "xcomp") else [])
            target = losers[0] if losers else None
        elif trigger.lemma_.lower() in lex.words["undergoer_subject"] and not objs:
            # "About 100 people died": the subject is the victim; "the device exploded": the means.
            target = subj[0] if subj and trigger.lemma_.lower() in lex.words["victim_subject"] else None
        else:
            actor = subj[0] if subj else None
            target = objs[0] if objs else None
            if target is not None and _is_instrument(target, lex):
                target = None  # "set off a car bomb": the bomb is the means, not the target
            if target is not None and f"{trigger.lemma_.lower()} {target.lemma_.lower()}" in lex.verb_object:
                target = _role(trigger, "verb_object_target", roles)  # "set fire to the mosque": the fire is the event
        if trigger.dep_ == "acl" and not subj and not passive and trigger.head.pos_ in ("NOUN", "PROPN", "PRON"):
            # A participle describing a noun: "the guards abducted by gunmen" are the ones it was
            # done to; "gunmen attacking the base" are the ones who did it.
            if trigger.tag_ == "VBG":
                actor = actor or trigger.head
            elif target is None:
                target, actor = trigger.head, agent[0] if agent else actor
        adjunct = trigger.dep_ == "advcl" and trigger.tag_ == "VBG"  # "a bomber blew himself up, killing six"
        if actor is None and (trigger.dep_ in ("xcomp", "conj") or adjunct) and trigger.head.pos_ in ("VERB", "AUX"):
            inherited = _children(_clause_head(trigger), "nsubj")
            actor = inherited[0] if inherited else None
        if target is None:
            target = _role(trigger, "verb_target", roles, _topics(etype, lex))
        if target is not None and target.lemma_.lower() in lex.words["want_verbs"]:
            target = None
        for child in _children(trigger, "xcomp", "ccomp"):
            # "want the US to withdraw": the one asked to act is the target.
            subj2 = _children(child, "nsubj")
            if target is None and subj2:
                target = subj2[0]
            # "voted to oust their occupiers": a demand to act on someone names them.
            if target is None and etype == lex.demand_type and trigger.lemma_.lower() in lex.words["clause_heads"]:
                acted_on = _children(child, "dobj")
                target = acted_on[0] if acted_on else None
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
        by = _role(trigger, "noun_actor", roles)
        modifier = [c for c in trigger.children if c.dep_ in ("amod", "compound", "nmod") and c.ent_type_ in lex.words["actor_labels"]]
        actor = poss[0] if poss else by or (modifier[0] if modifier else None)
        target = _role(trigger, "noun_target", roles, _topics(etype, lex))
        if target is None and etype == lex.demand_type:
            # "a request for US troops to leave": the one asked is the subject of the to-clause.
            asked = [g for c in trigger.children if c.dep_ in ("advcl", "acl", "relcl", "ccomp", "xcomp") and _infinitive(c)
                     for g in c.children if g.dep_ == "nsubj"]
            target = asked[0] if asked else None
        if target is None and etype in lex.done_to:
            # "the killing of a police officer", "the arrest of the mayor": what it was done to.
            target = _role(trigger, "done_to", roles)
        if target is None and etype in lex.done_to:
            # "the pub bombings", "a market attack": the place hit.
            target = next((c for c in trigger.children if c.dep_ == "compound" and c.pos_ == "NOUN"
                           and not c.ent_type_ and c.lemma_.lower() in lex.words["place_nouns"]), None)
        verb = _governing_verb(trigger, lex)
        if verb is not None and actor is None and verb.lemma_.lower() in lex.words["light_verbs"]:
            subj = _children(verb, "nsubj")
            if subj and verb.lemma_.lower() not in lex.words["undergoing_verbs"]:
                actor = subj[0]
            elif subj and target is None:
                target = subj[0]  # "bases came under attack", "13 people suffered injuries"
    actor_head = _argument_head(actor, trigger, lex)
    if actor_head is None and actor is not None and _is_verb(trigger) and actor.i != trigger.i and (
            (actor.dep_ == "nsubj" and actor.head.i == trigger.i)
            or (actor.head.dep_ == "agent" and actor.head.head.i == trigger.i)):
        # "the attack targeted the airbase", "the base was not hit by the rockets": with no one else
        # named, the event or the weapon the verb's subject or agent names is what did it.
        actor_head = actor
    return actor_head, _argument_head(target, trigger, lex)


def _argument_head(token: Token | None, trigger: Token, lex: EventRules) -> Token | None:
    """The participant a token stands for, or None when it names no participant."""
    if token is None:
        return None
    lemma = token.lemma_.lower()
    if lemma in lex.words["relative_pronouns"] and token.head.dep_ == "relcl":
        token = token.head.head  # "the men who attacked": the men
        lemma = token.lemma_.lower()
    if lemma in lex.words["quantity_heads"] or token.lower_ in lex.words["quantity_heads"] or token.pos_ == "NUM":
        of = [o for p in _children(token, "prep") if p.lower_ in lex.words["measure_preps"] for o in _children(p, "pobj")]
        if of:
            token = of[0]  # "a number of protesters", "five of the guards": the protesters, the guards
    if token.ent_type_ in lex.words["time_labels"] or token.i == trigger.i:
        return None
    if token.lemma_.lower() not in lex.words["people"] and (token.lemma_.lower() in lex.nouns or _is_instrument(token, lex)):
        return None  # "the blast damaged ...": an event or a weapon is no actor or target
    return token


def _clause_entities(trigger: Token, labels: frozenset[str], ents: tuple[Span, ...]) -> list[Span]:
    """Entities of the given labels (of the document's `ents`) inside the trigger's subtree, not
    inside a nested clause."""
    lo, hi = trigger.left_edge.i, trigger.right_edge.i
    out = []
    for ent in ents:
        if ent.label_ not in labels or ent.start < lo or ent.end - 1 > hi:
            continue
        tok = ent.root
        nested = False
        while tok.i != trigger.i and tok.head.i != tok.i:
            # A clause of its own owns its dates and places: a relative, adverbial or complement
            # clause, or a verb conjoined with the trigger ("pressured the militias to stop, and
            # there have been attacks since February").
            if tok.i != ent.root.i and (tok.dep_ in ("relcl", "advcl", "ccomp")
                                        or (tok.dep_ == "conj" and _is_verb(tok) and tok.head.i == trigger.i)):
                nested = True
                break
            tok = tok.head
        if not nested:
            out.append(ent)
    return out



def _is_place_phrase(ent: Span, lex: EventRules) -> bool:
    """A place the event happened at ("in Iraq", "on the Syrian border"), not a modifier ("US base")."""
    root = ent.root
    if root.dep_ == "pobj" and root.head.lower_ in lex.words["place_preps"]:
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



def _place_noun(trigger: Token, lex: EventRules) -> Span | None:
    """With no named place, a place the text names with a common noun: "inside the training
    centre", "near the finish line"."""
    for prep in _children(trigger, "prep"):
        if prep.lower_ in lex.words["common_place_preps"]:
            for obj in _children(prep, "pobj"):
                if obj.pos_ == "NOUN" and not obj.ent_type_ and obj.lemma_.lower() in lex.words["place_nouns"]:
                    return _phrase(obj)
    return None


def _inside(inner: Span, outer: Span | None) -> bool:
    return outer is not None and outer.start <= inner.start and inner.end <= outer.end


def _first_conjunct(token: Token) -> Token:
    while token.dep_ == "conj" and token.head.i != token.i:
        token = token.head
    return token


def _negated_phrase(head: Token, lex: EventRules) -> bool:
    """"no casualties", "none", "nobody": a noun phrase that says there was none."""
    return head.lower_ in lex.words["negators"] and head.pos_ in ("PRON", "NOUN") or any(
        c.dep_ == "det" and c.lower_ in lex.words["negating_determiners"] for c in head.children)


def _refers_back(trigger: Token, lex: EventRules) -> bool:
    """A definite event noun ("the explosion", "this blast"): it names an event told before."""
    return trigger.pos_ in ("NOUN", "PROPN") and any(
        c.dep_ == "det" and c.lower_ in lex.words["definite_determiners"] for c in trigger.children)


def _no_specific_event(trigger: Token, lex: EventRules) -> bool:
    """An event noun that names no event that happened: "all the death, displacement, and
    destruction" (a predeterminer over definite event nouns sums up what the writer deplores),
    "any attack on non-military targets", "such bombings" (a kind of event); and a participle
    describing such a noun ("such bombings targeting crowds")."""
    if _is_verb(trigger) and trigger.dep_ == "acl" and trigger.head.i != trigger.i:
        trigger = trigger.head
    head = _first_conjunct(trigger)
    if head.pos_ not in ("NOUN", "PROPN") or trigger.pos_ not in ("NOUN", "PROPN"):
        return False
    kids = list(head.children)
    summing = any(c.dep_ in ("predet", "det") and c.lower_ in lex.words["rhetorical_determiners"] for c in kids)
    definite = any(c.dep_ in ("det", "poss") and c.lower_ in lex.words["definite_determiners"] for c in kids)
    generic = any(c.dep_ in ("det", "predet", "amod") and c.lower_ in lex.words["generic_determiners"] for c in kids)
    return summing and definite or generic


def _dated_reference(trigger: Token, lex: EventRules) -> bool:
    """An event noun its date names ("Saturday's attack", "the 1981 hunger strike", "the landmark
    2015 agreement"): an event the reader knows of, referred to rather than told, which event coding
    leaves out as a historical reference. A date in the clause ("signed an agreement in 2015") tells."""
    if trigger.pos_ not in ("NOUN", "PROPN"):
        return False
    return any(t.ent_type_ in lex.words["date_labels"] for t in trigger.doc[trigger.left_edge.i:trigger.i])


def _unrealised(trigger: Token, lex: EventRules) -> bool:
    """An event told only as what someone meant to bring about: "tried to plant a bomb", "an
    intention to coerce", "IEDs to target security forces", "intended to inflict damage". The to-clause
    of an intent (intent_heads), of a purpose or of a weapon ("the missiles to strike Tel Aviv") says
    what was aimed at, not that it happened."""
    verb = trigger
    if not _is_verb(trigger):
        if trigger.dep_ != "dobj" or not _is_verb(trigger.head):
            return False
        verb = trigger.head  # "to inflict damage", "to carry out an attack": the verb's event noun
    verb = _first_conjunct(verb)  # "to kill or maim"
    if not _infinitive(verb) or verb.head.i == verb.i:
        return False
    head = verb.head
    if verb.dep_ == "advcl":
        return True  # a purpose: "fired tear gas to disperse the crowd"
    if verb.dep_ == "xcomp" and head.lemma_.lower() == "be":
        head = next(iter(_children(head, "nsubj")), head)  # "the intention was to destroy"
    if verb.dep_ in ("acl", "relcl") and head.pos_ in ("NOUN", "PROPN") and _is_instrument(head, lex):
        return True  # "bombs to target security forces": what a weapon is for, not what it did
    return verb.dep_ in ("xcomp", "ccomp", "acl") and head.lemma_.lower() in lex.words["intent_heads"]


def _adds(negator: Token, lex: EventRules) -> bool:
    """"not just the damage (but its immorality)", "not only": a focus that adds, not a negation."""
    return any(c.dep_ == "advmod" and c.lower_ in lex.words["additive_focus"] for c in negator.children)


def _attributed_to(sentence: Span, lex: EventRules) -> str | None:
    """The source an "according to" phrase of the sentence names ("according to Reuters": the
    phrase's last word governs it), or None when the sentence has no such phrase."""
    firsts = {p.split()[0] for p in lex.words["according_to"]}
    for tok in sentence:
        if tok.lower_ not in firsts:
            continue
        phrase = next((p for p in lex.words["according_to"] if p.split()[0] == tok.lower_
                       and sentence.doc[tok.i:tok.i + len(p.split())].text.lower() == p), None)
        if phrase:
            last = tok.doc[tok.i + len(phrase.split()) - 1]
            objs = _children(last, "pobj") or _children(tok, "pobj")
            if objs:
                return _phrase(objs[0]).text
    return None


_UNREAD = object()


def _modality(trigger: Token, lex: EventRules, sentence: Span, attributed=_UNREAD):
    """(modality, negated, attribution source). `attributed`: `_attributed_to(sentence)`, when the
    caller has read it already (it is the same for every trigger of the sentence)."""
    negated = any(c.lower_ in lex.words["negators"] and c.dep_ in ("neg", "det", "advmod") and not _adds(c, lex)
                  for c in trigger.children)
    # "no casualties or damage was reported": the first conjunct's determiner negates them all;
    # "no US personnel were wounded", "none of them was hurt": a negated subject negates the verb.
    negated = negated or _negated_phrase(_first_conjunct(trigger), lex) or (_is_verb(trigger) and any(
        _negated_phrase(_first_conjunct(c), lex) for c in _children(trigger, "nsubj", "nsubjpass")))
    chain = [trigger]
    tok = trigger
    while tok.head.i != tok.i and len(chain) < 8:
        tok = _clause_head(tok)
        chain.append(tok)
    hypothetical = demanded = False
    source = None
    reported = False
    prev = trigger
    for i, node in enumerate(chain):
        lemma = node.lemma_.lower()
        kids = list(node.children)
        if i <= 1 and any(c.dep_ == "aux" and c.lower_ in lex.words["hypothetical_aux"] for c in kids):
            hypothetical = True
        if i <= 1 and any(c.dep_ == "advmod" and c.lower_ in lex.words["hypothetical_adverbs"] for c in kids):
            hypothetical = True
        if i == 1 and prev.dep_ in ("dobj", "nsubj", "nsubjpass", "pobj", "attr") and any(c.dep_ == "neg" and not _adds(c, lex) for c in kids):
            negated = True
        if node.i != trigger.i and prev.dep_ in ("xcomp", "ccomp") and lemma in lex.words["hypothetical_heads"]:
            hypothetical = True
        if node.i != trigger.i and prev.dep_ in ("xcomp", "ccomp") and lemma in lex.words["demand_heads"]:
            demanded = True
        if node.i != trigger.i and prev.dep_ in ("ccomp", "parataxis") and lemma in lex.words["speech_verbs"] and not reported:
            reported = True
            subj = _children(node, "nsubj")
            source = _phrase(subj[0]).text if subj else None
        if node.i != trigger.i and prev.dep_ == "advcl" and \
                any(c.dep_ == "mark" and c.lower_ in lex.words["hypothetical_marks"] for c in prev.children):
            hypothetical = True
        if any(c.dep_ == "mark" and c.lower_ in lex.words["hypothetical_marks"] for c in kids) and i == 0:
            hypothetical = True
        prev = node
    if attributed is _UNREAD:
        attributed = _attributed_to(sentence, lex)
    if attributed is not None:
        reported, source = True, source or attributed
    modality = "hypothetical" if hypothetical else "demanded" if demanded else "reported" if reported else "asserted"
    return modality, negated, source


def _number(token: Token, lex: EventRules) -> int | None:
    text = token.lower_.replace(",", "")
    if text.isdigit():
        return int(text)
    return lex.numbers.get(text)


def _count(token: Token, lex: EventRules) -> int | None:
    """How many the phrase counts: "three US troops", "five of the guards"."""
    for child in token.children:
        if child.dep_ == "nummod" and _number(child, lex) is not None:
            return _number(child, lex)
    if token.dep_ == "pobj" and token.head.lower_ in lex.words["measure_preps"]:
        return _number(token.head.head, lex)
    return None


def _casualties(trigger: Token, target: Token | None, lex: EventRules) -> tuple[int | None, int | None]:
    lemma = trigger.lemma_.lower()
    victims = target
    if victims is None:
        return None, None
    n = _count(victims, lex)
    if lemma in lex.words["kill_lemmas"]:
        return n, None
    if lemma in lex.words["injure_lemmas"]:
        return None, n
    return None, None


def _mode(trigger: Token, etype: str, lex: EventRules) -> str | None:
    modes = lex.modes.get(etype) or {}
    if not modes:
        return None
    clause = [trigger] + list(trigger.children) + [g for c in trigger.children for g in c.children]
    for tok in [trigger, *clause]:
        m = modes.get(tok.lemma_.lower())
        if m:
            return m
    return None


def _names_cause(t: Token, trigger: Token, words: frozenset[str]) -> bool:
    # A storm is a cause; "stormed" and the "Storm Corps" are not.
    # A capitalised noun outside any name counts too: "Nepal Earthquake Death Toll Crosses 2,200".
    return t.i != trigger.i and t.pos_ in ("NOUN", "PROPN") and not t.ent_type_ and \
        (t.lemma_.lower() in words or t.lower_ in words)


def _accidental_blast(blast: Token, lex: EventRules) -> bool:
    """An explosion or fire of something that explodes by accident: a gas cylinder, a furnace."""
    if blast.lemma_.lower() not in lex.words["blast_lemmas"]:
        return False
    accidental = lex.words["accident_modifiers"]
    if any(c.dep_ in ("amod", "advmod") and (c.lemma_.lower() in accidental or c.lower_ in accidental)
           for c in blast.children):
        return True  # "two accidental explosions", "the device detonated accidentally"
    exploded = [c for c in blast.children if c.dep_ in ("compound", "nsubj", "amod")]
    exploded += [g for c in exploded for g in c.children if g.dep_ in ("compound", "amod")]
    return any(_names_cause(t, blast, lex.words["accidental_compounds"]) for t in exploded)


def _non_violent(trigger: Token, lex: EventRules, sentence: Span) -> bool:
    """Deaths, injuries and blasts put down to nature, illness or accident ("a tsunami killed 43",
    "died of diabetes", "a gas explosion")."""
    scope = trigger.head if trigger.dep_ not in ("ROOT",) else trigger
    if any(_names_cause(t, trigger, lex.words["non_violent_causes"]) for t in scope.subtree):
        return True
    if _accidental_blast(trigger, lex):
        return True
    # "two accidental explosions", "the device detonated accidentally, killing three".
    described = list(trigger.children) + (list(trigger.head.children) if trigger.dep_ in ("advcl", "conj") else [])
    accidental = lex.words["accident_modifiers"]
    if any(c.dep_ in ("amod", "advmod") and (c.lemma_.lower() in accidental or c.lower_ in accidental) for c in described):
        return True
    lemma = trigger.lemma_.lower()
    # "A gas explosion killed eight", "injured after a gas cylinder exploded": the accident's.
    causes = [c for c in trigger.children if c.dep_ in ("nsubj", "advcl")]
    causes += [o for p in trigger.children if p.dep_ in ("agent", "prep") and p.lower_ in lex.words["accident_cause_preps"]
               for o in p.children if o.dep_ in ("pobj", "pcomp")]
    if lemma in lex.words["outcome_lemmas"] and any(_accidental_blast(c, lex) for c in causes):
        return True
    if lemma in lex.words["death_lemmas"]:
        # "died of cancer", "death from malaria"; but "the death of a soldier" names the victim.
        cause_preps = lex.words["death_cause_preps"] if _is_verb(trigger) else lex.words["death_noun_cause_preps"]
        causes = [o for p in trigger.children if p.dep_ == "prep" and p.lower_ in cause_preps
                  for o in p.children if o.dep_ == "pobj"]
        if causes and not any(c.lemma_.lower() in lex.nouns or c.lemma_.lower() in lex.words["violent_causes"] for c in causes):
            return True
    # An outcome (deaths, damage) in a sentence that names a natural hazard is put down to it.
    return lemma in lex.words["outcome_lemmas"] and any(_names_cause(t, trigger, lex.words["natural_hazards"]) for t in sentence)


def _names_a_town(modifier: Token | None, trigger: Token, entity: dict | None, lex: EventRules) -> bool:
    """The noun trigger's modifier is a place smaller than a country ("the Birmingham bombings")."""
    return (modifier is not None and entity is not None and modifier.head.i == trigger.i
            and modifier.dep_ in ("compound", "nmod", "amod") and entity["label"] in lex.words["town_labels"]
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
    definite: bool = False
    actor_mentions: tuple[Span, ...] = ()
    """Every entity the actor names, coordinated ones too: "US and Iraqi officials" links the US
    and Iraq (`actor_mention`, the warehouse's actor_entity_id, is the first of them)."""
    target_mentions: tuple[Span, ...] = ()
    """A one-word trigger after a definite determiner ("the attack"): it may refer back to an
    event told just before."""


def _coordinated_mentions(phrase: Span | None, first: dict | None,
                          mentions: list[tuple[int, int, Span]]) -> tuple[Span, ...]:
    """The entity mentions a phrase names: the one linked first, then every other mention in the
    phrase that no preposition separates from its head ("US and Iraqi officials": the US and
    Iraq; "the mayor of London": the mayor's entity only). `mentions`: (start, end, span) of the
    document's entity mentions."""
    if phrase is None or first is None:
        return ()
    found = [first["span"]]
    for start, end, mention in mentions:
        if not (phrase.start <= start and end <= phrase.end) or mention == first["span"]:
            continue
        tok, separated = mention.root, False
        while tok.i != phrase.root.i and phrase.start <= tok.head.i < phrase.end and tok.head.i != tok.i:
            separated = separated or tok.dep_ in ("prep", "pobj", "relcl", "acl", "appos")
            tok = tok.head
        if not separated and all(m.kb_id_ != mention.kb_id_ for m in found):
            found.append(mention)
    return tuple(found)


def _mention_index(doc: SpacyDoc) -> dict[int, dict]:
    """Entity mentions by start offset, as the argument rules read them; where two start together
    ("LA Weekly" and the "LA" in it), the longer one."""
    mentions = doc.spans[MENTIONS] if MENTIONS in doc.spans else []
    rows = [{"start_char": m.start_char, "end_char": m.end_char, "label": m.label_, "entity_id": m.kb_id_,
             "span": m} for m in mentions]
    return {m["start_char"]: m for m in sorted(rows, key=lambda m: m["end_char"] - m["start_char"])}


def _participant(token: Token | Span | None, mentions, lex: EventRules) -> Token | Span | None:
    """An argument as the participant it names: a demonstrative ("that") names none; a personal
    pronoun stands for the entity mention tasks/nlp/pronouns.py resolves it to ("he": a person;
    "they", "it": an organization, country or group), else for none ("I", "we", "you": the writer
    or the reader; a pronoun no mention near it fits)."""
    if token is None or not isinstance(token, Token):
        return token
    if token.lower_ in lex.words["demonstratives"] and token.pos_ in ("PRON", "DET", "SCONJ"):
        return None  # "that", "this", "which": no participant the text names
    if token.pos_ != "PRON" or token.morph.get("PronType") != ["Prs"]:
        return token  # "US" is no "us"
    return antecedent(token, mentions)


def _matches(token: Token, lex: EventRules) -> dict[str, str]:
    """{word class: event type} the trigger patterns (each one token) give the token: what
    `lex.matcher` finds in the token alone, looked up by lemma (nouns also by form) in the
    classes its part of speech belongs to, without running a Matcher per token."""
    out: dict[str, str] = {}
    pos = token.pos_
    for cls, parts in WORD_CLASSES.items():
        if pos in parts:
            etype = lex.trigger_type(cls, token.lemma_, token.lower_) if cls == "NOUN" else lex.trigger_type(cls, token.lemma_)
            if etype:
                out[cls] = etype
    return out


def _candidates(doc: SpacyDoc, sentences: list[Span], lex: EventRules) -> list[tuple[int, Span, list[int]]]:
    """(sentence index, sentence, token indices) of the sentences holding a token whose lemma or form
    some trigger rule starts with: only those tokens can trigger, and the matchers read only those
    sentences (most sentences of most documents hold none)."""
    if not len(doc):
        return []
    words = doc.to_array([LEMMA, LOWER])
    keys = lex.first_word_keys
    found = keys[numpy.minimum(numpy.searchsorted(keys, words), len(keys) - 1)] == words
    hits = numpy.flatnonzero(found[:, 0] | found[:, 1]).tolist()
    out, s = [], 0
    for i in hits:
        while sentences[s].end <= i:
            s += 1
        if out and out[-1][0] == s:
            out[-1][2].append(i)
        else:
            out.append((s, sentences[s], [i]))
    return out


def find_events(doc: SpacyDoc, lex: EventRules,
                roles_matcher: DependencyMatcher | None = None) -> list[tuple[Span, EventMention]]:
    """(trigger span, event) for every event the document tells, in document order.
    `roles_matcher` is `role_matcher(lex, doc.vocab)`, built once by the component."""
    sentences = list(doc.sents)
    candidates = _candidates(doc, sentences, lex)
    if not candidates:
        return []
    triggers = []
    for s_index, sentence, indices in candidates:
        for i in indices:
            trigger = _trigger(doc[i], lex, _matches(doc[i], lex))
            if trigger:
                triggers.append((s_index, sentence, doc[i], trigger))
    if not triggers:
        return []
    entities_by_start = _mention_index(doc)
    mentions = doc.spans[MENTIONS] if MENTIONS in doc.spans else []
    mention_bounds = [(m.start, m.end, m) for m in mentions]
    ents = doc.ents
    roles = _role_matches(_role_spans([token for _, _, token, _ in triggers], lex),
                          roles_matcher or role_matcher(lex, doc.vocab), lex)
    found = []
    accidents: list[int] = []
    """Sentence indices of the blasts found to be accidents so far."""
    attributions: dict[int, str | None] = {}
    """Sentence index -> the source its "according to" names (None: none)."""
    for s_index, sentence, token, trigger in triggers:
        etype, first, last, trigger_mode = trigger
        told_alone = etype not in lex.participant_needed
        etype, trigger_mode = _in_context(token, etype, trigger_mode, sentence, lex)
        if etype in lex.casualty_types and _non_violent(token, lex, sentence):
            if token.lemma_.lower() in lex.words["blast_lemmas"]:
                accidents.append(s_index)
            continue
        if accidents and s_index - accidents[-1] <= _ANAPHOR_REACH and _refers_back(token, lex) and \
                token.lemma_.lower() in lex.words["blast_lemmas"]:
            continue  # "a furnace exploded ... The explosion occurred at": the accident told again
        if _no_specific_event(token, lex) or _unrealised(token, lex) or _dated_reference(token, lex):
            continue
        actor_tok, target_tok = _arguments(token, etype, lex, roles)
        actor, target = _participant(actor_tok, mentions, lex), _participant(target_tok, mentions, lex)
        # A pronoun resolved to a mention is that mention; its own token is no argument head.
        actor_tok = actor if isinstance(actor, Token) else None
        target_tok = target if isinstance(target, Token) else target.root if target is not None else None
        actor = _phrase(actor) if isinstance(actor, Token) else actor
        if actor is None and etype in lex.actor_needed and token.pos_ in ("NOUN", "PROPN"):
            continue  # "the threat of terrorism": a danger, not someone's threat
        target = _phrase(target) if isinstance(target, Token) else target
        places = [p for p in _clause_entities(token, lex.words["place_labels"], ents)
                  if _is_place_phrase(p, lex) and _attached_to(p.root.head.head, token)
                  and not _inside(p, actor) and not _inside(p, target)]
        dates = _clause_entities(token, lex.words["date_labels"], ents)
        if s_index not in attributions:
            attributions[s_index] = _attributed_to(sentence, lex)
        modality, negated, source = _modality(token, lex, sentence, attributions[s_index])
        fatalities, injured = _casualties(token, target_tok, lex) if etype in lex.casualty_types else (None, None)
        lo, hi = (first, last) if first.i <= last.i else (last, first)
        actor_ent, target_ent = _entity_for(actor, entities_by_start), _entity_for(target, entities_by_start)
        location = places[0] if places else _place_noun(token, lex)
        if location is None and _names_a_town(actor_tok, token, actor_ent, lex):
            # "the Birmingham pub bombings": a town before the noun is where, not who;
            # a country ("US strikes") stays the actor.
            location, actor, actor_ent = actor, None, None
        if not told_alone and token.pos_ in ("NOUN", "PROPN") and \
                actor is None and target is None and location is None and not dates:
            # "released from custody", "the talks involved ...": a state or an event told before. (A
            # raid retyped by the arrests its sentence tells is told by them: "detained 12 in raids".)
            continue
        location_ent = _entity_for(location, entities_by_start)
        confidence = 0.5 + 0.15 * (actor is not None) + 0.15 * (target is not None) + 0.1 * (token.pos_ == "VERB")
        event = EventMention(
            event_type=etype, trigger_lemma=token.lemma_.lower(), mode=trigger_mode or _mode(token, etype, lex),
            sentence=sentence, sentence_index=s_index, actor=actor, target=target, location=location,
            date=dates[0] if dates else None,
            actor_mention=actor_ent["span"] if actor_ent else None,
            target_mention=target_ent["span"] if target_ent else None,
            location_mention=location_ent["span"] if location_ent else None,
            actor_mentions=_coordinated_mentions(actor, actor_ent, mention_bounds),
            target_mentions=_coordinated_mentions(target, target_ent, mention_bounds),
            modality=modality, negated=negated, attribution_source=source, fatalities=fatalities,
            injured=injured, quad_class=lex.quad_class[etype], intensity=lex.intensity[etype],
            confidence=round(min(confidence, 1.0), 2),
            definite=len(doc[lo.i:hi.i + 1]) == 1 and lo.i > 0 and doc[lo.i - 1].lower_ in lex.words["definite_determiners"])
        found.append((doc[lo.i:hi.i + 1], event))
    return found
