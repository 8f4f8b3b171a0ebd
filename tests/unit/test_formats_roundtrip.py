"""Export then import gives back the same questions, in every writable format (hypothesis)."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawtrain.banks.formats.detect import WRITABLE, detect_format, parse_file, write_file
from lawtrain.banks.formats.records import FILL_BLANK, LETTERS, MULTIPLE, SINGLE, TRUE_FALSE, Citation, QuestionRecord

# Awkward on purpose: quotes, GIFT control characters, HTML specials, CSV separators, full-width punctuation.
AWKWARD = "\"'=~{}#:<>&,;；|%@+-\\/[]!?。，、：“”（）"
ALPHABET = st.sampled_from(
    list(string.ascii_letters + string.digits + " " + AWKWARD) + list("安全生产法应急管理部门责任人检查隐患第条款")
)


def _clean(text: str) -> str:
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def _text(min_size: int = 1, max_size: int = 30, newlines: bool = True):
    alphabet = st.one_of(ALPHABET, st.just("\n")) if newlines else ALPHABET
    return st.text(alphabet, min_size=min_size, max_size=max_size).map(_clean).filter(bool)


# leading characters that every writer must protect: formula injection and question-number look-alikes
LEADING = st.sampled_from(["", "", "=", "+", "-", "@", "'", "12. ", "3、", "A.", "(B)", "[html]", "%50%", "//"])


@st.composite
def leading_text(draw, **kwargs):
    return _clean(draw(LEADING) + draw(_text(**kwargs))) or "x"


OPTION_TEXT = leading_text(max_size=20)
FILL_ANSWER = st.text(st.sampled_from(list(string.ascii_letters + string.digits + "七日三十安全=+-'\"<>&#{}~")),
                      min_size=1, max_size=8).map(str.strip).filter(bool)
FILL_SEGMENT = st.text(st.sampled_from(list(string.ascii_letters + "安全生产：，。=~{}#<>&\"' ")), min_size=1,
                       max_size=12).map(str.strip)


@st.composite
def records(draw):
    qtype = draw(st.sampled_from([SINGLE, MULTIPLE, TRUE_FALSE, FILL_BLANK]))
    options: list[str] = []
    if qtype in (SINGLE, MULTIPLE):
        options = draw(st.lists(OPTION_TEXT, min_size=2, max_size=8, unique_by=lambda t: t.lower()))
    if qtype == SINGLE:
        answer = [draw(st.sampled_from(LETTERS[: len(options)]))]
    elif qtype == MULTIPLE:
        answer = sorted(draw(st.sets(st.sampled_from(LETTERS[: len(options)]), min_size=2, max_size=len(options))))
    elif qtype == TRUE_FALSE:
        answer = [draw(st.sampled_from(["true", "false"]))]
    else:
        blanks = draw(st.integers(min_value=1, max_value=3))
        answer = [draw(st.lists(FILL_ANSWER, min_size=1, max_size=3, unique=True)) for _ in range(blanks)]
    if qtype == FILL_BLANK:
        segments = [draw(FILL_SEGMENT if i in (0, len(answer)) else FILL_SEGMENT.filter(bool))
                    for i in range(len(answer) + 1)]
        stem = "____".join(segments).strip() or "____"
        if segments[0] == "":
            stem = "填写：" + stem
    else:
        stem = draw(leading_text(max_size=40))
    return QuestionRecord(
        type=qtype,
        stem=stem,
        options=options,
        answer=answer,
        explanation=draw(st.one_of(st.just(""), leading_text(max_size=30))),
        points=draw(st.one_of(st.none(), st.sampled_from([1.0, 2.0, 0.5, 5.0]))),
        difficulty=draw(st.one_of(st.none(), st.integers(min_value=1, max_value=5))),
        basis=draw(st.lists(st.builds(Citation, st.sampled_from(["安全生产法", "突发事件应对法", "消防法"]),
                                      st.integers(min_value=1, max_value=120)), max_size=3, unique=True)),
        tags=draw(st.lists(st.text(st.sampled_from(list("主要负责人职责应急预案abc=-+@")), min_size=1, max_size=8)
                           .map(str.strip).filter(bool), max_size=3, unique=True)),
        external_id=draw(st.one_of(st.none(), st.from_regex(r"[A-Z]{2,4}-[0-9]{3}(-[0-9]{2})?", fullmatch=True))),
    )


BANKS = st.lists(records(), min_size=1, max_size=6)

# What each format carries. GIFT and Moodle XML carry basis/tags/difficulty through the LawTrain comment
# or extension element; every format carries everything LawTrain stores.
FIELDS = ("type", "stem", "options", "answer", "explanation", "points", "difficulty", "basis", "tags", "external_id")


def _fields(record: QuestionRecord) -> dict:
    return {name: getattr(record, name) for name in FIELDS}


@pytest.mark.parametrize("fmt", WRITABLE)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bank=BANKS)
def test_export_then_import_gives_back_the_same_questions(fmt, bank):
    data = write_file(fmt, bank, bank_name="安全生产法 <测试> & \"题库\"", bank_description="说明：=1+1")
    assert detect_format(data, "export" + {"gift": ".txt"}.get(fmt, "")) == fmt
    result = parse_file(data, "export")
    assert not result.errors, [str(p) for p in result.errors]
    assert len(result.records) == len(bank)
    for back, original in zip(result.records, bank, strict=True):
        got, want = _fields(back), _fields(original)
        assert got == want, {k: (got[k], want[k]) for k in FIELDS if got[k] != want[k]}
