"""The interactive demo, driven with scripted lines instead of a keyboard."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from bot.demo.runner import run_interactive_demo
from bot.demo.session import DATABASE_NAME
from bot.demo.terminal import Reader, button_keys
from bot.sandbox import Button
from bot.settings import Settings
from storage.answers import current_answers
from storage.checkins import checkins_for_enrolment
from storage.db import create_engine, session_factory
from storage.patients import active_enrolment, patient_by_ref


def script(lines: Iterable[str]) -> tuple[list[str], Reader]:
    """A reader that types ``lines`` (echoed like a terminal would), then Ctrl-D."""
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


def row(*labels: str) -> tuple[Button, ...]:
    return tuple(Button(label, f"data-{label}") for label in labels)


@pytest.mark.parametrize(
    ("rows", "keys"),
    [
        ([row("OK, I agree")], [["1"]]),
        ([row("Yes", "No"), row("◀ Back")], [["1", "2"], ["3"]]),
        (
            [row("0", "1", "2"), row("3", "4"), row("◀ Back", "Skip")],
            [["0", "1", "2"], ["3", "4"], ["a", "b"]],
        ),
        ([row("7", "7"), row("Skip")], [["1", "2"], ["3"]]),
        ([row("I cannot walk"), row("Less than 50 m"), row("50–100 m")], [["1"], ["2"], ["3"]]),
    ],
)
def test_button_keys_number_buttons_and_keep_scores_as_typed(
    rows: list[tuple[Button, ...]], keys: list[list[str]]
) -> None:
    assert [[key for key, _ in line] for line in button_keys(rows)] == keys


async def test_a_person_completes_the_baseline_check_in_at_the_terminal(
    tmp_path: Path, base_settings: Settings
) -> None:
    lines = ["1", "1", "7", "5", "2", "300 m", "/nurse", "/quit"]
    printed, read = script(lines)

    database = await run_interactive_demo(
        tmp_path / "demo", base_settings=base_settings, read=read, write=printed.append
    )

    output = "\n".join(printed)
    for expected in [
        "bot: Welcome. After your back operation we will send you short check-ins about leg "
        "pain, back pain, numbness and walking.",
        "     [1] OK, I agree",
        "you> 1\nbot: ✔ OK, I agree\nbot: Which language do you prefer?\n"
        "     [1] English   [2] 中文\nyou> 1\nbot: ✔ English\nbot: OK, I will write in English.",
        "     [0]   [1]   [2]   [3]   [4]   [5]\n     [6]   [7]   [8]   [9]   [10]\nyou> 7",
        "     [a] ◀ Back\nyou> 5\nbot: ✔ 5",
        "     [1] Yes   [2] No\n     [3] ◀ Back\nyou> 2\nbot: ✔ No",
        "     [1] I cannot walk\n     [2] Less than 50 m\n     [3] 50–100 m",
        "you> 300 m\nbot: ✔ 300 m (100–500 m)\n"
        "bot: Thank you. Your answers are saved and the team can see them.\n\n"
        "     Next check-in: Tue 4 Mar 2025.",
        "you> /nurse\n(the nurses' group has received nothing yet)\nyou> /quit",
    ]:
        assert expected in output
    assert printed[-1] == f"Database: {database}"
    assert database == tmp_path / "demo" / DATABASE_NAME

    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with session_factory(engine)() as session:
            patient = await patient_by_ref(session, "DEMO-001")
            assert patient is not None
            enrolment = await active_enrolment(session, patient.id)
            assert enrolment is not None
            baseline = (await checkins_for_enrolment(session, enrolment.id))[0]
            answers = await current_answers(session, baseline.id)
    finally:
        await engine.dispose()
    assert (baseline.spec_id, baseline.status) == ("baseline", "completed")
    assert answers == {
        "leg_pain": 7,
        "back_pain": 5,
        "numbness_before": False,
        "walking": {"metres": 300.0, "category": "m100_500"},
    }


async def test_a_red_flag_answer_shows_the_advice_and_the_nurses_card(
    tmp_path: Path, base_settings: Settings
) -> None:
    baseline = ["1", "1", "7", "5", "2", "2"]
    day_1 = ["/days 1", "2", "2", "1", "6", "2", "1", "10", "2", "/ack", "/ack", "/quit"]
    printed, read = script(baseline + day_1)

    await run_interactive_demo(
        tmp_path / "demo", base_settings=base_settings, read=read, write=printed.append
    )

    output = "\n".join(printed)
    assert (
        "you> /days 1\n── Tue 4 Mar 2025, 10:00 · day 1 after the operation ──\n"
        "bot (Tue 4 Mar 09:01): Time for your check-in (day 1 after your operation). "
        "It takes about 2 minutes."
    ) in output
    assert "     [1] ✅ New trouble passing urine, or losing control of bladder or bowels" in output
    tick = (
        "bot: ⚠️ This answer can be a sign of a problem that needs a doctor today.\n"
        "     Please call the spine ward now: +86 10 5555 0100."
    )
    before_advice = output[: output.index(tick)]
    assert before_advice.rsplit("you> ", 1)[1].startswith("1\n")  # at the tick, before Done
    assert "you> 10" not in before_advice[before_advice.index("day 1 after the operation") :]
    assert "you> 10\nbot: ✔ New trouble passing urine, or losing control of bladder" in output
    after_tick = output[output.index(tick) :].splitlines()
    shown = after_tick[: after_tick.index("you> 10")]  # before Done is typed
    card = shown[shown.index("┌─ in the nurses' group (what the ward team sees):") :]
    assert card[1].startswith("│ 🔴 RED · card #1 · patient DEMO-001 · day 1 post-op")
    assert card[2] == "│ 🔴 Red flag: new trouble passing urine or loss of bladder or bowel control"
    assert "bot: Thank you. Your answers are saved and the team can see them." in output
    acknowledged = output[output.index("you> /ack\n") :].splitlines()
    assert acknowledged[1] == "┌─ in the nurses' group (what the ward team sees):"
    assert "│ ✅ Acknowledged by Nurse Chen, 04 Mar 10:00" in acknowledged
    assert acknowledged[acknowledged.index("you> /ack", 1) + 1] == (
        "(no flag card is waiting to be acknowledged)"
    )


async def test_the_demo_shows_a_red_flag_escalating_and_the_nurse_resolving_it(
    tmp_path: Path, base_settings: Settings
) -> None:
    baseline = ["1", "1", "7", "5", "2", "2"]
    day_1 = ["/days 1", "2", "2", "1", "6", "2", "1", "10", "2"]
    nurse = ["/days 1", "n1", "n2", "n1", "/flags", "/quit"]
    printed, read = script(baseline + day_1 + nurse)

    await run_interactive_demo(
        tmp_path / "demo", base_settings=base_settings, read=read, write=printed.append
    )

    output = "\n".join(printed)
    # the clock stopped at 10:15 for the escalation, and at 08:30 for the digest
    jump = output[output.rindex("you> /days 1\n") : output.index("you> n1\n")].splitlines()
    assert jump[1] == "── Wed 5 Mar 2025, 10:00 · day 2 after the operation ──"
    assert "│ 🔔 Nurses on duty: red flag not acknowledged for 15 minutes. Please act now." in jump
    assert "│ ⚠️ Escalated 04 Mar 10:15 (not acknowledged within 15 min)" in jump
    assert "│ • Note from the patient: skipped" in jump
    digest = jump.index(
        "│ Daily digest, 05 Mar 2025: 1 patient · 🔴 1 · 🟠 0 · 🔵 0 unresolved flags"
    )
    assert jump[digest + 1 : digest + 3] == [
        "│ 🔴 DEMO-001 day 1: Red flag: new trouble passing urine or loss of bladder or bowel"
        " control — open, 22 h",
        "│ [n1] 🔴 DEMO-001",
    ]
    # the nurse opens the card from the digest, presses Resolve and picks an outcome
    resolving = output[output.index("you> n1\n") :].splitlines()
    assert "│ [n1] Acknowledge   [n2] Resolve" in resolving
    assert (
        "│ [n1] Called patient — fine   [n2] Advised emergency department   [n3] Booked clinic"
        " review   [n4] Write a note   [n5] Back"
    ) in resolving
    assert "│ ☑️ Resolved by Nurse Chen, 05 Mar 10:00: Called patient — fine" in resolving
    assert "you> /flags\nbot: Open flags\n     No open flags.\nyou> /quit" in output
