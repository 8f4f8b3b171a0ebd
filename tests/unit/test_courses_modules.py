"""Course module files: front matter and article ranges."""

import pytest

from lawtrain.courses.modules import ModuleFormatError, format_article_spec, parse_article_spec, parse_module

GOOD = """---
title: 总则：方针、体制与责任
law: 安全生产法
articles: 1-5, 8
minutes: 15
objectives:
  - 理解方针
key_points:
  - 安全第一
banks: [安全生产法]
---
## 一、方针

正文。
"""


def test_parse_module():
    m = parse_module(GOOD, source_path="work_safety_law/modules/01-general.md", law_slug="work_safety_law",
                     stem="01-general")
    assert m.key == "work_safety_law/01-general"
    assert m.articles == (1, 2, 3, 4, 5, 8)
    assert (m.minutes, m.min_minutes, m.sort_order) == (15, 15, 1)
    assert m.objectives == ("理解方针",) and m.banks == ("安全生产法",)
    assert m.body.startswith("## 一、方针")


@pytest.mark.parametrize("spec, expected", [
    ("1-20, 24", tuple(range(1, 21)) + (24,)), ([1, "3-5"], (1, 3, 4, 5)), (21, (21,)),
    ("第二十一条至第二十三条", (21, 22, 23)), ("5，3、4", (3, 4, 5)), ("10 - 12", (10, 11, 12)),
])
def test_article_spec(spec, expected):
    assert parse_article_spec(spec) == expected


@pytest.mark.parametrize("spec", ["abc", "5-3", "0", [True]])
def test_article_spec_errors(spec):
    with pytest.raises(ValueError):
        parse_article_spec(spec)


def test_format_article_spec():
    assert format_article_spec([8, 1, 2, 3, 5]) == "1-3, 5, 8"


@pytest.mark.parametrize("text, message", [
    ("no front matter", "缺少以“---”包围的文件头"),
    ("---\ntitle: [\n---\nbody", "不是有效的 YAML"),
    (GOOD.replace("law: 安全生产法\n", ""), "缺少 law"),
    (GOOD.replace("articles: 1-5, 8", "articles: 一二三"), "articles 字段无法识别的条号"),
    (GOOD.replace("minutes: 15", "minutes: 0"), "minutes"),
    (GOOD.split("---\n## ")[0] + "---\n", "正文为空"),
])
def test_errors_name_the_file(text, message):
    with pytest.raises(ModuleFormatError) as e:
        parse_module(text, source_path="x/modules/02.md", law_slug="x", stem="02")
    assert str(e.value).startswith("x/modules/02.md") and message in str(e.value)
