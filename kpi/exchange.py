"""``kpi import``: observations in long format, one row per indicator and year.

An import file is CSV (``.csv``, ``.tsv``, ``.txt``: as spreadsheets write it, see
``kpi.import_csv``), a sheet of a workbook (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``: see
``kpi.import_workbook``) or JSON (a list of objects or the ``{"observations": [...]}`` object
that ``export --format json`` writes). The columns/keys are ``COLUMNS``, those ``kpi export``
writes, so an export imports back: ``indicator, year, value, source`` required, the others
optional (an empty cell or ``null`` is absent), any other an error; a table's header may name
them in Vietnamese too (``kpi.columns``). ``plan_import`` checks every row before anything is
written and reports every bad one with its line and column (its cell in a workbook), so an
import is all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kpi.errors import KpiError, Problem
from kpi.i18n import _
from kpi.import_cells import exact_number
from kpi.import_rows import COLUMNS, ImportRow, Ordered
from kpi.model import Project
from kpi.store import read_text
from kpi.validate import observation_problems

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
JSON_SUFFIXES = (".json",)


def _refuse_suffix(path: Path, shown: Path) -> KpiError:
    message = _("has the extension '(none)'; kpi imports .csv, .xlsx, .xls, .ods or .json")
    if path.suffix:
        message = _("has the extension {extension}; kpi imports .csv, .xlsx, .xls, .ods or .json")
        message = message.format(extension=repr(path.suffix))
    hint = _(
        "name the file *.csv (CSV, also *.tsv or *.txt), *.xlsx, *.xls or *.ods (a workbook) "
        "or *.json (JSON)"
    )
    return KpiError(Problem(message, shown), hint=hint)


def _refuse_option(option: str, applies_to: str) -> KpiError:
    message = _("applies to {files} only").format(files=applies_to)
    return KpiError(Problem(message, key=option))


def _read(
    path: Path, shown: Path, sheet: str | None, encoding: str | None
) -> tuple[list[ImportRow], list[Ordered]]:
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + WORKBOOK_SUFFIXES + JSON_SUFFIXES:
        raise _refuse_suffix(path, shown)
    if encoding is not None:
        from kpi.import_csv import check_encoding

        encoding = check_encoding(encoding)
        if suffix not in CSV_SUFFIXES:
            raise _refuse_option("--encoding", _("CSV files (.csv, .tsv, .txt)"))
    if sheet is not None and suffix not in WORKBOOK_SUFFIXES:
        raise _refuse_option("--sheet", _("workbooks (.xlsx, .xls, .ods)"))
    if suffix in CSV_SUFFIXES:
        from kpi.import_csv import read_csv

        return read_csv(path, shown, encoding)
    if suffix in WORKBOOK_SUFFIXES:
        from kpi.import_workbook import read_workbook

        return read_workbook(path, shown, sheet)
    from kpi.import_json import read_json

    text = read_text(path, shown)
    if isinstance(text, Problem):
        if text.line is None:  # unreadable, rather than not UTF-8 from that line on
            raise KpiError(text)
        raise KpiError(text, hint=_("save the file as UTF-8"))
    return read_json(text, shown)


def _in_order(problems: Sequence[Ordered]) -> list[Problem]:
    return [problem for _order, problem in sorted(problems, key=lambda item: item[0])]


def read_import_file(
    path: Path,
    display: Path | None = None,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
) -> tuple[list[ImportRow], list[Problem]]:
    """Read the import file at ``path`` (CSV, workbook or JSON, by extension): the good rows and
    a problem for every bad one, in file order (file ``display``, default ``path``; line and
    column, or cell, or key). ``sheet``: a workbook's sheet (default: the first visible one);
    ``encoding``: a CSV file's encoding when it has no byte-order mark (default: UTF-8).
    Raises ``KpiError`` when the file cannot be read or decoded at all, or an option does not
    apply to it."""
    rows, problems = _read(path, display if display is not None else path, sheet, encoding)
    return rows, _in_order(problems)


def _check_against_project(
    project: Project, rows: Sequence[ImportRow], replace: bool
) -> tuple[list[ImportRow], list[Ordered], bool]:
    """The rows to record (identical repeats dropped), the problems (unknown indicator, bounds,
    repeats that differ, and without ``replace`` recorded years that differ), and whether any
    problem is a recorded year."""
    kept: list[ImportRow] = []
    problems: list[Ordered] = []
    conflict = False
    first: dict[tuple[str, int], ImportRow] = {}
    for row in rows:
        order = row.place.order
        observation = row.observation
        indicator = project.indicators.get(row.indicator)
        if indicator is None:
            message = project.unknown_indicator(row.indicator)
            problems.append((order, row.problem("indicator", message)))
            continue
        bad = observation_problems(indicator, observation)
        problems += [(order, row.problem("value", message)) for message in bad]
        seen = first.setdefault((row.indicator, observation.year), row)
        if seen is not row:
            if not seen.observation.same_fields(observation):
                message = _(
                    "{indicator} {year} is already given by {where} with different content; "
                    "keep one row"
                ).format(indicator=row.indicator, year=observation.year, where=seen.label)
                problems.append((order, row.problem("year", message)))
            continue
        if bad:
            continue
        recorded = project.observations.get(row.indicator, ())
        old = next((o for o in recorded if o.year == observation.year), None)
        if not replace and old is not None and not old.same_fields(observation):
            conflict = True
            value = exact_number(old.value)
            message = _(
                "{indicator} {year} is already recorded as {value} (source: {source}); "
                "this row differs"
            ).format(indicator=row.indicator, year=old.year, value=value, source=old.source)
            problems.append((order, row.problem("value", message)))
        kept.append(row)
    return kept, problems, conflict


def plan_import(
    path: Path,
    project: Project,
    *,
    replace: bool,
    display: Path | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
) -> list[ImportRow]:
    """The rows of the import file at ``path`` to record in ``project`` (identical repeats once),
    in file order (``sheet`` and ``encoding`` as ``read_import_file``). Raises ``KpiError``
    naming every bad row (line and column, or cell, or key; reason), in file order, and then
    nothing should be written; recorded years that differ are bad rows unless ``replace``."""
    rows, problems = _read(path, display if display is not None else path, sheet, encoding)
    kept, more, conflict = _check_against_project(project, rows, replace)
    ordered = _in_order([*problems, *more])
    if ordered:
        hint = _("{count} problem(s); nothing was written")
        if conflict:
            hint = _(
                "{count} problem(s); nothing was written; pass --replace to replace recorded "
                "years (old values are kept in revisions)"
            )
        raise KpiError(ordered, hint=hint.format(count=len(ordered)))
    return kept


__all__ = ["COLUMNS", "ImportRow", "exact_number", "plan_import", "read_import_file"]
