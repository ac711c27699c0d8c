"""``/web`` in a private chat: a nurse gets a one-time link that signs them in to the
dashboard (valid ``FOLLOWUP_WEB_LINK_MINUTES``). Anyone else is refused, and audited."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from bot.nurse.access import Nurse
from bot.nurse.service import NurseService

__all__ = ["SignInLinks", "WebLinkHandlers"]

log = logging.getLogger(__name__)

PRIVATE_ONLY = (
    "Ask me for a dashboard link in a private chat.",
    "请在与我的私聊中获取登录链接。",
)
LINK = (
    "Your sign-in link for the ward dashboard (works once, for {minutes} minutes):\n{link}",
    "病区网页登录链接（仅可使用一次，{minutes} 分钟内有效）：\n{link}",
)


class SignInLinks(Protocol):
    """The dashboard's accounts, as far as ``/web`` needs them."""

    async def new_link(self, telegram_user_id: int, name: str, language: str) -> str: ...


def language_of(code: str | None) -> str:
    """The dashboard's language for a Telegram ``language_code``: ``zh`` or ``en``."""
    return "zh" if code and code.startswith("zh") else "en"


class WebLinkHandlers:
    def __init__(self, service: NurseService, accounts: SignInLinks, minutes: float) -> None:
        self._service = service
        self._accounts = accounts
        self._minutes = minutes

    def handlers(self) -> list[BaseHandler[Update, Any, Any]]:
        return [CommandHandler("web", self.web, filters=~filters.UpdateType.EDITED_MESSAGE)]

    async def web(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Send a one-time sign-in link to a nurse, in their private chat only."""
        user, chat, message = update.effective_user, update.effective_chat, update.message
        if user is None or chat is None or message is None:
            return
        index = 1 if language_of(user.language_code) == "zh" else 0
        name = user.full_name or user.username or str(user.id)
        nurse = Nurse(name=name, user_id=user.id, language=user.language_code)
        try:
            if not (verdict := await self._service.authorize(nurse, "command:web")):
                await message.reply_text(verdict.text(user.language_code))
                return
            if chat.type != "private":
                await message.reply_text(PRIVATE_ONLY[index])
                return
            link = await self._accounts.new_link(user.id, name, language_of(user.language_code))
            await message.reply_text(
                LINK[index].format(minutes=f"{self._minutes:g}", link=link),
                link_preview_options=None,
            )
        except TelegramError as exc:
            log.info("web link not sent: %s", type(exc).__name__)
