"""De-identification: no Telegram ids or names anywhere; shifted dates keep days exact."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from export_world import CHAT_ID, NURSE, seed

from bot.cli import root
from bot.export import FILES, MAX_SHIFT_DAYS, ExportOptions, ExportService, shift_days
from storage.db import create_engine, session_factory, upgrade


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_shift_is_stable_per_salt_and_patient_and_never_zero() -> None:
    shifts = [shift_days(b"salt", f"P-{n:04}") for n in range(500)]
    assert shifts == [shift_days(b"salt", f"P-{n:04}") for n in range(500)]
    assert shifts != [shift_days(b"other", f"P-{n:04}") for n in range(500)]
    assert all(0 < abs(s) <= MAX_SHIFT_DAYS for s in shifts)
    assert min(shifts) < 0 < max(shifts)


async def test_no_export_contains_chat_ids_or_nurse_names(
    service: ExportService, tmp_path: Path
) -> None:
    options = ExportOptions(shift_dates=True, salt=b"ward salt")
    out = tmp_path / "exports"
    await service.csv(out / "csv", options)
    await service.fhir(out / "fhir" / "bundle.json", options)
    await service.redcap(out / "redcap", options)

    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) == 9
    for path in files:
        content = path.read_text(encoding="utf-8")
        for secret in (str(CHAT_ID), str(CHAT_ID + 1), NURSE, "Wang Fang"):
            assert secret not in content, (path.name, secret)


async def test_shifted_dates_move_per_patient_and_keep_days_after_surgery(
    service: ExportService, tmp_path: Path
) -> None:
    await service.csv(tmp_path / "plain", ExportOptions())
    await service.csv(tmp_path / "shifted", ExportOptions(shift_dates=True, salt=b"ward salt"))

    for key, columns in (("long", ("planned_at", "answered_at")),
                         ("wide", ("planned_at", "completed_at", "surgery_date"))):  # fmt: skip
        plain = read(tmp_path / "plain" / FILES[key])
        shifted = read(tmp_path / "shifted" / FILES[key])
        assert len(plain) == len(shifted)
        for before, after in zip(plain, shifted, strict=True):
            days = shift_days(b"ward salt", before["patient_ref"])
            for column in columns:
                if not before[column]:
                    assert after[column] == ""
                    continue
                moved = dt.datetime.fromisoformat(after[column])
                original = dt.datetime.fromisoformat(before[column])
                assert moved.replace(tzinfo=None) - original.replace(tzinfo=None) == dt.timedelta(
                    days=days), (key, column)  # fmt: skip
            for column in ("day_after_surgery", "answered_day"):
                assert after.get(column) == before.get(column)
    flags = read(tmp_path / "shifted" / FILES["flags"])
    missed = next(f for f in flags if f["rule_id"] == "consecutive_missed")
    moved = shift_days(b"ward salt", "P-0002")
    assert f'"due_at": "{(dt.date(2025, 3, 13) + dt.timedelta(days=moved)).isoformat()}' in (
        missed["evidence"])  # fmt: skip


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in list(os.environ):
        if name.startswith("FOLLOWUP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'followup.db'}"
    monkeypatch.setenv("FOLLOWUP_DATABASE_URL", url)
    upgrade(url)
    return url


async def _seed(url: str) -> None:
    engine = create_engine(url)
    await seed(session_factory(engine))
    await engine.dispose()


def test_cli_exports_and_refuses_a_shift_without_a_salt(
    cli_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(_seed(cli_database))
    runner = CliRunner()

    refused = runner.invoke(root, ["export", "csv", "--out", "out", "--shift-dates"])
    assert (refused.exit_code, refused.stderr) == (
        2, "Error: --shift-dates needs FOLLOWUP_EXPORT_SALT (a secret kept with the ward, so "
           "the same patient gets the same shift on every export)\n")  # fmt: skip

    monkeypatch.setenv("FOLLOWUP_EXPORT_SALT", "ward salt")
    done = runner.invoke(root, ["export", "csv", "--out", "out", "--shift-dates", "--bom",
                                "--patients", "P-0001"])  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert done.stdout == "Exported 13 answers, 3 check-ins, 1 flags, 363 dictionary rows to out\n"
    assert (tmp_path / "out" / FILES["wide"]).read_bytes().startswith(b"\xef\xbb\xbf")
    fhir = runner.invoke(root, ["export", "fhir", "--out", "bundle.json"])
    assert fhir.stdout == ("Exported 3 Questionnaire, 2 Patient, 3 QuestionnaireResponse, "
                           "2 Flag to bundle.json\n")  # fmt: skip
    redcap = runner.invoke(root, ["export", "redcap", "--out", "rc", "--since", "2025-03-13"])
    assert redcap.stdout == "Exported 2 records × events to rc\n"


def test_cli_bad_input_is_one_line(cli_database: str, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("not a folder", encoding="utf-8")
    runner = CliRunner()

    bad_date = runner.invoke(root, ["export", "csv", "--out", "out", "--since", "13/03/2025"])
    taken = runner.invoke(root, ["export", "redcap", "--out", "taken"])

    assert (bad_date.exit_code, bad_date.stdout) == (2, "")
    assert bad_date.stderr.startswith("Error: Invalid value for '--since'")
    assert bad_date.stderr.count("\n") == 1
    assert (taken.exit_code, taken.stdout) == (2, "")
    assert taken.stderr.startswith("Error: Invalid value for '--out'")
    assert taken.stderr.count("\n") == 1
