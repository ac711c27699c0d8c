"""The interactive demo shows the patient's progress after each check-in and, at day 365,
the closing message."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.demo.runner import run_interactive_demo
from bot.demo.terminal import Reader
from bot.settings import Settings


def script(lines: Iterable[str]) -> tuple[list[str], Reader]:
    pending = iter(lines)
    printed: list[str] = []

    def read(prompt: str) -> str:
        try:
            line = next(pending)
        except StopIteration:
            raise EOFError from None
        printed.append(prompt + line)
        return line

    return printed, read


async def test_progress_after_each_check_in_and_the_closing_message_at_day_365(
    tmp_path: Path, base_settings: Settings
) -> None:
    baseline = ["1", "1", "8", "6", "2", "40 m"]
    # leg, back, numbness "I have none", walking band, "Much better", "None of these", Done, Skip
    day_1 = ["/days 1", "5", "4", "1", "3", "2", "9", "10", "2"]
    day_365 = ["/days 330", "/next", "1", "1", "1", "7", "1", "9", "10", "2", "hello", "/quit"]
    printed, read = script(baseline + day_1 + day_365)

    await run_interactive_demo(
        tmp_path / "demo", base_settings=base_settings, read=read, write=printed.append
    )

    output = "\n".join(printed)
    # the thanks, the progress line and the next date arrive as one message
    assert (
        "bot: Thank you. Your answers are saved and the team can see them.\n"
        "\n"
        "     Compared with before surgery:\n"
        "     Leg pain today 5 — before surgery 8.\n"
        "     Back pain today 4 — before surgery 6.\n"
        "     Walking today 50–100 m — before surgery less than 50 m.\n"
        "     That is better than before surgery.\n"
        "\n"
        "     Next check-in: Thu 6 Mar 2025."
    ) in output
    closing = output[output.rindex("     This was your last check-in.") :]
    assert closing.startswith(
        "     This was your last check-in. Here is your year since the operation.\n"
        "\n"
        "     Your answers so far:\n"
        "     Before surgery: leg pain 8, back pain 6, walking less than 50 m.\n"
        "     Day 1: leg pain 5, back pain 4, walking 50–100 m.\n"
        "     Day 365: leg pain 1, back pain 1, walking no limit.\n"
    )
    assert (
        "bot: Your recovery: pain and walking at each check-in.\n"
        "     (a picture)\n"
        "bot: Thank you for answering all year. It helps you and other patients.\n"
    ) in closing
    assert "Next check-in" not in closing
    assert (
        "you> hello\nbot: Your follow-up has ended. There are no more check-ins.\n"
        "     If you have a problem with your back or legs, please call the ward: "
        "+86 10 5555 0100.\n"
        "     Send /progress to see your recovery."
    ) in closing
