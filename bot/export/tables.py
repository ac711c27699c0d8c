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
from bot.export.variables import own_words, unit_of, value_cells, wide_cells, wide_columns
from storage.exports import ExportedFlag
from surveys.model import Survey

__all__ = ["CsvCounts", "open_csv", "write_checkins", "write_dictionary", "write_flags"]

CsvCounts = dict[str, int]


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
    """Write the long and the wide file in one pass; returns (answer rows, check-in rows)."""
    columns = wide_columns(survey)
    answers = rows = 0
    with (
        open_csv(folder / FILES["long"], bom=bom) as long_file,
        open_csv(folder / FILES["wide"], bom=bom) as wide_file,
    ):
        long, wide = csv.writer(long_file), csv.writer(wide_file)
        long.writerow([name for name, _, _ in LONG])
        wide.writerow([name for name, _, _ in WIDE_HEAD] + [c.name for c in columns])
        async for checkin in checkins:
            recalled = "1" if checkin.recalled else "0"
            day = "" if checkin.day is None else str(checkin.day)
            planned = iso(checkin.planned_at)
            for answer in checkin.answers:
                kind = answer.question.type if answer.question is not None else None
                value, unit, category = value_cells(kind, answer.value)
                long.writerow((
                    checkin.patient_ref, checkin.spec_id, checkin.form, day, planned,
                    iso(answer.answered_at), checkin.answered_day(answer), answer.question_id,
                    value, unit or (unit_of(answer.question) if answer.question else ""),
                    category, own_words(answer.question, answer.raw, answer.value),
                    answer.answered_by, checkin.survey_id, answer.survey_version, recalled,
                ))  # fmt: skip
            answers += len(checkin.answers)
            wide.writerow([
                checkin.patient_ref, checkin.spec_id, checkin.form, day,
                iso(checkin.surgery_date), planned, checkin.status, iso(checkin.completed_at),
                checkin.answered_by or "", checkin.survey_id, checkin.survey_version, recalled,
                *wide_cells(columns, checkin.values()),
            ])  # fmt: skip
            rows += 1
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
