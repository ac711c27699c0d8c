"""The CSV export: answers long and wide, flags, and the data dictionary.

Files are written row by row as the database streams them (constant memory), UTF-8, with a
byte-order mark when asked (Excel needs it to read Chinese text correctly).
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any

from bot.export.checkins import ExportedCheckin, iso
from bot.export.columns import FLAGS, LONG, WIDE_HEAD
from bot.export.deidentify import Deidentifier
from bot.export.dictionary import DICTIONARY_HEADER, FILES, dictionary_rows
from bot.export.variables import WideLayout, own_words, unit_of, value_cells, wide_columns
from storage.export.queries import ExportedFlag
from surveys.model import Survey

__all__ = ["CsvCounts", "open_csv", "write_checkins", "write_dictionary", "write_flags"]

CsvCounts = dict[str, int]

ROWS_PER_WRITE = 5_000


def open_csv(path: Path, *, bom: bool) -> IO[str]:
    return path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="")


def write_dictionary(folder: Path, survey: Survey, *, bom: bool) -> int:
    with open_csv(folder / FILES["dictionary"], bom=bom) as file:
        writer = csv.writer(file)
        writer.writerow(DICTIONARY_HEADER)
        count = 0
        for row in dictionary_rows(survey):
            writer.writerow(row)
            count += 1
    return count


async def write_checkins(
    folder: Path, survey: Survey, checkins: AsyncIterator[ExportedCheckin], *, bom: bool
) -> tuple[int, int]:
    """Write the long and the wide file in one pass; returns (answer rows, check-in rows).

    Rows are collected and written ``ROWS_PER_WRITE`` at a time (``writerows``).
    """
    columns = wide_columns(survey)
    layout = WideLayout(columns)
    units: dict[int, str] = {}  # by id(question): the definition's questions live all export
    answers = rows = 0
    with (
        open_csv(folder / FILES["long"], bom=bom) as long_file,
        open_csv(folder / FILES["wide"], bom=bom) as wide_file,
    ):
        long, wide = csv.writer(long_file), csv.writer(wide_file)
        long.writerow([name for name, _, _ in LONG])
        wide.writerow([name for name, _, _ in WIDE_HEAD] + [c.name for c in columns])
        long_rows: list[tuple[Any, ...]] = []
        wide_rows: list[list[str]] = []
        async for checkin in checkins:
            recalled = "1" if checkin.recalled else "0"
            day = "" if checkin.day is None else str(checkin.day)
            planned = iso(checkin.planned_at)
            surgery = checkin.surgery_date
            for answer in checkin.answers:
                question = answer.question
                value, unit, category = value_cells(
                    question.type if question is not None else None, answer.value
                )
                if not unit and question is not None:
                    known = units.get(id(question))
                    if known is None:
                        known = units[id(question)] = unit_of(question)
                    unit = known
                at = answer.answered_at
                long_rows.append((
                    checkin.patient_ref, checkin.spec_id, checkin.form, day, planned,
                    at.isoformat(timespec="seconds"), (at.date() - surgery).days,
                    answer.question_id, value, unit, category,
                    own_words(question, answer.raw, answer.value) if answer.raw else "",
                    answer.answered_by, checkin.survey_id, answer.survey_version, recalled,
                ))  # fmt: skip
            answers += len(checkin.answers)
            wide_rows.append([
                checkin.patient_ref, checkin.spec_id, checkin.form, day,
                iso(surgery), planned, checkin.status, iso(checkin.completed_at),
                checkin.answered_by or "", checkin.survey_id, checkin.survey_version, recalled,
                *layout.cells(checkin.values()),
            ])  # fmt: skip
            rows += 1
            if len(long_rows) >= ROWS_PER_WRITE:
                long.writerows(long_rows)
                wide.writerows(wide_rows)
                long_rows, wide_rows = [], []
        long.writerows(long_rows)
        wide.writerows(wide_rows)
    return answers, rows


async def write_flags(
    folder: Path, flags: AsyncIterator[ExportedFlag], deidentify: Deidentifier, *, bom: bool
) -> int:
    count = 0
    with open_csv(folder / FILES["flags"], bom=bom) as file:
        writer = csv.writer(file)
        writer.writerow([name for name, _, _ in FLAGS])
        async for flag in flags:
            writer.writerow(flag_cells(flag, deidentify))
            count += 1
    return count


def flag_cells(flag: ExportedFlag, deidentify: Deidentifier) -> list[Any]:
    ref, zone = flag.patient_ref, flag.timezone

    def local(value: Any) -> str:
        return iso(None if value is None else deidentify.local(ref, value, zone))

    evidence = deidentify.evidence(ref, flag.evidence, zone)
    return [
        flag.id, ref, flag.spec_id or "", "" if flag.day is None else flag.day, flag.rule_id,
        flag.level, json.dumps(evidence, ensure_ascii=False, sort_keys=True), flag.status,
        local(flag.raised_at), deidentify.staff(flag.acknowledged_by) or "",
        local(flag.acknowledged_at), deidentify.staff(flag.resolved_by) or "",
        local(flag.resolved_at), flag.resolution_note or "",
    ]  # fmt: skip
