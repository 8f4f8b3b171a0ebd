"""Bank commands: import-bank and export-bank."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from lawtrain.cli import fail


@click.command("import-bank")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--bank", "bank_name", required=True, help="题库名称 (created when it does not exist)")
@click.option("--format", "fmt", default=None, help="Format (default: detected from content and extension)")
@click.option("--dry-run", is_flag=True, help="Check the file and print the counts; store nothing.")
@with_appcontext
def import_bank_command(file: Path, bank_name: str, fmt: str | None, dry_run: bool) -> None:
    """Import questions from FILE into bank NAME (all or nothing)."""
    from lawtrain.banks.formats.detect import FORMATS, FormatError, parse_file
    from lawtrain.banks.importing import import_records
    from lawtrain.banks.services import BankError, build_bank, find_bank
    from lawtrain.extensions import db
    from lawtrain.timeutil import utcnow

    if fmt and fmt not in FORMATS:
        fail(f"未知格式 “{fmt}”，可选: {', '.join(FORMATS)}")
    try:
        data = file.read_bytes()
    except OSError as e:
        fail(f"无法读取文件 {file}: {e.strerror}")
    try:
        result = parse_file(data, file.name, fmt)
    except FormatError as e:
        fail(f"{file.name}: {e}")
    now = utcnow()
    bank = find_bank(db.session, bank_name)
    if bank is None:
        try:
            bank = build_bank(db.session, bank_name, owner=None, description=result.bank_description, now=now)
        except BankError as e:
            fail(str(e))
    report = import_records(db.session, bank, result, actor=None, now=now, dry_run=dry_run)
    for problem in report.warnings:
        click.echo(f"警告: {problem}", err=True)
    if report.errors:
        for problem in report.errors:
            click.echo(f"错误: {problem}", err=True)
        fail(f"共 {len(report.errors)} 个错误，未导入任何题目")
    prefix = "（试运行，未保存）" if dry_run else ""
    click.echo(f"{prefix}新增 {report.added} 题，更新 {report.updated} 题，未变 {report.unchanged} 题，"
               f"跳过重复 {report.skipped} 题，警告 {len(report.warnings)} 条")


@click.command("export-bank")
@click.argument("name")
@click.option("--format", "fmt", required=True, help="xlsx | csv | gift | moodle_xml | json")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default: stdout, text formats only)")
@with_appcontext
def export_bank_command(name: str, fmt: str, output: Path | None) -> None:
    """Export bank NAME in one of the writable formats."""
    from lawtrain.banks.formats.detect import WRITABLE
    from lawtrain.banks.services import export_bank, find_bank
    from lawtrain.extensions import db

    if fmt not in WRITABLE:
        fail(f"不能导出为 “{fmt}”，可选: {', '.join(WRITABLE)}")
    bank = find_bank(db.session, name)
    if bank is None:
        fail(f"题库不存在: {name}")
    data = export_bank(db.session, bank, fmt)
    if output is None:
        if fmt == "xlsx":
            fail("xlsx 是二进制格式，请用 -o 指定输出文件")
        click.echo(data.decode("utf-8-sig"), nl=False)
        return
    output.write_bytes(data)
    click.echo(f"已导出 {bank.name} 到 {output}（{len(data)} 字节）", err=True)


def add_commands(app: Flask) -> None:
    app.cli.add_command(import_bank_command)
    app.cli.add_command(export_bank_command)
