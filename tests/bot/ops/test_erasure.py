"""``followup patient erase REF``: health data and the chat link removed, an audit stub kept."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sqlalchemy import func, select, update

from storage.db import create_engine, session_factory
from storage.models import Answer, AuditEvent, Checkin, Enrolment, Flag, Invite, Patient
from tests.bot.test_cli import NOW, FakeClock, assert_one_line_error, database, invoke

__all__ = ["database"]


async def _seed(url: str) -> None:
    """A linked patient with one answer and one flag (as the conversation would store)."""
    engine = create_engine(url)
    try:
        async with session_factory(engine).begin() as session:
            patient_id = await session.scalar(select(Patient.id).where(Patient.ref == "P-001"))
            checkin_id = await session.scalar(select(Checkin.id).order_by(Checkin.id).limit(1))
            await session.execute(update(Patient).values(chat_id=5001, consented_at=NOW))
            session.add(
                Answer(
                    checkin_id=checkin_id,
                    question_id="leg_pain",
                    raw="8",
                    value=8,
                    survey_version="1",
                    answered_at=NOW,
                )
            )
            session.add(
                Flag(
                    patient_id=patient_id,
                    checkin_id=checkin_id,
                    dedupe_key="k",
                    rule_id="r",
                    level="red",
                    evidence={"text": "wound leaking"},
                    raised_at=NOW,
                )
            )
    finally:
        await engine.dispose()


async def _counts(url: str) -> dict[str, object]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            counts: dict[str, object] = {
                model.__name__: await session.scalar(select(func.count()).select_from(model))
                for model in (Enrolment, Checkin, Answer, Flag, Invite)
            }
            row = (
                await session.execute(select(Patient.ref, Patient.status, Patient.chat_id))
            ).one()
            counts["patient"] = tuple(row)
            actions = (await session.scalars(select(AuditEvent.action))).all()
            counts["erased_audit"] = actions.count("patient.erased")
            return counts
    finally:
        await engine.dispose()


def test_erase_removes_health_data_and_the_chat_link_and_keeps_a_stub(
    database: str, tmp_path: Path
) -> None:
    assert invoke("db", "upgrade").exit_code == 0
    enrolled = invoke("enroll", "--ref", "P-001", "--surgery-date", "2025-03-12",
                      clock=FakeClock(NOW))  # fmt: skip
    assert enrolled.exit_code == 0
    asyncio.run(_seed(database))

    refused = invoke("patient", "erase", "P-001", "--by", "IT Wang")
    result = invoke("patient", "erase", "P-001", "--by", "IT Wang", "--yes", clock=FakeClock(NOW))

    assert refused.exit_code == 2
    assert "add --yes to confirm" in refused.stderr
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith("erased P-001: 1 enrolment(s), ")
    assert "1 answer(s), 1 flag(s); chat unlinked, audit kept" in result.stdout
    assert asyncio.run(_counts(database)) == {
        "Enrolment": 0, "Checkin": 0, "Answer": 0, "Flag": 0, "Invite": 0,
        "patient": ("P-001", "erased", None), "erased_audit": 1,
    }  # fmt: skip
    listed = json.loads(invoke("patients", "--json", clock=FakeClock(NOW)).stdout)
    assert listed == [
        {"ref": "P-001", "language": "en", "timezone": "Asia/Shanghai", "linked": False,
         "status": "erased", "surgery_date": None, "day_post_op": None, "state": "erased",
         "last_checkin": None, "next_checkin": None}
    ]  # fmt: skip
    assert_one_line_error(
        invoke("patient", "erase", "P-001", "--by", "x", "--yes"), 2,
        "patient P-001 was already erased",
    )  # fmt: skip
    assert_one_line_error(
        invoke("patient", "erase", "P-404", "--by", "x", "--yes"), 2, "no patient P-404"
    )
