"""`flask import-users FILE`: bulk staff import from the command line (all or nothing)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from lawtrain.cli import fail
from lawtrain.extensions import db
from lawtrain.timeutil import utcnow


@click.command("import-users")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@click.option("--create-departments", is_flag=True, help="Create departments named in the file that do not exist.")
@with_appcontext
def import_users_command(file: Path, dry_run: bool, create_departments: bool) -> None:
    """Import staff accounts from an .xlsx or .csv roster (工号, 姓名, 部门, 角色, 登录名)."""
    from lawtrain.org.services import StaffImportError, import_staff
    from lawtrain.org.staff_import import parse_staff_file

    try:
        data = file.read_bytes()
    except OSError as e:
        fail(f"无法读取文件 {file}: {e.strerror}")
    rows, problems = parse_staff_file(data, file.name)
    if not problems:
        try:
            result = import_staff(db.session, rows, create_missing_departments=create_departments,
                                  dry_run=dry_run, actor=None, ip=None, now=utcnow())
        except StaffImportError as e:
            problems = e.problems
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        fail(f"共 {len(problems)} 处问题，未导入任何账号")
    if result.new_departments:
        verb = "将新建" if dry_run else "已新建"
        click.echo(f"{verb} {len(result.new_departments)} 个部门: " + "、".join(result.new_departments))
    if dry_run:
        click.echo(f"检查通过 (dry run, nothing written): 将创建 {len(result.accounts)} 个账号")
        for a in result.accounts:
            click.echo(f"  {a.username}\t{a.display_name}\t{a.department}")
        return
    click.echo(f"已导入 {len(result.accounts)} 个账号 (login, name, initial password):")
    for a in result.accounts:
        click.echo(f"  {a.username}\t{a.display_name}\t{a.initial_password}")


def add_commands(app: Flask) -> None:
    app.cli.add_command(import_users_command)
