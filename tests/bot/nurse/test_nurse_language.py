"""The nurse side in the nurse's language: their /language choice, else their Telegram
app's language, else the ward's FOLLOWUP_NURSE_LANGUAGE."""

from __future__ import annotations

import datetime as dt

from bot.nurse.access import Nurse
from bot.nurse.service import NurseService
from bot.nurse.statuses import ago
from bot.nurse.texts import pick_language
from bot.telegram.nurse_handlers import TelegramNurseDirectory
from bot.telegram.transport import TelegramTransport
from tests.bot.nurse.conftest import BOB, GROUP, LI, OMAR, SAM, NurseHarness

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


async def test_a_nurse_chooses_chinese_with_language_and_back(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await h.raise_flags({"leg_pain": 9})
    await h.sandbox.send_command(GROUP, "language", "zh", user_id=BOB)
    assert (await h.next_message(GROUP)).text == "好的，Bob：我会用中文回复您。"
    await h.sandbox.send_command(GROUP, "flags", user_id=BOB)
    listing = await h.next_message(GROUP)
    assert listing.text is not None and listing.text.startswith("未处理的提醒: 🔴 0 · 🟠 1 · 🔵 0")
    await h.sandbox.send_command(GROUP, "checkin", "P-001", user_id=BOB)
    assert (await h.next_message(GROUP)).text == "P-001 还没有打开邀请链接。"

    await h.sandbox.send_command(GROUP, "language", "klingon", user_id=BOB)
    assert (await h.next_message(GROUP)).text == (
        "发送 /language zh 或 /language en，选择机器人对您使用的语言。"
    )
    await h.sandbox.send_command(GROUP, "language", "English", user_id=BOB)
    assert (await h.next_message(GROUP)).text == "OK, Bob: I will write to you in English."
    await h.sandbox.send_command(GROUP, "checkin", "P-001", user_id=BOB)
    assert (await h.next_message(GROUP)).text == "P-001 has not opened the invite link yet."
    assert [(e.actor, e.detail) for e in await h.audit("nurse.language")] == [
        (f"tg:{BOB}", {"language": "zh-Hans"}),
        (f"tg:{BOB}", {"language": "en"}),
    ]


async def test_a_chinese_telegram_app_gets_chinese_and_a_chinese_chart(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    await h.raise_flags({"leg_pain": 8, "walking": {"metres": 30.0, "category": "under_50"}},
                        day=None)  # fmt: skip
    h.clock.advance(dt.timedelta(days=1))
    await h.raise_flags({"leg_pain": 5, "walking": {"metres": None, "category": "m50_100"}})
    await h.sandbox.send_command(GROUP, "patient", "P-001", user_id=LI)
    summary = await h.sandbox.wait_for_message(GROUP, timeout=60)  # a CJK chart takes seconds
    assert summary.text == (
        "患者 P-001 · 手术日期 2026年3月2日 · 术后第1天\n"
        "en · Europe/London · 邀请未打开\n"
        "已回答随访：1/1\n"
        "\n"
        "术前：腿痛 8 · 步行 不到50米\n"
        "术后第1天：腿痛 5 (−3) · 步行 50到100米\n"
        "\n"
        "目前腿痛 5（术后第1天，今天；术前 8，−3）：达到最小临床重要变化（2分或30%）。\n"
        "未处理提醒：🔴 0 · 🟠 0 · 🔵 0"
    )
    chart = await h.sandbox.wait_for_message(GROUP, timeout=60)
    assert chart.caption == "术后各天的腿痛、腰痛和步行距离；虚线：手术前。"
    assert chart.photo is not None and chart.photo.content is not None
    assert chart.photo.content.startswith(PNG_MAGIC)


async def test_the_ward_language_is_used_when_the_nurses_own_is_not_known(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    settings = h.settings.model_copy(update={"nurse_language": "zh-Hans"})
    transport, directory = TelegramTransport(h.bot), TelegramNurseDirectory(h.bot)
    chinese_ward = NurseService(h.sessions, h.survey, settings, h.clock, transport, directory)
    await chinese_ward.show_flags(SAM, Nurse("Sam", SAM))  # Sam's app says no language
    assert (await h.next_message(SAM)).text == "未处理的提醒\n没有未处理的警报。"
    await chinese_ward.show_flags(SAM, Nurse("Sam", SAM, language="en-GB"))
    assert (await h.next_message(SAM)).text == "Open flags\nNo open flags."
    refused = await chinese_ward.send_checkin_now(Nurse("Omar", OMAR), "P-001", "zh-Hans")
    assert refused.message == "只有病房护士可以使用这个功能。"


def test_the_nurse_language_setting_takes_the_usual_spellings() -> None:
    from bot.settings import load_settings

    for spelling, expected in (("zh", "zh-Hans"), ("zh_CN", "zh-Hans"), ("EN", "en")):
        assert load_settings(_env_file=None, nurse_language=spelling).nurse_language == expected
    assert pick_language(None, "zh-hant", "en") == "zh-Hans"
    assert pick_language("en", "zh-hans", "zh-Hans") == "en"
    assert pick_language(None, "fr", "zh-Hans") == "zh-Hans"


def test_how_old_an_answer_is_in_both_languages() -> None:
    today = dt.date(2026, 3, 2)
    cases = [(0, "today", "今天"), (1, "yesterday", "昨天"), (5, "5 days ago", "5天前"),
             (21, "3 weeks ago", "3周前"), (334, "11 months ago", "11个月前"),
             (400, "a year ago", "1年前"), (800, "2 years ago", "2年前")]  # fmt: skip
    for days, en, zh in cases:
        then = today - dt.timedelta(days=days)
        assert (ago(then, today), ago(then, today, "zh-Hans")) == (en, zh)
