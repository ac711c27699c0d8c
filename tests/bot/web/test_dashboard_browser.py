"""The dashboard in Chromium: sign-in, the worklist following the bot, acting on a flag
from the page reaching the Telegram card, the invite card, and the refusals."""

from __future__ import annotations

import datetime as dt
import re

import zxingcpp
from matplotlib.text import Text
from PIL import Image
from playwright.async_api import Page, expect

from bot.web.charts import ChartWords, panels_of, patient_chart_figure
from bot.web.i18n import translator
from storage.audit import list_audit
from tests.bot.patient_steps import PatientSteps
from tests.bot.web.conftest import GROUP, NURSE, PATIENT, SAM, Ward, screenshot, sign_in


async def _baseline_through_the_bot(ward: Ward) -> None:
    """P-001 opens the invite, consents and answers the baseline."""
    await PatientSteps(ward, PATIENT).join("P-001")


async def _red_answer_through_the_bot(ward: Ward) -> None:
    """P-001 answers the baseline, then reports new leg weakness on day 1."""
    patient = PatientSteps(ward, PATIENT)
    await patient.join("P-001")
    await patient.check_in_due(days=1)
    await patient.tap("6", "2/")
    await patient.tap("5", "3/")
    await patient.tap("I have none", "4/")
    await patient.say("30 m", "5/")
    await patient.tap("Much better", "6/")
    await ward.sandbox.press_button(
        PATIENT, "▫️ New weakness in a leg or foot, a dragging foot, or a fall"
    )
    await patient.tap("Done ✔", "7/")


