"""Chat with the bot as a patient, in the terminal.

Each new bot message is printed with its buttons keyed ``[1] [2] …`` (on a 0–10 scale the
key is the score itself, and the other buttons get letters). A line that is a key presses
that button; ``/days N`` and ``/next`` move the clock (stopping at every escalation and
digest time); ``/nurse`` shows the nurses' group, ``n1``, ``n2`` … press the buttons of its
newest card as the nurse and ``/ack`` acknowledges it; ``/quit`` ends; anything else goes
to the bot as typed text (``/help``, ``/stop`` … as commands, and the nurse commands
``/flags`` and ``/patient CODE``: the person at the terminal is a ward nurse too). Whatever
the nurses' group receives meanwhile (a card, an escalation, the digest) is shown at once.

Lines are read in a daemon thread so the event loop, and with it the bot, keeps running,
and Ctrl-C never waits for a pending ``input()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import string
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Final
from zoneinfo import ZoneInfo

from bot.demo.session import (
    DEMO_TIMEZONE,
    NURSE_CHAT_ID,
    NURSE_USER_ID,
    DemoPatient,
    DemoSession,
)
from bot.sandbox import Button, SentMessage

__all__ = ["BANNER", "Reader", "Terminal", "Writer", "button_keys"]

Reader = Callable[[str], str]
"""Like :func:`input`: show a prompt, return one line, raise EOFError at the end."""
Writer = Callable[[str], None]

PROMPT: Final = "you> "
ACK_LABEL: Final = "Acknowledge"
"""The button on a flag card that a nurse presses to say "seen, on it"."""
MAX_JUMP_DAYS: Final = 400
INDENT: Final = "     "

BANNER: Final = f"""\
Offline demo: you are a patient after a back operation; the bot is the real one, talking
to a stand-in for Telegram on this computer. Nothing leaves this machine.

  1, 2, a …   press the button shown as [1], [2], [a] … (on a 0–10 scale, type the score)
  any text    send it as your answer (e.g. "300 m" for walking distance)
  /days N     jump ahead N days (1–{MAX_JUMP_DAYS}): check-ins and reminders due meanwhile arrive
  /next       jump to the next scheduled check-in
  /nurse      show the nurses' group (flag cards appear there)
  n1, n2 …    be the nurse: press that button of the newest card (Acknowledge, Resolve …)
  /ack        be the nurse: acknowledge the newest flag card
  /flags, /patient DEMO-001   the nurses' commands (you are a ward nurse too)
  /help, /stop, /resume, /language   the bot's own commands
  ?           show this again
  /quit       end the demo (Ctrl-D works too)
