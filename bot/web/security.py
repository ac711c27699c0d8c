"""Who is signed in, CSRF tokens, and the refusals a page answers with.

The session is Starlette's signed cookie (itsdangerous): HttpOnly, ``SameSite=Lax``, and
``Secure`` when the dashboard's address is https. Besides the cookie's own ``Max-Age``,
the session records when the nurse signed in and ends ``web_session_hours`` later
whatever the activity, by the application's clock.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any

from starlette.requests import Request

from bot.clock import Clock
from bot.web.accounts import SignedIn

__all__ = ["check_csrf", "csrf_token", "current_nurse", "sign_in", "sign_out"]

CSRF_FIELD = "csrf"


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use, also before signing in)."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session[CSRF_FIELD] = token
    return token


async def check_csrf(request: Request, form: Any) -> bool:
    expected = request.session.get(CSRF_FIELD)
    given = form.get(CSRF_FIELD)
    return (
        isinstance(expected, str)
        and isinstance(given, str)
        and hmac.compare_digest(expected.encode(), given.encode())
    )


def sign_in(request: Request, who: SignedIn, clock: Clock) -> None:
    """A fresh session (new CSRF token) for ``who``: a session fixed before is not reused."""
    request.session.clear()
    request.session["nurse"] = {
        "name": who.name,
        "language": who.language,
        "account": who.account_id,
        "tg": who.telegram_user_id,
        "at": clock.now().isoformat(),
    }
    csrf_token(request)


def sign_out(request: Request) -> None:
    request.session.clear()


def current_nurse(request: Request, clock: Clock, hours: float) -> SignedIn | None:
    data = request.session.get("nurse")
    if not isinstance(data, dict):
        return None
    try:
        at = dt.datetime.fromisoformat(str(data["at"]))
        who = SignedIn(
            str(data["name"]),
            str(data.get("language") or "en"),
            data.get("account"),
            data.get("tg"),
        )
    except (KeyError, ValueError):
        request.session.clear()
        return None
    if clock.now() - at > dt.timedelta(hours=hours):
        request.session.clear()
        return None
    return who


def set_language(request: Request, language: str) -> None:
    data = request.session.get("nurse")
    if isinstance(data, dict):
        request.session["nurse"] = {**data, "language": language}
