"""Cases on exam papers: a rule draws cases whole, fixed papers include them, sub-questions are graded, voided
and regraded one by one, and the attempt API shows each case text with its sub-questions (never a key)."""

from __future__ import annotations

import json

from sqlalchemy import select

from lawtrain.banks import importing, services
from lawtrain.banks.formats.detect import parse_file
from lawtrain.banks.models import Question
from lawtrain.exams import attempts, grading, papers, practice, queries
from lawtrain.exams.models import ExamAssignee, ExamFixedQuestion, PaperMode
from tests import factories
from tests.services.exams_helpers import exam_bank, paper, sit

from .test_banks_cases import CASES


def _case_bank(session, now, n=3):
    document = json.loads(CASES.read_text(encoding="utf-8"))
    document["questions"] = document["questions"][:n]
    bank = services.build_bank(session, "案例库", owner=None, now=now)
    report = importing.import_records(session, bank, parse_file(json.dumps(document, ensure_ascii=False).encode(),
                                                                "c.json"), actor=None, now=now)
    assert report.errors == []
    return session.get(type(bank), report.bank_id), document["questions"]


def _cases_on(session, attempt):
    """The paper's case blocks: [(case id, [sub-question ids in paper order])]."""
    blocks: list[tuple[int, list[int]]] = []
    for row in paper(session, attempt):
        if row.case_version_id is None:
            blocks.append((0, [row.question_id]))
            continue
        case_id = session.get(Question, row.question_id).case_id
        if blocks and blocks[-1][0] == case_id:
            blocks[-1][1].append(row.question_id)
        else:
            blocks.append((case_id, [row.question_id]))
    return blocks


