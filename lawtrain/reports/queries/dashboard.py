"""The overview: the completion totals of a year, the score histogram and the monthly pass trend."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import (
    and_,
    case,
    func,
    select,
)
from sqlalchemy.orm import Session

from lawtrain.exams.models import (
    Attempt,
)
from lawtrain.org.models import Department
from lawtrain.reports import stats
from lawtrain.reports.queries.completion import CompletionReport, completion_report
from lawtrain.reports.queries.filters import (
    ReportFilter,
    scoped_attempts,
)
from lawtrain.timeutil import from_local

# ------------------------------------------------------------------ dashboard


def monthly_trend(session: Session, year: int, f: ReportFilter, root: Department | None) -> list[tuple[int, int]]:
    """(sittings, passed) per local calendar month of `year`, in one statement."""
    edges = [from_local(datetime(year + (m // 12), m % 12 + 1, 1)) for m in range(13)]
    cols = []
    for m in range(12):
        in_month = and_(Attempt.submitted_at >= edges[m], Attempt.submitted_at < edges[m + 1])
        cols.append(func.coalesce(func.sum(case((in_month, 1), else_=0)), 0))
        cols.append(func.coalesce(func.sum(case((and_(in_month, Attempt.passed.is_(True)), 1), else_=0)), 0))
    year_filter = replace(f, year=year, date_from=None, date_to=None)
    row = session.execute(scoped_attempts(year_filter, root)(select(*cols).select_from(Attempt))).one()
    return [(int(row[2 * m]), int(row[2 * m + 1])) for m in range(12)]


@dataclass
class Dashboard:
    year: int
    report: CompletionReport
    histogram: list[int]
    trend: list[tuple[int, int]]


def dashboard(session: Session, *, year: int, root: Department | None, today: date, now: datetime,
              department_id: int | None = None) -> Dashboard:
    f = ReportFilter(year=year, department_id=department_id)
    report = completion_report(session, f, root=root, today=today, now=now, people="none")
    return Dashboard(year, report, stats.histogram(report.scores), monthly_trend(session, year, f, report.node))
