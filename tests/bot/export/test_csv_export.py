"""The CSV export read back with the standard library and checked against its dictionary."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from bot.export import ExportOptions, ExportService
from bot.export.dictionary import FILES
from storage.export.queries import ExportFilter
from surveys.model import Survey


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


async def test_long_file_has_one_row_per_live_answer_in_form_order(
    service: ExportService, tmp_path: Path
) -> None:
    counts = await service.csv(tmp_path, ExportOptions())

    rows = read(tmp_path / FILES["long"])
    assert counts["answers"] == len(rows) == 17  # the superseded leg pain is left out
    day_1 = [r for r in rows if (r["patient_ref"], r["time_point"]) == ("P-0001", "day_1")]
    assert [(r["question_id"], r["value"], r["unit"], r["category"], r["own_words"])
            for r in day_1] == [
        ("leg_pain", "4", "points 0-10", "", ""),
        ("back_pain", "3", "points 0-10", "", ""),
        ("numbness", "none", "", "", ""),
        ("walking", "2000", "m", "over_1000", "两公里"),
        ("pgic", "much_improved", "", "", ""),
        ("red_flags", "fever;wound", "", "", ""),
        ("note", "我叫王小明，伤口有点红", "", "", ""),  # the value is their words
    ]  # fmt: skip
    first = day_1[0]
    assert first == first | {
        "form": "early", "day_after_surgery": "1", "planned_at": "2025-03-11T09:00:00+08:00",
        "answered_at": "2025-03-11T09:02:00+08:00", "answered_day": "1",
        "answered_by": "caregiver", "survey_id": "lumbar_decompression",
        "survey_version": "1.0.0", "recalled_baseline": "0",
    }  # fmt: skip
    london = [r for r in rows if r["patient_ref"] == "P-0002"]
    assert {r["recalled_baseline"] for r in london} == {"1"}
    assert next(r["answered_at"] for r in london) == "2025-03-14T09:01:00+00:00"
    assert [(r["question_id"], r["own_words"]) for r in london] == [
        ("leg_pain", ""), ("back_pain", "two"), ("numbness_before", ""), ("walking", "300 m"),
    ]  # fmt: skip


async def test_wide_file_has_one_row_per_time_point_with_statistician_columns(
    service: ExportService, tmp_path: Path
) -> None:
    await service.csv(tmp_path, ExportOptions())

    rows = read(tmp_path / FILES["wide"])
    assert [(r["patient_ref"], r["time_point"], r["status"]) for r in rows] == [
        ("P-0001", "baseline", "completed"), ("P-0001", "day_1", "completed"),
        ("P-0001", "day_3", "in_progress"), ("P-0002", "baseline", "completed"),
        ("P-0002", "day_1", "missed"),
    ]  # fmt: skip
    baseline, day_1 = rows[0], rows[1]
    assert baseline == baseline | {
        "leg_pain": "8", "back_pain": "5", "numbness_before": "1",
        "numbness_where__left_leg": "1", "numbness_where__saddle": "1",
        "numbness_where__both_legs": "0", "walking_category": "under_50", "walking_metres": "",
        "pgic": "", "red_flags__fever": "", "surgery_date": "2025-03-10",
    }  # fmt: skip
    assert day_1 == day_1 | {
        "leg_pain": "4", "walking_category": "over_1000", "walking_metres": "2000",
        "pgic": "much_improved", "red_flags__fever": "1", "red_flags__wound": "1",
        "red_flags__chest": "0", "red_flags__none": "0", "answered_by": "caregiver",
        "completed_at": "2025-03-11T09:30:00+08:00",
    }  # fmt: skip
    assert all(rows[4][c] == "" for c in ("leg_pain", "walking_category", "completed_at"))


async def test_flags_file_names_nurses_by_pseudonym_only(
    service: ExportService, tmp_path: Path
) -> None:
    await service.csv(tmp_path, ExportOptions(salt=b"ward salt"))

    red, missed = read(tmp_path / FILES["flags"])
    assert red == red | {
        "patient_ref": "P-0001", "time_point": "day_1", "day_after_surgery": "1",
        "rule_id": "red_fever", "level": "red", "status": "resolved",
        "raised_at": "2025-03-11T09:07:00+08:00", "resolved_at": "2025-03-11T11:00:00+08:00",
        "outcome": "Seen in clinic",
    }  # fmt: skip
    assert red["acknowledged_by"] == red["resolved_by"]
    assert red["acknowledged_by"].startswith("staff-") and len(red["acknowledged_by"]) == 14
    assert (missed["rule_id"], missed["level"], missed["status"]) == (
        "consecutive_missed",
        "amber",
        "open",
    )


async def test_every_column_and_every_coded_value_is_in_the_dictionary(
    service: ExportService, survey: Survey, tmp_path: Path
) -> None:
    await service.csv(tmp_path, ExportOptions())
    dictionary = read(tmp_path / FILES["dictionary"])
    described = {(d["file"], d["variable"]) for d in dictionary if not d["code"]}
    codes = {(d["file"], d["variable"], d["question"], d["form"], d["code"]) for d in dictionary
             if d["code"]}  # fmt: skip
    plain = {(f, v, c) for f, v, _, _, c in codes}
    assert all(d["label_en"] and d["label_zh"] for d in dictionary)

    for key in ("long", "wide", "flags", "dictionary"):
        with (tmp_path / FILES[key]).open(encoding="utf-8", newline="") as file:
            header = next(csv.reader(file))
        assert {(FILES[key], c) for c in header} <= described, key

    long_file, wide_file, flags_file = FILES["long"], FILES["wide"], FILES["flags"]
    for row in read(tmp_path / long_file):
        for column in ("time_point", "form", "answered_by", "recalled_baseline"):
            assert (long_file, column, row[column]) in plain, (column, row[column])
        assert (long_file, "question_id", "", row["form"], row["question_id"]) in codes
        if row["category"]:
            assert (long_file, "category", row["category"]) in plain
        question = survey.form(row["form"]).question(row["question_id"])
        if question.type in ("single_choice", "multi_choice", "yes_no"):
            for value in row["value"].split(";"):
                assert (long_file, "value", question.id, row["form"], value) in codes
    coded = {d["variable"] for d in dictionary if d["file"] == wide_file and d["code"]}
    for row in read(tmp_path / wide_file):
        for column, value in row.items():
            if column in coded and value:
                assert (wide_file, column, value) in plain, (column, value)
    for row in read(tmp_path / flags_file):
        for column in ("time_point", "rule_id", "level", "status"):
            assert (flags_file, column, row[column]) in plain, (column, row[column])


async def test_bom_option_and_filters(service: ExportService, tmp_path: Path) -> None:
    options = ExportOptions(ExportFilter(patient_refs=("P-0002",)), bom=True)
    await service.csv(tmp_path, options)

    for key in ("long", "wide", "flags", "dictionary"):
        assert (tmp_path / FILES[key]).read_bytes().startswith(b"\xef\xbb\xbf"), key
    with (tmp_path / FILES["wide"]).open(encoding="utf-8-sig", newline="") as file:
        assert {r["patient_ref"] for r in csv.DictReader(file)} == {"P-0002"}

    since = ExportFilter(since=dt.date(2025, 3, 13))
    await service.csv(tmp_path / "since", ExportOptions(since))
    assert [(r["patient_ref"], r["time_point"]) for r in read(tmp_path / "since" / FILES["wide"])
            ] == [("P-0001", "day_3"), ("P-0002", "baseline"), ("P-0002", "day_1")]  # fmt: skip
    assert [r["rule_id"] for r in read(tmp_path / "since" / FILES["flags"])] == [
        "consecutive_missed"
    ]
