"""Parsing official law texts and comparing revisions."""

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from lawtrain.courses.lawtext import (
    LawTextError,
    compare_articles,
    containment,
    parse_law_file,
    parse_law_text,
    propose_article,
)

LAWS = Path(__file__).resolve().parents[2] / "question_banks" / "laws"


def _law(name: str):
    path = LAWS / name
    return parse_law_text(path.read_text(encoding="utf-8"), path.name)


@pytest.mark.parametrize("filename, short_name, count, chapters, revised", [
    ("work-safety-law.md", "安全生产法", 119, 7, date(2021, 6, 10)),
    ("emergency-response-law.md", "突发事件应对法", 106, 8, date(2024, 6, 28)),
    ("administrative-penalty-law.md", "行政处罚法", 86, 8, date(2021, 1, 22)),
    ("emergency-response-law-2007.md", "突发事件应对法", 70, 7, date(2007, 8, 30)),
    ("administrative-reconsideration-law.md", "行政复议法", 90, 7, date(2023, 9, 1)),
])
def test_official_texts(filename, short_name, count, chapters, revised):
    law = _law(filename)
    assert law.short_name == short_name and law.name == "中华人民共和国" + short_name
    assert [a.number for a in law.articles] == list(range(1, count + 1))
    assert len(law.chapters) == chapters
    assert law.revision_date == revised


def test_spot_checks():
    work = _law("work-safety-law.md").article(21)
    assert work.label == "第二十一条"
    assert work.text.startswith("生产经营单位的主要负责人对本单位安全生产工作负有下列职责")
    assert "（七）及时、如实报告生产安全事故。" in work.text
    assert work.chapter == "第二章 生产经营单位的安全生产保障"
    emergency = _law("emergency-response-law.md").article(106)
    assert emergency.label == "第一百零六条" and emergency.text == "本法自2024年11月1日起施行。"
    assert emergency.chapter == "第八章 附则"  # "总 则"/"附 则" spacing normalised
    penalty = _law("administrative-penalty-law.md")
    assert penalty.article(36).text.startswith(
        "违法行为在二年内未被发现的，不再给予行政处罚；涉及公民生命健康安全、金融安全")
    assert penalty.article(36).text.count("\n") == 1  # two paragraphs
    assert penalty.article(40).section == "第一节 一般规定"
    assert penalty.chapters[4].sections == ("第一节 一般规定", "第二节 简易程序", "第三节 普通程序", "第四节 听证程序")


