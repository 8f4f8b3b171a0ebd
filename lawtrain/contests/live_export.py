"""The record of a live contest as flat rows, and as an xlsx workbook (number cells, every text cell made
safe against formula injection). Pure: plain values in, bytes out."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from lawtrain.spreadsheet import safe_cell

ROUND_LABELS = {"required": "必答题", "buzz": "抢答题", "risk": "风险题", "tiebreak": "加赛题"}
KIND_LABELS = {"judgement": "评判", "override": "裁判调整", "false_start": "抢答犯规"}


@dataclass
class RecordRows:
    standings: list[list[Any]] = field(default_factory=list)
    questions: list[list[Any]] = field(default_factory=list)
    buzzes: list[list[Any]] = field(default_factory=list)
    entries: list[list[Any]] = field(default_factory=list)


STANDINGS_HEADER = ["名次", "队伍", "得分", "队员"]
QUESTIONS_HEADER = ["轮次", "题型", "题号", "答题队伍", "题目", "答案", "依据", "显示时间", "公布时间"]
BUZZES_HEADER = ["轮次", "题号", "顺序", "队伍", "开抢后（毫秒）", "往返延迟（毫秒）", "犯规"]
ENTRIES_HEADER = ["轮次", "题号", "类型", "队伍", "分值", "结果", "提交答案", "风险分值", "原因", "操作人", "时间",
                  "已撤销"]


def _yes(value: bool | None) -> str:
    return {True: "正确", False: "错误"}.get(value, "")


def record_rows(record: dict[str, Any], fmt: Callable[[Any], str]) -> RecordRows:
    """Flatten live_queries.record into the four tables both exports write."""
    out = RecordRows()
    for s in record["standings"]:
        out.standings.append([s["rank"], s["team"], s["score"], "、".join(s["members"])])
    for block in record["rounds"]:
        rnd = block["round"]
        for it in block["items"]:
            basis = "；".join(b["law"] + (b["label"] or "第{}条".format(b["article"])) for b in it["basis"])
            out.questions.append([rnd.title, ROUND_LABELS.get(rnd.type, ""), it["no"], it["team"] or "",
                                  it["stem"], "".join(it["answer"]), basis, fmt(it["shown_at"]),
                                  fmt(it["revealed_at"])])
            for b in it["buzzes"]:
                out.buzzes.append([rnd.title, it["no"], b["order"], b["team"], b["after_ms"], b["rtt_ms"], ""])
            for b in it["false_starts"]:
                out.buzzes.append([rnd.title, it["no"], None, b["team"], b["after_ms"], b["rtt_ms"], "犯规"])
            for e in it["entries"]:
                out.entries.append(_entry(rnd.title, it["no"], e, fmt))
    for e in record["overrides"]:
        out.entries.append(_entry("", None, e, fmt))
    return out


def _entry(round_title: str, no: int | None, e: dict[str, Any], fmt) -> list[Any]:
    return [round_title, no, KIND_LABELS.get(e["kind"], ""), e["team"], e["points"], _yes(e["correct"]),
            "".join(e["choice"] or []), e["stake"], e["reason"] or "", e["actor"] or "", fmt(e["at"]),
            fmt(e["undone_at"]) if e["undone_at"] else ""]


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]], first: bool = False) -> None:
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([v if isinstance(v, int | float) and not isinstance(v, bool) else safe_cell(v) for v in row])
    ws.freeze_panes = "A2"


def record_xlsx(title: str, rows: RecordRows) -> bytes:
    wb = Workbook()
    _sheet(wb, "名次", STANDINGS_HEADER, rows.standings, first=True)
    _sheet(wb, "题目", QUESTIONS_HEADER, rows.questions)
    _sheet(wb, "抢答顺序", BUZZES_HEADER, rows.buzzes)
    _sheet(wb, "计分记录", ENTRIES_HEADER, rows.entries)
    wb.properties.title = str(safe_cell(title))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
