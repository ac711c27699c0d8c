"""What a service asks the transport to show: messages, edits and button rows.

Transport-independent: Telegram renders these as messages with inline keyboards, the
terminal demo as numbered choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

__all__ = [
    "ANSWERED",
    "Button",
    "Edit",
    "Keyboard",
    "Outgoing",
    "Picture",
    "QuestionRef",
    "Reply",
    "compact",
]

ANSWERED = "✔"
"""Marks an edit that shows what the patient chose: worth keeping above the next question."""


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
    shown_in: int | None = None
    """The message id already stored as showing this check-in's question, if any."""


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
    asks: QuestionRef | None = None
    """The edited message now asks this question (a reply folded into the tapped message)."""
    instead: Outgoing | None = None
    """Sent as a new message if the edit fails (e.g. the message can no longer be edited)."""


@dataclass
class Reply:
    """Everything to do in answer to one patient action, in order: edits, then messages."""

    messages: list[Outgoing] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    callback_text: str | None = None
    new_flag_ids: list[int] = field(default_factory=list)
    urgent: list[int] = field(default_factory=list)
    """Outbox rows queued by this action: sent first, right after its transaction commits."""
    compacted: bool = False
    """Its shape is final (:func:`compact` ran): a retry sends the rest as it is."""

    def say(self, text: str, keyboard: Keyboard = (), asks: QuestionRef | None = None) -> None:
        self.messages.append(Outgoing(text, keyboard, asks))

    def show(self, photo: Picture, caption: str) -> None:
        self.messages.append(Outgoing(caption, photo=photo))


def compact(reply: Reply, tapped: int | None = None) -> None:
    """Say the same in fewer chat-bound messages: each one spends Telegram's budget (about
    30 per second per bot, 1 per second per chat), and a patient sees one change per tap.

    Plain lines (intros, "thank you", the next date) join the message that follows them.
    After a tap on message ``tapped``, a reply that edits it and then sends one message is
    folded into that edit: the tapped message shows the answer just given, then the next
    question with its buttons. A reply that raised flags is left alone, so urgent advice
    stays a message of its own that notifies.
    """
    if reply.compacted:
        return
    reply.compacted = True
    if reply.new_flag_ids:
        return
    merged: list[Outgoing] = []
    plain: list[str] = []
    for message in reply.messages:
        if message.photo is not None:  # a picture keeps its own message and caption
            if plain:
                merged.append(Outgoing("\n\n".join(plain)))
                plain = []
            merged.append(message)
            continue
        if not message.keyboard and message.asks is None:
            plain.append(message.text)
            continue
        if plain:
            message = Outgoing("\n\n".join([*plain, message.text]), message.keyboard, message.asks)
            plain = []
        merged.append(message)
    if plain:
        merged.append(Outgoing("\n\n".join(plain)))
    reply.messages[:] = merged
    if tapped is None or len(reply.edits) != 1 or len(merged) != 1:
        return
    edit, message = reply.edits[0], merged[0]
    if edit.message_id != tapped or edit.asks is not None:
        return
    text = f"{edit.text}\n\n{message.text}" if ANSWERED in edit.text else message.text
    reply.edits[0] = Edit(tapped, text, message.keyboard, message.asks, instead=message)
    reply.messages.clear()