async def test_a_nurse_signs_in_with_a_password_and_sees_the_empty_worklist(
    ward: Ward, page: Page
) -> None:
    await sign_in(ward=ward, page=page, password="wrong password!")
    await expect(page.get_by_role("alert")).to_have_text("Wrong name or password.")
    await screenshot(page, "signin")
    await sign_in(page, ward)
    await expect(page).to_have_title("(0) Worklist · Spine follow-up")
    await expect(page.get_by_text("Nobody needs attention now.")).to_be_visible()
    await page.keyboard.press("Tab")  # the first stop skips the navigation
    await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()
    await expect(page.get_by_text(f"Signed in as {NURSE}")).to_be_visible()
    cookie = next(c for c in await page.context.cookies() if c["name"] == "followup_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["expires"] > 0  # expires (Max-Age), not a browser-session cookie
    async with ward.sessions() as session:
        signed = await list_audit(session, action="web.signed_in")
    assert [(a.actor, a.detail) for a in signed] == [
        (f"web:{NURSE}", {"via": "password", "name": NURSE.casefold()}),
    ]


async def test_the_worklist_shows_a_red_answer_from_the_bot_and_the_card_follows_the_page(
    ward: Ward, page: Page
) -> None:
    await sign_in(page, ward)
    await expect(page).to_have_title("(0) Worklist · Spine follow-up")

    await _red_answer_through_the_bot(ward)
    card = await ward.next_message(GROUP, "RED")
    ward.clock.advance(dt.timedelta(minutes=4))

    # the page refreshes itself (every second here) and the title counts the rows
    await expect(page).to_have_title("(1) Worklist · Spine follow-up")
    row = page.locator("tr.cat-red_open")
    await expect(row).to_contain_text("P-001")
    await expect(row).to_contain_text("Red, not acknowledged")
    await expect(row).to_contain_text(
        "Red flag: new weakness in a leg or foot, foot drop or falls "
        "(raised 4 min ago, not escalated yet)"
    )
    await expect(row.locator("td").nth(1)).to_have_text("1")  # day after surgery
    await screenshot(page, "worklist")
    await page.set_viewport_size({"width": 390, "height": 844})  # a phone
    await expect(row.get_by_role("link", name="P-001")).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await screenshot(page, "worklist-phone")
    await page.set_viewport_size({"width": 1280, "height": 900})

    await row.get_by_role("link", name="P-001").click()
    await expect(page).to_have_title("P-001 · Spine follow-up")
    chart = page.get_by_role("img", name=re.compile("Chart of leg pain"))
    await expect(chart).to_be_visible()
    png = await page.request.get(ward.url + "/patients/P-001/chart.png", timeout=60_000)
    assert png.status == 200
    assert png.headers["content-type"] == "image/png"
    await expect(chart).to_have_js_property("naturalWidth", 800, timeout=60_000)
    await screenshot(page, "patient")

    await page.get_by_role("button", name="Acknowledge").click()
    await expect(page.get_by_role("status")).to_have_text("Acknowledged flag #1.")
    edited = await ward.next_message(GROUP, "Acknowledged by")
    assert edited.message_id == card.message_id
    # the card went out at the tick; by now it also lists the answer stored with Done
    shown = (card.text or "").replace(
        "\n\nRaised",
        "\n• Red-flag symptoms: New weakness in a leg or foot, a dragging foot, "
        "or a fall\n\nRaised",
    )
    assert edited.text == shown + f"\n✅ Acknowledged by {NURSE}, 03 Mar 09:04"

    await page.get_by_label("Outcome").select_option("fine")
    await page.get_by_label("Note").fill("Called, walking fine with a frame")
    await page.get_by_role("button", name="Resolve").click()
    await expect(page.get_by_role("status")).to_have_text("Resolved flag #1.")
    resolved = await ward.next_message(GROUP, "Resolved by")
    assert resolved.message_id == card.message_id
    assert f"Resolved by {NURSE}" in (resolved.text or "")
    assert "Called, walking fine with a frame" in (resolved.text or "")

    async with ward.sessions() as session:
        acted = [a for a in await list_audit(session, entity="flag") if a.actor.startswith("web")]
    assert [(a.actor, a.action, a.detail["via"]) for a in acted] == [
        (f"web:{NURSE}", "flag.acknowledged", "web"),
        (f"web:{NURSE}", "flag.resolved", "web"),
    ]
    await page.get_by_role("link", name="Worklist").click()
    await expect(page).to_have_title("(0) Worklist · Spine follow-up")


async def test_a_nurse_pauses_check_ins_from_the_patient_page_and_resumes_them(
    ward: Ward, page: Page
) -> None:
    await _baseline_through_the_bot(ward)
    await sign_in(page, ward)
    await page.goto(ward.url + "/patients/P-001")
    status = page.locator("#patient-status")
    await expect(status).to_have_text("active")

    await page.get_by_role("button", name="Pause check-ins").click()
    await expect(page.get_by_role("status")).to_have_text(
        "P-001's check-ins are paused: no check-ins and no reminders until resumed."
    )
    await expect(status).to_have_text("paused")
    await screenshot(page, "patient-paused")
    ward.clock.advance(dt.timedelta(days=1))  # the day-1 check-in is due
    before = len(ward.sandbox.transcript(PATIENT).texts)
    paused = await ward.dispatcher.run_until_idle()
    assert paused.dispatched.claimed == 0
    assert len(ward.sandbox.transcript(PATIENT).texts) == before

    await page.get_by_role("button", name="Resume check-ins").click()
    await expect(status).to_have_text("active")
    await expect(page.get_by_role("button", name="Pause check-ins")).to_be_visible()
    resumed = await ward.dispatcher.run_until_idle()
    assert resumed.dispatched.claimed == 1
    await ward.next_message(PATIENT, "Time for your check-in (day 1")
    async with ward.sessions() as session:
        events = [*await list_audit(session, action="patient.paused"),
                  *await list_audit(session, action="patient.resumed")]  # fmt: skip
    assert [(e.actor, e.action) for e in events] == [
        (f"web:{NURSE}", "patient.paused"), (f"web:{NURSE}", "patient.resumed"),
    ]  # fmt: skip


LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


async def test_a_chinese_speaking_nurse_reads_every_message_and_chart_label_in_chinese(
    ward: Ward, page: Page
) -> None:
    flags = await ward.raise_flags({"red_flags": ["fever"], "leg_pain": 6, "back_pain": 2})
    await sign_in(page, ward)
    await page.get_by_role("button", name="中文").click()
    await page.goto(ward.url + "/patients/P-001")
    notice = page.get_by_role("status")

    await page.get_by_role("button", name="确认").click()
    await expect(notice).to_have_text(f"已确认警报 #{flags[0].id}。")
    await page.get_by_label("更改手术日期").fill("2026-03-09")
    await page.get_by_role("button", name="更改手术日期").click()
    moved = re.compile(r"^手术日期已改为 2026-03-09；\d+ 次随访已调整。$")
    await expect(notice).to_have_text(moved)
    await page.get_by_role("button", name="暂停随访").click()
    await expect(notice).to_have_text("P-001 的随访已暂停：恢复前不发送随访和提醒。")
    await expect(page.locator("#patient-status")).to_have_text("已暂停")
    shown = await page.locator("main").inner_text()
    assert LATIN_WORD.findall(shown.replace("P-001", "").replace(NURSE, "")) == []
    await expect(page.locator("img.chart")).to_have_js_property("naturalWidth", 800, timeout=60_000)
    await screenshot(page, "patient-zh")
    for path in ("/", "/ward"):
        await page.goto(ward.url + path)
        await expect(page.locator("main")).to_be_visible()
        shown = await page.locator("main").inner_text()
        assert LATIN_WORD.findall(shown.replace("P-001", "").replace(NURSE, "")) == [], path

    found = await ward.web.dashboard.patient("P-001")
    assert found is not None
    t = translator("zh")
    bands = await ward.web.dashboard.bands()
    labels, leg, walking = panels_of(
        ward.survey, found.recovery.trajectory, bands.leg, bands.walking, t, "zh"
    )
    figure = patient_chart_figure(labels, leg, walking, ChartWords.of(t))
    drawn = [text.get_text() for text in figure.findobj(Text) if text.get_text()]
    assert "腿痛（0 = 不痛，10 = 最痛）" in drawn
    assert {"术前", "第 1 天", "第 365 天", "患者"} <= set(drawn)
    assert [word for text in drawn for word in LATIN_WORD.findall(text)] == []


async def test_enrolment_shows_a_printable_invite_card_whose_qr_code_is_the_link(
    ward: Ward, page: Page
) -> None:
    await sign_in(page, ward)
    await page.get_by_role("link", name="Enrol").click()
    await page.get_by_label("Reference code").fill("P-042")
    await page.get_by_label("Surgery date").fill("2026-03-05")
    await page.get_by_label("Patient's language").select_option("zh-Hans")
    await page.get_by_role("button", name="Enrol and make the invite card").click()

    card = page.get_by_role("article", name="invite card")
    await expect(card).to_contain_text("P-042")
    await expect(card).to_contain_text("打开手机相机，对准上面的方块。")
    await expect(card).to_contain_text("Use this card before")
    await expect(card).to_contain_text("01 Apr 2026")  # 30 days from 2 March
    await screenshot(page, "enrol-invite")
    await page.emulate_media(media="print")
    shot = await screenshot(page, "invite-print")
    await expect(page.get_by_role("button", name="Print")).to_be_hidden()
    found = zxingcpp.read_barcodes(Image.open(shot))
    assert len(found) == 1
    assert re.fullmatch(rf"https://t\.me/{ward.settings.bot_username}\?start=\S+", found[0].text)
    pdf = await page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")


async def test_the_ward_page_draws_charts_with_numbers_on_hover_and_below(
    ward: Ward, page: Page
) -> None:
    await _red_answer_through_the_bot(ward)
    await sign_in(page, ward)
    await page.get_by_role("link", name="Ward").click()
    await expect(page.get_by_role("img", name="Response rate")).to_be_visible()
    await expect(page.get_by_role("img", name="Leg pain", exact=True)).to_be_visible()
    rows = page.locator("table.numbers tbody tr")
    await expect(rows.nth(0)).to_contain_text("1/1 (100%)")  # baseline answered
    await expect(rows.nth(0)).to_contain_text("8 (8–8)")  # leg pain median (IQR)
    await screenshot(page, "ward")
    await page.get_by_role("button", name="中文").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("病区")
    await screenshot(page, "ward-zh")


async def test_a_telegram_sign_in_link_works_once(ward: Ward, page: Page) -> None:
    await ward.sandbox.send_command(SAM, "web")
    message = await ward.next_message(SAM, "sign-in link")
    link = re.search(r"http://\S+", message.text or "")
    assert link is not None
    url = ward.url + link.group(0)[link.group(0).index("/signin/") :]
    await page.goto(url)
    await expect(page).to_have_title("(0) Worklist · Spine follow-up")
    await expect(page.get_by_text("Signed in as Sam")).to_be_visible()

    await page.goto("about:blank")  # the worklist's refresh timer goes with it
    await page.context.clear_cookies()
    await page.goto(url)
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "This sign-in link has expired or was used already. Ask the bot for a new one with /web."
    )


