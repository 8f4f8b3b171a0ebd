"""Commands: import-law (an official law text) and import-course (module files)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from lawtrain.cli import fail
from lawtrain.extensions import db
from lawtrain.timeutil import utcnow


def _date(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} 应为 YYYY-MM-DD 格式的日期，收到“{value}”")


@click.command("import-law")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="Full name of the law, e.g. 中华人民共和国安全生产法.")
@click.option("--revision-date", default=None, help="YYYY-MM-DD; default: the last date in the preamble.")
@click.option("--effective-date", default=None, help="YYYY-MM-DD the revision takes effect.")
@click.option("--source", default=None, help="Where the text comes from (default: the file name).")
@with_appcontext
def import_law_command(file: Path, name, revision_date, effective_date, source) -> None:
    """Import an official law text (Markdown, plain text or .docx) as a law or its newer revision."""
    from lawtrain.courses.lawtext import LawTextError, parse_law_file, short_name_of
    from lawtrain.courses.services import CourseError, import_law

    if not file.is_file():
        fail(f"文件不存在：{file}")
    try:
        parsed = parse_law_file(file.read_bytes(), file.name)
    except LawTextError as e:
        fail(str(e))
    if name:
        parsed = dataclasses.replace(parsed, name=name.strip(), short_name=short_name_of(name))
    rev_date = _date(revision_date, "--revision-date") or parsed.revision_date
    if rev_date is None:
        fail(f"{file.name}：文本开头没有找到通过或修订日期，请用 --revision-date 指定")
    try:
        report = import_law(db.session, parsed, revision_date=rev_date,
                            effective_date=_date(effective_date, "--effective-date"),
                            source=source or file.name, actor=None, now=utcnow())
    except CourseError as e:
        fail(str(e))
    click.echo(f"已导入《{report.law.short_name}》{rev_date.isoformat()} 版本：{report.article_count} 条")
    if report.comparison is not None:
        counts = {k: len(report.comparison.of_kind(k)) for k in ("changed", "added", "removed", "renumbered")}
        click.echo(f"与上一版本比较：修改 {counts['changed']} 条，新增 {counts['added']} 条，"
                   f"删除 {counts['removed']} 条，改号 {counts['renumbered']} 条；"
                   f"标记待复核：课程模块 {report.flagged_modules} 个，"
                   f"其他 {report.flagged_by_listeners} 项")


@click.command("import-course")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def import_course_command(directory: Path) -> None:
    """Load every course module file (modules/*.md) under DIRECTORY, all or nothing."""
    from lawtrain.courses.services import CourseError, import_course

    try:
        report = import_course(db.session, directory, now=utcnow())
    except CourseError as e:
        fail(str(e).replace("\n", "；"))
    click.echo(f"已导入课程模块 {report.total} 个：新增 {len(report.created)}，更新 {len(report.updated)}，"
               f"未变 {len(report.unchanged)}")


def add_commands(app: Flask) -> None:
    app.cli.add_command(import_law_command)
    app.cli.add_command(import_course_command)