def test_gap_names_file_and_line():
    text = (LAWS / "work-safety-law.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("第二十一条"))
    del lines[at]
    with pytest.raises(LawTextError) as e:
        parse_law_text("\n".join(lines), "work-safety-law.md")
    assert "work-safety-law.md 第" in str(e.value) and "条号跳跃，第二十条之后出现第二十二条" in str(e.value)


def test_duplicate_and_missing_first():
    with pytest.raises(LawTextError, match="demo.txt 第3行：条号重复"):
        parse_law_text("某某法\n第一条 甲。\n第一条 乙。", "demo.txt")
    with pytest.raises(LawTextError, match="第一个条文应为第一条"):
        parse_law_text("某某法\n第二条 甲。", "demo.txt")
    with pytest.raises(LawTextError, match="没有找到任何条文"):
        parse_law_text("某某法\n只有一句话。", "demo.txt")


SAMPLE = """中华人民共和国示例法

（2020年1月2日第十三届全国人民代表大会常务委员会第一次会议通过　2023年4月5日修订）

目　　录
第一章　总　　则
第二章　附　　则

第一章　总　　则

第一条　为了示例，制定本法。
第二条　本法适用于示例。
本款是第二条的第二款，不是新条文；第三条规定的除外。

第二章　附　　则

第三条　本法自2023年6月1日起施行。
"""


def test_plain_text_with_table_of_contents():
    law = parse_law_text(SAMPLE, "sample.txt")
    assert law.name == "中华人民共和国示例法" and law.short_name == "示例法"
    assert law.dates == (date(2020, 1, 2), date(2023, 4, 5))
    assert [c.title for c in law.chapters] == ["第一章 总则", "第二章 附则"]
    assert law.article(2).text == "本法适用于示例。\n本款是第二条的第二款，不是新条文；第三条规定的除外。"
    assert law.article(3).chapter == "第二章 附则"


def _docx(paragraphs):
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    xml = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
           f'wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("word/document.xml", xml)
    return out.getvalue()


def test_docx():
    law = parse_law_file(_docx(SAMPLE.splitlines()), "sample.docx")
    assert len(law.articles) == 3 and law.article(1).text == "为了示例，制定本法。"


def test_bad_docx_and_gbk_text():
    with pytest.raises(LawTextError, match="不是有效的 Word"):
        parse_law_file(b"not a zip", "x.docx")
    assert len(parse_law_file(SAMPLE.encode("gb18030"), "sample.txt").articles) == 3


def test_compare_articles():
    old = {1: "甲条文内容，很长的一句话。", 2: "乙条文内容不变。", 3: "丙条文将被删除，完全不同的文字。",
           4: "丁条文内容保持。"}
    new = {1: "甲条文内容，很长的一句新话。", 2: "乙条文内容不变。", 3: "丁条文内容保持。",
           4: "全新的条文，与旧的没有关系啊。"}
    c = compare_articles(old, new)
    kinds = {(ch.kind, ch.old_number, ch.new_number) for ch in c.changes}
    assert kinds == {("changed", 1, 1), ("removed", 3, None), ("renumbered", 4, 3), ("added", None, 4)}
    changed = c.of_kind("changed")[0]
    assert ("insert", "新") in changed.diff and "-甲条文内容，很长的一句话。" in changed.diff_text
    assert c.affected_old_numbers == {1, 3, 4}


def test_every_shipped_text_parses_and_opens_with_its_provenance():
    files = sorted(p for p in LAWS.glob("*.md") if p.name != "README.md")
    assert len(files) == 7
    for path in files:
        assert path.read_text(encoding="utf-8").startswith("<!-- 来源：国家法律法规数据库"), path.name
        assert parse_law_file(path.read_bytes(), path.name).articles
    regulation = _law("production-safety-accident-reporting-regulations.md")
    assert (regulation.short_name, len(regulation.articles)) == ("生产安全事故报告和调查处理条例", 46)
    assert len(_law("production-safety-accident-emergency-regulations.md").articles) == 35


# 2007 article -> 2024 article carrying the same provision, each pair read in both texts:
# 14->24 and 42->63 and 56->78 moved word for word; 17->26 (应急预案体系) and 23->36 (矿山、建筑施工单位的具体应急预案)
# and 44->66 (三级、四级警报后的措施) and 64->96 (单位的法律责任) were reworded; 48->72 (应急处置的组织) grew into a
# longer
# article; 10->7 (决定、命令的公布) and 54->7 (不得编造、传播虚假信息) were folded into the new 信息发布 article;
# 26->39 (应急救援队伍); 70->106 (施行日期).
KNOWN_PAIRS = [(14, 24), (42, 63), (56, 78), (17, 26), (23, 36), (44, 66), (64, 96), (48, 72), (10, 7), (54, 7),
               (26, 39), (70, 106)]


@pytest.fixture(scope="module")
def erl_revisions():
    return _law("emergency-response-law-2007.md"), _law("emergency-response-law.md")


@pytest.mark.parametrize("old_number, new_number", KNOWN_PAIRS)
def test_the_proposed_article_of_the_2024_text_carries_the_2007_provision(erl_revisions, old_number, new_number):
    old, new = erl_revisions
    proposed, score = propose_article(old.article(old_number).text, {a.number: a.text for a in new.articles})
    assert proposed == new_number
    assert 0.5 <= score <= 1


def test_the_revision_comparison_keeps_renumbered_pairs_and_flags_every_old_article(erl_revisions):
    old, new = erl_revisions
    comparison = compare_articles({a.number: a.text for a in old.articles}, {a.number: a.text for a in new.articles})
    renumbered = {(c.old_number, c.new_number) for c in comparison.of_kind("renumbered")}
    assert {(14, 24), (42, 63), (56, 78)} <= renumbered
    assert {(17, 26), (23, 36), (44, 66)} <= {(c.old_number, c.new_number) for c in comparison.of_kind("changed")}
    assert {10, 48, 54} <= {c.old_number for c in comparison.of_kind("removed")}  # a proposal is then by containment
    assert comparison.affected_old_numbers == set(range(1, 71))


def test_no_proposal_when_nothing_carries_the_old_text():
    assert propose_article("本法自2007年11月1日起施行。", {1: "国家鼓励应急管理科学研究。"}) is None
    assert containment("", "任何文字") == 0.0
    assert containment("第一款", "第一款，第二款") == 1.0
