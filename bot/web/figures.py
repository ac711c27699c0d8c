"""Percentiles from answer histograms, and the ward's band at each time point.

The ward's figures come from counts of each answer (one grouped query), so they cost the
same with a hundred patients or a hundred thousand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["MIN_BAND_PATIENTS", "Band", "band_of", "percentile", "percentile_of_values"]

MIN_BAND_PATIENTS = 10
"""A time point needs this many answers before the ward's band is drawn or compared with."""


@dataclass(frozen=True)
class Band:
    """Quartiles of one measure at one time point, over ``count`` answers."""

    q1: float
    median: float
    q3: float
    count: int


def percentile(counts: Mapping[float, int], fraction: float) -> float | None:
    """The ``fraction`` percentile (linear between ranks) of a histogram ``value → count``."""
    total = sum(counts.values())
    if total == 0:
        return None
    position = fraction * (total - 1)
    below, above = int(position), min(int(position) + 1, total - 1)
    seen = 0
    low = high = None
    for value in sorted(counts):
        seen += counts[value]
        if low is None and seen > below:
            low = value
        if seen > above:
            high = value
            break
    assert low is not None and high is not None
    return low + (high - low) * (position - below)


def percentile_of_values(values: Sequence[float], fraction: float) -> float | None:
    counts: dict[float, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return percentile(counts, fraction)


def band_of(counts: Mapping[float, int]) -> Band | None:
    total = sum(counts.values())
    q1, median, q3 = (percentile(counts, f) for f in (0.25, 0.5, 0.75))
    if q1 is None or median is None or q3 is None:
        return None
    return Band(q1, median, q3, total)
