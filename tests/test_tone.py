"""Tone: document tone, comment toxicity and constructiveness, sentiment toward each mention, and
the warehouse columns and view a run stores them in."""
from __future__ import annotations

import duckdb
import pytest

from tasks.core.settings import DEFAULT_MODEL
from tasks.ingest.documents import Doc
from tasks.nlp.analyse import analyse_in_process
from tasks.nlp.pipeline import build_pipeline


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline(DEFAULT_MODEL)


def _analyse(texts: dict[str, str], kind: str = "comment"):
    return analyse_in_process([Doc(name, kind, "art", text, None) for name, text in texts.items()], DEFAULT_MODEL)


def test_tone_is_a_component_after_entities(nlp):
    names = nlp.pipe_names
    assert "newsflow_tone" in names and names.index("newsflow_tone") > names.index("newsflow_entities")


def test_an_insult_is_more_toxic_than_a_civil_disagreement():
    values = _analyse({
        "insult": "You are a pathetic idiot and a liar. Shut up, moron, nobody cares about your stupid opinion.",
        "civil": "I respectfully disagree with the author. The figures on daycare costs leave out the provinces "
                 "that already subsidise it, and a national plan should account for them.",
    }).doc_values
    assert values["insult"]["toxicity"] > values["civil"]["toxicity"] + 0.3
    assert values["civil"]["constructiveness"] > values["insult"]["constructiveness"]
    for v in values.values():
        assert 0 <= v["toxicity"] <= 1 and 0 <= v["constructiveness"] <= 1
        assert v["constructive"] == (v["constructiveness"] >= 0.5) or isinstance(v["constructive"], bool)


@pytest.mark.parametrize("sentence, target, expected", [
    ("Angela Merkel was praised by the crowd during a visit to Poland.", "Angela Merkel", "positive"),
    ("Angela Merkel was condemned by the crowd during a visit to Poland.", "Angela Merkel", "negative"),
], ids=["praised", "condemned"])
def test_sentiment_is_toward_each_mention_not_the_sentence(sentence, target, expected):
    """The praised or condemned mention takes the sentence's judgement; the place in the same
    sentence stays neutral."""
    mentions = {m["text"]: m for m in _analyse({"s": sentence}, "article").mentions}
    place = next(m for m in mentions.values() if m["label"] == "GPE")
    assert mentions[target]["sentiment"] == expected
    assert place["sentiment"] == "neutral"
    assert abs(place["sentiment_score"]) < abs(mentions[target]["sentiment_score"])


def test_document_tone_and_word_shares():
    values = _analyse({
        "good": "This is a wonderful, generous and hopeful plan. I love it.",
        "bad": "This is a terrible, cruel and hopeless plan. I hate it.",
    }).doc_values
    assert values["good"]["tone"] > 0.3 > -0.3 > values["bad"]["tone"]
    assert values["good"]["tone_positive"] > values["good"]["tone_negative"]
    assert values["bad"]["tone_negative"] > values["bad"]["tone_positive"]


def test_a_long_document_in_pieces_has_one_tone(monkeypatch):
    import tasks.nlp.analyse as analyse

    text = "\n".join(["The rescue was a wonderful success and everyone was grateful."] * 30
                     + ["The flood was a terrible disaster and many were hurt."] * 10)
    whole = _analyse({"d": text}, "article").doc_values["d"]
    monkeypatch.setattr(analyse, "PIECE_CHARS", 700)
    pieces = _analyse({"d": text}, "article").doc_values["d"]
    assert pieces["tone"] == pytest.approx(whole["tone"], abs=1e-6)
    assert pieces["tone_negative"] == pytest.approx(whole["tone_negative"], abs=1e-6)


def test_a_run_stores_tone_and_entity_tone_answers(prefect_harness, seed_dir, warehouse):
    from flows.ingest import ingest
    from warehouse.query import run_query

    ingest(seeds=[str(seed_dir)], warehouse=str(warehouse))
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from articles where tone between -1 and 1 "
                           "and tone_positive between 0 and 1 and tone_negative between 0 and 1").fetchone()[0] == 1
        n, scored = con.execute("select count(*), count(toxicity) from comments where constructive is not null "
                                "and constructiveness between 0 and 1").fetchone()
        assert n == scored and n > 0
        assert con.execute("select count(*) from entities where sentiment is null").fetchone()[0] == 0
    finally:
        con.close()
    columns, rows = run_query(warehouse, "select * from entity_tone order by mentions desc")
    assert columns[:4] == ["entity_id", "canonical_name", "doc_kind", "mentions"]
    assert {r[2] for r in rows} == {"article", "comment"}
    for r in rows:
        assert r[3] == r[4] + r[5] + r[6] and -1 <= r[7] <= 1


