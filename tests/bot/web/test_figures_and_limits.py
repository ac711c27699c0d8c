"""Percentiles from answer counts."""

from __future__ import annotations

import pytest

from bot.web.figures import band_of, percentile, percentile_of_values


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
