"""The pages: worklist, patient (with its chart), ward, and the language switch."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.nurse.cards import OUTCOMES
from bot.nurse.statuses import patient_state
from bot.nurse.texts import nurse_language
from bot.nurse.texts import t as card_text
from bot.web.accounts import SignedIn
from bot.web.charts import ChartWords, panels_of, patient_chart_png
from bot.web.context import page, protected, web_of
from bot.web.i18n import LANGUAGES, translator
from bot.web.security import set_language
from bot.web.views import checkin_rows, flag_why
from storage.records import PatientRecord

__all__ = ["routes"]


@protected
async def worklist(request: Request, who: SignedIn) -> Response:
    web = web_of(request)
    t = translator(who.language)
    rows, count, as_of = await web.dashboard.worklist_as_of(t, who.language)
    zone = ZoneInfo(web.settings.default_timezone)
    return page(
        request, "worklist.html", who, rows=rows, refresh=web.refresh_seconds, count=count,
        reasons_at=f"{as_of.reasons.astimezone(zone):%H:%M}",
        bands_at=f"{as_of.bands.astimezone(zone):%H:%M}",
    )  # fmt: skip


@protected
async def patient(request: Request, who: SignedIn) -> Response:
    web = web_of(request)
    found = await web.dashboard.patient(request.path_params["ref"])
    if found is None:
        return page(request, "refused.html", who, 404, reason="no_patient")
    t = translator(who.language)
    zone = ZoneInfo(web.settings.default_timezone)
    return page(
        request,
        "patient.html",
        who,
        p=found,
        status=_status(found.recovery.patient, who.language),
        rows=checkin_rows(web.survey, found, t, zone, who.language),
        zone=zone,
        outcomes={o: card_text(f"outcome.{o}", nurse_language(who.language)) for o in OUTCOMES},
        message=request.query_params.get("done"),
        why=lambda flag: flag_why(flag.evidence, who.language),
    )


def _status(patient: PatientRecord, language: str) -> str:
    """``paused``, ``unreachable``, ``invite not opened``… in the nurse's language."""
    return patient_state(patient.status, patient.chat_id is not None, nurse_language(language))


@protected
async def patient_chart(request: Request, who: SignedIn) -> Response:
    web = web_of(request)
    found = await web.dashboard.patient(request.path_params["ref"])
    if found is None:
        return Response(status_code=404)
    bands = await web.dashboard.bands()
    t = translator(who.language)
    labels, leg, walking = panels_of(
        web.survey, found.recovery.trajectory, bands.leg, bands.walking, t, who.language
    )
    png = await asyncio.to_thread(patient_chart_png, labels, leg, walking, ChartWords.of(t))
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@protected
async def ward(request: Request, who: SignedIn) -> Response:
    web = web_of(request)
    t = translator(who.language)
    w = await web.dashboard.ward(t, who.language)
    rates = [
        (
            p.label,
            100 * p.answered / p.due if p.due else None,
            f"{100 * p.answered / p.due:.0f}% ({p.answered}/{p.due})" if p.due else "",
        )
        for p in w.points
    ]
    mic = [
        (
            next(p.label for p in w.points if p.spec_id == spec),
            100 * hit / n if n else None,
            f"{100 * hit / n:.0f}% ({hit}/{n})" if n else "",
        )
        for spec, (hit, n) in w.mic.items()
    ]
    burden = [
        (t(f"cat_{level}" if level != "info" else "info"), value, f"{value:.1f}")
        for level, value in w.burden.items()
    ]
    ack = [
        (
            t("median"),
            w.ack_median,
            t("minutes", n=f"{w.ack_median:.0f}") if w.ack_median is not None else "",
        ),
        (t("p90"), w.ack_p90, t("minutes", n=f"{w.ack_p90:.0f}") if w.ack_p90 is not None else ""),
    ]
    return page(
        request,
        "ward.html",
        who,
        w=w,
        fmt=_fmt,
        w_rates=rates,
        w_leg=[(p.label, p.leg) for p in w.points],
        w_walk=[(p.label, p.walking) for p in w.points],
        w_mic=mic,
        w_burden=burden,
        w_burden_max=max([v for _, v, _ in burden if v] or [1]),
        w_ack=ack,
        w_ack_max=max([v for _, v, _ in ack if v] or [1]),
    )


def _fmt(value: float, labels: tuple[str, ...] | None = None) -> str:
    if labels:
        return labels[min(max(round(value), 0), len(labels) - 1)]
    return f"{value:g}"


@protected
async def language(request: Request, who: SignedIn) -> Response:
    web = web_of(request)
    form = await request.form()
    chosen = str(form.get("language") or "")
    if chosen in LANGUAGES:
        set_language(request, chosen)
        await web.accounts.set_language(who, chosen)
    back = str(form.get("back") or "/")
    return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/",
                            status_code=303)  # fmt: skip


routes = [
    Route("/", worklist, methods=["GET"]),
    Route("/patients/{ref}", patient, methods=["GET"]),
    Route("/patients/{ref}/chart.png", patient_chart, methods=["GET"]),
    Route("/ward", ward, methods=["GET"]),
    Route("/language", language, methods=["POST"]),
]
