"""The completion report: departments rolled up over the id_path tree, and their people."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Select,
    func,
    select,
)
from sqlalchemy.orm import Session, aliased

from lawtrain.auth.models import User
from lawtrain.org.models import Department
from lawtrain.reports.queries.facts import person_facts, study_scope
from lawtrain.reports.queries.filters import (
    MODE_YEAR,
    ReportFilter,
    child_departments,
    rate,
    report_node,
)

# ------------------------------------------------------------------ completion rows


# The per-person facts a department row sums (the CTE's 0/1 and count columns); "assigned" counts the rows.
SUMMED = ("trained", "studied", "seconds", "attempted", "sittings", "passed", "passed_sittings", "certificates",
          "overdue")


@dataclass
class CompletionRow:
    """The glossary's figures for one department (everyone below it) or one person."""

    key: int
    name: str
    assigned: int = 0  # 应参加人数
    trained: int = 0  # 参训人数
    studied: int = 0  # 学习完成人数
    seconds: int = 0  # 学时, in seconds
    attempted: int = 0  # 参考人数
    sittings: int = 0  # 参考人次
    passed: int = 0  # 合格人数 (best attempt passed)
    passed_sittings: int = 0  # 合格人次
    average: float | None = None  # 平均分 (best attempt per person)
    median: float | None = None
    certificates: int = 0
    overdue: int = 0
    path: str = ""
    staff_no: str = ""
    has_children: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def minutes(self) -> int:
        return self.seconds // 60

    @property
    def completion_rate(self) -> float | None:
        return rate(self.studied, self.assigned)

    @property
    def participation_rate(self) -> float | None:
        return rate(self.attempted, self.assigned)

    @property
    def pass_rate(self) -> float | None:
        """合格率（按人）."""
        return rate(self.passed, self.attempted)

    @property
    def sitting_pass_rate(self) -> float | None:
        """合格率（按人次）."""
        return rate(self.passed_sittings, self.sittings)


@dataclass
class CompletionReport:
    filter: ReportFilter
    node: Department | None  # the department drilled into (None: every top-level department)
    breadcrumbs: list[Department]
    total: CompletionRow
    departments: list[CompletionRow]
    people: list[CompletionRow]
    required_modules: int | None
    scores: list[float] = field(default_factory=list)  # everyone's best percent, for the histogram


@dataclass
class Rolled:
    """A department's figures summed over the (department, best score) groups below it."""

    values: dict[str, int] = field(default_factory=dict)  # "assigned" and SUMMED -> total
    scores: list[tuple[float, int]] = field(default_factory=list)  # (best, people)

    def add(self, best, assigned, sums) -> None:
        self.values["assigned"] = self.values.get("assigned", 0) + int(assigned or 0)
        for name, v in zip(SUMMED, sums, strict=True):
            self.values[name] = self.values.get(name, 0) + int(v or 0)
        if best is not None:  # only attempters have a best score: the group's people are its attempters
            self.scores.append((float(best), int(sums[SUMMED.index("attempted")] or 0)))

    def expanded_scores(self) -> list[float]:
        return [best for best, n in sorted(self.scores) for _ in range(n)]

    @property
    def average(self) -> float | None:
        people = sum(n for _b, n in self.scores)
        return round(sum(b * n for b, n in self.scores) / people, 1) if people else None

    @property
    def median(self) -> float | None:
        scores = self.expanded_scores()
        return round(statistics.median(scores), 1) if scores else None

    def fill(self, row: CompletionRow) -> CompletionRow:
        for name in ("assigned", *SUMMED):
            setattr(row, name, self.values.get(name, 0))
        row.average, row.median = self.average, self.median
        return row


def _sums(facts):
    return (func.count(facts.c.user_id), *(func.sum(getattr(facts.c, name)) for name in SUMMED))