async def test_refusals_no_session_wrong_csrf_expired_link_and_too_many_attempts(
    ward: Ward, page: Page
) -> None:
    flags = await ward.raise_flags({"red_flags": ["fever"]})
    # no session: pages send to the sign-in form, form posts are refused
    await page.goto(ward.url + "/patients/P-001")
    await expect(page).to_have_url(ward.url + "/signin?next=/patients/P-001")
    response = await page.request.post(ward.url + f"/flags/{flags[0].id}/ack",
                                        form={"csrf": "x", "ref": "P-001"})  # fmt: skip
    assert response.status == 401

    # a signed-in nurse with a wrong CSRF token changes nothing
    await sign_in(page, ward)
    await page.goto(ward.url + "/patients/P-001")
    await page.locator(f"#flag-{flags[0].id} input[name=csrf]").first.evaluate(
        "input => input.value = 'forged'"
    )
    await page.get_by_role("button", name="Acknowledge").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "The form was out of date. Please try again."
    )
    assert (await ward.flag(flags[0].id)).status == "open"
    await screenshot(page, "refused-csrf")

    # an expired sign-in link
    url = await ward.web.accounts.new_link(SAM, "Sam", "en")
    ward.clock.advance(dt.timedelta(minutes=6))
    await page.context.clear_cookies()
    await page.goto(ward.url + url[url.index("/signin/") :])
    await expect(page.get_by_role("heading", level=1)).to_contain_text("has expired")

    # the session ends after FOLLOWUP_WEB_SESSION_HOURS by the clock
    await sign_in(page, ward)
    await expect(page).to_have_title(re.compile("Worklist"))
    ward.clock.advance(dt.timedelta(hours=ward.settings.web_session_hours, minutes=1))
    await page.goto(ward.url + "/")
    await expect(page).to_have_url(ward.url + "/signin?next=/")

    # five wrong passwords, then even the right one waits
    for _ in range(5):
        await sign_in(page, ward, password="not the password")
        await expect(page.get_by_role("alert")).to_have_text("Wrong name or password.")
    await sign_in(page, ward)
    await expect(page.get_by_role("alert")).to_have_text(
        "Too many attempts. Wait 15 minutes and try again."
    )
