"""Events on real text with the real spaCy model and the shipped gazetteer/lexicon."""
import json
from datetime import datetime, timezone

import pytest

from tasks.nlp.stage import analyse_docs
from tasks.ingest.documents import SeedFile, build_rows
from tasks.ingest.parse import parse_seed
from tasks.core.settings import DEFAULT_MODEL
from tests.conftest import GOLD, SAMPLE

SEED_GOLD = json.loads((GOLD / "seed" / "000_547e16957a209b03.json").read_text())


@pytest.fixture(scope="module")
def sample():
    pages = parse_seed(str(SAMPLE), SAMPLE.read_bytes())
    _, _, docs = build_rows(SeedFile(str(SAMPLE), str(SAMPLE), "0" * 64, 0, 0), pages, "run", datetime.now(timezone.utc))
    analysis = analyse_docs(docs, DEFAULT_MODEL)
    mentions, events = analysis.mentions, analysis.events
    return {d.doc_id: d for d in docs}, mentions, events


def test_offsets_point_into_the_stored_body(sample):
    docs, mentions, events = sample
    for m in mentions:
        assert docs[m["doc_id"]].text[m["start_char"]:m["end_char"]] == m["text"]
    for e in events:
        assert docs[e["doc_id"]].text[e["trigger_start"]:e["trigger_end"]] == e["trigger"]


def _find(events, trigger, kind=None):
    return [e for e in events if e["trigger"].lower().startswith(trigger.lower()) and (kind is None or e["doc_kind"] == kind)]


def test_sample_seed_events_found_with_the_right_type(sample):
    _, _, events = sample
    found = 0
    for g in SEED_GOLD["events"]:
        head = g["trigger"].split()[0].lower()
        found += any(e["event_type"] == g["type"] and e["doc_kind"] == g["doc"] and head in e["trigger"].lower()
                     for e in events)
    print(f"sample seed: {found} of {len(SEED_GOLD['events'])} gold events found")
    assert found >= 11, f"only {found} of {len(SEED_GOLD['events'])} gold events found"


def test_negation_hypothesis_and_attribution(sample):
    _, _, events = sample
    [hit] = _find(events, "hit", "article")
    assert hit["negated"] and hit["modality"] == "reported" and hit["attribution_source"] == "US officials"
    [attacks] = [e for e in _find(events, "attacks", "comment") if "resume" in e["sentence"]]
    assert attacks["modality"] == "hypothetical"
    [targeted] = _find(events, "targeted", "article")
    assert targeted["modality"] == "reported" and targeted["attribution_source"] == "Reuters"
    assert targeted["target"] == "the Ain al-Asad airbase" and targeted["target_entity_id"] == "fac:ain-al-asad"
    [fired] = _find(events, "fired", "article")
    assert not fired["negated"] and fired["modality"] == "asserted" and fired["date_text"] == "Thursday"
    [killed] = _find(events, "killed", "article")
    assert killed["fatalities"] == 3


def test_relative_dates_resolve_against_publication_date():
    from tasks.core.dates import resolve_date

    published = datetime(2024, 8, 9, 12, tzinfo=timezone.utc)  # a Friday
    assert resolve_date("Thursday", published) == (datetime(2024, 8, 8).date(), "day")
    assert resolve_date("Thursday", None) == (None, None)
    assert resolve_date("September 2025", None) == (datetime(2025, 9, 1).date(), "month")
    assert resolve_date("July 21, 2017", None) == (datetime(2017, 7, 21).date(), "day")


def test_mentions_of_one_event_share_a_cluster(sample):
    _, _, events = sample
    [fired] = _find(events, "fired", "article")
    [targeted] = _find(events, "targeted", "article")
    [hit] = _find(events, "hit", "article")
    assert fired["event_cluster_id"] == targeted["event_cluster_id"] == fired["event_id"]
    assert hit["event_cluster_id"] != fired["event_cluster_id"]  # negated: a different claim


def _rows(text):
    from tasks.ingest.documents import Doc

    return analyse_docs([Doc("d", "article", "d", text, None)], DEFAULT_MODEL).events


def _events(text):
    return [(e["trigger"], e["event_type"], e["mode"]) for e in _rows(text)]