def rollup(session: Session, facts, dept_ids: list[int]) -> dict[int, Rolled]:
    """Figures per department, each including everything below it, in one statement.

    The statement groups by (ancestor department, best score): the sums add up over the groups and the same
    rows are the score distribution that medians and histograms need, so the per-person facts are evaluated
    once per page. Only attempters have a best score, so a group's people count is its attempted sum.
    """
    out: dict[int, Rolled] = {}
    if not dept_ids:
        return out
    member, anc = aliased(Department, name="member"), aliased(Department, name="anc")
    stmt = (select(anc.id, facts.c.best, *_sums(facts)).select_from(facts)
            .join(member, member.id == facts.c.department_id)
            .join(anc, member.id_path.startswith(anc.id_path))
            .where(anc.id.in_(dept_ids)).group_by(anc.id, facts.c.best))
    for dept_id, best, assigned, *sums in session.execute(stmt):
        out.setdefault(dept_id, Rolled()).add(best, assigned, sums)
    return out


def totals(session: Session, facts) -> Rolled:
    """The same figures over everyone in the facts (no department roll-up), in one statement."""
    total = Rolled()
    for best, assigned, *sums in session.execute(select(facts.c.best, *_sums(facts)).select_from(facts)
                                                 .group_by(facts.c.best)):
        total.add(best, assigned, sums)
    return total


def people_select(facts, *, department_id: int | None = None, root: Department | None = None) -> Select:
    """Per-person rows (with name, staff number, department path): directly in a department, or in a subtree."""
    stmt = (select(facts, User.display_name, User.staff_no, Department.name_path)
            .join(User, User.id == facts.c.user_id).join(Department, Department.id == facts.c.department_id))
    if department_id is not None:
        stmt = stmt.where(facts.c.department_id == department_id)
    elif root is not None:
        stmt = stmt.where(Department.id_path.startswith(root.id_path))
    return stmt.order_by(Department.name_path, User.staff_no, User.id)


def person_row(m) -> CompletionRow:
    """One person's row from the facts: counts are 0/1, the average and median are their best score."""
    row = CompletionRow(m.user_id, m.display_name, path=m.name_path or "", staff_no=m.staff_no or "", assigned=1)
    for name in SUMMED:
        setattr(row, name, int(getattr(m, name) or 0))
    row.average = row.median = round(float(m.best), 1) if m.best is not None else None
    row.extra = {"modules_done": int(m.modules_done)}
    return row


def breadcrumbs(session: Session, node: Department | None, root: Department | None) -> list[Department]:
    """The path down to `node`, starting at the viewer's own root: no crumb leads above what they may see."""
    if node is None:
        return []
    ids = [int(p) for p in node.id_path.strip("/").split("/") if p]
    by_id = {d.id: d for d in session.scalars(select(Department).where(Department.id.in_(ids)))}
    crumbs = [by_id[i] for i in ids if i in by_id]
    return [d for d in crumbs if root is None or d.id_path.startswith(root.id_path)]


def completion_report(session: Session, f: ReportFilter, *, root: Department | None, today: date, now: datetime,
                      people: str = "direct") -> CompletionReport:
    """The completion report at one node of the tree: its row, its children's rows, its people.

    `people`: "direct" (people attached to the node itself), "all" (everyone in the subtree), "none".
    """
    node = report_node(session, f, root)
    facts = person_facts(session, f, node, today, now)
    scope_required = study_scope(session, f, today, now).required if f.mode != MODE_YEAR else None
    children = child_departments(session, node)
    listed = [node, *children] if node is not None else children
    has_kids = set(session.scalars(select(Department.parent_id).where(
        Department.parent_id.in_([d.id for d in children] or [0])).distinct()))
    rolled = rollup(session, facts, [d.id for d in listed])

    def dept_row(d: Department) -> CompletionRow:
        return rolled.get(d.id, Rolled()).fill(
            CompletionRow(d.id, d.name, path=d.name_path, has_children=d.id in has_kids))

    if node is not None:
        total = dept_row(node)
        total.has_children = bool(children)
        distribution = rolled.get(node.id, Rolled())
    else:
        distribution = totals(session, facts)
        total = distribution.fill(CompletionRow(0, "全部"))
    person_rows: list[CompletionRow] = []
    if people == "all":
        person_rows = [person_row(m) for m in session.execute(people_select(facts))]
    elif people == "direct" and node is not None:
        # Only the node's own members: a population of a few people, cheap to evaluate again.
        direct = person_facts(session, f, node, today, now, department_id=node.id)
        person_rows = [person_row(m) for m in session.execute(people_select(direct))]
    return CompletionReport(f, node, breadcrumbs(session, node, root), total, [dept_row(d) for d in children],
                            person_rows, scope_required, distribution.expanded_scores())
