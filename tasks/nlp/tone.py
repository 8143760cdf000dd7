"""Tone: how a document speaks, how each sentence treats each entity mention, and, for comments,
how toxic and how constructive they are.

- Document tone (articles and comments): VADER (Hutto and Gilbert 2014, the `vaderSentiment`
  package's lexicon and rules) over each sentence, the compound scores averaged by sentence length
  (`tone`, -1..1), and GDELT GKG's word shares: the share of words the VADER lexicon rates positive
  (`tone_positive`) and negative (`tone_negative`).
- Sentiment toward each entity mention (`span._.sentiment`, `span._.sentiment_score`): a
  multinomial logistic regression over features of the mention's context (words near it with the
  mention masked, its place in the dependency parse, the words on its path to the root, VADER
  valences of those), trained on NewsMTSC's training split (target-dependent sentiment in news) by
  benchmarks/train_tone.py; weights in data/tone/target_weights.json. The same for every "he" or
  "she" that refers to a PERSON mention (tasks/nlp/pronouns.py), in `doc.spans["pronoun_mentions"]`
  with `span._.antecedent`: news says much of what it says of a person through the pronoun. The
  mentions of one entity in one sentence (a name and its pronouns) share the mean of their class
  probabilities: NewsMTSC's annotators judged what a sentence says of a person, not of each word.
- Comment toxicity: `alt-profanity-check`'s linear model (trained on labelled toxic and offensive
  comments and tweets) on the comment's most offensive word, names aside. Constructiveness: a
  two-weight logistic calibration (length, subordinate clauses) fitted on the `fit` part of the
  comment gold (data/tone/comment_calibration.json, benchmarks/train_tone.py).
- Word lists a linguist may edit (negations, the dependency labels of subordinate clauses):
  data/tone/word_lists.jsonl, checked when loaded.
"""
from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.attrs import DEP, ENT_IOB, IDX, IS_ALPHA, IS_PUNCT, LEMMA, LOWER, ORTH, SPACY
from spacy.language import Language
from spacy.tokens import Doc as SpacyDoc
from spacy.tokens import Span

from tasks.core.errors import DataFileError
from tasks.core.word_sets import read_word_sets
from tasks.nlp.entities import MENTIONS
from tasks.nlp.pronouns import pronoun_mentions

PRONOUNS = "pronoun_mentions"
"""The `doc.spans` key of the pronouns that refer to an entity mention (tasks/nlp/pronouns.py),
each with the sentiment toward it, as the mentions have."""

TONE_DIR = Path(__file__).parent / "data" / "tone"
TARGET_WEIGHTS = TONE_DIR / "target_weights.json"
COMMENT_CALIBRATION = TONE_DIR / "comment_calibration.json"

SENTIMENTS = ("negative", "neutral", "positive")
"""Values of entities.sentiment, in the order of the target model's classes."""

WORD_LISTS = TONE_DIR / "word_lists.jsonl"
WORD_LIST_NAMES = ("negations", "subordination")
"""The lists word_lists.jsonl must hold, one per line: {name, words, comment}."""

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


@lru_cache(maxsize=2)
def word_lists(path: Path = WORD_LISTS) -> dict[str, frozenset[str]]:
    """name -> words of the tone word lists; a malformed line raises DataFileError naming the file,
    the line and what is wrong with it."""
    return {name: frozenset(words) for name, words in read_word_sets(path, WORD_LIST_NAMES, "list").items()}


