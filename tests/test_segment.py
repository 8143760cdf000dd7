"""Where a plain page's comments start: explicit markers, the changepoint model, and pages that
have no comments at all."""
import json

import pytest

from tasks.core.errors import DataFileError
from tasks.ingest.segment import (BOUNDARY_FEATURES, STYLE_PATH, STYLE_SETS, Weights, best_boundary,
                                  candidate_vectors, content_words, load_style, load_weights, paragraph_features,
                                  FEATURES, segment)

ARTICLE = [
    "The federal government announced on Tuesday that it will spend $2-billion over five years on "
    "rural broadband, the Industry Minister told reporters in Ottawa.",
    "The program, which was first promised in the 2019 budget, will fund private providers that "
    "build networks in communities of fewer than 10,000 people, according to the department.",
    "Provinces will be asked to match part of the money. Ontario and Quebec have already said they "
    "would take part, while Alberta said it was still studying the offer.",
    "Critics said the plan came too late. 'Rural families have waited a decade for this,' said the "
    "head of the Federation of Canadian Municipalities.",
    "The first contracts are expected to be signed in the spring, officials said.",
]


def test_a_page_with_no_comments_is_not_split():
    result = segment(ARTICLE)
    assert (result.article, result.comments, result.method) == (ARTICLE, [], "model")


@pytest.mark.parametrize("marker", ["Comments", "--- comments ---", "12 Comments", "Reader comments", "COMMENTS:"])
def test_an_explicit_marker_wins_over_the_model(marker):
    comments = ["Thanks for this article, great summary!", "Why would anyone believe this?"]
    result = segment(ARTICLE[:2] + [marker] + comments)
    assert (result.article, result.comments, result.method) == (ARTICLE[:2], comments, "marker")


def test_a_reply_like_paragraph_starts_the_comments():
    comments = [
        "Thanks for the great article! I totally agree, you nailed it... my town has waited 10 years "
        "for decent internet and we're still waiting!!",
        "@ruralguy exactly. Why do we keep paying for promises? I'm sick of it.",
        "lol, another election, another promise. wake me up when it's built",
    ]
    result = segment(ARTICLE + comments)
    assert (result.article, result.comments) == (ARTICLE, comments)


def test_a_single_paragraph_is_the_article():
    assert segment(ARTICLE[:1]).method == "single" and segment(ARTICLE[:1]).comments == []


def test_a_weak_boundary_below_the_no_split_margin_is_no_split():
    comments = ["Thanks for the great article! I totally agree, you nailed it... wow!!"]
    weights = load_weights()
    assert best_boundary(ARTICLE + comments, weights) == len(ARTICLE)  # the shipped margin: split
    huge = Weights(weights.weights, 1000.0)
    assert best_boundary(ARTICLE + comments, huge) == len(ARTICLE) + 1  # no boundary beats it


def test_a_speaker_turn_and_new_typography_are_features():
    row = dict(zip(FEATURES, paragraph_features("Jane Smith: I think “forgiveness” is closest.", set(),
                                                ["an earlier paragraph"], frozenset())))
    assert (row["speaker_turn"], row["new_typography"], row["unterminated"]) == (1.0, 1.0, 0.0)


def test_shipped_weights_name_every_feature_and_a_margin():
    weights = load_weights()
    assert len(weights.weights) == len(BOUNDARY_FEATURES) and weights.no_split_margin >= 0


@pytest.mark.parametrize("content,reason", [
    ("{", "unreadable"),
    (json.dumps({"weights": {"bias": 1.0}}), "weights missing"),
    (json.dumps({"weights": {f: 0.0 for f in BOUNDARY_FEATURES}, "no_split_margin": "high"}), "finite number"),
    (json.dumps({"weights": {f: 0.0 for f in BOUNDARY_FEATURES}, "no_split_margin": -1}), ">= 0"),
])
def test_bad_weights_file_names_the_file_and_the_reason(tmp_path, content, reason):
    path = tmp_path / "segment_weights.json"
    path.write_text(content)
    with pytest.raises(DataFileError, match=reason) as info:
        load_weights(path)
    assert info.value.path == str(path)


def test_topic_overlap_counts_content_words_not_function_words():
    # A comment from another article shares "would", "have", "their" with any article: that is no
    # shared topic. Only the words that carry one count.
    assert content_words("They would have said that their minister's promise was already broken.") == {
        "said", "minister's", "promise", "broken"}
    off_topic = "Those players would have been traded already if their owners cared about winning."
    on_topic = "Rural families have been waiting for broadband for a decade, and the program will not fix it."
    overlap = BOUNDARY_FEATURES.index("overlap")
    assert abs(candidate_vectors(ARTICLE + [off_topic])[len(ARTICLE) - 1][overlap]) < 1e-9
    assert candidate_vectors(ARTICLE + [on_topic])[len(ARTICLE) - 1][overlap] > 0.3


def test_the_style_word_sets_come_from_the_data_file():
    style = load_style()
    assert style.reply.match("Thank you for writing this") and not style.reply.match("Thanksgiving dinner was late")
    assert style.honorific.search("said Mr. Lee") and style.bio.match("Jane Smith is executive director of a housing charity.")
    row = dict(zip(FEATURES, paragraph_features("I’m sure you’ll agree, lol.", set())))
    assert row["first_person"] > 0 and row["second_person"] > 0 and row["informal"] > 0


def _style_lines() -> list[str]:
    return STYLE_PATH.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("edit,line,reason", [
    (lambda ls: ls[:2] + ["{not json"] + ls[2:], 3, "not a JSON object"),
    (lambda ls: ls + [json.dumps({"name": "slang", "words": ["yo"], "comment": "x"})], None, "unknown word set 'slang'"),
    (lambda ls: ls + [ls[0]], None, "already given on line 1"),
    (lambda ls: ls[1:], None, "missing word sets: first_person"),
    (lambda ls: [json.dumps({"name": "first_person", "words": ["I"], "comment": "x"})] + ls[1:], 1, "must be lower case"),
    (lambda ls: [json.dumps({"name": "first_person", "words": ["i"], "comment": " "})] + ls[1:], 1, "say why"),
    (lambda ls: [json.dumps({"name": "first_person", "words": ["i", "me", "i"], "comment": "x"})] + ls[1:], 1,
     "listed twice: i"),
], ids=["not-json", "unknown-set", "duplicate-set", "missing-set", "upper-case", "no-comment", "duplicate-word"])
def test_a_bad_style_file_names_the_file_line_and_reason(tmp_path, edit, line, reason):
    lines = edit(_style_lines())
    path = tmp_path / "segment_style.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=reason) as info:
        load_style(path)
    assert info.value.path == str(path)
    if line is not None:
        assert info.value.line == line


def test_the_shipped_style_file_holds_every_set_once():
    names = [json.loads(line)["name"] for line in _style_lines() if line.strip()]
    assert sorted(names) == sorted(STYLE_SETS)