def test_one_insult_makes_a_long_comment_toxic():
    """A long, reasoned comment that ends by calling readers idiots is toxic: its length does not
    dilute the insult."""
    common = ("I read the whole piece twice and I think the author makes several fair points about the budget, "
              "the provinces and the way the transfers are counted, but ")
    values = _analyse({"insult": common + "anyone who believes the minister's figures is an idiot.",
                       "civil": common + "I am not convinced by the minister's figures."}).doc_values
    assert values["insult"]["toxicity"] >= 0.5 > values["civil"]["toxicity"]


def test_a_name_is_not_an_insult():
    values = _analyse({"name": "Dick Cheney spoke in Ottawa yesterday about the budget and the pipeline.",
                       "insult": "Only a dick would say that about the budget and the pipeline."}).doc_values
    assert values["name"]["toxicity"] < 0.5 <= values["insult"]["toxicity"]


def test_a_words_offensiveness_is_the_models_probability_of_the_word_alone():
    from tasks.nlp.tone import offensive_language

    model = offensive_language()
    for word in ("idiot", "budget", "moron", "disagree"):
        assert model.word_probability[word] == pytest.approx(model.probability(word), abs=1e-9)


@pytest.mark.parametrize("text", [
    "The committee met on Tuesday in Ottawa.",
    "This is NOT a good plan, but the minister is kind of right!!!",
    "I love it 😀 and no problem at all",
    "At least it's not terrible :)",
    "  ",
], ids=["no-lexicon-word", "caps-but-kind-of", "emoji-no", "least-emoticon", "blank"])
def test_vader_compound_is_vaders_own_score(text):
    from tasks.nlp.tone import vader, vader_compound

    assert vader_compound(text) == vader().polarity_scores(text)["compound"]


def test_offensive_language_is_alt_profanity_checks_model():
    from profanity_check import predict_prob

    from tasks.nlp.tone import offensive_language

    texts = ["You are a pathetic idiot.", "I respectfully disagree.", "", "Shut up!! Nobody asked you, moron."]
    assert [round(offensive_language().probability(t), 9) for t in texts] == \
        [round(float(p), 9) for p in predict_prob(texts)]


@pytest.mark.parametrize("line, reason", [
    ('{"name": "negations", "words": ["not"]}', "expected exactly the keys"),
    ('{"name": "negation", "words": ["not"], "comment": "typo in the name"}', "unknown list 'negation'"),
    ('{"name": "negations", "words": ["Not"], "comment": "capitalised"}', "lower-case"),
    ('{"name": "negations", "words": [], "comment": "empty"}', "non-empty"),
    ('{"name": "negations", "words": ["not"], "comment": "unclosed"', "not a JSON object"),
], ids=["missing-comment", "unknown-name", "upper-case", "empty", "bad-json"])
def test_a_malformed_word_list_names_the_file_and_line(tmp_path, line, reason):
    """A linguist editing data/tone/word_lists.jsonl learns which line is wrong and why."""
    from tasks.core.errors import DataFileError
    from tasks.nlp.tone import WORD_LISTS, word_lists

    shipped = WORD_LISTS.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "word_lists.jsonl"
    path.write_text("\n".join([shipped[1], line]) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=reason) as err:
        word_lists(path)
    assert f"{path}:2:" in str(err.value)


def test_reasons_given_in_subordinate_clauses_make_a_comment_more_constructive():
    """The one that argues (because, if, although) scores higher than a slightly longer list of
    blunt statements: length alone would rank them the other way."""
    values = _analyse({
        "argued": "I doubt the plan will work because the provinces run daycare, and if Ottawa pays "
                  "without conditions, the money may go to tax cuts, although some will reach parents.",
        "listed": "Bad plan. Wrong province. Wrong minister. Daycare costs too much. Tax cuts again. "
                  "Parents pay. Ottawa spends. Nothing changes. Same old story every single year. Vote them all out now.",
    }).doc_values
    assert values["argued"]["constructiveness"] > values["listed"]["constructiveness"]


def test_a_judgement_carried_by_a_pronoun_is_the_judgement_of_the_person_it_names(nlp):
    """'Angela Merkel met ..., and critics condemned her': the sentence is negative toward
    Merkel, though her name stands in a neutral clause; the place in it stays neutral."""
    from tasks.nlp.entities import MENTIONS
    from tasks.nlp.tone import PRONOUNS, load_target_model, mention_sentiment

    doc = nlp("Angela Merkel met Emmanuel Macron in Berlin, and critics condemned her for it.")
    merkel = next(m for m in doc.spans[MENTIONS] if m.text == "Angela Merkel")
    berlin = next(m for m in doc.spans[MENTIONS] if m.text == "Berlin")
    her = next(p for p in doc.spans[PRONOUNS] if p.text == "her")
    assert mention_sentiment(load_target_model(), merkel)[0] != "negative"  # the name alone: no judgement
    assert merkel._.sentiment == her._.sentiment == "negative"
    assert berlin._.sentiment == "neutral"