@pytest.mark.parametrize("text,expected", [
    ("Police seized guns and 80,000 rounds of ammunition in a raid on Monday.", ("seized", "COERCE", "seizure")),
    ("Security forces discovered 100kg of explosives near the farms.", ("discovered", "COERCE", "seizure")),
    ("The army captured a senior commander of the group.", ("captured", "COERCE", "arrest")),
    ("Turkish forces set up a new observation point in Idlib.", ("set", "MOBILIZE", "new base")),
    ("Police fired tear gas to disperse the crowd.", ("fired", "COERCE", "crowd control")),
    ("Gunmen abducted two aid workers on the road to Kirkuk.", ("abducted", "ASSAULT", "abduction")),
    ("Riot police beat a protester near the parliament.", ("beat", "COERCE", "crowd control")),
    ("Rebels seized control of the town of Dabiq on Sunday.", ("seized", "ASSAULT", "territory")),
    ("A helicopter dropped containers of chlorine on the town.", ("dropped", "ASSAULT", "bombing")),
    ("The government withdrew from the nuclear treaty on Thursday.", ("withdrew", "REJECT", None)),
    ("The administration hit 13 officials with sanctions.", ("hit", "SANCTION", None)),
    ("Thousands of workers joined a general strike in the capital.", ("strike", "PROTEST", None)),
    ("Norway has expelled two Australian embassy diplomats.", ("expelled", "SANCTION", "diplomatic expulsion")),
    ("The government expelled thousands of migrants.", ("expelled", "COERCE", None)),
    ("Israeli forces detained 12 Palestinians in overnight raids.", ("raids", "COERCE", "raid")),
    ("Commandos killed five militants in a raid on a compound.", ("raid", "ASSAULT", None)),
    ("The army discovered a depot containing weapons.", ("discovered", "COERCE", "seizure")),
    ("Thousands took to the streets of Minsk on Sunday.", ("took", "PROTEST", None)),
    ("The boss ordered them to sign a form.", ("ordered", "REQUEST", None)),
], ids=["seizure", "discovery", "arrest", "new-base", "crowd-control", "abduction", "force-on-protest",
        "territory", "dropped-weapon", "leaving-a-treaty", "hit-with-sanctions", "labour-strike",
        "expelling-diplomats", "expelling-people", "arrest-raid", "armed-raid", "weapons-in-a-depot",
        "taking-to-the-streets", "an-order-to-act"])
def test_what_a_verb_acts_on_decides_the_event(text, expected):
    assert expected in _events(text)


def test_deaths_by_nature_are_not_assaults():
    assert not [e for e in _events("A tsunami killed at least 43 people on Java.") if e[1] == "ASSAULT"]
    assert [e for e in _events("Militants killed at least 43 people on Java.") if e[1] == "ASSAULT"]


@pytest.mark.parametrize("text", [
    "The old man died of diabetes last year.",
    "Dozens of people died by poisoning after drinking bootleg alcohol.",
    "A gas explosion at the carnival killed eight people.",
    "Forty people were injured after a cooking gas cylinder exploded in the market.",
    "Rumours spread about several deaths in the hospital caused by bacteria.",
    "The death toll climbed to 66 after torrential rains and floods hit parts of Japan.",
], ids=["illness", "poisoning", "gas-explosion", "injured-after-gas-blast", "bacteria", "floods"])
def test_deaths_by_illness_accident_or_weather_are_not_assaults(text):
    assert not [e for e in _events(text) if e[1] == "ASSAULT"]


def test_the_death_of_a_person_and_storming_gunmen_stay_assaults():
    assert [e for e in _events("The bombing was revenge for the death of an IRA volunteer.") if e[0] == "death"]
    assert [e for e in _events("Gunmen stormed a police centre, killing 41 trainees.") if e[0] == "killing"]
    assert [e for e in _events("Forty people were injured after a car bomb exploded in the market.") if e[0] == "injured"]


@pytest.mark.parametrize("text", [
    "I didn't think they'd fire me after ten years.",
    "Officials evacuated 1,141 residents as the river rose.",
    "A friend of the suspect pleaded not guilty to charges of lying.",
    "Thank you for writing this, it was worth reading.",
], ids=["dismissal", "evacuating-civilians", "plea-in-court", "politeness"])
def test_what_a_verb_acts_on_can_say_there_is_no_event(text):
    assert _events(text) == []


