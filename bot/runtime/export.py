"""``triage-bot export``: the tickets for the managers' spreadsheets, as CSV that Japanese Excel opens
(UTF-8 with a byte-order mark) or as an Excel workbook (``--format xlsx``, openpyxl)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.config import Config

FORMATS = ("csv", "xlsx")


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export",
        help="write tickets as CSV or Excel for the managers (texts masked unless --full; admins only)",
        description="Tickets created since DATE, one row each, in the bot's language and time zone.",
    )
    export.add_argument(
        "--since", required=True, metavar="DATE", help="YYYY-MM-DD (in [bot].timezone) or an ISO time"
    )
    export.add_argument("--full", action="store_true", help="unmasked complaint texts (audited)")
    export.add_argument(
        "--format",
        choices=FORMATS,
        help="csv (UTF-8 with BOM, for Excel) or xlsx; default: from --out, else csv",
    )
    export.add_argument("--out", metavar="FILE", help="where to write (default: CSV on standard output)")
    export.set_defaults(handler=cmd_export)


def cmd_export(config: Config, args: argparse.Namespace) -> int:
    from bot.core.i18n import Translator

    t = Translator(config.language)
    try:
        since = datetime.fromisoformat(args.since)
    except ValueError:
        print("triage-bot: " + t("cli.export.bad_since", value=repr(args.since)), file=sys.stderr)
        return 2
    if since.tzinfo is None:
        since = since.replace(tzinfo=config.tz)
    kind = args.format or ("xlsx" if args.out and args.out.lower().endswith(".xlsx") else "csv")
    if kind == "xlsx" and not args.out:
        print("triage-bot: " + t("cli.export.xlsx_needs_out"), file=sys.stderr)
        return 2
    count = _export(config, since, kind, args.out, full=args.full)
    print(t("cli.export.done_full" if args.full else "cli.export.done", count=count), file=sys.stderr)
    return 0


def _export(config: Config, since: datetime, kind: str, out: str | None, *, full: bool) -> int:
    from bot.core.access import Access, Guard, cli_operator
    from bot.core.clock import SystemClock
    from bot.core.records import export_table
    from bot.runtime.services import make_writer, opened_database
    from storage.records import SqlRecords
    from storage.store import SqlStore

    with opened_database(config) as sessions:
        records = SqlRecords(sessions)
        # The operator at the machine is an admin (bot.core.access); the export is audited under their name.
        guard = Guard(Access(config.roles), SqlStore(sessions), records, SystemClock())
        header, rows = export_table(
            since, full=full, actor=cli_operator(), guard=guard, store=records, cards=make_writer(config)
        )
    if kind == "xlsx":
        write_xlsx(Path(str(out)), header, rows)
    else:
        with contextlib.ExitStack() as stack:
            # The byte-order mark tells Excel the file is UTF-8; a pipe to another program gets none.
            target: TextIO = (
                stack.enter_context(open(out, "w", newline="", encoding="utf-8-sig")) if out else sys.stdout
            )
            write_csv(target, header, rows)
    return len(rows)


def write_csv(out: TextIO, header: list[str], rows: list[list[str | int]]) -> None:
    import csv

    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)


def write_xlsx(path: Path, header: list[str], rows: list[list[str | int]]) -> None:
    """One sheet, the header bold and frozen, columns wide enough to read, every text cell text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.create_sheet("tickets", 0)
    book.remove(book.worksheets[1])  # the empty sheet a new workbook starts with
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for cell in sheet.iter_rows(min_row=2):
        for item in cell:
            if isinstance(item.value, str):
                item.data_type = "s"  # never a formula, whatever the text starts with
    sheet.freeze_panes = "A2"
    for index, title in enumerate(header, start=1):
        longest = max([len(str(row[index - 1])) for row in rows[:200]] + [len(title)])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, longest * 1.8 + 2))
    book.save(path)
