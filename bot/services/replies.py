"""What a service asks the transport to show: messages, edits and button rows.

Transport-independent: Telegram renders these as messages with inline keyboards, the
terminal demo as numbered choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["Button", "Edit", "Keyboard", "Outgoing", "Picture", "QuestionRef", "Reply"]


@dataclass(frozen=True)
class Button:
    label: str
    payload: str


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class QuestionRef:
    """Marks a message that asks a question, so its message id can be remembered."""

    checkin_id: int
    question_id: str


class Picture(Protocol):
    """An image drawn when it is sent, outside the transaction that decided to send it."""

    def png(self) -> bytes: ...


@dataclass(frozen=True)
class Outgoing:
    text: str
    keyboard: Keyboard = ()
    asks: QuestionRef | None = None
    photo: Picture | None = None
    """When set, the message is this picture and ``text`` its caption."""


@dataclass(frozen=True)
class Edit:
    """Replace an earlier message's text (and keyboard; empty removes it)."""

    message_id: int
    text: str
    keyboard: Keyboard = ()


@dataclass
class Reply:
    """Everything to do in answer to one patient action, in order: edits, then messages."""

    messages: list[Outgoing] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    callback_text: str | None = None
    new_flag_ids: list[int] = field(default_factory=list)
    urgent: list[int] = field(default_factory=list)
    """Outbox rows queued by this action: sent first, right after its transaction commits."""

    def say(self, text: str, keyboard: Keyboard = (), asks: QuestionRef | None = None) -> None:
        self.messages.append(Outgoing(text, keyboard, asks))

    def show(self, photo: Picture, caption: str) -> None:
        self.messages.append(Outgoing(caption, photo=photo))
