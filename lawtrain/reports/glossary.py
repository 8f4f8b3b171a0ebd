"""The glossary of report figures (指标说明): each figure's name and definition, said once (pure).

Every report page, export and the annual paragraph name their figures with these terms, so that a leader
copying "合格率（按人）" from the overview and from the annual text copies the same thing. The queries compute
exactly these definitions (`reports.queries.facts.person_facts` is one row per person of them).
Strings are Chinese source text marked with `N_` for extraction; callers translate them at render time.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:  # noqa: N802 (the gettext convention for "mark, translate later")
    return message


@dataclass(frozen=True)
class Term:
    key: str
    name: str
    definition: str


ASSIGNED = Term("assigned", N_("应参加人数"), N_(
    "统计范围内在职的学员人数；按学习任务或考试统计时，为布置对象（含所布置部门及其下级部门的学员）。"))
TRAINED = Term("trained", N_("参训人数"), N_("统计期间内有学习时长记录或完成过学习模块的人数。"))
COMPLETED = Term("completed", N_("学习完成人数"), N_(
    "统计期间内到期的学习任务中，每一个指定学习模块都已完成的人数；按学习任务（或设有学习门槛的考试）统计时，"
    "为完成其全部指定模块的人数。统计期间内没有到期学习任务的人不计入。"))
COMPLETION_RATE = Term("completion_rate", N_("学习完成率"), N_("学习完成人数 ÷ 应参加人数。"))
EXAMINEES = Term("examinees", N_("参考人数"), N_("统计期间内至少交卷一次的人数（一人考几次只计一人）。"))
SITTINGS = Term("sittings", N_("参考人次"), N_("统计期间内交卷的份数（一人考几次计几次）。"))
PARTICIPATION_RATE = Term("participation_rate", N_("参考率"), N_("参考人数 ÷ 应参加人数。"))
PASSED_PEOPLE = Term("passed_people", N_("合格人数"), N_("参考人员中，最好一次成绩合格的人数。"))
PASSED_SITTINGS = Term("passed_sittings", N_("合格人次"), N_("合格的交卷份数。"))
PASS_RATE_PEOPLE = Term("pass_rate_people", N_("合格率（按人）"), N_("合格人数 ÷ 参考人数（每人按最好一次成绩）。"))
PASS_RATE_SITTINGS = Term("pass_rate_sittings", N_("合格率（按人次）"), N_("合格人次 ÷ 参考人次（每次交卷都计）。"))
AVERAGE = Term("average", N_("平均分"), N_(
    "每人取统计期间内最好一次成绩（百分制），再求平均；中位分同样按每人最好成绩。"))
HOURS = Term("hours", N_("学时"), N_("学习时长，以小时计，保留一位小数；不足一小时的写作分钟。"))
OVERDUE = Term("overdue", N_("逾期人数"), N_("学习任务（或考试）已过截止时间仍未完成的人数。"))
CERTIFICATES = Term("certificates", N_("颁发证书"), N_("统计期间内颁发且未撤销的证书张数。"))

TERMS: tuple[Term, ...] = (ASSIGNED, TRAINED, COMPLETED, COMPLETION_RATE, EXAMINEES, SITTINGS, PARTICIPATION_RATE,
                           PASSED_PEOPLE, PASSED_SITTINGS, PASS_RATE_PEOPLE, PASS_RATE_SITTINGS, AVERAGE, HOURS,
                           OVERDUE, CERTIFICATES)
BY_KEY = {t.key: t for t in TERMS}

# ---------------------------------------------------------------- evidence thresholds (weak articles, items)

WEAK_MIN_ANSWERS = 10  # a heat-map cell needs this many answers …
WEAK_MIN_PEOPLE = 5  # … from at least this many people, else it is 样本不足
WEAK_THRESHOLD = 60.0  # percent: a cell is 薄弱 when the Wilson 95 % upper bound of its rate is below this
ITEM_MIN_TAKERS = 20  # item-analysis flags (过难/过易/区分度低) need this many takers

WEAK_NOTE = N_("薄弱判定：格子里的数字为正确率和作答次数（答对/作答，涉及人数）。作答不足 %(n)d 次或不足 %(p)d 人的"
               "格子为灰色“样本不足”，不作判断；只有正确率 95%% 置信区间（Wilson 法）的上限仍低于 %(t)d%% 时，"
               "才标为“薄弱”。")
ITEM_NOTE = N_("试题复核提示：作答不少于 %(n)d 人的题目才提示“过难”（通过率低于 0.2）、“过易”（高于 0.9）或“区分度低”"
               "（低于 0.2 或为负），并给出通过率的 95%% 置信区间；人数不足时只列数据、不作提示。")


def hours_text(seconds: int | float | None, hours_format: str = "%(n)s 小时",
               minutes_format: str = "%(n)s 分钟") -> str:
    """学时 as written in a report: "12.5 小时", or "40 分钟" under an hour ("—" for none); the formats are
    the (translated) units."""
    seconds = int(seconds or 0)
    if seconds <= 0:
        return "—"
    if seconds < 3600:
        return minutes_format % {"n": max(1, seconds // 60)}
    return hours_format % {"n": f"{seconds / 3600:.1f}"}


def hours(seconds: int | float | None) -> float:
    """学时 as a number (hours, one decimal), for spreadsheet cells."""
    return round(int(seconds or 0) / 3600, 1)
