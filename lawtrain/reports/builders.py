"""Build the charts and the exportable Document of each report from query results (shared by pages and files)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from lawtrain.courses.numerals import article_label
from lawtrain.i18n import translate as _
from lawtrain.reports import charts, glossary, stats
from lawtrain.reports.documents import Document, Number, Ratio, Table, number_text, percent_text
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


# ------------------------------------------------------------------ the glossary


def term(key: str) -> str:
    """A figure's name from the glossary, in the current language: term("pass_rate_people") -> 合格率（按人）."""
    return _(glossary.BY_KEY[key].name)


def glossary_rows(keys: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """(name, definition) of the glossary's figures (all of them, or `keys`), in the current language."""
    terms = [glossary.BY_KEY[k] for k in keys] if keys is not None else glossary.TERMS
    return [(_(t.name), _(t.definition)) for t in terms]


def hours_text(seconds: int | None) -> str:
    """学时 in words: "12.5 小时", or "40 分钟" under an hour."""
    return glossary.hours_text(seconds, _("%(n)s 小时"), _("%(n)s 分钟"))


def _glossed(document: Document) -> Document:
    """The document with the glossary and its section titles (every export carries them)."""
    return replace(document, glossary=document.glossary or glossary_rows(), glossary_title=_("指标说明"),
                   notes_title=_("说明"))


# ------------------------------------------------------------------ completion

# The columns of a completion table, in order: (glossary key, or another heading) -> the row's cell.
COMPLETION_COLUMNS: tuple[tuple[str, Callable[[CompletionRow], object]], ...] = (
    ("assigned", lambda r: r.assigned),
    ("trained", lambda r: r.trained),
    ("completed", lambda r: r.studied),
    ("completion_rate", lambda r: Ratio(r.studied, r.assigned)),
    ("hours", lambda r: Number(glossary.hours(r.seconds))),
    ("examinees", lambda r: r.attempted),
    ("participation_rate", lambda r: Ratio(r.attempted, r.assigned)),
    ("sittings", lambda r: r.sittings),
    ("passed_people", lambda r: r.passed),
    ("pass_rate_people", lambda r: Ratio(r.passed, r.attempted)),
    ("passed_sittings", lambda r: r.passed_sittings),
    ("pass_rate_sittings", lambda r: Ratio(r.passed_sittings, r.sittings)),
    ("average", lambda r: Number(r.average)),
    ("median", lambda r: Number(r.median)),
    ("certificates", lambda r: r.certificates),
    ("overdue", lambda r: r.overdue),
)


def completion_headers(people: bool) -> list[str]:
    first = [_("姓名"), _("工号"), _("部门")] if people else [_("部门")]
    names = {"hours": _("学时（小时）"), "median": _("中位分"), "average": _("平均分"),
             "certificates": _("颁发证书（张）")}
    return first + [names.get(key) or term(key) for key, _cell in COMPLETION_COLUMNS]


def completion_cells(row: CompletionRow, people: bool) -> list[object]:
    """A department's figures, or a person's (counts 0/1, rates 0% or 100%, average and median their best)."""
    first: list[object] = [row.name, row.staff_no, row.path] if people else [row.path or row.name]
    return first + [cell(row) for _key, cell in COMPLETION_COLUMNS]


def completion_chart(report: CompletionReport, chart_id: str = "chart-completion") -> charts.Chart | None:
    """Departments side by side; None for a drill-down with fewer than two (a one-bar chart compares nothing:
    the summary sentence and the table carry the figure)."""
    rows = report.departments
    if len(rows) < 2:
        return None
    rates = [r.completion_rate or 0.0 for r in rows]
    return charts.bar_chart(
        id=chart_id, title=_("各部门学习完成率"), labels=[r.name for r in rows], values=rates,
        value_labels=[percent_text(r.studied, r.assigned) for r in rows], axis_label=_("学习完成率（%）"),
        max_value=100.0, highlight_below=WEAK_RATE, width=560)


def summary_sentence(t: CompletionRow) -> str:
    """The headline figures of a completion row in one sentence, each named as the glossary names it."""
    return _("应参加人数 %(a)d 人，参训人数 %(tr)d 人，学习完成人数 %(s)d 人（学习完成率 %(sr)s），学时 %(h)s；"
             "参考人数 %(e)d 人（参考率 %(er)s）、参考人次 %(n)d，合格率（按人）%(p)s，合格率（按人次）%(ps)s，"
             "平均分 %(avg)s；逾期人数 %(o)d 人。",
             a=t.assigned, tr=t.trained, s=t.studied, sr=percent_text(t.studied, t.assigned),
             h=hours_text(t.seconds), e=t.attempted, er=percent_text(t.attempted, t.assigned), n=t.sittings,
             p=percent_text(t.passed, t.attempted), ps=percent_text(t.passed_sittings, t.sittings),
             avg=number_text(t.average), o=t.overdue)


def completion_document(report: CompletionReport, subtitle: str, people_rows: list[CompletionRow]) -> Document:
    dept_rows = [report.total, *report.departments]
    tables = [Table(_("按部门汇总（含下级部门）"), completion_headers(False),
                    [completion_cells(r, False) for r in dept_rows], sheet=_("部门汇总")),
              Table(_("人员明细"), completion_headers(True), [completion_cells(r, True) for r in people_rows],
                    sheet=_("人员明细"))]
    return _glossed(Document(_("学习考试完成情况"), subtitle, [summary_sentence(report.total)],
                             [c for c in [completion_chart(report)] if c], tables, filename="completion",
                             notes=[_("部门数字包含其全部下级部门。人员明细中，计数为 1 或 0，比率为 100% 或 0%，"
                                      "平均分和中位分为本人最好成绩。")]))


# ------------------------------------------------------------------ dashboard


def dashboard_charts(dash: Dashboard) -> list[charts.Chart]:
    hist = charts.column_chart(id="chart-scores", title=_("成绩分布（每人最好成绩，10 分一档）"), labels=BANDS,
                               values=dash.histogram, x_label=_("分数段"), y_label=_("人数"), width=480)
    rates = [round(100 * p / n, 1) if n else None for n, p in dash.trend]
    trend = charts.line_chart(
        id="chart-trend", title=_("%(y)s 年各月合格率（按人次）", y=dash.year), labels=month_labels(), values=rates,
        value_labels=["" if n == 0 else f"{round(100 * p / n)}% ({p}/{n})" for n, p in dash.trend],
        x_label=_("月份"), y_label=_("合格率（按人次，%）"), width=480)
    return [c for c in (completion_chart(dash.report), hist, trend) if c is not None]


def dashboard_document(dash: Dashboard, subtitle: str) -> Document:
    r = dash.report
    table = Table(_("各部门情况（含下级部门）"), completion_headers(False),
                  [completion_cells(row, False) for row in [r.total, *r.departments]], sheet=_("各部门"))
    months = Table(_("各月考试"), [_("月份"), term("sittings"), term("passed_sittings"), term("pass_rate_sittings")],
                   [[m, n, p, Ratio(p, n)] for m, (n, p) in zip(month_labels(), dash.trend, strict=True)],
                   sheet=_("各月"))
    bands = Table(_("成绩分布"), [_("分数段"), _("人数")], [[b, n] for b, n in zip(BANDS, dash.histogram, strict=True)],
                  sheet=_("成绩分布"))
    return _glossed(Document(_("%(y)s 年度培训考试概览", y=dash.year), subtitle,
                             [_("%(y)s 年：", y=dash.year) + summary_sentence(r.total)], dashboard_charts(dash),
                             [table, months, bands], filename=f"dashboard-{dash.year}"))


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


def interval_text(interval: tuple[float, float] | None, digits: int = 2) -> str:
    """A 95 % interval as "0.12–0.45" ("—" without one)."""
    if interval is None:
        return "—"
    return f"{interval[0]:.{digits}f}–{interval[1]:.{digits}f}"


def item_evidence_note() -> str:
    return _(glossary.ITEM_NOTE, n=glossary.ITEM_MIN_TAKERS)


def items_document(exam_title: str, result: stats.ExamStats, info: dict, subtitle: str) -> Document:
    summary = _("交卷 %(n)d 人次；平均分 %(m)s，中位数 %(md)s，标准差 %(sd)s（满分 %(max)s）；KR-20 信度 %(kr)s。",
                n=result.n, m=number_text(result.mean), md=number_text(result.median), sd=number_text(result.sd, 2),
                max=number_text(result.max_total), kr=number_text(result.kr20, 2) if result.kr20 is not None
                else _("不适用（随机组卷）"))
    rows = []
    for i in result.items:
        q = info.get(i.item)
        rows.append([q.position if q and q.position else "", q.code if q else "", (q.stem[:60] if q else ""), i.n,
                     Number(i.facility, 2), interval_text(i.interval), Number(i.discrimination, 2),
                     Number(i.point_biserial, 2), options_text(i.options), flag_text(i.flags)])
    table = Table(_("逐题分析"), [_("卷面题序"), _("题目编号"), _("题干"), _("作答人次"), _("难度（通过率）"),
                                _("通过率 95% 区间"), _("区分度"), _("点二列相关"), _("选项分布"), _("提示")], rows,
                  widths=[6, 12, 36, 8, 10, 12, 8, 10, 20, 12], sheet=_("逐题分析"))
    return _glossed(Document(
        _("试题分析：%(t)s", t=exam_title), subtitle, [summary], [], [table], filename="item-analysis",
        notes=[_("难度为答对比例；区分度为高分组（前 27%）与低分组（后 27%）通过率之差；点二列相关为本题得分与其余题目"
                 "总分的相关系数。"), item_evidence_note()],
        glossary=[(_("难度（通过率）"), _("答对的比例（部分得分按得分比例计）。"))]))


# ------------------------------------------------------------------ weak articles

STATUS_LABELS = {stats.CELL_INSUFFICIENT: "样本不足", stats.CELL_WEAK: "薄弱", stats.CELL_OK: ""}


def heat_class(rate: float | None, status: str = stats.CELL_OK) -> str:
    """CSS class of a heat-map cell: grey when 样本不足, else colour bins by rate (the number is written too)."""
    if rate is None or status == stats.CELL_INSUFFICIENT:
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


def status_text(status: str) -> str:
    label = STATUS_LABELS.get(status, "")
    return _(label) if label else ""


def weak_heading(law: str, key: int | str) -> str:
    """A heat-map column: 《law》第N条, or 《law》 and its chapter title."""
    if isinstance(key, int):
        return f"《{law}》{article_label(key)}"
    return f"《{law}》{key or _('未分章条文')}"


def weak_evidence_note(evidence: stats.Evidence) -> str:
    return _(glossary.WEAK_NOTE, n=evidence.min_answers, p=evidence.min_people, t=int(evidence.threshold))


def weak_document(weak: WeakArticles, subtitle: str) -> Document:
    by_chapter = weak.by == WEAK_BY_CHAPTER
    headers = [_("部门")] + [weak_heading(law, key) for law, key in weak.columns]
    rows = []
    long_rows = []
    for d in weak.departments:
        row: list[object] = [d.name_path]
        for law, key in weak.columns:
            cell = weak.cells.get((d.id, law, key))
            row.append(Ratio(cell.correct, cell.answered) if cell else "—")
            if cell:
                where = [key or _("未分章条文")] if by_chapter else [key, article_label(int(key))]
                low, high = cell.interval or (None, None)
                long_rows.append([d.name_path, law, *where, cell.answered, cell.correct, cell.people,
                                  Ratio(cell.correct, cell.answered), Number(low), Number(high),
                                  status_text(weak.status(cell))])
        rows.append(row)
    where_headers = [_("章")] if by_chapter else [_("条号"), _("条文")]
    tables = [Table(_("正确率热力表"), headers, rows, sheet=_("热力表")),
              Table(_("明细"), [_("部门"), _("法律"), *where_headers, _("作答次数"), _("答对次数"), _("涉及人数"),
                              _("正确率"), _("95% 区间下限（%）"), _("95% 区间上限（%）"), _("判定")],
                    long_rows, sheet=_("明细"))]
    title = _("薄弱条文分析（按章）") if by_chapter else _("薄弱条文分析")
    notes = [weak_evidence_note(weak.evidence)]
    if by_chapter:
        notes.append(_("按章统计时，一道题引用同一章的几条只计一次；法规库中查不到的条文归入“未分章条文”。"))
    return _glossed(Document(title, subtitle, [], [], tables,
                             filename="weak-chapters" if by_chapter else "weak-articles", notes=notes))


# ------------------------------------------------------------------ annual summary


def _share(part: int, whole: int) -> str:
    """A share for prose: "67%" (the counts are already in the sentence)."""
    return f"{100 * part / whole:.0f}%" if whole else "—"


def annual_paragraph(a: Annual, org: str) -> str:
    """The year in the words of a bureau's own annual report: only what happened, each figure by its glossary
    name and unit; nothing with nothing to report (no exam sentence in a year without exams)."""
    t = a.total
    sentences = []
    if t.trained or t.studied:
        study = _("%(y)s 年，%(org)s应参加法治学习培训 %(a)d 人，参训 %(t)d 人，参训率 %(tr)s", y=a.year, org=org,
                  a=t.assigned, t=t.trained, tr=_share(t.trained, t.assigned))
        if t.seconds >= 60:
            study += _("，累计学习 %(h)s", h=hours_text(t.seconds))
        if a.modules_completed:
            study += _("，完成学习模块 %(m)d 个", m=a.modules_completed)
        if t.studied:
            study += _("；学习完成人数 %(s)d 人，学习完成率 %(sr)s", s=t.studied, sr=_share(t.studied, t.assigned))
        sentences.append(study + _("。"))
    else:
        sentences.append(_("%(y)s 年，%(org)s应参加法治学习培训 %(a)d 人。", y=a.year, org=org, a=t.assigned))
    if t.sittings:
        sentences.append(_("组织法律知识考试 %(e)d 场，参考 %(p)d 人、%(n)d 人次，合格 %(pp)d 人、%(ps)d 人次，"
                           "合格率（按人）%(r1)s，合格率（按人次）%(r2)s，平均分 %(avg)s 分。", e=a.exams_held,
                           p=t.attempted, n=t.sittings, pp=t.passed, ps=t.passed_sittings,
                           r1=_share(t.passed, t.attempted), r2=_share(t.passed_sittings, t.sittings),
                           avg=number_text(t.average)))
    if t.certificates:
        sentences.append(_("颁发合格证书 %(c)d 张。", c=t.certificates))
    per_law = [clause for clause in map(_law_clause, a.laws) if clause]
    if per_law:
        sentences.append(_("其中，") + "；".join(per_law) + _("。"))
    return "".join(sentences)


def _law_clause(x: LawFigures) -> str:
    """《law》 with the figures it has (study of a minute or more, exams, certificates), or "" with none."""
    parts = []
    if x.learners and x.seconds >= 60:
        parts.append(_("%(p)d 人学习 %(h)s", p=x.learners, h=hours_text(x.seconds)))
    if x.modules_completed:
        parts.append(_("完成学习模块 %(m)d 个", m=x.modules_completed))
    if x.sittings:
        parts.append(_("参考 %(n)d 人次，合格率（按人次）%(r)s", n=x.sittings, r=_share(x.passed_sittings, x.sittings)))
    if x.certificates:
        parts.append(_("颁发证书 %(c)d 张", c=x.certificates))
    return f"《{x.law}》" + "，".join(parts) if parts else ""


def annual_document(a: Annual, org: str, subtitle: str) -> Document:
    t = a.total
    summary = Table(_("年度主要数据"), [_("项目"), _("数值")], [
        [term("assigned"), t.assigned], [term("trained"), t.trained], [term("completed"), t.studied],
        [term("completion_rate"), Ratio(t.studied, t.assigned)], [_("学时（小时）"), Number(glossary.hours(t.seconds))],
        [_("完成学习模块（个）"), a.modules_completed], [_("组织考试（场）"), a.exams_held],
        [term("examinees"), t.attempted], [term("sittings"), t.sittings], [term("passed_people"), t.passed],
        [term("passed_sittings"), t.passed_sittings], [term("pass_rate_people"), Ratio(t.passed, t.attempted)],
        [term("pass_rate_sittings"), Ratio(t.passed_sittings, t.sittings)], [term("average"), Number(t.average)],
        [_("颁发证书（张）"), t.certificates],
    ], widths=[24, 18], sheet=_("年度数据"))
    by_law = Table(_("分法律统计"), [_("法律"), _("学习人数"), _("学时（小时）"), _("完成模块"), term("sittings"),
                                 term("passed_sittings"), term("pass_rate_sittings"), _("颁发证书（张）"),
                                 _("考试答题（题次）"), _("答题正确率")],
                   [[f"《{x.law}》", x.learners, Number(glossary.hours(x.seconds)), x.modules_completed, x.sittings,
                     x.passed_sittings, Ratio(x.passed_sittings, x.sittings), x.certificates,
                     x.questions_answered, Ratio(x.questions_correct, x.questions_answered)] for x in a.laws],
                   sheet=_("分法律"))
    return _glossed(Document(
        _("%(y)s 年度法治学习培训考试情况", y=a.year), subtitle, [annual_paragraph(a, org)], [], [summary, by_law],
        filename=f"annual-{a.year}",
        notes=[_("分法律统计中，考试按其组卷规则或固定试题所涉法律归类，证书按其考试或学习任务所涉法律归类"
                 "（学习任务颁发的培训证书也计入）；一场考试或一张证书涉及几部法律，就在每部法律下各计一次，"
                 "因此各行之和可能大于年度合计。")]))