@lru_cache(maxsize=1)
def vader():
    """The VADER analyser (its lexicon ships inside the vaderSentiment package)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def vader_compound(text: str) -> float:
    """VADER's compound score of `text`, the same as `polarity_scores(text)["compound"]`, for about
    five sixths of its cost: polarity_scores rebuilds the text character by character to spell out
    emoji, needless when the text has none, and runs its rules for every word, though a word
    outside its lexicon always scores 0 (so does a text with no lexicon word at all)."""
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentiText

    analyser = vader()
    if not analyser.emojis.keys().isdisjoint(text):
        return analyser.polarity_scores(text)["compound"]
    text = text.strip()
    sentitext = SentiText(text)
    words = sentitext.words_and_emoticons
    lexicon = analyser.lexicon
    lowered = [w.lower() for w in words]
    if not any(w in lexicon for w in lowered):
        return 0.0
    # The rest of polarity_scores as vaderSentiment 3.3.2 has it, but for a word outside the
    # lexicon, to which sentiment_valence gives 0 after its look-ups.
    sentiments: list[float] = []
    for i, item in enumerate(words):
        if lowered[i] not in lexicon or lowered[i] in BOOSTER_DICT \
                or (lowered[i] == "kind" and i < len(words) - 1 and lowered[i + 1] == "of"):
            sentiments.append(0)
            continue
        sentiments = analyser.sentiment_valence(0, sentitext, item, i, sentiments)
    sentiments = analyser._but_check(words, sentiments)
    return analyser.score_valence(sentiments, text)["compound"]


# --- document tone ------------------------------------------------------------------------------

@dataclass
class DocTone:
    tone: float
    """Mean VADER compound score of the sentences, weighted by their length in words (-1..1)."""
    positive: float
    """Share of words that VADER's lexicon rates positive."""
    negative: float
    """Share of words that VADER's lexicon rates negative."""
    words: int
    """Words counted (alphabetic tokens): the weight of this piece when a document has several."""
    subordinate: int = 0
    """Subordinate clauses and their markers (dependency labels of the `subordination` word list)."""
    offensive: float = 0.0
    """alt-profanity-check's probability of the most offensive word, words of named entities aside
    (a surname or a place is not an insult): one insult makes a comment offensive however long
    the comment is."""
    sentences: int = 0
    """Sentences, counted while they are scored (a comment's features need the count only)."""


@dataclass(frozen=True)
class DocWords:
    """What tone reads of each token of one Doc, taken once from its arrays: every mention scored
    in the Doc reads these lists instead of making Token objects for its sentence again."""
    lower: list[str]
    lemma: list[str]
    """Lemmas, lower-cased."""
    punct: list[bool]
    alpha: list[bool]
    valence: list[float]
    """VADER's lexicon valence of the lower-cased word (0: not in the lexicon)."""
    dep: list[int]
    """Dependency label hashes."""
    text: list[str]
    """Each token's text with the space after it, if any."""
    spaced: list[int]
    """Whether a space follows the token."""
    names: list[tuple[int, int]]
    """(start, end) characters of the tokens inside named entities, read from the arrays (Doc.ents
    and Doc.text make a Token object per word)."""

    def span_text(self, start: int, end: int) -> str:
        """doc[start:end].text, without a Token object per word."""
        text = "".join(self.text[start:end])
        return text[:-1] if self.spaced[end - 1] else text


def doc_words(doc: SpacyDoc) -> DocWords:
    strings = doc.vocab.strings
    lexicon = vader().lexicon
    columns = doc.to_array([LOWER, LEMMA, IS_PUNCT, IS_ALPHA, DEP, ORTH, SPACY, ENT_IOB, IDX]).T.tolist() \
        if len(doc) else [[]] * 9
    lower = [strings[h] for h in columns[0]]
    lemma = [strings[h].lower() for h in columns[1]]
    text = [strings[h] + " " if space else strings[h] for h, space in zip(columns[5], columns[6])]
    # ENT_IOB: 1 inside an entity, 3 at its beginning (2 outside, 0 unset).
    names = [(at, at + len(strings[orth]))
             for iob, at, orth in zip(columns[7], columns[8], columns[5]) if iob in (1, 3)]
    return DocWords(lower, lemma, [bool(x) for x in columns[2]], [bool(x) for x in columns[3]],
                    [lexicon.get(w, 0.0) for w in lower], columns[4], text, columns[6], names)


def doc_tone(doc: SpacyDoc, compounds: dict[int, float] | None = None, words: DocWords | None = None,
             bounds: list[tuple[int, int]] | None = None) -> DocTone:
    """The document's tone; each sentence's VADER compound score goes into `compounds` (by the
    sentence's first token) and its (start, end) into `bounds` when given."""
    w = words or doc_words(doc)
    strings = doc.vocab.strings
    subordination = {strings[label] for label in word_lists()["subordination"]}
    subordinate = sum(d in subordination for d in w.dep)
    offensive = most_offensive_word(doc, w)
    n_words = pos = neg = n_sentences = 0
    weighted = 0.0
    for sent in doc.sents:
        n_sentences += 1
        if bounds is not None:
            bounds.append((sent.start, sent.end))
        n = 0
        for i in range(sent.start, sent.end):
            if w.alpha[i]:
                n += 1
                v = w.valence[i]
                pos += v > 0
                neg += v < 0
        if n:
            compound = vader_compound(w.span_text(sent.start, sent.end))
            if compounds is not None:
                compounds[sent.start] = compound
            weighted += n * compound
            n_words += n
    if not n_words:
        return DocTone(0.0, 0.0, 0.0, 0, subordinate, offensive, n_sentences)
    return DocTone(weighted / n_words, pos / n_words, neg / n_words, n_words, subordinate, offensive, n_sentences)


