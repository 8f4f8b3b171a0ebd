"""Weak articles: correct-answer rates per department and law article (or chapter), for the heat map."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Select,
    and_,
    case,
    func,
    select,
)
from sqlalchemy.orm import Session, aliased

from lawtrain.auth.models import User
from lawtrain.banks.models import QuestionCitation
from lawtrain.courses.models import (
    CourseModule,
    ModuleArticle,
)
from lawtrain.courses.queries import article_chapters
from lawtrain.exams.models import (
    Attempt,
    AttemptQuestion,
)
from lawtrain.org.models import Department
from lawtrain.reports import stats
from lawtrain.reports.queries.filters import (
    ReportFilter,
    attempt_conditions,
    child_departments,
    in_subtree,
    law_ranks,
    rate,
    report_node,
)

# ------------------------------------------------------------------ weak articles


@dataclass
class WeakCell:
    """Answers to questions citing one column, by one department's people (all of its subtree)."""

    answered: int
    correct: int
    people: int = 0

    @property
    def rate(self) -> float | None:
        return rate(self.correct, self.answered)

    @property
    def interval(self) -> tuple[float, float] | None:
        """Wilson 95 % interval of the correct rate, in percent."""
        bounds = stats.wilson(self.correct, self.answered)
        return (100 * bounds[0], 100 * bounds[1]) if bounds else None

    def status(self, evidence: stats.Evidence) -> str:
        return stats.cell_status(self.correct, self.answered, self.people, evidence)


WEAK_BY_ARTICLE, WEAK_BY_CHAPTER = "article", "chapter"
# A heat-map column: (law short name, article number) or (law short name, chapter title; "" = in no chapter).
WeakKey = tuple[str, int | str]


@dataclass
class WeakArticles:
    """Departments (the node and its children) by columns (articles, or chapters) of the laws examined."""

    node: Department | None
    departments: list[Department]
    by: str  # WEAK_BY_ARTICLE or WEAK_BY_CHAPTER
    columns: list[WeakKey]  # in law order, then article / chapter order
    cells: dict[tuple[int, str, int | str], WeakCell]  # (department id, law, article or chapter)
    overall: dict[WeakKey, WeakCell]
    modules: dict[WeakKey, int]  # column -> number of modules teaching it (any article of a chapter)
    evidence: stats.Evidence = stats.DEFAULT_EVIDENCE
    hidden: int = 0  # columns left out by `limit` (the page offers "show all")

    def status(self, cell: WeakCell | None) -> str:
        return cell.status(self.evidence) if cell is not None else stats.CELL_INSUFFICIENT


def weak_articles(session: Session, f: ReportFilter, *, root: Department | None, by: str = WEAK_BY_ARTICLE,
                  limit: int | None = 20, evidence: stats.Evidence | None = None) -> WeakArticles:
    """Correct-answer rate per (department rolled up, law article or chapter): rows are the node and its children.

    Columns are the `limit` weakest overall — judged cells by their Wilson upper bound, then the 样本不足 ones;
    see `_question_columns` for what a chapter counts.
    """
    evidence = evidence or stats.DEFAULT_EVIDENCE
    node = report_node(session, f, root)
    depts = [node, *child_departments(session, node)] if node is not None else child_departments(session, None)
    cells = _cells(session, f, node, by, depts)
    overall: dict[WeakKey, WeakCell] = {}
    top_ids = {node.id} if node is not None else {d.id for d in depts}
    for (dept_id, law, key), cell in cells.items():
        if dept_id in top_ids:  # the node, or the disjoint top-level departments: their people add up
            acc = overall.setdefault((law, key), WeakCell(0, 0))
            acc.answered, acc.correct, acc.people = (acc.answered + cell.answered, acc.correct + cell.correct,
                                                     acc.people + cell.people)

    def weakness(k: WeakKey) -> tuple:
        cell = overall[k]
        return cell.status(evidence) == stats.CELL_INSUFFICIENT, cell.interval[1], k

    keys = sorted(overall, key=weakness)
    hidden = max(0, len(keys) - limit) if limit is not None else 0
    keys = keys[:limit] if limit is not None else keys
    laws = sorted({law for law, _key in keys})
    if by == WEAK_BY_CHAPTER:
        first, modules = _chapter_modules(session, laws)
    else:
        first, modules = {}, _article_modules(session, laws)
    law_order = law_ranks(session)

    def place(k: WeakKey) -> tuple:
        # A chapter sits at its first article; chapter "" (no chapter, or not in the library) after the rest.
        return law_order.get(k[0], 99), k[0], first.get(k, 10**9) if by == WEAK_BY_CHAPTER else k[1], str(k[1])

    return WeakArticles(node, depts, by, sorted(keys, key=place), cells, overall, modules, evidence, hidden)


