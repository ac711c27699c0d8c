"""The patient's progress through python-telegram-bot's real HTTP stack and the sandbox:
the line after each check-in, /progress with its chart, milestones, the programme's end."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy import update

from bot.sandbox import SentMessage
from bot.services.extension import extend_follow_up
from bot.services.progress import fonts as progress_fonts
from storage.models import Checkin
from tests.bot.e2e.conftest import PHONE, START, Harness
from tests.bot.patient_steps import PatientSteps

CHAT = 5101
EN = {"language": "English", "thanks": "Thank you.", "none": "I have none",
      "better": "Much better", "no_red": "▫️ None of these", "done": "Done ✔", "skip": "Skip",
      "no": "No"}  # fmt: skip
ZH = {"language": "中文", "thanks": "谢谢您。", "none": "没有麻木", "better": "好了很多",
      "no_red": "▫️ 以上都没有", "done": "完成 ✔", "skip": "跳过", "no": "否"}  # fmt: skip


async def onboard(h: Harness, words: dict[str, str], ref: str = "P-100") -> None:
    await PatientSteps(h, CHAT).open_invite(ref, language=words["language"], language_code="en")


async def tap(h: Harness, label: str, then: str) -> None:
    await PatientSteps(h, CHAT).tap(label, then)


async def baseline(h: Harness, words: dict[str, str], leg: str, back: str, walk: str) -> None:
    await tap(h, leg, "2/")
    await tap(h, back, "3/")
    await tap(h, words["no"], "4/")
    await h.sandbox.send_text(CHAT, walk)
    await h.next_message(CHAT, words["thanks"])


async def follow_up(
    h: Harness, words: dict[str, str], leg: str, back: str, walk: str
) -> SentMessage:
    """Answer the open follow-up; the thanks message."""
    await tap(h, leg, "2/")
    await tap(h, back, "3/")
    await tap(h, words["none"], "4/")
    await h.sandbox.send_text(CHAT, walk)
    await h.next_message(CHAT, "5/")
    await tap(h, words["better"], "6/")
    await tap(h, words["no_red"], "✅")
    await tap(h, words["done"], "7/")
    await h.sandbox.press_button(CHAT, words["skip"])
    return await h.next_message(CHAT, words["thanks"])


async def open_day(h: Harness, day: int) -> None:
    """Jump to post-op ``day``; earlier follow-ups not answered were missed."""
    async with h.services.sessions.begin() as session:
        await session.execute(
            update(Checkin)
            .where(Checkin.day < day, Checkin.status == "scheduled")
            .values(status="missed")
        )
    h.clock.advance(START + dt.timedelta(days=day) - h.clock.now())
    await h.sandbox.send_text(CHAT, "hello")
    await h.next_message(CHAT, "1/")


def after(h: Harness, message: SentMessage) -> list[SentMessage]:
    return [m for m in h.sandbox.transcript(CHAT).messages if m.message_id > message.message_id]


def rest_of(message: SentMessage, words: dict[str, str]) -> str:
    """What a message says after its thanks paragraph: the tapped question shows the answer,
    and the plain lines of the reply (the thanks, the progress line, the next date) join it."""
    text = message.text or ""
    return text[text.index(words["thanks"]) :].split("\n\n", 1)[1]


async def settled(h: Harness) -> None:
    """Wait until the bot has handled everything sent so far."""
    await h.sandbox.send_command(CHAT, "help")
    await h.next_message(CHAT, "/stop")


async def test_line_after_a_check_in_compares_with_before_surgery(harness: Harness) -> None:
    h = harness
    await onboard(h, EN)
    await baseline(h, EN, "8", "6", "40 m")
    await open_day(h, 1)
    thanks = await follow_up(h, EN, "3", "2", "600 m")
    await settled(h)

    line, upcoming = rest_of(thanks, EN).split("\n\n")
    assert line == (
        "Compared with before surgery:\n"
        "Leg pain today 3 — before surgery 8.\n"
        "Back pain today 2 — before surgery 6.\n"
        "Walking today 500 m – 1 km — before surgery less than 50 m.\n"
        "That is better than before surgery."
    )
    assert upcoming.startswith("Next check-in:")
    assert all(m.photo is None for m in after(h, thanks))


async def test_worse_line_in_chinese_says_the_team_will_look(harness: Harness) -> None:
    h = harness
    await onboard(h, ZH)
    await baseline(h, ZH, "3", "2", "600米")
    await open_day(h, 3)
    thanks = await follow_up(h, ZH, "5", "2", "300米")
    await settled(h)

    assert rest_of(thanks, ZH).split("\n\n")[0] == (
        "和手术前比：\n"
        "腿痛：今天5分，手术前3分。\n"
        "腰背痛：今天2分，手术前2分。\n"
        "走路：今天100到500米，手术前500米到1公里。\n"
        "有的情况比手术前差。团队会查看。"
    )


async def test_progress_command_shows_the_summary_and_a_chart(harness: Harness) -> None:
    h = harness
    await onboard(h, EN)
    await baseline(h, EN, "8", "6", "40 m")
    await h.sandbox.send_command(CHAT, "help")
    await h.next_message(CHAT, "/progress – see how you are doing")
    await h.sandbox.send_command(CHAT, "progress")
    early = await h.next_message(CHAT, "progress")
    assert early.text == (
        "You have not finished a check-in since surgery yet. "
        "Your progress will show here after your first one."
    )
    await open_day(h, 1)
    await follow_up(h, EN, "6", "5", "80 m")
    await settled(h)

    await h.sandbox.send_command(CHAT, "progress")
    summary = await h.next_message(CHAT, "Your answers so far")
    await settled(h)
    assert summary.text == (
        "Your answers so far:\n"
        "Before surgery: leg pain 8, back pain 6, walking less than 50 m.\n"
        "Day 1: leg pain 6, back pain 5, walking 50–100 m.\n"
        "Pain: 0 = no pain, 10 = worst pain.\n"
        "\n"
        "Your last check-in (day 1) compared with before surgery:\n"
        "Leg pain 6 — before surgery 8.\n"
        "Back pain 5 — before surgery 6.\n"
        "Walking 50–100 m — before surgery less than 50 m.\n"
        "That is better than before surgery."
    )
    chart = after(h, summary)[0]
    assert chart.caption == "Your recovery: pain and walking at each check-in."
    assert chart.photo is not None and chart.photo.content is not None
    assert Image.open(io.BytesIO(chart.photo.content)).size == (1050, 1350)
    assert h.sandbox.violations == ()


async def test_six_weeks_milestone_brings_summary_and_chart_once(harness: Harness) -> None:
    h = harness
    await onboard(h, ZH)
    await baseline(h, ZH, "8", "6", "40米")
    await open_day(h, 42)
    thanks = await follow_up(h, ZH, "3", "2", "600米")
    await settled(h)

    milestone = rest_of(thanks, ZH)  # the summary joins the thanks; the chart follows
    chart, upcoming = after(h, thanks)[:2]
    assert milestone.splitlines()[:3] == [
        "手术已经6周了。这是您的恢复情况。",
        "",
        "您到现在的回答：",
    ]
    assert "术后第42天：腿痛3分，腰背痛2分，走路500米到1公里。" in milestone
    assert chart.caption == "您的恢复：每次随访的疼痛和走路情况。"
    assert chart.photo is not None
    assert (upcoming.text or "").startswith("下次随访：")
    await h.sandbox.send_text(CHAT, "你好")
    await settled(h)
    assert sum(1 for m in h.sandbox.transcript(CHAT).messages if m.photo) == 1


async def test_last_check_in_closes_the_programme_and_a_nurse_can_extend_it(
    harness: Harness,
) -> None:
    h = harness
    await onboard(h, EN)
    await baseline(h, EN, "8", "6", "40 m")
    await open_day(h, 365)
    thanks = await follow_up(h, EN, "1", "1", "no limit")
    await settled(h)

    closing = rest_of(thanks, EN)  # the closing summary joins the thanks; the chart follows
    chart, farewell = after(h, thanks)[:2]
    assert closing.startswith(
        "This was your last check-in. Here is your year since the operation.\n\n"
        "Your answers so far:\n"
        "Before surgery: leg pain 8, back pain 6, walking less than 50 m.\n"
        "Day 365: leg pain 1, back pain 1, walking no limit.\n"
    )
    assert chart.photo is not None
    assert farewell.text == (
        "Thank you for answering all year. It helps you and other patients.\n"
        "The spine ward team wishes you well.\n"
        "The follow-up has now ended. You will get no more check-ins.\n"
        f"If you have a problem with your back or legs, please call the ward: {PHONE}."
    )
    assert "Next check-in" not in (thanks.text or "")
    assert not any("Next check-in" in (m.text or "") for m in after(h, thanks))

    h.clock.advance(dt.timedelta(days=30))
    await h.sandbox.send_text(CHAT, "hello")
    ended = await h.next_message(CHAT, "ended")
    assert ended.text == (
        "Your follow-up has ended. There are no more check-ins.\n"
        f"If you have a problem with your back or legs, please call the ward: {PHONE}.\n"
        "Send /progress to see your recovery."
    )

    extended = await extend_follow_up(
        h.services.sessions, h.services.survey, h.clock, "P-100", [545], "nurse"
    )
    added = [(c.spec_id, c.form, c.status) for c in extended.added]
    assert added == [("day_545", "late", "scheduled")]
    await h.sandbox.send_text(CHAT, "hello again")
    await h.next_message(CHAT, "Your message has been passed to the ward nurses")
    upcoming = await h.next_message(CHAT, "Next check-in")
    assert upcoming.text == "Next check-in: Sun 29 Aug 2027."


async def test_without_a_chinese_font_the_summary_comes_as_text_only(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    monkeypatch.setattr(progress_fonts, "cjk_family", lambda: None)
    await onboard(h, ZH)
    await baseline(h, ZH, "8", "6", "40米")
    await open_day(h, 1)
    await follow_up(h, ZH, "6", "5", "80米")
    await h.sandbox.send_command(CHAT, "progress")
    summary = await h.next_message(CHAT, "您到现在的回答")
    await settled(h)
    assert "术后第1天：腿痛6分，腰背痛5分，走路50到100米。" in (summary.text or "")
    assert [m for m in h.sandbox.transcript(CHAT).messages if m.photo] == []