def combined_tone(tones: list[DocTone]) -> DocTone:
    """The tone of a document analysed in pieces: each piece weighted by its words."""
    words = sum(t.words for t in tones)
    subordinate = sum(t.subordinate for t in tones)
    offensive = max((t.offensive for t in tones), default=0.0)
    sentences = sum(t.sentences for t in tones)
    if not words:
        return DocTone(0.0, 0.0, 0.0, 0, subordinate, offensive, sentences)
    return DocTone(sum(t.tone * t.words for t in tones) / words, sum(t.positive * t.words for t in tones) / words,
                   sum(t.negative * t.words for t in tones) / words, words, subordinate, offensive, sentences)


# --- sentiment toward a mention -----------------------------------------------------------------

_QUOTES = frozenset({'"', "“", "”"})


def _bucket(d: int) -> str:
    return "1" if d <= 1 else "3" if d <= 3 else "8" if d <= 8 else "far"


def target_features(sent: Span, start: int, end: int, compound: float | None = None,
                    words: DocWords | None = None) -> dict[str, float]:
    """Features of the target tokens doc[start:end] in sentence `sent`: the words around it by
    distance (the target itself masked), its dependency relation and head, the lemmas on its path
    to the root, modifiers it has, VADER valences of all of those, negation, and the sentence's own
    VADER score (`compound`, computed when not given); `words` are the Doc's DocWords, read when
    not given. The same function serves training (benchmarks/train_tone.py) and the component."""
    doc = sent.doc
    lexicon = vader().lexicon  # bound once: this runs for every mention
    w = words or doc_words(doc)
    lemmas, valences = w.lemma, w.valence
    f: dict[str, float] = {"bias": 1.0}
    target = doc[start:end]
    root = target.root
    inside = range(start, end)
    # Words by distance from the target.
    v_near = v_mid = v_all = 0.0
    punct = w.punct
    for i in range(sent.start, sent.end):
        if start <= i < end or punct[i]:
            continue
        d = start - i if i < start else i - end + 1
        b = _bucket(d)
        # By distance only: the same words split by side (before or after the target) as well
        # doubled the weights and lost macro-F1 on both parts of the tone gold.
        f[f"w{b}:{lemmas[i]}"] = 1.0
        v = valences[i]
        if v:
            weight = v / (1.0 + 0.3 * d)
            v_all += weight
            if d <= 3:
                v_near += v
            elif d <= 8:
                v_mid += v
            key = f"vpol{b}:{'+' if v > 0 else '-'}"
            f[key] = f.get(key, 0.0) + 1.0
    f["v_near"], f["v_mid"], f["v_weighted"] = v_near / 4, v_mid / 4, v_all / 4
    # The target's place in the parse.
    dep = root.dep_
    head = root.head
    f[f"dep:{dep}"] = 1.0
    f[f"head:{head.lemma_.lower()}"] = 1.0
    f[f"dephead:{dep}|{head.lemma_.lower()}"] = 1.0
    if dep == "pobj":
        f[f"prep:{head.lower_}|{head.head.lemma_.lower()}"] = 1.0
    # What the governing predicate says of the target, by the target's role in it: "X was praised"
    # (passive subject of a positive verb), "condemned X" (object of a negative one), "X attacked"
    # (subject of a negative verb: X does the harm).
    pred = head.head if dep == "pobj" and head.dep_ in ("prep", "agent") else head
    while pred.pos_ not in ("VERB", "ADJ", "NOUN") and pred.head.i != pred.i:
        pred = pred.head
    role = ("agent" if dep == "pobj" and head.dep_ == "agent" else
            "passive" if dep in ("nsubjpass",) else
            "subject" if dep in ("nsubj",) else
            "object" if dep in ("dobj", "pobj", "attr", "oprd") else
            "possessor" if dep == "poss" else "other")
    pred_v = valences[pred.i] or lexicon.get(lemmas[pred.i], 0.0)
    if any(c.dep_ == "neg" for c in pred.children):
        pred_v = -0.7 * pred_v
    f[f"v_pred|{role}"] = pred_v / 4
    f[f"role:{role}|{lemmas[pred.i]}"] = 1.0
    # Path to the root: what is said of the target.
    negations = word_lists()["negations"]
    path_v, negated, node, steps = 0.0, False, root, 0
    while node.head.i != node.i and steps < 6:
        node, steps = node.head, steps + 1
        f[f"path:{lemmas[node.i]}"] = 1.0
        path_v += valences[node.i]
        for child in node.children:
            if child.dep_ == "neg" or child.lower_ in negations:
                negated = True
            if child.dep_ in ("dobj", "acomp", "attr", "xcomp", "advmod", "oprd") and child.i not in inside:
                f[f"pathchild:{child.dep_}:{lemmas[child.i]}"] = 1.0
                path_v += valences[child.i] * 0.7
    f["v_path"] = path_v / 4
    f["path_negated"] = float(negated)
    if negated and path_v:
        f["v_path_neg"] = path_v / 4
    # Modifiers of the target (apposition, adjectives, relative clauses).
    mod_v = 0.0
    for t in root.subtree:
        i = t.i
        if start <= i < end:
            continue
        f[f"mod:{lemmas[i]}"] = 1.0
        mod_v += valences[i]
    f["v_mod"] = mod_v / 4
    # The whole sentence, and where the target sits in it.
    if compound is None:
        compound = vader_compound(sent.text)
    f["sent_compound"] = compound
    f["sent_pos"] = float(compound >= 0.05)
    f["sent_neg"] = float(compound <= -0.05)
    f["subject"] = float(dep in ("nsubj", "nsubjpass"))
    f["passive_subject"] = float(dep == "nsubjpass")
    f["agent"] = float(dep == "pobj" and head.dep_ == "agent")
    f["quoted"] = float(any(w.lower[i] in _QUOTES for i in range(sent.start, sent.end)))
    return f


