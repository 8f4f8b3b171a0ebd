"""Report aggregation in SQL, one module per report; this package re-exports their public names.

Every figure is computed by a GROUP BY in the database; a page runs a fixed number of statements whatever
the number of people. Departments roll up by joining the tree on the materialised path
(`member.id_path LIKE ancestor.id_path || '%'`), which SQLite and PostgreSQL both index-scan.
The figures mean what `lawtrain.reports.glossary` says they mean.
"""

from __future__ import annotations

from lawtrain.reports.queries.annual import (
    Annual,
    LawFigures,
    annual,
)
from lawtrain.reports.queries.completion import (
    CompletionReport,
    CompletionRow,
    Rolled,
    completion_report,
    people_select,
    person_row,
    rollup,
    totals,
)
from lawtrain.reports.queries.dashboard import (
    Dashboard,
    dashboard,
    monthly_trend,
)
from lawtrain.reports.queries.facts import (
    Scope,
    person_facts,
    population,
    study_scope,
)
from lawtrain.reports.queries.filters import (
    FIRST_YEAR,
    LAST_YEAR,
    MODE_ASSIGNMENT,
    MODE_EXAM,
    MODE_YEAR,
    ReportFilter,
    assignment_laws,
    attempt_conditions,
    between,
    certificate_laws,
    child_departments,
    exam_laws,
    exams_on_law,
    in_subtree,
    is_report_year,
    law_ranks,
    live_certificates,
    passed_count,
    rate,
    report_node,
    scoped_attempts,
    staff_ids,
)
from lawtrain.reports.queries.items import (
    CaseInfo,
    ItemInfo,
    case_analysis,
    exams_for_analysis,
    item_analysis,
)
from lawtrain.reports.queries.people import (
    filter_choices,
    in_scope,
    person_attempts,
    person_study,
)
from lawtrain.reports.queries.weak import (
    WEAK_BY_ARTICLE,
    WEAK_BY_CHAPTER,
    WeakArticles,
    WeakCell,
    WeakKey,
    modules_teaching,
    weak_articles,
)

__all__ = [
    "Annual",
    "CaseInfo",
    "CompletionReport",
    "CompletionRow",
    "Dashboard",
    "FIRST_YEAR",
    "ItemInfo",
    "LAST_YEAR",
    "LawFigures",
    "MODE_ASSIGNMENT",
    "MODE_EXAM",
    "MODE_YEAR",
    "ReportFilter",
    "Rolled",
    "Scope",
    "WEAK_BY_ARTICLE",
    "WEAK_BY_CHAPTER",
    "WeakArticles",
    "WeakCell",
    "WeakKey",
    "annual",
    "case_analysis",
    "assignment_laws",
    "attempt_conditions",
    "between",
    "certificate_laws",
    "child_departments",
    "completion_report",
    "dashboard",
    "exam_laws",
    "exams_for_analysis",
    "exams_on_law",
    "filter_choices",
    "in_scope",
    "in_subtree",
    "is_report_year",
    "item_analysis",
    "law_ranks",
    "live_certificates",
    "modules_teaching",
    "monthly_trend",
    "passed_count",
    "people_select",
    "person_attempts",
    "person_facts",
    "person_row",
    "person_study",
    "population",
    "rate",
    "report_node",
    "rollup",
    "scoped_attempts",
    "staff_ids",
    "study_scope",
    "totals",
    "weak_articles",
]
