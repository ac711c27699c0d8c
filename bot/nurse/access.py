"""Who may act on flags: members of the nurse group, or user ids listed in the settings.

Group membership is asked of the messaging platform through :class:`NurseDirectory`
(Telegram's ``getChatMember``). A "yes" is remembered for a few minutes so a busy card does
not cost a lookup per tap; a "no" is never remembered, so a nurse just added to the group
can act at once. A lookup that fails (Telegram unreachable, a timeout) raises
:class:`MembershipUnknown`: the caller refuses with "try again", not "only nurses".
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Protocol

from bot.clock import Clock
from bot.nurse.texts import NT, language_of_code
from bot.services.transport import DeliveryError
from surveys.model import Text

__all__ = ["MembershipUnknown", "Nurse", "NurseAccess", "NurseDirectory", "Verdict"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Nurse:
    """Whoever acts: a Telegram user (``user_id``) or a named CLI user (``user_id`` None).

    ``language`` (Telegram's ``language_code``) picks the language of a refusal: whoever
    tries a nurse command may well be a patient.
    """

    name: str
    user_id: int | None = None
    language: str | None = None
    via: str = "cli"
    """Where a trusted nurse without a Telegram id acts: ``cli`` or ``web`` (signed in)."""

    @property
    def actor(self) -> str:
        """The audit ``actor``: ``tg:<user id>``, ``cli:<name>``/``web:<name>``, or ``cli``."""
        if self.user_id is not None:
            return f"tg:{self.user_id}"
        return "cli" if self.name == "cli" == self.via else f"{self.via}:{self.name}"[:120]

    @property
    def label(self) -> str:
        """How cards name the nurse (at most 120 characters, the column size)."""
        return " ".join(self.name.split())[:120] or self.actor


@dataclass(frozen=True)
class Verdict:
    """Whether an action is allowed; false (with the refusal to show) when it is not."""

    allowed: bool
    refusal: Text = NT.refused

    def __bool__(self) -> bool:
        return self.allowed

    def text(self, language: str | None) -> str:
        """The refusal in ``language`` (ours or a Telegram ``language_code``; else English)."""
        return self.refusal.get(language_of_code(language) or "en")


class MembershipUnknown(Exception):
    """The nurse group's membership could not be looked up (an error or a timeout)."""


class NurseDirectory(Protocol):
    """What the messaging platform tells about group members."""

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        """Whether the user is currently in the chat; DeliveryError if it cannot tell."""
        ...

    async def username(self, chat_id: int, user_id: int) -> str | None:
        """The member's public username (without ``@``), if any."""
        ...


class NurseAccess:
    def __init__(
        self,
        clock: Clock,
        nurse_chat_id: int | None,
        nurse_user_ids: frozenset[int],
        directory: NurseDirectory | None,
        remember: dt.timedelta = dt.timedelta(minutes=5),
    ) -> None:
        self._clock = clock
        self._chat_id = nurse_chat_id
        self._user_ids = nurse_user_ids
        self._directory = directory
        self._remember = remember
        self._members: dict[int, dt.datetime] = {}

    async def is_nurse(self, user_id: int) -> bool:
        """Whether ``user_id`` is a nurse; :class:`MembershipUnknown` if it cannot be told."""
        if user_id in self._user_ids:
            return True
        if self._chat_id is None or self._directory is None:
            return False
        now = self._clock.now()
        until = self._members.get(user_id)
        if until is not None and now < until:
            return True
        try:
            member = await self._directory.is_member(self._chat_id, user_id)
        except (DeliveryError, TimeoutError) as exc:
            log.warning("nurse group membership unknown for user %s: %s", user_id, exc)
            raise MembershipUnknown(type(exc).__name__) from exc
        if member:
            self._members[user_id] = now + self._remember
        else:
            self._members.pop(user_id, None)
        return member

    async def mentions(self) -> list[str]:
        """``@username`` of each configured nurse who has one, for an escalation."""
        if self._chat_id is None or self._directory is None:
            return []
        names = []
        for user_id in sorted(self._user_ids):
            try:
                name = await self._directory.username(self._chat_id, user_id)
            except DeliveryError:
                continue
            if name:
                names.append(f"@{name}")
        return names
