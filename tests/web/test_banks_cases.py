"""The bank editor for cases: write the case text, add sub-questions, reorder them, preview as staff will see it;
the exam pages show the case above its sub-questions."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from lawtrain.banks.models import Question
from tests.factories import make_bank


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


SUB = {"type": "single", "options": "责令限期改正\n直接吊销营业执照", "answer": "A", "points": "5",
       "basis": "安全生产法 第99条", "explanation": "第九十九条。"}


def test_trainer_authors_a_case_with_ordered_sub_questions(client, login_as, session):
    bank = make_bank(session, name="案例库")
    login_as("trainer")
    response = client.post(f"/banks/{bank.id}/cases/new", data={
        "case_text": "2025年3月，区应急管理局检查**某五金厂**。\n\n| 项目 | 情况 |\n|---|---|\n| 灭火器 | 过期 |",
        "difficulty": "3", "tags": "执法检查", "external_id": "K-1"})
    assert response.status_code == 302
    case = session.scalar(select(Question).where(Question.type == "case"))
    page = text_of(client.get(f"/banks/cases/{case.id}"))
    assert "至少需要 2 道小题" in page and "<table>" in page and "<strong>某五金厂</strong>" in page

    for n in (1, 2):
        response = client.post(f"/banks/cases/{case.id}/items/new",
                               data=SUB | {"stem": f"第{n}问：对该厂应当如何处理？", "external_id": f"K-1-{n}"})
        assert response.status_code == 302, text_of(response)
    session.expire_all()
    first, second = sorted(case.items, key=lambda q: q.position)
    assert [first.external_id, second.external_id] == ["K-1-1", "K-1-2"]
    assert case.current_version.points == 10  # the case is worth its sub-questions

    # editing a sub-question keeps the case's total and articles in step
    response = client.post(f"/banks/questions/{first.id}/edit", data=SUB | {
        "stem": "第1问：对该厂应当如何处理？", "external_id": "K-1-1", "points": "6", "basis": "安全生产法 第101条"})
    assert response.headers["Location"].endswith(f"/banks/cases/{case.id}")
    session.expire_all()
    assert case.current_version.points == 11 and {c.article_no for c in case.citations} == {99, 101}

    assert client.post(f"/banks/cases/{case.id}/items/{second.id}/move", data={"direction": "up"}).status_code == 302
    session.expire_all()
    assert [q.external_id for q in sorted(case.items, key=lambda q: q.position)] == ["K-1-2", "K-1-1"]
    page = text_of(client.get(f"/banks/cases/{case.id}"))
    assert "学员看到的样子" in page and page.index("第2问") < page.index("第1问")
    assert "至少需要 2 道小题" not in page
    # the question list links each sub-question to its case; editing the case row opens the case page
    listing = text_of(client.get(f"/banks/{bank.id}"))
    assert f"案例 #{case.id} 第1小题" in listing
    assert client.get(f"/banks/questions/{case.id}/edit").headers["Location"].endswith(f"/banks/cases/{case.id}")


def test_a_sub_question_with_errors_is_refused_in_words(client, login_as, session):
    bank = make_bank(session, name="案例库")
    login_as("trainer")
    client.post(f"/banks/{bank.id}/cases/new", data={"case_text": "案情。", "difficulty": ""})
    case = session.scalar(select(Question).where(Question.type == "case"))
    page = text_of(client.post(f"/banks/cases/{case.id}/items/new", data=SUB | {"stem": "问？", "answer": "E"}))
    assert "答案 \"E\" 不在选项 A–B 中" in page
    assert session.scalar(select(Question).where(Question.case_id == case.id)) is None


def test_staff_cannot_open_the_case_editor(client, login_as, session):
    bank = make_bank(session, name="案例库")
    login_as("staff")
    assert client.get(f"/banks/{bank.id}/cases/new").status_code == 403


def test_staff_answer_a_case_through_the_api_and_see_it_on_the_page_and_in_review(client, login_as, session):
    import json
    from datetime import timedelta
    from pathlib import Path

    from lawtrain.banks import importing, services
    from lawtrain.banks.formats.detect import parse_file
    from lawtrain.exams.models import AttemptQuestion
    from lawtrain.timeutil import utcnow
    from tests import factories

    path = Path(__file__).resolve().parents[2] / "question_banks" / "administrative_penalty_law" / "cases.json"
    bank = services.build_bank(session, "行政处罚法 案例分析", owner=None, now=utcnow())
    importing.import_records(session, bank, parse_file(path.read_bytes(), "cases.json"), actor=None, now=utcnow())
    bank = services.find_bank(session, "行政处罚法 案例分析")
    user = login_as("staff")
    now = utcnow()
    exam = factories.make_exam(session, bank=bank, rules=(("case", 1, 1.0),), users=[user],
                               opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
    data = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    (case,) = data["cases"]
    assert case["points"] == 10 and case["text"] and case["questions"] == [q["id"] for q in data["questions"]]
    assert [q["case"]["item"] for q in data["questions"]] == list(range(1, len(case["questions"]) + 1))
    assert all(q["case"]["id"] == case["id"] and q["case"]["number"] == 1 for q in data["questions"])
    raw = json.dumps(data, ensure_ascii=False)
    assert '"answer"' not in raw and "explanation" not in raw

    page = text_of(client.get(f"/exams/attempts/{data['attempt_id']}"))
    assert page.count('class="case-box') == len(case["questions"]) and "案例1 第1小题" in page
    assert f"第1/{len(case['questions'])}小题" in page and "built-in" not in page
    first = data["questions"][0]
    response = client.put(f"/api/attempts/{data['attempt_id']}/answers/{first['id']}",
                          json={"response": ["A"], "seq": 1})
    assert response.get_json()["saved"] is True
    assert client.post(f"/api/attempts/{data['attempt_id']}/submit").status_code == 200
    review = text_of(client.get(f"/exams/attempts/{data['attempt_id']}/result"))
    assert review.count('class="case-box') == len(case["questions"]) and "案情" in review
    rows = session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == data["attempt_id"])).all()
    assert len({r.case_version_id for r in rows}) == 1


def test_trainer_sets_a_case_rule_and_sees_the_paper_total(client, login_as, session):
    from lawtrain.exams.models import Exam
    from tests.services.exams_helpers import exam_form_data

    bank = make_bank(session, name="案例库")
    login_as("trainer")
    client.post(f"/banks/{bank.id}/cases/new", data={"case_text": "案情：某厂动火作业未审批。", "difficulty": "3"})
    case = session.scalar(select(Question).where(Question.type == "case"))
    for n in (1, 2):
        client.post(f"/banks/cases/{case.id}/items/new", data=SUB | {"stem": f"第{n}问？"})
    response = client.post("/exams/new", data=exam_form_data(**{
        "rules-0-type": "case", "rules-0-banks": str(bank.id), "rules-0-count": "1", "rules-0-points": ""}),
        follow_redirects=True)
    page = text_of(response)
    assert "共2题，总分10分" in page, re.findall(r"alert[^>]*>([^<]{0,120})", page)
    exam = session.scalar(select(Exam))
    assert [(r.type, r.count) for r in exam.rules] == [("case", 1)]
    assert client.get(f"/exams/{exam.id}/edit").status_code == 200
    assert client.get(f"/exams/{exam.id}/admin").status_code == 200


def test_practice_and_the_wrong_answer_book_show_a_sub_question_with_its_case(client, login_as, session):
    bank = make_bank(session, name="案例库", law_name="安全生产法")
    login_as("trainer")
    client.post(f"/banks/{bank.id}/cases/new",
                data={"case_text": "案情：某仓库**混存**危险化学品。", "difficulty": "3"})
    case = session.scalar(select(Question).where(Question.type == "case"))
    for n in (1, 2):
        client.post(f"/banks/cases/{case.id}/items/new", data=SUB | {"stem": f"第{n}问？"})
    login_as("staff")
    html = client.get("/exams/practice?go=1&law=安全生产法&order=sequential").get_data(as_text=True)
    qid = int(re.search(r'name="question_id" value="(\d+)"', html).group(1))
    assert session.get(Question, qid).case_id == case.id  # practice never offers the case row itself
    assert "<strong>混存</strong>" in html and "第1/2小题" in text_of_html(html)
    wrong = client.post("/exams/practice/answer", data={"question_id": qid, f"q{qid}": "B", "mode": "law"})
    assert "<strong>混存</strong>" in wrong.get_data(as_text=True)
    book = client.get("/exams/wrong-book").get_data(as_text=True)
    assert "第1问？" in book and "<strong>混存</strong>" in book


def text_of_html(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(page))


def test_importing_the_shipped_cases_through_the_page_previews_and_stores_them_whole(client, login_as, session):
    import io
    from pathlib import Path

    data = (Path(__file__).resolve().parents[2] / "question_banks" / "emergency_response_law" / "cases.json"
            ).read_bytes()
    login_as("trainer")
    response = client.post("/banks/import", data={"bank_id": "0", "new_bank_name": "突发事件应对法 案例分析", "fmt": "",
                                                  "file": (io.BytesIO(data), "cases.json")},
                           content_type="multipart/form-data")
    preview = client.get(response.headers["Location"])
    assert preview.status_code == 200 and "0 个错误" in text_of(preview)
    assert "案例分析题" in text_of(preview) and "突发事件应对法》第" in text_of(preview)  # sub-questions listed
    assert client.post(response.headers["Location"]).status_code == 302
    assert session.scalar(select(Question).where(Question.type == "case", Question.external_id == "ERL-CASE-01"))
    assert session.scalar(select(Question).where(Question.external_id == "ERL-CASE-01-1")).case_id is not None
