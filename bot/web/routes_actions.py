"""Form posts: acknowledge and resolve a flag, send a check-in now, pause or resume, a new
invite card, a new surgery date, and enrolment. Each calls the service the Telegram side and
the command line use, under the nurse's name (audit actor ``web:<name>``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from urllib.parse import quote

import segno
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.nurse.flag_actions import ActionResult
from bot.nurse.texts import nurse_language
from bot.services.enrolment import EnrolmentError, change_surgery_date, new_invite
from bot.web.accounts import SignedIn
from bot.web.context import as_nurse, page, protected, web_of
from bot.web.i18n import translator

__all__ = ["routes"]


def _back(ref: str, message: str) -> Response:
    return RedirectResponse(f"/patients/{quote(ref)}?done={quote(message)}", status_code=303)


def _back_from_flag(form: FormData, result: ActionResult) -> Response:
    """To the page of the patient whose flag was acted on, saying what happened."""
    ref = str(form.get("ref") or (result.flag.patient_ref if result.flag else ""))
    return _back(ref, result.message)


def _qr_svg(link: str) -> str:
    return str(segno.make(link, error="m", micro=False).svg_data_uri(scale=6, border=4))


def _refusal(exc: EnrolmentError, language: str) -> str:
    """Why the enrolment service refused, in the nurse's language (its own words in English)."""
    if language != "zh":
        return str(exc)
    text = translator(language)(f"err_{exc.code}")
    return str(exc) if text == f"err_{exc.code}" else text


def _flag_id(request: Request) -> int | None:
    try:
        return int(request.path_params["flag_id"])
    except (KeyError, ValueError):
        return None


@protected
async def acknowledge(request: Request, who: SignedIn) -> Response:
    web = web_of(request)
    form = await request.form()
    flag_id = _flag_id(request)
    if flag_id is None:
        return page(request, "refused.html", who, 404, reason="not_found")
    result = await web.nurse.flags.acknowledge(
        flag_id, as_nurse(who), language=nurse_language(who.language)
    )
    return _back_from_flag(form, result)


@protected
async def resolve(request: Request, who: SignedIn) -> Response:
    web = web_of(request)
    form = await request.form()
    flag_id = _flag_id(request)
    if flag_id is None:
        return page(request, "refused.html", who, 404, reason="not_found")
    outcome = str(form.get("outcome") or "") or None
    note = str(form.get("note") or "").strip() or None
    result = await web.nurse.flags.resolve(
        flag_id, as_nurse(who), outcome=outcome, note=note, language=nurse_language(who.language)
    )
    return _back_from_flag(form, result)


@protected
async def checkin_now(request: Request, who: SignedIn) -> Response:
    web = web_of(request)
    ref = request.path_params["ref"]
    result = await web.nurse.send_checkin_now(as_nurse(who), ref, nurse_language(who.language))
    return _back(ref, result.message)


def _pausing(pause: bool) -> Callable[[Request], Awaitable[Response]]:
    """The Pause (``pause``) or Resume button of the patient page."""

    async def set_paused(request: Request, who: SignedIn) -> Response:
        web = web_of(request)
        ref = request.path_params["ref"]
        result = await web.nurse.set_paused(
            as_nurse(who), ref, pause=pause, language=nurse_language(who.language)
        )
        return _back(ref, result.message)

    return protected(set_paused)


pause, resume = _pausing(True), _pausing(False)


@protected
async def invite(request: Request, who: SignedIn) -> Response:
    web = web_of(request)
    ref = request.path_params["ref"]
    try:
        issued = await new_invite(web.sessions, web.settings, web.clock, ref, as_nurse(who).actor)
    except EnrolmentError as exc:
        return _back(ref, _refusal(exc, who.language))
    return page(
        request,
        "invite.html",
        who,
        ref=issued.ref,
        qr=_qr_svg(issued.link),
        link=issued.link,
        expires=issued.expires_at.date(),
    )


@protected
async def reschedule(request: Request, who: SignedIn) -> Response:
    web = web_of(request)
    ref = request.path_params["ref"]
    form = await request.form()
    t = translator(who.language)
    try:
        new_date = dt.date.fromisoformat(str(form.get("surgery_date") or ""))
    except ValueError:
        return _back(ref, t("new_date_format"))
    try:
        moved = await change_surgery_date(
            web.sessions, web.survey, web.clock, ref, new_date, as_nurse(who).actor
        )
    except EnrolmentError as exc:
        return _back(ref, _refusal(exc, who.language))
    when = moved.surgery_date.strftime(t("date_format"))
    return _back(ref, t("date_moved", date=when, n=moved.replanned))


@protected
async def enrol_form(request: Request, who: SignedIn) -> Response:
    web = web_of(request)
    return page(
        request,
        "enrol.html",
        who,
        values={
            "timezone": web.settings.default_timezone,
            "language": "zh-Hans" if who.language == "zh" else "en",
        },
    )


@protected
async def enrol(request: Request, who: SignedIn) -> Response:
    web = web_of(request)
    form = await request.form()
    values = {
        key: str(form.get(key) or "").strip()
        for key in ("ref", "surgery_date", "language", "timezone")
    }
    values["caregiver"] = "yes" if form.get("caregiver") else ""
    t = translator(who.language)
    try:
        surgery = dt.date.fromisoformat(values["surgery_date"])
    except ValueError:
        return page(request, "enrol.html", who, 400, values=values, error=t("bad_date"))
    try:
        invitation = await web.nurse.enrol(
            as_nurse(who),
            ref=values["ref"],
            surgery_date=surgery,
            language=values["language"],
            timezone=values["timezone"] or web.settings.default_timezone,
            caregiver_helps=bool(values["caregiver"]),
        )
    except EnrolmentError as exc:
        return page(
            request, "enrol.html", who, 400, values=values, error=_refusal(exc, who.language)
        )
    if invitation is None:
        return page(request, "refused.html", who, 403, reason="sign_in_first")
    return page(
        request,
        "invite.html",
        who,
        ref=invitation.ref,
        qr=_qr_svg(invitation.link),
        link=invitation.link,
        expires=invitation.expires_at.date(),
    )


routes = [
    Route("/flags/{flag_id}/ack", acknowledge, methods=["POST"]),
    Route("/flags/{flag_id}/resolve", resolve, methods=["POST"]),
    Route("/patients/{ref}/checkin-now", checkin_now, methods=["POST"]),
    Route("/patients/{ref}/pause", pause, methods=["POST"]),
    Route("/patients/{ref}/resume", resume, methods=["POST"]),
    Route("/patients/{ref}/invite", invite, methods=["POST"]),
    Route("/patients/{ref}/reschedule", reschedule, methods=["POST"]),
    Route("/enrol", enrol_form, methods=["GET"]),
    Route("/enrol", enrol, methods=["POST"]),
]
