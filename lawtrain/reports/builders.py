"""Build the charts and the exportable Document of each report from query results (shared by pages and files)."""

from __future__ import annotations

from lawtrain.courses.numerals import article_label
from lawtrain.i18n import translate as _
from lawtrain.reports import charts, stats
from lawtrain.reports.documents import Document, Table, number_text, percent_text
from lawtrain.reports.queries import (
    WEAK_BY_CHAPTER,
    Annual,
    CompletionReport,
    CompletionRow,
    Dashboard,
    LawFigures,
    ReportFilter,
    WeakArticles,
)


def month_labels() -> list[str]:
    """1月 … 12月, or the current language's month labels."""
    return [_("1月"), _("2月"), _("3月"), _("4月"), _("5月"), _("6月"), _("7月"), _("8月"), _("9月"), _("10月"),
            _("11月"), _("12月")]


BANDS = [f"{lo}-{lo + 9}" for lo in range(0, 90, 10)] + ["90-100"]
WEAK_RATE = 60.0


def filter_text(f: ReportFilter, *, exam_title: str | None = None, assignment_title: str | None = None,
                node_path: str | None = None) -> str:
    parts = []
    if node_path:
        parts.append(_("范围：%(p)s", p=node_path))
    if assignment_title:
        parts.append(_("学习任务：%(t)s", t=assignment_title))
    if exam_title:
        parts.append(_("考试：%(t)s", t=exam_title))
    if f.law:
        parts.append(_("法律：《%(l)s》", l=f.law))
    start, end = f.date_from, f.date_to
    if start or end:
        parts.append(_("日期：%(a)s 至 %(b)s", a=start.isoformat() if start else "…",
                       b=end.isoformat() if end else "…"))
    elif f.year:
        parts.append(_("年度：%(y)s", y=f.year))
    return "；".join(parts)


# ------------------------------------------------------------------ completion


def completion_headers(people: bool) -> list[str]:
    first = [_("姓名"), _("工号"), _("部门")] if people else [_("部门")]
    return first + [_("应参加"), _("完成学习"), _("完成率"), _("学习时长（分钟）"), _("参考"), _("参考率"),
                    _("合格"), _("合格率"), _("平均分"), _("中位分"), _("证书"), _("逾期")]


def completion_cells(row: CompletionRow, people: bool) -> list[object]:
    first: list[object] = [row.name, row.staff_no, row.path] if people else [row.path or row.name]
    if people:
        return first + [1, _("是") if row.studied else _("否"), "", row.minutes, _("是") if row.attempted else _("否"),
                        "", _("合格") if row.passed else (_("不合格") if row.attempted else "—"), "",
                        number_text(row.average), "", row.certificates, _("逾期") if row.overdue else ""]
    return first + [row.assigned, row.studied, percent_text(row.studied, row.assigned), row.minutes, row.attempted,
                    percent_text(row.attempted, row.assigned), row.passed, percent_text(row.passed, row.attempted),
                    number_text(row.average), number_text(row.median), row.certificates, row.overdue]


def completion_chart(report: CompletionReport, chart_id: str = "chart-completion") -> charts.Chart:
    rows = report.departments or [report.total]
    rates = [r.completion_rate or 0.0 for r in rows]
    return charts.bar_chart(
        id=chart_id, title=_("各部门学习完成率"), labels=[r.name for r in rows], values=rates,
        value_labels=[percent_text(r.studied, r.assigned) for r in rows], axis_label=_("完成率（%）"),
        max_value=100.0, highlight_below=WEAK_RATE, width=560)


def completion_document(report: CompletionReport, subtitle: str, people_rows: list[CompletionRow]) -> Document:
    dept_rows = [report.total, *report.departments]
    tables = [Table(_("按部门汇总（含下级部门）"), completion_headers(False),
                    [completion_cells(r, False) for r in dept_rows], sheet=_("部门汇总"))]
    tables.append(Table(_("人员明细"), completion_headers(True), [completion_cells(r, True) for r in people_rows],
                        sheet=_("人员明细")))
    t = report.total
    paragraph = _("共应参加 %(a)d 人，完成学习 %(s)s，参考 %(t)s，合格 %(p)s，逾期 %(o)d 人。",
                  a=t.assigned, s=percent_text(t.studied, t.assigned), t=percent_text(t.attempted, t.assigned),
                  p=percent_text(t.passed, t.attempted), o=t.overdue)
    return Document(_("学习考试完成情况"), subtitle, [paragraph], [completion_chart(report)], tables,
                    filename="completion")


# ------------------------------------------------------------------ dashboard