def test_a_rule_draws_cases_whole_at_their_own_points(session, now):
    cases_bank, cases = _case_bank(session, now)
    plain = exam_bank(session, singles=4, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    exam = factories.make_exam(session, bank=plain, rules=(("single", 3, 2.0),), users=[user])
    exam.rules.append(type(exam.rules[0])(position=2, banks=[cases_bank.id], type="case", count=2, points=1.0))
    session.commit()
    check = papers.check_paper(session, exam)
    assert check.messages == [] and check.total_points == 3 * 2 + 2 * 10

    attempt, _ = attempts.start_attempt(session, exam, user, now)
    blocks = _cases_on(session, attempt)
    singles = [b for b in blocks if b[0] == 0]
    drawn = [b for b in blocks if b[0] != 0]
    assert len(singles) == 3 and len(drawn) == 2 and len({c for c, _ in drawn}) == 2
    for case_id, items in drawn:  # whole, in the case's own order, nothing of a case drawn on its own
        case = session.get(Question, case_id)
        assert items == [q.id for q in sorted(case.items, key=lambda q: q.position)]
    rows = paper(session, attempt)
    assert sum(r.points for r in rows) == 26 and all(r.points == 2.0 for r in rows if r.case_version_id is None)

    payload = queries.delivery(session, attempt, now)
    text = json.dumps(payload, ensure_ascii=False)
    assert len(payload["cases"]) == 2 and all(c["points"] == 10 for c in payload["cases"])
    first = payload["cases"][0]
    assert first["text"] == session.get(Question, first["id"]).current_version.stem
    subs = [q for q in payload["questions"] if q.get("case")]
    assert [q["case"]["item"] for q in subs if q["case"]["number"] == 1] == list(range(1, len(first["questions"]) + 1))
    assert "answer" not in text and "explanation" not in text


def test_a_plain_rule_never_draws_a_sub_question(session, now):
    cases_bank, _cases = _case_bank(session, now)
    pool = papers.rule_pool(session, type("R", (), dict(type="single", banks=[cases_bank.id], law_name=None,
                                                         articles=[], tags=[], difficulty_min=None,
                                                         difficulty_max=None))())
    assert pool == []


def test_a_voided_sub_question_is_regraded_alone(session, now):
    cases_bank, cases = _case_bank(session, now, n=1)
    user = factories.make_user(session)
    trainer = factories.make_user(session, roles=["trainer"])
    exam = factories.make_exam(session, bank=cases_bank, rules=(("case", 1, 1.0),), users=[user],
                               multiple_scoring="partial")
    rows_seen = []

    def answer(row, qtype):  # all right except the last sub-question
        rows_seen.append(row)
        return _wrong(session, row) if len(rows_seen) == len(cases[0]["items"]) else _right(session, row)

    attempt = sit(session, exam, user, now, answer)
    last = cases[0]["items"][-1]
    assert attempt.max_score == 10 and attempt.score == 10 - last["points"]
    faulty = session.scalar(select(Question).where(Question.external_id == last["external_id"]))
    grading.void_question(session, faulty, actor=trainer, now=now, reason="小题答案有误")
    session.refresh(attempt)
    assert (attempt.score, attempt.max_score, attempt.percent) == (10 - last["points"], 10 - last["points"], 100.0)
    voided = [r for r in paper(session, attempt) if r.is_voided]
    assert [r.question_id for r in voided] == [faulty.id]
    review = queries.review_items(session, attempt)
    assert all(it.case and it.case["text"].startswith("2025年4月8日") for it in review)


def _right(session, row):
    """The right response to any sub-question, in the keys this person saw."""
    version = session.get(type(session.get(Question, row.question_id).current_version), row.question_version_id)
    from lawtrain.exams.scoring import LETTERS
    if version.type in ("single", "multiple"):
        return sorted(LETTERS[row.option_order.index(LETTERS.index(k))] for k in version.answer)
    if version.type == "true_false":
        return list(version.answer)
    return [group[0] for group in version.answer]


def _wrong(session, row):
    """A response that earns nothing, whatever the key, in the keys this person saw."""
    version = session.get(type(session.get(Question, row.question_id).current_version), row.question_version_id)
    from lawtrain.exams.scoring import LETTERS
    if version.type in ("single", "multiple"):
        wrong = next(i for i in range(len(version.options)) if LETTERS[i] not in version.answer)
        return [LETTERS[row.option_order.index(wrong)]]
    if version.type == "true_false":
        return ["false" if version.answer == ["true"] else "true"]
    return ["不知道" for _ in version.answer]


def test_a_fixed_paper_takes_a_case_by_its_id(session, now):
    cases_bank, cases = _case_bank(session, now, n=2)
    user = factories.make_user(session)
    exam = factories.make_exam(session, rules=(), users=[user], paper_mode=PaperMode.FIXED)
    fixed = papers.resolve_fixed_paper(session, f"{cases[1]['external_id']}\n{cases[0]['items'][0]['external_id']}")
    assert len(fixed.items) == 1 and "小题" in fixed.messages[0] and "第2行" in fixed.messages[0]
    exam.fixed_questions = [ExamFixedQuestion(question_id=fixed.items[0].question_id, position=1)]
    session.commit()
    assert papers.check_paper(session, exam).total_points == 10
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    rows = paper(session, attempt)
    assert [session.get(Question, r.question_id).external_id for r in rows] == [
        i["external_id"] for i in cases[1]["items"]]
    assert all(r.case_version_id is not None for r in rows)


def test_a_case_modules_check_draws_sub_questions_shown_with_their_case(session, now, rng):
    document = json.loads(CASES.read_text(encoding="utf-8"))
    bank = services.build_bank(session, "安全生产法 案例分析", owner=None, now=now)
    importing.import_records(session, bank, parse_file(CASES.read_bytes(), "cases.json"), actor=None, now=now)
    cases_module = factories.make_course_module(session, title="以案释法：有限空间与事故处理", articles=(95, 114))
    plain_module = factories.make_course_module(session, title="普通模块", articles=(95, 114))
    user = factories.make_user(session)
    ids = practice.module_check_pool(session, cases_module)
    cited = {i["external_id"] for c in document["questions"] for i in c["items"]
             if {(b["law"], b["article"]) for b in i["basis"]} & {("安全生产法", 95), ("安全生产法", 114)}}
    assert {session.get(Question, i).external_id for i in ids} == cited and cited
    assert practice.module_check_pool(session, plain_module) == []  # no ordinary question cites them here
    drawn = practice.draw_module_check(session, cases_module, rng, user=user, now=now)
    shown = queries.question_cases(session, drawn)
    assert set(shown) == set(drawn) and all(c["text"] and 1 <= c["item"] <= c["items"] for c in shown.values())


def test_item_analysis_reports_each_sub_question_and_the_case_as_a_whole(session, now):
    from lawtrain.reports import queries as report_queries

    cases_bank, cases = _case_bank(session, now, n=1)
    exam = factories.make_exam(session, bank=cases_bank, rules=(("case", 1, 1.0),), multiple_scoring="partial")
    people = [factories.make_user(session) for _ in range(3)]
    exam.assignees = [ExamAssignee(user_id=p.id) for p in people]
    session.commit()
    for n, person in enumerate(people):  # everything right, the last sub-question wrong, everything wrong
        sit(session, exam, person, now, lambda row, t, n=n: (
            _wrong(session, row) if n == 2 or (n == 1 and row.position == len(cases[0]["items"]))
            else _right(session, row)))
    items, _info = report_queries.item_analysis(session, exam.id)
    assert len(items.items) == len(cases[0]["items"])  # every sub-question is an item of its own
    whole, info = report_queries.case_analysis(session, exam.id)
    (case_stats,) = whole.items
    last = cases[0]["items"][-1]["points"]
    assert case_stats.n == 3 and abs(case_stats.facility - (10 + (10 - last) + 0) / 30) < 1e-9
    assert info[case_stats.item].code == "WSL-CASE-01" and info[case_stats.item].items == len(cases[0]["items"])


def test_editing_a_case_text_on_a_paper_adds_a_version_and_the_paper_keeps_what_it_showed(session, now):
    from lawtrain.banks import cases as bank_cases

    cases_bank, cases = _case_bank(session, now, n=1)
    user = factories.make_user(session)
    exam = factories.make_exam(session, bank=cases_bank, rules=(("case", 1, 1.0),), users=[user])
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    case = session.scalar(select(Question).where(Question.type == "case"))
    shown = case.current_version.id
    bank_cases.edit_case(session, case, text="改写后的案情。", difficulty=3, tags=[], external_id=None, actor=None,
                         now=now)
    assert case.current_version.id != shown and case.current_version.version_no == 2
    payload = queries.delivery(session, attempt, now)
    assert payload["cases"][0]["text"] == cases[0]["case_text"]  # the paper still shows what was drawn