@dataclass(frozen=True)
class TargetModel:
    weights: dict[str, tuple[float, float, float]]
    """feature -> weight per class (negative, neutral, positive)."""
    classes: tuple[str, ...] = SENTIMENTS

    def proba(self, features: dict[str, float]) -> tuple[float, float, float]:
        # Three classes written out: this runs for every mention, and a loop over them costs more
        # than the arithmetic.
        z0 = z1 = z2 = 0.0
        weights = self.weights
        for name, value in features.items():
            w = weights.get(name)
            if w is not None:
                z0 += w[0] * value
                z1 += w[1] * value
                z2 += w[2] * value
        top = max(z0, z1, z2)
        e0, e1, e2 = math.exp(z0 - top), math.exp(z1 - top), math.exp(z2 - top)
        s = e0 + e1 + e2
        return e0 / s, e1 / s, e2 / s


@lru_cache(maxsize=2)
def load_target_model(path: Path = TARGET_WEIGHTS) -> TargetModel:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        classes = tuple(data["classes"])
        weights = {k: tuple(float(x) for x in v) for k, v in data["weights"].items()}
        if classes != SENTIMENTS or any(len(w) != len(classes) for w in weights.values()):
            raise ValueError(f"classes must be {SENTIMENTS}, one weight per class")
        return TargetModel(weights, classes)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataFileError(str(path), None, f"target sentiment weights unreadable: {exc!r}") from exc


def sentiment_of(p: tuple[float, float, float]) -> tuple[str, float]:
    """(label, score in -1..1: P(positive) - P(negative)) from the class probabilities."""
    return SENTIMENTS[max(range(len(p)), key=p.__getitem__)], p[2] - p[0]


def mention_sentiment(model: TargetModel, span: Span, compound: float | None = None, sent: Span | None = None,
                      words: DocWords | None = None) -> tuple[str, float]:
    """(label, score) of the sentence toward the mention alone; `compound` is the sentence's VADER
    score, `sent` the sentence and `words` the Doc's DocWords, when already known."""
    return sentiment_of(model.proba(target_features(sent or span.sent, span.start, span.end, compound, words)))


