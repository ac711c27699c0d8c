"""Where the benchmarks' patients live: somewhere it is daytime whenever the benchmark runs."""

from __future__ import annotations

import datetime as dt

__all__ = ["midday_zone"]


def midday_zone(now: dt.datetime) -> str:
    """A fixed-offset zone where ``now`` is early afternoon, so quiet hours never hold the
    benchmark's messages back (a baseline due tomorrow is already open)."""
    offset = (13 - now.astimezone(dt.UTC).hour + 12) % 24 - 12  # -12 … +11 hours
    # POSIX-style names: "Etc/GMT-3" is three hours *ahead* of UTC
    return "Etc/UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"
