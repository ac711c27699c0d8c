"""The REDCap files checked against the dictionary's own rules."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from bot.export import REDCAP_FILES, ExportOptions, ExportService


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def codes(field: dict[str, str]) -> list[str]:
    """The coded values a field's choices list (``1, Label | 2, Label``)."""
    choices = field["Choices, Calculations, OR Slider Labels"]
    return [choice.split(", ", 1)[0] for choice in choices.split(" | ") if choice]


async def test_import_file_matches_its_dictionary(service: ExportService, tmp_path: Path) -> None:
    rows = await service.redcap(tmp_path, ExportOptions())
    fields = read(tmp_path / REDCAP_FILES["dictionary"])
    imported = read(tmp_path / REDCAP_FILES["import"])
    events = {e["unique_event_name"] for e in read(tmp_path / REDCAP_FILES["events"])}
    mapping = {(m["unique_event_name"], m["form"])
               for m in read(tmp_path / REDCAP_FILES["mapping"])}  # fmt: skip

    assert rows == {"records × events": len(imported)}
    assert len(imported) == 4  # check-ins with answers; the missed one has none
    assert fields[0]["Variable / Field Name"] == "record_id"
    by_name = {f["Variable / Field Name"]: f for f in fields}
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in by_name)
    forms = {f["Form Name"] for f in fields}
    allowed = {"record_id", "redcap_event_name"} | {f"{form}_complete" for form in forms}
    for name, field in by_name.items():
        choices = codes(field)
        if field["Field Type"] == "checkbox":
            allowed |= {f"{name}___{code}" for code in choices}
        else:
            allowed.add(name)
    for row in imported:
        assert set(row) <= allowed
        assert row["redcap_event_name"] in events
        for column, value in row.items():
            if not value or column in ("record_id", "redcap_event_name"):
                continue
            name, _, code = column.partition("___")
            field = by_name.get(name)
            if field is None:  # <form>_complete
                assert value in ("0", "1", "2")
                form = column.removesuffix("_complete")
                assert (row["redcap_event_name"], form) in mapping
                continue
            listed = codes(field)
            kind = field["Field Type"]
            if kind == "checkbox":
                assert code in listed and value in ("0", "1")
            elif kind == "radio":
                assert value in listed, (column, value)
            elif kind == "yesno":
                assert value in ("0", "1")
            elif field["Text Validation Type OR Show Slider Number"] == "integer":
                low = field["Text Validation Min"] or "-inf"
                high = field["Text Validation Max"] or "inf"
                assert float(low) <= int(value) <= float(high)
            elif field["Text Validation Type OR Show Slider Number"] == "datetime_seconds_ymd":
                assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", value)


async def test_values_and_branching_logic(service: ExportService, tmp_path: Path) -> None:
    await service.redcap(tmp_path, ExportOptions())
    by_name = {f["Variable / Field Name"]: f for f in read(tmp_path / REDCAP_FILES["dictionary"])}
    imported = read(tmp_path / REDCAP_FILES["import"])

    assert by_name["baseline_numbness_where"]["Branching Logic (Show field only if...)"] == (
        "[baseline_numbness_before] = '1'")  # fmt: skip
    assert by_name["early_numbness_where"]["Branching Logic (Show field only if...)"] == (
        "[early_numbness] <> '' and [early_numbness] <> '1'")  # fmt: skip
    for field in by_name.values():
        for name in re.findall(r"\[([a-z0-9_]+)", field["Branching Logic (Show field only if...)"]):
            assert name in by_name
    day_1 = next(r for r in imported if r["redcap_event_name"] == "day_1_arm_1"
                 and r["record_id"] == "P-0001")  # fmt: skip
    assert day_1 == day_1 | {
        "early_leg_pain": "4", "early_walking": "6", "early_walking_m": "2000",
        "early_red_flags___4": "1", "early_red_flags___5": "1", "early_red_flags___9": "0",
        "early_answered_by": "2", "early_day": "1", "early_complete": "2",
        "early_completed_at": "2025-03-11 09:30:00", "baseline_leg_pain": "",
    }  # fmt: skip
    baseline = next(r for r in imported if r["redcap_event_name"] == "baseline_arm_1"
                    and r["record_id"] == "P-0002")  # fmt: skip
    assert (baseline["baseline_recalled"], baseline["baseline_walking"]) == ("1", "4")