def pooled_by_entity(probas: list[tuple[float, float, float]], entity_of: list) -> list[tuple[float, float, float]]:
    """The class probabilities of each mention, averaged over the mentions of the same entity in the
    same sentence (`entity_of`: a key per mention, None for one to leave alone). A sentence judges
    a person, not each word naming them: in "Clinton blamed the DNC for her defeat, in which she
    pointed at 18 guilty parties" the judgement is carried by "she", and the name shares it."""
    groups: dict = {}
    for i, key in enumerate(entity_of):
        if key is not None:
            groups.setdefault(key, []).append(i)
    out = list(probas)
    for members in groups.values():
        if len(members) > 1:
            n = len(members)
            mean = tuple(sum(probas[i][c] for i in members) / n for c in range(3))
            for i in members:
                out[i] = mean
    return out


# --- comments: toxicity and constructiveness ----------------------------------------------------

def _logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


class OffensiveLanguage:
    """alt-profanity-check's model as it ships (a TF-IDF vectorizer and a sigmoid-calibrated
    LinearSVC, five cross-validation folds averaged), evaluated directly from its fitted arrays:
    the same probabilities as `profanity_check.predict_prob`, without scikit-learn's per-call
    overhead (tens of milliseconds per comment)."""

    def __init__(self):
        from profanity_check import profanity_check as pc

        vec, model = pc.vectorizer, pc.model
        params = vec.get_params()
        if params["analyzer"] != "word" or tuple(params["ngram_range"]) != (1, 1) or params["sublinear_tf"] \
                or params["norm"] != "l2" or not params["lowercase"] or params["binary"]:
            raise DataFileError("profanity_check/data/vectorizer.joblib", None, f"unexpected vectorizer {params}")
        self.pattern = re.compile(params["token_pattern"])
        folds = model.calibrated_classifiers_
        coefs = [f.estimator.coef_.ravel() for f in folds]
        self.intercepts = [float(f.estimator.intercept_[0]) for f in folds]
        self.sigmoids = [(float(f.calibrators[0].a_), float(f.calibrators[0].b_)) for f in folds]
        idf = vec.idf_
        self.terms = {term: (float(idf[j]), tuple(float(c[j]) for c in coefs)) for term, j in vec.vocabulary_.items()}
        # A text of one word weighs that word 1 after l2 normalisation, whatever its idf: the
        # probability of each word alone is its folds' calibrated margins, computed once here.
        import numpy as np

        margins = np.stack([b + c for b, c in zip(self.intercepts, coefs)])
        a, b = np.array(self.sigmoids).T
        alone = (1.0 / (1.0 + np.exp(np.clip(a[:, None] * margins + b[:, None], -500, 500)))).mean(axis=0)
        self.word_probability = {term: float(alone[j]) for term, j in vec.vocabulary_.items()}

    def probability(self, text: str) -> float:
        counts: dict[str, int] = {}
        for token in self.pattern.findall(text.lower()):
            if token in self.terms:
                counts[token] = counts.get(token, 0) + 1
        weights = [(n * self.terms[t][0], self.terms[t][1]) for t, n in counts.items()]
        norm = math.sqrt(sum(w * w for w, _ in weights)) or 1.0
        total = 0.0
        for k, (b, (a_, b_)) in enumerate(zip(self.intercepts, self.sigmoids)):
            d = b + sum(w * c[k] for w, c in weights) / norm
            total += 1.0 / (1.0 + math.exp(max(-500.0, min(500.0, a_ * d + b_))))
        return total / len(self.sigmoids)


@lru_cache(maxsize=1)
def offensive_language() -> OffensiveLanguage:
    return OffensiveLanguage()


def most_offensive_word(doc: SpacyDoc, words: DocWords | None = None) -> float:
    """The probability of the Doc's most offensive word alone (words as alt-profanity-check's
    vectorizer splits them), the words of its named entities aside: "Dick" or "Moron" in a name
    insults nobody."""
    model = offensive_language()
    probability = model.word_probability
    w = words or doc_words(doc)
    names = w.names
    best = 0.0
    # The text from the tokens already read (Doc.text makes a Token object per word); its token
    # pattern is case-blind, so the offsets stay those of the text.
    for match in model.pattern.finditer("".join(w.text)):
        p = probability.get(match.group().lower())
        if p is not None and p > best:
            at = match.start()
            if not any(start <= at < end for start, end in names):
                best = p
    return best


