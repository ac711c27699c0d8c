"""Sign-in with name and password, with a one-time link from the bot, and sign-out."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.web.context import page, web_of
from bot.web.ratelimit import signin_detail
from bot.web.security import check_csrf, sign_in, sign_out
from storage.audit import record_audit
from storage.signin_attempts import FAILED, SIGNED_IN

__all__ = ["routes"]


def _next(value: object) -> str:
    """Only a path of this site (never another host) after signing in."""
    text = str(value or "/")
    return text if text.startswith("/") and not text.startswith("//") else "/"


async def signin_form(request: Request) -> Response:
    return page(request, "signin.html", None, next=_next(request.query_params.get("next")))


async def signin(request: Request) -> Response:
    web = web_of(request)
    form = await request.form()
    name, password = str(form.get("name") or ""), str(form.get("password") or "")
    target = _next(form.get("next"))
    if not await check_csrf(request, form):
        return page(request, "signin.html", None, 403, error="csrf", next=target)
    address = request.client.host if request.client else "?"
    if await web.limiter.blocked(address, name):
        await _audit(request, "web.signin_limited", name, **signin_detail(name, address))
        return page(request, "signin.html", None, 429, error="too_many", next=target)
    who = await web.accounts.verify(name, password)
    if who is None:  # the audit event is what the limit counts
        await _audit(request, FAILED, name, **signin_detail(name, address))
        return page(request, "signin.html", None, 401, error="bad_sign_in", next=target)
    sign_in(request, who, web.clock)
    await _audit(request, SIGNED_IN, who.name, via="password", **signin_detail(name))
    return RedirectResponse(target, status_code=303)


async def signin_link(request: Request) -> Response:
    web = web_of(request)
    who = await web.accounts.redeem(request.path_params["token"])
    if who is None:
        await _audit(request, "web.link_refused", "?")
        return page(request, "refused.html", None, 403, reason="link_refused")
    sign_in(request, who, web.clock)
    await _audit(
        request, SIGNED_IN, who.name, via="telegram_link", telegram_user=who.telegram_user_id,
        **signin_detail(who.name),
    )  # fmt: skip
    return RedirectResponse("/", status_code=303)


async def signout(request: Request) -> Response:
    form = await request.form()
    if await check_csrf(request, form):
        sign_out(request)
    return RedirectResponse("/signin", status_code=303)


async def _audit(request: Request, action: str, name: str, /, **detail: object) -> None:
    """Sign-ins under the nurse's name; a failed one never records the password."""
    web = web_of(request)
    async with web.sessions.begin() as session:
        await record_audit(
            session,
            at=web.clock.now(),
            actor=f"web:{name}"[:120],
            action=action,
            entity="web",
            detail=dict(detail),
        )


routes = [
    Route("/signin", signin_form, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signin/link/{token}", signin_link, methods=["GET"]),
    Route("/signout", signout, methods=["POST"]),
]
