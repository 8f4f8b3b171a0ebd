"""A fixed paper as typed: references, optional points, line numbers as the trainer sees them."""

from __future__ import annotations

import pytest

from lawtrain.exams.paper_text import (
    BAD_FORMAT,
    BAD_POINTS,
    PaperLine,
    append_refs,
    format_paper,
    names_id_only,
    parse_paper,
    parse_points,
    question_id_of,
    stands_alone,
)


def test_lines_with_and_without_points_keep_their_numbers():
    text = "SAFE-021 2\n\n  #123  \n124，1.5\nWSL-001-01\t3分\n"
    assert parse_paper(text) == [PaperLine(1, "SAFE-021", 2.0), PaperLine(3, "#123"), PaperLine(4, "124", 1.5),
                                 PaperLine(5, "WSL-001-01", 3.0)]


@pytest.mark.parametrize("text", ["", None, "\n  \n\t"])
def test_an_empty_paper_has_no_lines(text):
    assert parse_paper(text) == []


@pytest.mark.parametrize("token", ["abc", "0", "-1", "0.4", "101", "nan", "inf", "1e9"])
def test_bad_points_are_named_with_what_was_typed(token):
    [line] = parse_paper(f"SAFE-021 {token}")
    assert (line.problem, line.raw_points, line.points) == (BAD_POINTS, token, None)


def test_more_than_a_reference_and_points_is_a_format_problem():
    assert parse_paper("x\nSAFE-021 单选 2")[1] == PaperLine(2, "SAFE-021", problem=BAD_FORMAT)


@pytest.mark.parametrize(("text", "value"), [("2", 2.0), ("0.5", 0.5), ("100", 100.0), ("２分", 2.0), (" 1.5 分", 1.5)])
def test_points(text, value):
    assert parse_points(text) == value


@pytest.mark.parametrize(("ref", "qid", "only_id"), [("123", 123, False), ("#123", 123, True), ("＃7", 7, True),
                                                      ("SAFE-021", None, False), ("12a", None, False)])
def test_question_ids(ref, qid, only_id):
    assert question_id_of(ref) == qid and names_id_only(ref) is only_id


def test_shared_points_move_to_the_default_field_and_mixed_points_stay_on_their_lines():
    assert format_paper([("A-1", 2.0), ("#5", 2.0)]) == ("A-1\n#5", 2.0)
    assert format_paper([("A-1", 2.0), ("#5", None), ("#6", 1.5)]) == ("A-1 2\n#5\n#6 1.5", None)
    assert format_paper([("A-1", None)]) == ("A-1", None)
    assert format_paper([]) == ("", None)


def test_formatted_text_parses_back_to_the_same_points():
    text, default = format_paper([("A-1", 2.0), ("#5", None), ("#6", 1.5)])
    assert [(line.ref, line.points) for line in parse_paper(text)] == [("A-1", 2.0), ("#5", None), ("#6", 1.5)]
    assert default is None


def test_append_refs():
    assert append_refs("A-1\n", ["#5", "#6"]) == "A-1\n#5\n#6"
    assert append_refs("", ["#5"]) == "#5"
    assert append_refs("A-1", []) == "A-1"


@pytest.mark.parametrize(("external_id", "ok"), [("SAFE-021", True), ("安全-1", True), ("123", False), ("#12", False),
                                                 ("SAFE 021", False), ("A,1", False), (" A", False)])
def test_which_external_ids_can_be_written_as_they_are(external_id, ok):
    assert stands_alone(external_id) is ok
