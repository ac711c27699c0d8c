"""Runs of missed check-ins: which misses count, and which runs are long enough to flag."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Final

from storage.missed import ClosedCheckin

__all__ = ["COUNTED_MISSES", "UNDELIVERABLE", "missed_run_why", "runs_of"]

UNDELIVERABLE: Final = "undeliverable"

# ``last_error`` of a missed check-in that counts towards the consecutive-missed flag: the
# patient did not answer (None: sent and not answered), or never linked the bot or gave
# consent. Not counted: misses while paused or withdrawn (the patient's choice), while
# unreachable or given up as undeliverable (the "unreachable" flag already tells the
# nurse), and "not sent" (the bot was down or held it back: not the patient's doing).
COUNTED_MISSES: Final[frozenset[str | None]] = frozenset({None, "not linked", "not onboarded"})


def runs_of(
    history: Sequence[ClosedCheckin],
    *,
    minimum: int,
    reasons: Collection[str | None] = COUNTED_MISSES,
) -> list[tuple[ClosedCheckin, ...]]:
    """Runs of at least ``minimum`` misses with a reason in ``reasons``, oldest first.

    ``history`` is an enrolment's completed and missed check-ins in due order. A completed
    check-in ends a run; a miss with another reason neither counts nor ends it.
    """
    runs: list[tuple[ClosedCheckin, ...]] = []
    current: list[ClosedCheckin] = []
    for checkin in [*history, None]:
        if checkin is not None and checkin.status == "missed":
            if checkin.last_error in reasons:
                current.append(checkin)
            continue
        if len(current) >= minimum:
            runs.append(tuple(current))
        current = []
    return runs


def missed_run_why(run: Sequence[ClosedCheckin]) -> dict[str, str]:
    """The flag's reason in both languages: a run the patient never started (invite not
    opened, or consent not given) says so rather than "not answered"."""
    count = len(run)
    if all(c.last_error == "not linked" for c in run):
        return {"en": f"The invite was not opened: {count} check-ins in a row were not sent.",
                "zh-Hans": f"邀请链接未打开：连续{count}次随访未能发送。"}  # fmt: skip
    if all(c.last_error in ("not linked", "not onboarded") for c in run):
        return {"en": f"Never started (consent not given): {count} check-ins in a row "
                      "were not sent.",
                "zh-Hans": f"未开始（未同意）：连续{count}次随访未能发送。"}  # fmt: skip
    return {"en": f"{count} check-ins in a row were not answered.",
            "zh-Hans": f"连续{count}次随访未完成。"}  # fmt: skip