def dashboard_charts(dash: Dashboard) -> list[charts.Chart]:
    hist = charts.column_chart(id="chart-scores", title=_("成绩分布（每人最好成绩，10 分一档）"), labels=BANDS,
                               values=dash.histogram, x_label=_("分数段"), y_label=_("人数"), width=480)
    rates = [round(100 * p / n, 1) if n else None for n, p in dash.trend]
    trend = charts.line_chart(
        id="chart-trend", title=_("%(y)s 年各月考试合格率", y=dash.year), labels=month_labels(), values=rates,
        value_labels=["" if n == 0 else f"{round(100 * p / n)}% ({p}/{n})" for n, p in dash.trend],
        x_label=_("月份"), y_label=_("合格率（%）"), width=480)
    return [completion_chart(dash.report), hist, trend]


def dashboard_document(dash: Dashboard, subtitle: str) -> Document:
    t = dash.report.total
    paragraphs = [_("%(y)s 年：学习完成率 %(c)s；考试参考率 %(p)s；合格率 %(r)s；逾期未完成 %(o)d 人。", y=dash.year,
                    c=percent_text(t.studied, t.assigned), p=percent_text(t.attempted, t.assigned),
                    r=percent_text(t.passed, t.attempted), o=t.overdue)]
    rows = [[r.name, r.assigned, percent_text(r.studied, r.assigned), percent_text(r.attempted, r.assigned),
             percent_text(r.passed, r.attempted), r.overdue] for r in dash.report.departments]
    table = Table(_("各部门情况"), [_("部门"), _("应参加"), _("完成率"), _("参考率"), _("合格率"), _("逾期人数")], rows,
                  sheet=_("各部门"))
    months = Table(_("各月考试"), [_("月份"), _("考试人次"), _("合格人次"), _("合格率")],
                   [[m, n, p, percent_text(p, n)] for m, (n, p) in zip(month_labels(), dash.trend, strict=True)],
                   sheet=_("各月"))
    bands = Table(_("成绩分布"), [_("分数段"), _("人数")], [[b, n] for b, n in zip(BANDS, dash.histogram, strict=True)],
                  sheet=_("成绩分布"))
    return Document(_("%(y)s 年度培训考试概览", y=dash.year), subtitle, paragraphs, dashboard_charts(dash),
                    [table, months, bands], filename=f"dashboard-{dash.year}")


# ------------------------------------------------------------------ item analysis

FLAG_LABELS = {
    stats.FLAG_NEGATIVE: "区分度为负",
    stats.FLAG_LOW: "区分度过低",
    stats.FLAG_HARD: "过难",
    stats.FLAG_EASY: "过易",
}


def flag_text(flags) -> str:
    return "、".join(_(FLAG_LABELS[f]) for f in flags)


def options_text(options: dict[str, int]) -> str:
    return "  ".join(f"{k}:{v}" for k, v in options.items())


def items_document(exam_title: str, result: stats.ExamStats, info: dict, subtitle: str) -> Document:
    summary = _("参考 %(n)d 人次；平均分 %(m)s，中位数 %(md)s，标准差 %(sd)s（满分 %(max)s）；KR-20 信度 %(kr)s。",
                n=result.n, m=number_text(result.mean), md=number_text(result.median), sd=number_text(result.sd, 2),
                max=number_text(result.max_total), kr=number_text(result.kr20, 2) if result.kr20 is not None
                else _("不适用（随机组卷）"))
    rows = []
    for i in result.items:
        q = info.get(i.item)
        rows.append([i.item, (q.stem[:60] if q else ""), i.n, number_text(i.facility, 2),
                     number_text(i.discrimination, 2), number_text(i.point_biserial, 2), options_text(i.options),
                     flag_text(i.flags)])
    table = Table(_("逐题分析"), [_("题号"), _("题干"), _("作答人次"), _("难度（通过率）"), _("区分度"),
                                _("点二列相关"), _("选项分布"), _("提示")], rows,
                  widths=[6, 40, 8, 10, 8, 10, 22, 14], sheet=_("逐题分析"))
    return Document(_("试题分析：%(t)s", t=exam_title), subtitle, [summary], [], [table],
                    filename="item-analysis",
                    notes=[_("难度为答对比例；区分度为高分组（前 27%）与低分组（后 27%）通过率之差；"
                             "区分度低于 0.2 或为负、通过率低于 0.2 或高于 0.9 的题目需要复核。")])


# ------------------------------------------------------------------ weak articles


def heat_class(rate: float | None) -> str:
    """CSS class of a heat-map cell by correct-answer rate (colour bins; the number is written too)."""
    if rate is None:
        return "heat-none"
    if rate < 40:
        return "heat-0"
    if rate < 60:
        return "heat-1"
    if rate < 75:
        return "heat-2"
    if rate < 90:
        return "heat-3"
    return "heat-4"


def weak_heading(law: str, key: int | str) -> str:
    """A heat-map column: 《law》第N条, or 《law》 and its chapter title."""
    if isinstance(key, int):
        return f"《{law}》{article_label(key)}"
    return f"《{law}》{key or _('未分章条文')}"