def _cells(session: Session, f: ReportFilter, node: Department | None, by: str,
           depts: list[Department]) -> dict[tuple[int, str, int | str], WeakCell]:
    """(department rolled up, law, column) -> answered, correct and people, in one statement.

    Answers are counted per (department, person, question) first, over attempts alone; only those rows meet
    the questions' columns and the department tree, so no database has to plan the big join around citations.
    """
    own = aliased(Department, name="own")
    per_question = (
        select(User.department_id.label("department_id"), Attempt.user_id.label("user_id"),
               AttemptQuestion.question_id, func.count(AttemptQuestion.id).label("answered"),
               func.sum(case((AttemptQuestion.is_correct.is_(True), 1), else_=0)).label("correct"))
        .select_from(AttemptQuestion)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(User, User.id == Attempt.user_id)
        .join(own, own.id == User.department_id)
        .where(*attempt_conditions(f), in_subtree(own.id_path, node), AttemptQuestion.is_voided.is_(False),
               AttemptQuestion.is_correct.is_not(None))
        .group_by(User.department_id, Attempt.user_id, AttemptQuestion.question_id)).subquery("per_question")
    columns = _question_columns(by, f.law).subquery("question_columns")
    member, anc = aliased(Department, name="member"), aliased(Department, name="anc")
    stmt = (select(anc.id, columns.c.law_name, columns.c.key, func.sum(per_question.c.answered),
                   func.sum(per_question.c.correct), func.count(per_question.c.user_id.distinct()))
            .select_from(per_question)
            .join(columns, columns.c.question_id == per_question.c.question_id)
            .join(member, member.id == per_question.c.department_id)
            .join(anc, member.id_path.startswith(anc.id_path))
            .where(anc.id.in_([d.id for d in depts] or [0]))
            .group_by(anc.id, columns.c.law_name, columns.c.key))
    return {(dept_id, law, key): WeakCell(int(n), int(c), int(p))
            for dept_id, law, key, n, c, p in session.execute(stmt)}


def _question_columns(by: str, law: str | None) -> Select:
    """(question_id, law_name, key): the heat-map columns each question counts in, each once.

    By article, its citations. By chapter, the chapters of the articles it cites in the law library's current
    revision ("" for an article the library does not hold), distinct, so that a question citing two articles
    of one chapter counts once there.
    """
    if by == WEAK_BY_CHAPTER:
        chapters = article_chapters().subquery("chapters")
        stmt = (select(QuestionCitation.question_id, QuestionCitation.law_name,
                       func.coalesce(chapters.c.chapter, "").label("key"))
                .outerjoin(chapters, and_(chapters.c.law_name == QuestionCitation.law_name,
                                          chapters.c.article_no == QuestionCitation.article_no))
                .distinct())
    else:
        stmt = select(QuestionCitation.question_id, QuestionCitation.law_name,
                      QuestionCitation.article_no.label("key"))
    return stmt.where(QuestionCitation.law_name == law) if law else stmt


def _article_modules(session: Session, laws: list[str]) -> dict[WeakKey, int]:
    """(law, article) -> number of modules citing it."""
    return {(law, no): int(n) for law, no, n in session.execute(
        select(ModuleArticle.law_name, ModuleArticle.article_no, func.count(ModuleArticle.module_id))
        .where(ModuleArticle.law_name.in_(laws)).group_by(ModuleArticle.law_name, ModuleArticle.article_no))}


def _chapter_modules(session: Session, laws: list[str]) -> tuple[dict[WeakKey, int], dict[WeakKey, int]]:
    """For each chapter of the laws: its first article number, and how many modules teach any of its articles
    (a chapter titled "" gets no count: no remedial assignment can name it)."""
    chapters = article_chapters().subquery("lib")
    first: dict[WeakKey, int] = {}
    modules: dict[WeakKey, int] = {}
    for law, chapter, no, n in session.execute(
            select(chapters.c.law_name, chapters.c.chapter, func.min(chapters.c.article_no),
                   func.count(ModuleArticle.module_id.distinct()))
            .select_from(chapters)
            .outerjoin(ModuleArticle, and_(ModuleArticle.law_name == chapters.c.law_name,
                                           ModuleArticle.article_no == chapters.c.article_no))
            .where(chapters.c.law_name.in_(laws)).group_by(chapters.c.law_name, chapters.c.chapter)):
        first[(law, chapter)] = int(no)
        if chapter and n:
            modules[(law, chapter)] = int(n)
    return first, modules


def modules_teaching(session: Session, law: str, article_nos: list[int]) -> list[CourseModule]:
    return list(session.scalars(
        select(CourseModule).where(CourseModule.id.in_(
            select(ModuleArticle.module_id).where(ModuleArticle.law_name == law,
                                                  ModuleArticle.article_no.in_(article_nos))))
        .order_by(CourseModule.sort_order, CourseModule.id)))
