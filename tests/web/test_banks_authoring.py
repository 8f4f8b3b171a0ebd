"""Authoring pages: bank list, question list with search and filters, create/edit, retire, review, export."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import select

from lawtrain.banks import services
from lawtrain.banks.formats.detect import WRITABLE, parse_file
from lawtrain.banks.models import Question
from tests.factories import make_bank, make_question


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


@pytest.fixture
def bank(session):
    bank = make_bank(session, name="安全生产法题库")
    make_question(session, bank, stem="主要负责人职责是什么？", basis=[("安全生产法", 21)], tags=["职责"], difficulty=1)
    make_question(session, bank, type="true_false", stem="安全生产工作坚持以人为本。", basis=[("安全生产法", 3)])
    make_question(session, bank, type="multiple", stem="从业人员有哪些权利？", basis=[("安全生产法", 53)],
                  tags=["权利"], difficulty=4)
    make_question(session, bank, type="fill_blank", stem="事故报告时限为____。", basis=[("安全生产法", 83)],
                  status="retired")
    return bank


def test_bank_list_shows_counts_per_type(client, login_as, bank):
    login_as("trainer")
    page = text_of(client.get("/banks/"))
    assert "安全生产法题库" in page
    row = page[page.index("安全生产法题库"):].split("</tr>")[0]
    # in use: 3 (the retired question counts apart); 1 single, 1 multiple, 1 true/false, 0 fill-in, 0 cases;
    # 0 flagged, 1 retired
    assert re.findall(r'<td class="text-end">(\d+)</td>', row) == ["3", "1", "1", "1", "0", "0", "0", "1"]


@pytest.mark.parametrize("query, expected", [
    ({"q": "权利"}, ["从业人员有哪些权利？"]),
    ({"type": "true_false"}, ["安全生产工作坚持以人为本。"]),
    ({"article": "21"}, ["主要负责人职责是什么？"]),
    ({"tag": "权利"}, ["从业人员有哪些权利？"]),
    ({"difficulty": "4"}, ["从业人员有哪些权利？"]),
    ({"status": "retired"}, ["事故报告时限为____。"]),
    ({"q": "%"}, []),
    ({"q": "_"}, ["事故报告时限为____。"]),
    ({"q": "'; DROP TABLE questions; --"}, []),
    ({"q": "(.*)+[" * 50}, []),
    ({"sort": "stem; DROP TABLE banks", "q": "是"}, ["主要负责人职责是什么？"]),
    ({"sort": "-difficulty", "status": "active"},
     ["主要负责人职责是什么？", "安全生产工作坚持以人为本。", "从业人员有哪些权利？"]),
])
def test_question_list_search_and_filters(client, login_as, bank, query, expected):
    login_as("trainer")
    response = client.get(f"/banks/{bank.id}", query_string=query)
    assert response.status_code == 200
    page = text_of(response)
    stems = ["主要负责人职责是什么？", "安全生产工作坚持以人为本。", "从业人员有哪些权利？", "事故报告时限为____。"]
    assert [s for s in stems if f'<p class="q-stem mb-1">{s}</p>' in page] == expected


def test_question_list_filters_by_the_cited_law(client, login_as, session):
    bank = make_bank(session, name="综合题库")
    make_question(session, bank, stem="主要负责人职责是什么？", basis=[("安全生产法", 21)])
    make_question(session, bank, stem="罚款决定应当由谁作出？", basis=[("行政处罚法", 21)])
    make_question(session, bank, stem="两法都引用的题", basis=[("安全生产法", 90), ("行政处罚法", 21)])
    login_as("trainer")

    def stems(**query) -> list[str]:
        return re.findall(r'<p class="q-stem mb-1">([^<]+)</p>', text_of(client.get(f"/banks/{bank.id}",
                                                                                     query_string=query)))

    assert '<option value="行政处罚法">行政处罚法</option>' in text_of(client.get(f"/banks/{bank.id}"))
    assert sorted(stems(law="行政处罚法")) == sorted(["罚款决定应当由谁作出？", "两法都引用的题"])
    assert stems(law="安全生产法", article="21") == ["主要负责人职责是什么？"]
    assert stems(law="突发事件应对法") == []


def test_question_list_paginates(client, login_as, session):
    bank = make_bank(session)
    for i in range(25):
        make_question(session, bank, stem=f"分页题目{i:02d}")
    login_as("trainer")
    first = text_of(client.get(f"/banks/{bank.id}"))
    assert "共 25 道题目" in first and "分页题目19" in first and "分页题目20" not in first
    second = text_of(client.get(f"/banks/{bank.id}", query_string={"page": 2}))
    assert "分页题目24" in second and "分页题目00" not in second


def test_question_text_is_escaped_and_keeps_line_breaks(client, login_as, session):
    bank = make_bank(session)
    make_question(session, bank, stem='<script>alert(1)</script>\n第二行', options=['<img src=x onerror="x()">', "乙"])
    login_as("trainer")
    raw = client.get(f"/banks/{bank.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;\n第二行" in raw
    assert "<img src=x" not in raw


def test_create_question_through_the_form(client, login_as, session, bank):
    login_as("trainer")
    form = client.get(f"/banks/{bank.id}/questions/new").get_data(as_text=True)
    assert 'id="q-preview"' in form and "js/banks.js" in form
    response = client.post(f"/banks/{bank.id}/questions/new", data={
        "type": "multiple", "stem": "应急预案应当包括哪些内容？",
        "options": "A. 组织指挥体系\nB. 处置程序\nC. 午餐菜单",
        "answer": "A, B", "explanation": "见条文", "points": "2", "difficulty": "3",
        "basis": "突发事件应对法 第28条；第29条", "tags": "预案; 应急准备", "external_id": "ERL-028-01"})
    assert response.status_code == 302
    q = session.scalar(select(Question).where(Question.external_id == "ERL-028-01"))
    v = q.current_version
    assert v.options == ["组织指挥体系", "处置程序", "午餐菜单"]
    assert (v.answer, v.points, v.difficulty) == (["A", "B"], 2.0, 3)
    assert v.basis == [{"law": "突发事件应对法", "article": 28}, {"law": "突发事件应对法", "article": 29}]
    assert sorted(t.tag for t in q.tag_rows) == ["应急准备", "预案"]


def test_create_question_reports_problems_on_the_form(client, login_as, session, bank):
    login_as("trainer")
    response = client.post(f"/banks/{bank.id}/questions/new", data={
        "type": "single", "stem": "题干", "options": "甲\n乙", "answer": "E", "basis": "胡乱写的依据"})
    page = text_of(response)
    assert response.status_code == 200 and "胡乱写的依据" in page
    response = client.post(f"/banks/{bank.id}/questions/new", data={
        "type": "single", "stem": "题干", "options": "甲\n乙", "answer": "E", "basis": "第21条"})
    page = text_of(response)
    assert response.status_code == 200 and '"E" 不在选项 A–B 中' in page
    assert session.scalar(select(Question).where(Question.bank_id == bank.id, Question.type == "single")) \
        .current_version.stem == "主要负责人职责是什么？"


def test_edit_question_prefills_and_saves(client, login_as, session, bank):
    login_as("trainer")
    q = session.scalar(select(Question).where(Question.type == "true_false"))
    page = text_of(client.get(f"/banks/questions/{q.id}/edit"))
    assert "安全生产工作坚持以人为本。" in page and 'value="正确"' in page and 'value="安全生产法 第3条"' in page
    response = client.post(f"/banks/questions/{q.id}/edit", data={
        "type": "true_false", "stem": "安全生产工作坚持人民至上、生命至上。", "answer": "对",
        "basis": "安全生产法 第3条", "points": "1"})
    assert response.status_code == 302
    session.refresh(q)
    assert q.current_version.stem == "安全生产工作坚持人民至上、生命至上。" and q.current_version.answer == ["true"]


def test_bulk_retire(client, login_as, session, bank):
    login_as("trainer")
    ids = session.scalars(select(Question.id).where(Question.status == "active").limit(2)).all()
    response = client.post(f"/banks/{bank.id}/retire", data={"ids": [str(i) for i in ids]})
    assert response.status_code == 302
    assert {session.get(Question, i).status for i in ids} == {"retired"}
    assert "已停用 2 道题目" in text_of(client.get(response.headers["Location"]))


def test_review_queue_and_mark_reviewed(client, login_as, session, bank, now):
    login_as("trainer")
    services.flag_questions_for_revision(None, session=session, law_name="安全生产法", articles={21},
                                         reason="2021 年修正改写了第二十一条", now=now)
    session.commit()
    page = text_of(client.get("/banks/review"))
    assert "主要负责人职责是什么？" in page and "2021 年修正改写了第二十一条" in page and "共 1 道题目" in page
    q = session.scalar(select(Question).where(Question.status == "needs_review"))
    assert client.post(f"/banks/questions/{q.id}/reviewed").status_code == 302
    session.refresh(q)
    assert (q.status, q.review_reason) == ("active", None)
    assert "没有待复核的题目" in text_of(client.get("/banks/review"))


@pytest.mark.parametrize("fmt", WRITABLE)
def test_export_buttons_download_each_format(client, login_as, bank, fmt):
    login_as("trainer")
    response = client.get(f"/banks/{bank.id}/export/{fmt}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert len(parse_file(response.data, f"x.{fmt}", fmt).records) == 4


def test_export_of_a_filtered_list_and_unknown_format(client, login_as, bank):
    login_as("trainer")
    data = client.get(f"/banks/{bank.id}/export/json", query_string={"type": "multiple"}).data
    assert [q["stem"] for q in json.loads(data)["questions"]] == ["从业人员有哪些权利？"]
    assert client.get(f"/banks/{bank.id}/export/pdf").status_code == 404


def test_trainer_home_panel_and_nav(client, login_as, session, bank, now):
    user = login_as("trainer")
    services.flag_questions_for_revision(None, session=session, law_name="安全生产法", articles={3}, reason="修订",
                                         now=now)
    session.commit()
    page = text_of(client.get("/home/trainer"))
    assert "1 个题库，3 道在用题目" in page and "1 道题目因法律修订待复核" in page
    assert 'href="/banks/"' in page
    assert user


def test_version_history_shows_what_each_paper_showed_and_what_changed(client, login_as, session, bank,
                                                                        monkeypatch):
    login_as("trainer")
    q = session.scalar(select(Question).where(Question.type == "true_false"))
    first = q.current_version_id
    # an exam has shown v1, so the next edit adds v2 instead of changing v1 in place
    monkeypatch.setattr(services, "version_in_use", lambda s, version_id: version_id == first)
    response = client.post(f"/banks/questions/{q.id}/edit", data={
        "type": "true_false", "stem": "安全生产工作坚持人民至上、生命至上。", "answer": "对",
        "basis": "安全生产法 第3条", "points": "2"})
    assert response.status_code == 302
    session.refresh(q)
    assert q.current_version.version_no == 2
    page = text_of(client.get(f"/banks/questions/{q.id}/versions"))
    v2, v1 = page.index('id="v2"'), page.index('id="v1"')
    assert v2 < v1  # newest first
    newest, oldest = page[v2:v1], page[v1:]
    assert "当前版本" in newest and "已用于考试试卷" not in newest
    assert "与上一版相比修改了：</strong>题干、分值、难度</p>" in newest  # the answer and basis were kept
    assert "已用于考试试卷" in oldest and "安全生产工作坚持以人为本。" in oldest
    assert "查看全部版本" in text_of(client.get(f"/banks/questions/{q.id}/edit"))
