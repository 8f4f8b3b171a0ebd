"""Exports of an online contest: results as xlsx or PDF, the guests' registrations, the guest link's QR code."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy.orm import Session

from lawtrain.certificates.fonts import get_cjk_font
from lawtrain.certificates.pdf import qr_rects, qr_widget
from lawtrain.contests import online_pdf, online_queries
from lawtrain.contests.online_models import OnlineContest
from lawtrain.spreadsheet import safe_cell
from lawtrain.timeutil import format_local

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


def minutes_text(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def _sections(session: Session, contest: OnlineContest) -> list[tuple[str, list[str], list[list[object]]]]:
    prizes = session.execute(online_queries.prizes_select(contest.id)).all()
    departments = online_queries.department_ranking(session, contest)
    units = online_queries.unit_ranking(departments)
    board = online_queries.leaderboard(session, contest, limit=100000, masked=False)
    return [
        (_("获奖名单"), [_("名次"), _("奖项"), _("姓名"), _("得分"), _("用时")],
         [[p.rank, p.prize, u.display_name, p.score, minutes_text(p.seconds)] for p, u in prizes]),
        (_("单位排名（优秀组织奖按参赛率评定）"),
         [_("排名"), _("单位"), _("应参赛"), _("参赛"), _("参赛率"), _("平均分"), _("获奖人数"), _("优秀组织奖")],
         [[i, u.name, u.eligible, u.entrants, f"{u.rate:.1%}", round(u.average, 1), u.winners,
           _("是") if u.excellent else ""] for i, u in enumerate(units, start=1)]),
        (_("部门排名（含下级部门）"), [_("部门"), _("应参赛"), _("参赛"), _("参赛率"), _("平均分"), _("获奖人数")],
         [[d.name_path, d.eligible, d.entrants, f"{d.rate:.1%}", round(d.average, 1), d.winners]
          for d in departments]),
        (_("个人成绩"), [_("名次"), _("姓名"), _("单位"), _("得分"), _("用时"), _("交卷时间"), _("奖项")],
         [[r["rank"], r["name"], r["unit"], r["score"], minutes_text(r["seconds"]), format_local(r["submitted_at"]),
           r["prize"] or ""] for r in board]),
    ]


def results_file(session: Session, contest: OnlineContest, fmt: str, font_path: str | None) -> bytes:
    sections = _sections(session, contest)
    if fmt == "pdf":
        return online_pdf.results_pdf(title=contest.title, sections=sections, font=get_cjk_font(font_path),
                                      subtitle=f"{format_local(contest.opens_at)} — {format_local(contest.closes_at)}")
    wb = Workbook()
    wb.remove(wb.active)
    for heading, header, rows in sections:
        ws = wb.create_sheet(heading[:31].replace("（", "(").replace("）", ")"))
        ws.append([safe_cell(c) for c in header])
        for row in rows:
            ws.append([safe_cell(c) for c in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def guests_xlsx(session: Session, contest: OnlineContest) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("社会参赛者")
    ws.append([_("姓名"), _("单位"), _("手机号码"), _("报名时间"), _("个人信息已清除")])
    for g in session.scalars(online_queries.guests_select(contest.id)):
        ws.append([safe_cell(g.name), safe_cell(g.unit), "" if g.purged_at else safe_cell(g.mobile),
                   format_local(g.registered_at), _("是") if g.purged_at else ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def qr_svg(link: str, module: int = 6) -> str:
    """The link as a QR code in SVG, drawn from the same encoder as the certificates' verify QR."""
    qr = qr_widget(link).qr
    if qr.version is None:
        qr.version = qr.calculate_version()
    qr.make()
    n, border = qr.getModuleCount(), 2
    size = (n + 2 * border) * module
    rects = "".join(f'<rect x="{(c + border) * module}" y="{(r + border) * module}" width="{w * module}" '
                    f'height="{h * module}"/>' for c, r, w, h in qr_rects(qr.modules))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
            f'role="img"><rect width="100%" height="100%" fill="#fff"/><g fill="#000">{rects}</g></svg>')