def comment_features(text: str, tone: DocTone) -> dict[str, float]:
    """What toxicity and constructiveness are computed from: the comment's text and its tone (as
    the component found it, so VADER, the offensive-word look-up and the sentences run once)."""
    words = _WORD.findall(text)
    return {
        "offensive": tone.offensive,
        "log_words": math.log1p(len(words)),
        "sentences": math.log1p(tone.sentences),
        "negative_share": tone.negative,
        "compound": tone.tone,
        # Reasons, conditions and concessions come in subordinate clauses ("because ...", "if ...").
        "subordinate": math.log1p(tone.subordinate),
        "numbers": float(bool(re.search(r"\d", text))),
    }


@dataclass(frozen=True)
class Calibration:
    """Constructiveness: a logistic model over comment_features ({intercept, weights: {feature:
    weight}, threshold})."""
    constructiveness: dict

    @staticmethod
    def score(model: dict, features: dict[str, float]) -> float:
        z = model["intercept"] + sum(w * features[k] for k, w in model["weights"].items())
        return _logistic(z)


@lru_cache(maxsize=2)
def load_calibration(path: Path = COMMENT_CALIBRATION) -> Calibration:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return Calibration(data["constructiveness"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataFileError(str(path), None, f"comment calibration unreadable: {exc!r}") from exc


def toxicity(features: dict[str, float]) -> float:
    """How offensive the comment's most offensive word is (alt-profanity-check's model, made on
    labelled toxic comments and tweets; nothing fitted here). Whole-comment scores let a long
    comment dilute its one insult, and VADER's negative share took arguments about bad news for
    hostility: both lost to the single word on the held-out part of the comment gold."""
    return features["offensive"]


def comment_scores(text: str, tone: DocTone, calibration: Calibration | None = None) -> dict:
    """toxicity (0..1), constructiveness (0..1) and constructive (bool) of one comment."""
    cal = calibration or load_calibration()
    f = comment_features(text, tone)
    constructiveness = cal.score(cal.constructiveness, f)
    return {"toxicity": toxicity(f), "constructiveness": constructiveness,
            "constructive": constructiveness >= cal.constructiveness.get("threshold", 0.5)}


# --- the component ------------------------------------------------------------------------------

for _name in ("sentiment", "sentiment_score"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)
if not SpacyDoc.has_extension("tone"):
    SpacyDoc.set_extension("tone", default=None)


class ToneScorer:
    """spaCy component: `doc._.tone` (a DocTone) and, on every span of `doc.spans["mentions"]`,
    `span._.sentiment` (negative/neutral/positive) and `span._.sentiment_score` (-1..1); the
    pronouns that refer to a mention, scored alike, in `doc.spans["pronoun_mentions"]`."""

    def __init__(self, nlp: Language, name: str, weights_path: str | None):
        self.name = name
        self.model = load_target_model(Path(weights_path) if weights_path else TARGET_WEIGHTS)

    def __call__(self, doc: SpacyDoc) -> SpacyDoc:
        compounds: dict[int, float] = {}
        bounds: list[tuple[int, int]] = []
        words = doc_words(doc)
        doc._.tone = doc_tone(doc, compounds, words, bounds)
        mentions = doc.spans[MENTIONS] if MENTIONS in doc.spans else []
        pronouns = pronoun_mentions(doc, mentions)
        starts = [b[0] for b in bounds]
        spans = (*mentions, *pronouns)
        probas, entity_of = [], []
        for span in spans:
            # The sentence as Span.sent gives it (a span across a boundary takes both sentences),
            # from the bounds doc_tone walked: Span.sent walks the tokens again for every mention.
            first, last = bounds[bisect_right(starts, span.start) - 1], bounds[bisect_right(starts, span.end - 1) - 1]
            sent = doc[first[0]:last[1]]
            probas.append(self.model.proba(target_features(sent, span.start, span.end, compounds.get(sent.start), words)))
            entity_of.append((sent.start, span.kb_id_) if span.kb_id_ else None)
        for span, p in zip(spans, pooled_by_entity(probas, entity_of)):
            span._.sentiment, span._.sentiment_score = sentiment_of(p)
        doc.spans[PRONOUNS] = pronouns
        return doc


@Language.factory("newsflow_tone", default_config={"weights_path": None}, requires=["doc.spans"])
def make_tone_scorer(nlp: Language, name: str, weights_path: str | None):
    """The weights path defaults to the file shipped in tasks/nlp/data/tone/."""
    return ToneScorer(nlp, name, weights_path)
