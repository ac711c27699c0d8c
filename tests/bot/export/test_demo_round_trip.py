"""A round trip from the auto demo's database: every stored answer comes out, once."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import sqlite3
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from bot.clock import FakeClock
from bot.demo.runner import run_auto_demo
from bot.export import FILES, REDCAP_FILES, ExportOptions, ExportService
from bot.settings import Settings, load_settings
from storage.db import create_engine, session_factory
from surveys.loader import load_default_survey


@pytest.fixture
def base_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith("FOLLOWUP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return load_settings()


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


async def test_auto_demo_data_comes_out_whole(tmp_path: Path, base_settings: Settings) -> None:
    result = await run_auto_demo(
        tmp_path / "demo", patients=4, seed=7, base_settings=base_settings, write=lambda _: None
    )
    with sqlite3.connect(result.database_path) as db:
        stored = set()
        for ref, spec, question, value in db.execute(
            "SELECT p.ref, c.spec_id, a.question_id, a.value FROM answer a "
            "JOIN checkin c ON c.id = a.checkin_id JOIN enrolment e ON e.id = c.enrolment_id "
            "JOIN patient p ON p.id = e.patient_id WHERE a.superseded_at IS NULL"
        ):
            parsed = json.loads(value) if isinstance(value, str) else value
            if parsed is not None:  # a skipped note
                stored.add((ref, spec, question, json.dumps(parsed, sort_keys=True)))
        completed = db.execute("SELECT count(*) FROM checkin WHERE status = 'completed'")
        completed_count = completed.fetchone()[0]
        flag_count = db.execute("SELECT count(*) FROM flag").fetchone()[0]
        chat_ids = [str(c) for (c,) in db.execute("SELECT chat_id FROM patient")]
    survey = load_default_survey()
    engine = create_engine(f"sqlite+aiosqlite:///{result.database_path}")
    service = ExportService(
        session_factory(engine), survey, FakeClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    )
    try:
        await service.csv(tmp_path / "csv", ExportOptions())
        fhir = await service.fhir(tmp_path / "bundle.json", ExportOptions())
        await service.redcap(tmp_path / "redcap", ExportOptions())
    finally:
        await engine.dispose()

    exported = set()
    for row in read(tmp_path / "csv" / FILES["long"]):
        question = survey.form(row["form"]).question(row["question_id"])
        value: object = row["value"]
        if value == "" and row["category"] == "":
            continue  # a skipped note: its row says so, with no value
        if question.type == "scale":
            value = int(row["value"])
        elif question.type == "yes_no":
            value = row["value"] == "1"
        elif question.type == "multi_choice":
            value = row["value"].split(";")
        elif question.type == "distance":
            value = {"metres": float(row["value"]) if row["value"] else None,
                     "category": row["category"]}  # fmt: skip
        exported.add((row["patient_ref"], row["time_point"], row["question_id"],
                      json.dumps(value, sort_keys=True)))  # fmt: skip
    assert exported == stored
    assert fhir["QuestionnaireResponse"] == completed_count
    assert fhir["Flag"] == len(read(tmp_path / "csv" / FILES["flags"])) == flag_count
    Bundle.model_validate_json((tmp_path / "bundle.json").read_text(encoding="utf-8"))
    events = read(tmp_path / "redcap" / REDCAP_FILES["import"])
    assert {(e["record_id"], e["redcap_event_name"]) for e in events} == {
        (r, f"{s}_arm_1") for r, s, _, _ in stored
    }
    assert len(chat_ids) == 4
    for path in [*tmp_path.joinpath("csv").iterdir(), *tmp_path.joinpath("redcap").iterdir()]:
        cells = {cell for row in read(path) for cell in row.values()}
        assert not cells & set(chat_ids), path.name