def weak_document(weak: WeakArticles, subtitle: str) -> Document:
    by_chapter = weak.by == WEAK_BY_CHAPTER
    headers = [_("部门")] + [weak_heading(law, key) for law, key in weak.columns]
    rows = []
    long_rows = []
    for d in weak.departments:
        row: list[object] = [d.name_path]
        for law, key in weak.columns:
            cell = weak.cells.get((d.id, law, key))
            row.append(percent_text(cell.correct, cell.answered) if cell else "—")
            if cell:
                where = [key or _("未分章条文")] if by_chapter else [key, article_label(int(key))]
                long_rows.append([d.name_path, law, *where, cell.answered, cell.correct, number_text(cell.rate)])
        rows.append(row)
    where_headers = [_("章")] if by_chapter else [_("条号"), _("条文")]
    tables = [Table(_("正确率热力表"), headers, rows, sheet=_("热力表")),
              Table(_("明细"), [_("部门"), _("法律"), *where_headers, _("作答次数"), _("答对次数"), _("正确率（%）")],
                    long_rows, sheet=_("明细"))]
    title = _("薄弱条文分析（按章）") if by_chapter else _("薄弱条文分析")
    notes = [_("按章统计时，一道题引用同一章的几条只计一次；法规库中查不到的条文归入“未分章条文”。")
             ] if by_chapter else []
    return Document(title, subtitle, [], [], tables, filename="weak-chapters" if by_chapter else "weak-articles",
                    notes=notes)


# ------------------------------------------------------------------ annual summary


def annual_paragraph(a: Annual, org: str) -> str:
    text = _("%(y)s 年，%(org)s共组织 %(t)d 名干部职工参加法治学习培训（占应训人数 %(s)d 人的 %(tr)s），累计学习 "
             "%(h)s 小时，完成学习模块 %(m)d 个；组织法律知识考试 %(e)d 场，参考 %(n)d 人次（%(p)d 人），合格 %(ps)d "
             "人次，合格率 %(r)s；颁发合格证书 %(c)d 张。",
             y=a.year, org=org, t=a.trained, s=a.staff, tr=percent_text(a.trained, a.staff).split(" ")[0],
             h=number_text(a.hours), m=a.modules_completed, e=a.exams_held, n=a.sittings, p=a.examinees,
             ps=a.passed_sittings, r=percent_text(a.passed_sittings, a.sittings), c=a.certificates)
    per_law = [clause for clause in map(_law_clause, a.laws) if clause]
    if per_law:
        text += _("其中，") + "；".join(per_law) + "。"
    return text


def _law_clause(x: LawFigures) -> str:
    """《law》 with the figures it has (study, exams, certificates), or "" when it has none to report."""
    parts = []
    if x.seconds:
        parts.append(_("学习 %(p)d 人、%(h)s 小时", p=x.learners, h=number_text(x.hours)))
    if x.sittings:
        parts.append(_("参考 %(n)d 人次，合格率 %(r)s", n=x.sittings, r=percent_text(x.passed_sittings, x.sittings)))
    if x.certificates:
        parts.append(_("颁发证书 %(c)d 张", c=x.certificates))
    return f"《{x.law}》" + "，".join(parts) if parts else ""


def annual_document(a: Annual, org: str, subtitle: str) -> Document:
    summary = Table(_("年度主要数据"), [_("项目"), _("数值")], [
        [_("应训人数"), a.staff], [_("参训人数"), a.trained], [_("学习时长（小时）"), number_text(a.hours)],
        [_("完成学习模块（个）"), a.modules_completed], [_("组织考试（场）"), a.exams_held],
        [_("参考人次"), a.sittings], [_("参考人数"), a.examinees], [_("合格人次"), a.passed_sittings],
        [_("合格率"), percent_text(a.passed_sittings, a.sittings)], [_("颁发证书（张）"), a.certificates],
    ], widths=[24, 18], sheet=_("年度数据"))
    by_law = Table(_("分法律统计"), [_("法律"), _("学习人数"), _("学习时长（小时）"), _("完成模块"), _("参考人次"),
                                 _("合格人次"), _("合格率"), _("颁发证书（张）"), _("考试答题（题次）"),
                                 _("答题正确率")],
                   [[f"《{x.law}》", x.learners, number_text(x.hours), x.modules_completed, x.sittings,
                     x.passed_sittings, percent_text(x.passed_sittings, x.sittings), x.certificates,
                     x.questions_answered, percent_text(x.questions_correct, x.questions_answered)] for x in a.laws],
                   sheet=_("分法律"))
    return Document(_("%(y)s 年度法治学习培训考试情况", y=a.year), subtitle, [annual_paragraph(a, org)], [],
                    [summary, by_law], filename=f"annual-{a.year}",
                    notes=[_("分法律统计中，考试按其组卷规则或固定试题所涉法律归类，证书按其考试或学习任务所涉法律归类"
                             "（学习任务颁发的培训证书也计入）；一场考试或一张证书涉及几部法律，就在每部法律下各计一次，"
                             "因此各行之和可能大于年度合计。")])
