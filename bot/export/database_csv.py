"""The long and wide CSV files formatted by the database (``storage.export.copy``).

This module says what the database needs to know to write exactly what
``bot.export.tables.write_checkins`` writes: the patients' clocks (zone and date shift,
:mod:`bot.export.clocks`), each question's position, type and unit, the wide columns, and the
Python rules for the rare values the SQL leaves to them.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.export.clocks import ClockBook
from bot.export.columns import LONG, WIDE_HEAD
from bot.export.deidentify import Deidentifier
from bot.export.dictionary import FILES
from bot.export.variables import (
    typed_words,
    unit_of,
    value_cells,
    wide_cell,
    wide_columns,
)
from storage.export.cells import WideCell
from storage.export.copy import CsvJob, copy_checkin_files
from storage.export.queries import ExportFilter
from surveys.model import Survey

__all__ = ["PythonCells", "write_checkins_in_database"]


def _decoded(stored: Any) -> Any:
    # As storage.export.queries reads SQLite: JSON text decoded, numbers as stored
    # (numeric affinity).
    return json.loads(stored) if isinstance(stored, str) else stored


class PythonCells:
    """``bot.export.variables``' rules on a stored value (the SQL's ``x_*`` functions)."""

    def value(self, question_type: str | None, stored: Any) -> str:
        return value_cells(question_type, _decoded(stored))[0]

    def category(self, question_type: str | None, stored: Any) -> str:
        return value_cells(question_type, _decoded(stored))[2]

    def own_words(self, question_type: str | None, stored: Any, raw: str) -> str:
        return typed_words(raw, _decoded(stored))

    def wide(self, kind: str, option: str, stored: Any) -> str:
        return wide_cell(kind, option or None, _decoded(stored))


async def write_checkins_in_database(
    engine: AsyncEngine,
    folder: Any,
    survey: Survey,
    selection: ExportFilter,
    deidentify: Deidentifier,
    *,
    bom: bool,
) -> tuple[int, int] | None:
    """(answer rows, check-in rows) written, or None when the database cannot write them
    (the caller then writes them in Python)."""
    clocks = ClockBook(deidentify)
    columns = wide_columns(survey)
    job = CsvJob(
        long_path=folder / FILES["long"],
        wide_path=folder / FILES["wide"],
        long_header=[name for name, _, _ in LONG],
        wide_header=[name for name, _, _ in WIDE_HEAD] + [c.name for c in columns],
        bom=bom,
        since=selection.since,
        patient_refs=selection.patient_refs,
        clock_of=clocks.clock_of,
        intervals=clocks.intervals,
        questions=[
            (form.id, question.id, position, question.type, unit_of(question))
            for form in survey.forms
            for position, question in enumerate(form.questions)
        ],
        wide=[WideCell(c.question, c.kind, c.option) for c in columns],
        rules=PythonCells(),
    )
    return await copy_checkin_files(engine, job)
