"""The auto demo: a small seeded cohort through a year, checked against the database."""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections import Counter
from pathlib import Path

from bot.demo.cohort import make_cohort
from bot.demo.runner import AutoResult, run_auto_demo
from bot.settings import Settings
from surveys.loader import load_default_survey

SPEC_IDS = ["baseline", "day_1", "day_3", "day_7", "day_14", "day_28", "day_42", "day_90",
            "day_180", "day_365"]  # fmt: skip


Flag = tuple[str, str, str, str | None]


def stored(database: Path) -> tuple[dict[str, Counter[str]], dict[str, list[int]], list[Flag]]:
    """Check-in outcomes and leg pain by time point, and every flag, read with plain SQL."""
    with sqlite3.connect(database) as db:
        outcomes: dict[str, Counter[str]] = {spec: Counter() for spec in SPEC_IDS}
        for spec, status, count in db.execute(
            "SELECT spec_id, status, count(*) FROM checkin GROUP BY spec_id, status"
        ):
            outcomes[spec][status] = count
        legs: dict[str, list[int]] = {spec: [] for spec in SPEC_IDS}
        for spec, value in db.execute(
            "SELECT c.spec_id, a.value FROM answer a JOIN checkin c ON c.id = a.checkin_id "
            "WHERE a.question_id = 'leg_pain' AND a.superseded_at IS NULL "
            "AND c.status = 'completed'"
        ):
            legs[spec].append(json.loads(value) if isinstance(value, str) else value)
        flags = db.execute(
            "SELECT p.ref, f.rule_id, f.level, c.spec_id FROM flag f "
            "JOIN patient p ON p.id = f.patient_id LEFT JOIN checkin c ON c.id = f.checkin_id "
            "ORDER BY f.id"
        ).fetchall()
    return outcomes, legs, flags


async def run_small_cohort(tmp_path: Path, base_settings: Settings) -> tuple[AutoResult, str]:
    printed: list[str] = []
    result = await run_auto_demo(
        tmp_path / "demo", patients=4, seed=7, base_settings=base_settings, write=printed.append
    )
    return result, "\n".join(printed)


def test_the_small_cohort_has_a_red_flag_case_and_one_who_stops_answering() -> None:
    assert [p.profile for p in make_cohort(4, seed=7)] == ["good", "red_flag", "slow", "dropout"]


async def test_auto_demo_summary_matches_what_the_database_holds(
    tmp_path: Path, base_settings: Settings
) -> None:
    result, output = await run_small_cohort(tmp_path, base_settings)

    assert result.database_path == tmp_path / "demo" / "followup-demo.db"
    outcomes, legs, flags = stored(result.database_path)
    survey = load_default_survey()
    points = {point.spec_id: point for point in result.summary.cohort.time_points}
    assert list(points) == SPEC_IDS
    for spec in SPEC_IDS:
        answered, missed = outcomes[spec]["completed"], outcomes[spec]["missed"]
        assert sum(outcomes[spec].values()) == answered + missed == 4, spec  # all settled
        point = points[spec]
        assert (point.answered, point.due) == (answered, answered + missed), spec
        assert point.response_rate == answered / (answered + missed), spec
        assert point.median_leg_pain == statistics.median(legs[spec]), spec
        row = f"{'Before surgery' if spec == 'baseline' else 'Day ' + spec[4:]:<15} "
        row += f"{f'{answered}/{answered + missed}':>9} {answered / (answered + missed):>5.0%}"
        assert row in output, row

    levels = Counter(level for _, _, level, _ in flags)
    assert result.summary.flags_raised == {
        "red": levels["red"], "amber": levels["amber"], "info": levels["info"],
    }  # fmt: skip
    assert (
        f"Flags raised: red {levels['red']} · amber {levels['amber']} · info {levels['info']}"
        in output
    )
    assert ("DEMO-002", "red_bladder_bowel", "red", "day_3") in flags
    assert [flag for flag in flags if flag[2] == "red"] == [
        ("DEMO-002", "red_bladder_bowel", "red", "day_3")
    ]
    description = next(r.description.en for r in survey.rules if r.id == "red_bladder_bowel")
    assert f"  red     1 × {description}" in output

    # DEMO-004 stops answering after day 14: every later check-in is missed, and flagged.
    assert all(outcomes[spec]["missed"] >= 1 for spec in SPEC_IDS[5:])
    assert any(ref == "DEMO-004" and level == "amber" for ref, _, level, _ in flags)
    assert output.endswith(f"Database: {result.database_path}")


def test_a_seed_fixes_every_answer_of_the_cohort() -> None:
    def answers(seed: int) -> list[object]:
        return [
            (patient, patient.visit(day, 7), patient.answers(day, 0))
            for patient in make_cohort(20, seed)
            for day in (None, 1, 3, 7, 14, 28, 42, 90, 180, 365)
        ]

    assert answers(7) == answers(7)
    assert answers(7) != answers(8)
    assert Counter(p.profile for p in make_cohort(20, seed=7)) == {
        "good": 8, "slow": 5, "red_flag": 2, "amber": 2, "dropout": 2, "non_improver": 1,
    }  # fmt: skip