"""


def button_keys(rows: Sequence[Sequence[Button]]) -> list[list[tuple[str, Button]]]:
    """Keys to type for each button, row by row.

    Buttons are numbered from 1, except on a keyboard of numbers (a 0–10 scale), where a
    number button's key is its own label and the others get letters, so typing ``3``
    always means a score of 3.
    """
    numbers = [b.label for row in rows for b in row if _is_number(b.label)]
    by_label = bool(numbers) and len(set(numbers)) == len(numbers)
    letters = iter(string.ascii_lowercase)
    counter = iter(range(1, 1000))
    keyed: list[list[tuple[str, Button]]] = []
    for row in rows:
        line = []
        for button in row:
            if by_label:
                key = button.label if _is_number(button.label) else next(letters)
            else:
                key = str(next(counter))
            line.append((key, button))
        keyed.append(line)
    return keyed


def _is_number(label: str) -> bool:
    return label.isascii() and label.isdigit()


@dataclass
class _Seen:
    """How much of one chat has been printed already."""

    versions: dict[int, int] = field(default_factory=dict)
    callback_answers: int = 0


class Terminal:
    """The interactive loop for one demo patient."""

    def __init__(
        self,
        demo: DemoSession,
        patient: DemoPatient,
        *,
        read: Reader = input,
        write: Writer = print,
    ) -> None:
        self._demo = demo
        self._patient = patient
        self._read = read
        self._write = write
        self._seen: dict[int, _Seen] = {}
        self._keyboard: SentMessage | None = None
        self._nurse_keyboard: SentMessage | None = None

    async def run(self) -> None:
        """Print the banner and what the bot said so far, then read lines until /quit."""
        self._write(BANNER)
        self._write(self._time_header())
        self._show_new()
        while True:
            try:
                line = (await _read_line(self._read, PROMPT)).strip()
            except EOFError:
                self._write("")
                return
            if line in ("/quit", "/exit"):
                return
            if line:
                await self._handle(line)
                self._show_new()

    async def _handle(self, line: str) -> None:
        chat_id = self._patient.chat_id
        command, _, rest = line.partition(" ")
        if line == "?":
            self._write(BANNER)
        elif command == "/days":
            await self._jump_days(rest.strip())
        elif line == "/next":
            await self._jump_next()
        elif line == "/nurse":
            self._show_nurse_group()
        elif line == "/ack":
            await self._acknowledge()
        elif (pressed := self._nurse_button_for(line)) is not None:
            assert self._nurse_keyboard is not None
            await self._demo.press(NURSE_CHAT_ID, pressed.label, user_id=NURSE_USER_ID,
                                   message_id=self._nurse_keyboard.message_id)  # fmt: skip
        elif (button := self._button_for(line)) is not None:
            assert self._keyboard is not None
            await self._demo.press(chat_id, button.label, message_id=self._keyboard.message_id)
        elif line.startswith("/") and len(command) > 1:
            await self._demo.command(chat_id, command[1:], rest.strip())
        else:
            await self._demo.say(chat_id, line)

    def _button_for(self, line: str) -> Button | None:
        if self._keyboard is None:
            return None
        current = next(
            (m for m in self._demo.messages(self._patient.chat_id)
             if m.message_id == self._keyboard.message_id),
            None,
        )  # fmt: skip
        if current is None:
            return None
        for row in button_keys(current.buttons):
            for key, button in row:
                if key == line.lower():
                    return button
        return None

    def _nurse_button_for(self, line: str) -> Button | None:
        if self._nurse_keyboard is None or not line.lower().startswith("n"):
            return None
        current = next((m for m in self._demo.messages(NURSE_CHAT_ID)
                        if m.message_id == self._nurse_keyboard.message_id), None)  # fmt: skip
        buttons = [b for row in current.buttons for b in row] if current else []
        index = line[1:]
        if not index.isdigit() or not 1 <= int(index) <= len(buttons):
            return None
        return buttons[int(index) - 1]

    # ---- time ------------------------------------------------------------------------

    async def _jump_days(self, argument: str) -> None:
        try:
            days = int(argument)
        except ValueError:
            days = 0
        if not 1 <= days <= MAX_JUMP_DAYS:
            self._write(f"(type /days and a number of days, 1 to {MAX_JUMP_DAYS}, e.g. /days 1)")
            return
        await self._demo.advance(dt.timedelta(days=days))
        self._write(self._time_header())

    async def _jump_next(self) -> None:
        due = await self._demo.next_due()
        if due is None:
            self._write("(no check-in is scheduled any more)")
            return
        await self._demo.advance_to(due + dt.timedelta(minutes=1))
        self._write(self._time_header())

    def _time_header(self) -> str:
        now = self._demo.clock.now().astimezone(ZoneInfo(DEMO_TIMEZONE))
        surgery = self._patient.enrolment.enrolment.surgery_date
        days = (now.date() - surgery).days
        when = f"{now:%a} {now.day} {now:%b %Y}, {now:%H:%M}"
        if days < 0:
            return f"── {when} · {-days} day(s) before the operation ──"
        if days == 0:
            return f"── {when} · the day of the operation ──"
        return f"── {when} · day {days} after the operation ──"

    # ---- output ----------------------------------------------------------------------

    def _show_new(self) -> None:
        chat_id = self._patient.chat_id
        seen = self._seen.setdefault(chat_id, _Seen())
        for message in self._demo.messages(chat_id):
            shown = seen.versions.get(message.message_id)
            seen.versions[message.message_id] = len(message.history)
            if shown is None:
                self._print_message(self._sender(message), message)
            elif shown < len(message.history):
                self._print_edit(message)
        answers = self._demo.sandbox.transcript(chat_id).callback_answers
        for answer in answers[seen.callback_answers :]:
            if answer.text:
                self._write(f"{INDENT}(pop-up) {answer.text}")
        seen.callback_answers = len(answers)
        self._show_nurse_news()

    def _sender(self, message: SentMessage) -> str:
        """``bot: ``, with the time it arrived when that was earlier (during a jump ahead)."""
        now = self._demo.clock.now()
        sent = dt.datetime.fromtimestamp(message.date, tz=dt.UTC)
        if now - sent < dt.timedelta(minutes=2):
            return "bot: "
        local = sent.astimezone(ZoneInfo(DEMO_TIMEZONE))
        return f"bot ({local:%a} {local.day} {local:%b} {local:%H:%M}): "

    def _print_message(self, prefix: str, message: SentMessage) -> None:
        lines = (message.text or message.caption or "").splitlines() or [""]
        self._write(prefix + lines[0])
        for line in lines[1:]:
            self._write((INDENT + line).rstrip())
        if message.photo is not None:
            self._write(INDENT + "(a picture)")
        if message.buttons and message.chat_id == self._patient.chat_id:
            self._print_keys(message)

    def _print_edit(self, message: SentMessage) -> None:
        text = message.text or ""
        before = message.history[-2].text if len(message.history) > 1 else text
        if text != before:  # a tap's reply folded into the tapped message: the answer, then
            lines = text.splitlines()  # what follows it, as a message of its own
            marks = [i for i, line in enumerate(lines[:-1]) if "✔" in line and not lines[i + 1]]
            if marks:
                self._write("bot: " + lines[marks[0]].strip())
                following = "\n".join(lines[marks[0] + 2 :])
                self._print_message("bot: ", replace(message, text=following))
                return
            if message.buttons:
                self._print_message("bot: ", message)
                return
        if message.buttons:
            self._print_keys(message)
            return
        last = text.splitlines()[-1:] or [""]
        if "✔" in last[0]:
            self._write("bot: " + last[0].strip())

    def _print_keys(self, message: SentMessage) -> None:
        self._keyboard = message
        for row in button_keys(message.buttons):
            shown = [f"[{key}]" if key == b.label else f"[{key}] {b.label}" for key, b in row]
            self._write(INDENT + "   ".join(shown))

    def _show_nurse_news(self) -> None:
        seen = self._seen.setdefault(NURSE_CHAT_ID, _Seen())
        news: list[SentMessage] = []
        for message in self._demo.messages(NURSE_CHAT_ID):
            shown = seen.versions.get(message.message_id)
            seen.versions[message.message_id] = len(message.history)
            if shown is None or shown < len(message.history):
                news.append(message)
        if news:
            self._write("┌─ in the nurses' group (what the ward team sees):")
            for message in news:
                self._print_nurse_message(message)
            self._write("└─")

    async def _acknowledge(self) -> None:
        waiting = [m for m in self._demo.messages(NURSE_CHAT_ID) if ACK_LABEL in m.button_labels]
        if not waiting:
            self._write("(no flag card is waiting to be acknowledged)")
            return
        await self._demo.press(
            NURSE_CHAT_ID, ACK_LABEL, message_id=waiting[-1].message_id, user_id=NURSE_USER_ID
        )

    def _show_nurse_group(self) -> None:
        messages = self._demo.messages(NURSE_CHAT_ID)
        if not messages:
            self._write("(the nurses' group has received nothing yet)")
            return
        self._write("┌─ the nurses' group, oldest first:")
        for message in messages:
            self._print_nurse_message(message)
        self._write("└─")

    def _print_nurse_message(self, message: SentMessage) -> None:
        text = message.text or message.caption or ""
        for line in text.splitlines():
            self._write(("│ " + line).rstrip())
        if message.photo is not None:
            self._write("│ (a chart picture)")
        labels = [b.label for row in message.buttons for b in row]
        if labels:
            self._nurse_keyboard = message
            self._write("│ " + "   ".join(f"[n{i}] {label}" for i, label in enumerate(labels, 1)))
        self._write("│")


async def _read_line(read: Reader, prompt: str) -> str:
    """Call ``read`` in a daemon thread; its result or exception comes back to the loop."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()

    def settle(line: str | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            assert line is not None
            future.set_result(line)

    def worker() -> None:
        line: str | None = None
        failure: BaseException | None = None
        try:
            line = read(prompt)
        except BaseException as error:  # EOFError, KeyboardInterrupt: hand it to the loop
            failure = error
        with contextlib.suppress(RuntimeError):  # the loop is gone: the demo already ended
            loop.call_soon_threadsafe(settle, line, failure)

    threading.Thread(target=worker, name="demo-input", daemon=True).start()
    return await future