def test_who_did_what_to_whom_in_harder_sentences():
    [dead] = [e for e in _rows("A suicide bombing in Logar left eight policemen dead.") if e["trigger"] == "dead"]
    assert dead["event_type"] == "ASSAULT" and dead["target"] == "eight policemen"
    [died] = [e for e in _rows("About 100 people died in the attack on the base.") if e["trigger"] == "died"]
    assert died["actor"] is None and died["target"] == "About 100 people"
    [attacked] = [e for e in _rows("Police arrested the men who attacked the convoy.") if e["trigger"] == "attacked"]
    assert attacked["actor"] == "the men" and attacked["target"] == "the convoy"
    [blast] = [e for e in _rows("The blast damaged a number of shops on Friday.") if e["trigger"] == "damaged"]
    assert blast["actor"] is None and blast["target"] == "shops"
    [abducted] = [e for e in _rows("Five of the guards abducted by gunmen were released.") if e["trigger"] == "abducted"]
    assert abducted["actor"] == "gunmen" and abducted["target"] == "the guards"
    [attacking] = [e for e in _rows("Gunmen attacking the base were killed by soldiers.") if e["trigger"] == "attacking"]
    assert attacking["actor"] == "Gunmen" and attacking["target"] == "the base"
    [killed] = [e for e in _rows("Five of the guards were killed in the attack.") if e["trigger"] == "killed"]
    assert killed["target"] == "the guards" and killed["fatalities"] == 5
    [injured] = [e for e in _rows("Dozens of protesters were injured.") if e["trigger"] == "injured"]
    assert injured["target"] == "protesters"
    [lost] = [e for e in _rows("Two off-duty soldiers lost their legs in the bombing.") if e["trigger"] == "lost their legs"]
    assert lost["actor"] is None and lost["target"] == "Two off-duty soldiers"
    [killing] = [e for e in _rows("A suicide bomber blew himself up, killing six soldiers.") if e["trigger"] == "killing"]
    assert killing["actor"] == "A suicide bomber" and killing["target"] == "six soldiers"
    [shooting] = [e for e in _rows("He was found guilty in the fatal shooting of a police officer.") if e["trigger"] == "shooting"]
    assert shooting["target"] == "a police officer"
    [market] = [e for e in _rows("A market attack killed ten people.") if e["trigger"] == "attack"]
    assert market["target"] == "market"
    [car] = [e for e in _rows("A car bombing killed five people.") if e["trigger"] == "bombing"]
    assert car["target"] is None and car["mode"] == "bombing"  # the car carried the bomb
    [fire] = [e for e in _rows("Rioters set fire to cars.") if e["event_type"] == "ASSAULT"]
    assert (fire["trigger"], fire["actor"], fire["target"]) == ("set fire", "Rioters", "cars")
    assert ("Rioters", "PROTEST", None) in _events("Rioters set fire to cars.")
    [torched] = [e for e in _rows("Arsonists torched the mosque.") if e["trigger"] == "torched"]
    assert (torched["mode"], torched["actor"]) == ("arson", "Arsonists")
    [suffered] = [e for e in _rows("Thirteen people suffered minor injuries.") if e["trigger"] == "injuries"]
    assert suffered["actor"] is None and suffered["target"] == "Thirteen people" and suffered["injured"] == 13


def test_a_place_named_by_a_common_noun_is_the_location_when_no_named_place_is():
    [blast] = [e for e in _rows("A bomb exploded inside the military training centre on Monday.") if e["trigger"] == "exploded"]
    assert blast["location"] == "the military training centre" and blast["location_entity_id"] is None
    [arrest] = [e for e in _rows("Police arrested him at his house in Caracas.") if e["trigger"] == "arrested"]
    assert arrest["location"] == "Caracas"



def test_a_town_before_an_event_noun_is_where_and_a_country_is_who():
    [pub] = [e for e in _rows("The Birmingham pub bombings killed 21 people.") if e["trigger"] == "bombings"]
    assert pub["actor"] is None and pub["location"] == "Birmingham"
    [strikes] = [e for e in _rows("US strikes hit the base.") if e["trigger"] == "strikes"]
    assert strikes["actor"] == "US" and strikes["location"] is None


def test_carrying_out_an_attack_is_one_event():
    assert [e[0] for e in _events("Militants carried out an attack on the base.")] == ["attack"]


def test_a_month_is_no_march_and_a_preposition_before_the_verb_is_no_particle():
    assert not [e for e in _events("On March 11, 2013 he created a secret Twitter account.") if e[1] == "PROTEST"]
    assert ("called", "REQUEST", None) not in _events("On Friday, the president called the explosion an attack.")
    assert ("called on", "REQUEST", None) in _events("The minister called on rebels to lay down their arms.")
    assert _events("Police were called at around 10.55am on Friday to a collision.") == []


def test_worker_processes_give_the_same_rows_in_the_same_order(sample):
    docs, mentions, events = sample
    ordered = [docs[k] for k in docs]
    parallel = analyse_docs(ordered, DEFAULT_MODEL, n_process=2)
    assert (parallel.mentions, parallel.events) == (mentions, events)
