"""Percentiles from answer counts, and the sign-in rate limit."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.clock import FakeClock
from bot.web.figures import band_of, percentile, percentile_of_values
from bot.web.ratelimit import SignInLimiter


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([1, 2, 3, 4], 0.5, 2.5),
        ([1, 2, 3, 4, 5], 0.25, 2.0),
        ([7], 0.9, 7.0),
        ([0, 10], 0.75, 7.5),
        ([], 0.5, None),
    ],
)
def test_percentile_matches_linear_interpolation(
    values: list[float], fraction: float, expected: float | None
) -> None:
    assert percentile_of_values(values, fraction) == expected


def test_a_histogram_gives_the_same_band_as_its_values() -> None:
    counts = {2.0: 3, 5.0: 1, 8.0: 4}
    values = [2.0] * 3 + [5.0] + [8.0] * 4
    band = band_of(counts)
    assert band is not None
    assert (band.q1, band.median, band.q3, band.count) == (
        percentile_of_values(values, 0.25), percentile_of_values(values, 0.5),
        percentile_of_values(values, 0.75), 8,
    )  # fmt: skip
    assert percentile(counts, 0.5) == 6.5


def test_five_failures_block_the_name_and_the_address_for_fifteen_minutes() -> None:
    clock = FakeClock(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    limiter = SignInLimiter(clock)
    for _ in range(5):
        assert not limiter.blocked("10.0.0.1", "Ana")
        limiter.failed("10.0.0.1", "Ana")
    assert limiter.blocked("10.0.0.1", "Ana")
    assert limiter.blocked("10.0.0.2", "ana")  # the name, from anywhere
    assert limiter.blocked("10.0.0.1", "Bob")  # the address, for any name
    assert not limiter.blocked("10.0.0.2", "Bob")
    clock.advance(dt.timedelta(minutes=15))
    assert not limiter.blocked("10.0.0.1", "Ana")
