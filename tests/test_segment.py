"""Where a plain page's comments start: explicit markers, the changepoint model, and pages that
have no comments at all."""
import json

import pytest

from tasks.core.errors import DataFileError
from tasks.ingest.segment import (BOUNDARY_FEATURES, Weights, best_boundary, load_weights, paragraph_features,
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
    row = dict(zip(FEATURES, paragraph_features("Sheema Khan: I think “forgiveness” is closest.", set(),
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
