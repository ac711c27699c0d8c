"""The /enroll dialogue keeps its state in the database: two bot processes share one.

Two applications (each with its own engine, nurse service and handlers, as two
``followup run --webhook`` processes behind a load balancer would be) take the nurse's
messages in turn. Updates are read from the sandbox with ``getUpdates`` and handed to
one process or the other, as the load balancer hands webhooks; every reply goes through
python-telegram-bot's HTTP stack to the sandbox. On PostgreSQL in CI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import pytest
from telegram import Bot, Update
from telegram.ext import Application, ApplicationBuilder

from bot.clock import FakeClock
from bot.nurse.enrol_dialogue import IDLE_LIMIT
from bot.nurse.service import NurseService
from bot.sandbox import DEFAULT_TOKEN, BotApiSandbox, SentMessage
from bot.services.conversation import ConversationService
from bot.settings import Settings, load_settings
from bot.telegram.handlers import PatientHandlers
from bot.telegram.nurse_handlers import NurseHandlers, TelegramNurseDirectory
from bot.telegram.transport import TelegramTransport
from storage.audit import list_audit
from storage.db import create_engine, session_factory
from storage.nurse_state import get_dialogue
from storage.patients import active_enrolment, patient_by_ref
from surveys.loader import load_default_survey
from tests.bot.nurse.nurse_world import START

GROUP, LI, ANNA, OMAR = -100, 102, 101, 200


@dataclass
class TwoProcesses:
    sandbox: BotApiSandbox
    processes: tuple[Application, Application]  # type: ignore[type-arg]
    reader: Bot
    settings: Settings
    clock: FakeClock
    offset: int = 0

    async def to(self, which: int) -> None:
        """Hand every update waiting in the sandbox to process ``which`` (0 or 1)."""
        application = self.processes[which]
        updates = await self.reader.get_updates(offset=self.offset, timeout=5)
        assert updates, "no update to hand over"
        for update in updates:
            await application.process_update(Update.de_json(update.to_dict(), application.bot))
            self.offset = update.update_id + 1

    async def reply(self, chat_id: int) -> SentMessage:
        return await self.sandbox.wait_for_message(chat_id, timeout=10)


@pytest.fixture
async def two_processes(db_url: str) -> AsyncIterator[TwoProcesses]:
    async with BotApiSandbox(token=DEFAULT_TOKEN) as sandbox, AsyncExitStack() as stack:
        sandbox.create_private_chat(LI, "Li", last_name="Wei", language_code="zh-hans")
        sandbox.create_private_chat(ANNA, "Anna", last_name="Lee")
        sandbox.create_private_chat(OMAR, "Omar")
        sandbox.create_group(GROUP, "Spine ward nurses", {LI: "administrator", ANNA: "member"})
        settings = load_settings(
            _env_file=None, bot_token=DEFAULT_TOKEN, telegram_api_url=sandbox.base_url,
            database_url=db_url, default_timezone="Europe/London",
            bot_username=sandbox.bot_username, nurse_chat_id=GROUP,
        )  # fmt: skip
        clock = FakeClock(START)
        survey = load_default_survey()
        processes = []
        for _ in range(2):
            engine = create_engine(db_url)
            stack.push_async_callback(engine.dispose)
            sessions = session_factory(engine)
            application = (
                ApplicationBuilder().token(DEFAULT_TOKEN).base_url(sandbox.base_url)
                .base_file_url(sandbox.base_file_url).updater(None).build()
            )  # fmt: skip
            bot = application.bot
            service = NurseService(sessions, survey, settings, clock, TelegramTransport(bot),
                                   TelegramNurseDirectory(bot))  # fmt: skip
            conversation = ConversationService(sessions, survey, settings, clock)
            application.add_handlers(NurseHandlers(service, settings).handlers())
            application.add_handlers(
                PatientHandlers(conversation, TelegramTransport(bot), notifier=service).handlers()
            )
            await stack.enter_async_context(application)
            processes.append(application)
        reader = Bot(DEFAULT_TOKEN, base_url=sandbox.base_url)
        await stack.enter_async_context(reader)
        yield TwoProcesses(sandbox, (processes[0], processes[1]), reader, settings, clock)


async def test_enroll_dialogue_alternating_between_two_processes(
    two_processes: TwoProcesses, db_url: str
) -> None:
    w = two_processes
    steps = [
        (
            "/enroll",
            "新患者登记。随时发送 /cancel 可以停止。\n1/5 患者的研究编号（只用编号，不要写姓名）：",
        ),
        ("P-042", "2/5 手术日期（例如 2026年3月10日、2026/3/10、3月10日，或 今天 / 昨天）："),
        ("下周", "请发送日期，例如 2026年3月2日，或 今天 / 昨天。"),
        ("3月1日", "3/5 患者使用的语言："),
        ("中文", "4/5 患者所在时区（地区/城市，例如 Europe/London）："),
        ("asia/shanghai", "5/5 会有家属或护工帮忙回答随访吗？"),
    ]
    for turn, (text, expected) in enumerate(steps):
        if text.startswith("/"):
            await w.sandbox.send_command(LI, text[1:])
        else:
            await w.sandbox.send_text(LI, text)
        await w.to(turn % 2)  # process 0, 1, 0, 1…
        assert (await w.reply(LI)).text == expected

    engine = create_engine(db_url)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            dialogue = await get_dialogue(session, LI, LI)
        assert dialogue is not None
        assert (dialogue.kind, dialogue.step) == ("enroll", "caregiver")
        assert dialogue.data == {"ref": "P-042", "surgery_date": "2026-03-01",
                                 "language": "zh-Hans", "timezone": "Asia/Shanghai"}  # fmt: skip

        await w.sandbox.send_text(LI, "是")
        await w.to(0)
        done = await w.reply(LI)
        assert done.text is not None
        lines = done.text.split("\n")
        assert lines[:3] == [
            "已登记 P-042：已安排10次随访。",
            "术前基线回答将标记为“回忆”。",
            "邀请链接（只能用一次，有效期到2026年4月1日）：",
        ]
        qr = await w.reply(LI)
        assert qr.caption == (
            "P-042 的邀请二维码：可打印，或出院时给患者看。患者用手机相机扫码即可打开机器人。"
        )

        async with sessions() as session:
            assert await get_dialogue(session, LI, LI) is None
            patient = await patient_by_ref(session, "P-042")
            assert patient is not None
            enrolment = await active_enrolment(session, patient.id)
            events = await list_audit(session, action="patient.enrolled")
        assert (patient.language, patient.timezone) == ("zh-Hans", "Asia/Shanghai")
        assert enrolment is not None
        assert (enrolment.surgery_date, enrolment.caregiver_helps) == (dt.date(2026, 3, 1), True)
        assert [e.actor for e in events] == [f"tg:{LI}"]
    finally:
        await engine.dispose()


async def test_cancel_in_the_other_process_ends_the_dialogue(two_processes: TwoProcesses) -> None:
    w = two_processes
    await w.sandbox.send_command(ANNA, "enroll")
    await w.to(0)
    assert (await w.reply(ANNA)).text is not None
    await w.sandbox.send_command(ANNA, "cancel")
    await w.to(1)
    assert (await w.reply(ANNA)).text == "Enrolment cancelled. Nothing was saved."
    await w.sandbox.send_text(ANNA, "P-002")  # no dialogue any more: the patient side answers
    await w.to(0)
    reply = await w.reply(ANNA)
    assert reply.text is not None and "invite link" in reply.text


async def test_a_dialogue_left_for_over_an_hour_is_over(two_processes: TwoProcesses) -> None:
    w = two_processes
    await w.sandbox.send_command(ANNA, "enroll")
    await w.to(0)
    await w.reply(ANNA)
    w.clock.advance(IDLE_LIMIT + dt.timedelta(seconds=1))
    await w.sandbox.send_text(ANNA, "P-003")  # not taken as the reference code any more
    await w.to(1)
    reply = await w.reply(ANNA)
    assert reply.text is not None and "invite link" in reply.text
