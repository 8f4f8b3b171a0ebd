"""Chinese article numerals both ways."""

import pytest

from lawtrain.courses.numerals import article_label, cn_to_int, int_to_cn, parse_article_label


@pytest.mark.parametrize("n, cn", [
    (1, "一"), (9, "九"), (10, "十"), (11, "十一"), (19, "十九"), (20, "二十"), (21, "二十一"), (99, "九十九"),
    (100, "一百"), (101, "一百零一"), (106, "一百零六"), (110, "一百一十"), (111, "一百一十一"), (119, "一百一十九"),
    (120, "一百二十"), (200, "二百"), (205, "二百零五"), (1000, "一千"), (1001, "一千零一"), (1010, "一千零一十"),
])
def test_known_numerals(n, cn):
    assert int_to_cn(n) == cn
    assert cn_to_int(cn) == n


def test_round_trip_1_to_200():
    for n in range(1, 201):
        assert cn_to_int(int_to_cn(n)) == n
        assert parse_article_label(article_label(n)) == n


def test_labels():
    assert article_label(106) == "第一百零六条"
    assert parse_article_label("第一百零六条") == 106
    assert parse_article_label("第21条") == 21
    assert parse_article_label(" 第 二十一 条 ") == 21
    assert cn_to_int("两百") == 200


@pytest.mark.parametrize("bad", ["", "百一", "一一", "十十", "第条", "abc", "一百十"])
def test_rejects_garbage(bad):
    with pytest.raises(ValueError):
        parse_article_label(f"第{bad}条") if bad.startswith("第") else cn_to_int(bad)


@pytest.mark.parametrize("bad", [0, -1, 10000])
def test_int_out_of_range(bad):
    with pytest.raises(ValueError):
        int_to_cn(bad)
