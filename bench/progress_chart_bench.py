"""Patient chart benchmark: time to draw the /progress chart (a year of check-ins) as PNG.

Usage::

    python -m bench.progress_chart_bench [--runs 10]

The chart is drawn in a worker thread when it is sent, outside the database transaction,
and only for /progress, milestones and the closing message; the target is under 1 s per
chart on an idle 2-CPU machine. This is a benchmark, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bot.nurse.recovery import Measures
from bot.services.progress import Progress, patient_chart
from surveys.loader import load_default_survey

DAYS = (1, 3, 7, 14, 28, 42, 90, 180, 365)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    survey = load_default_survey()
    before = Measures(leg_pain=8, back_pain=6, walking="under_50")
    points = tuple(
        (day, Measures(leg_pain=max(8 - i, 1), back_pain=3, walking="m100_500"))
        for i, day in enumerate(DAYS)
    )
    print("| language | median per chart | PNG size |\n|---|---|---|")
    for language in ("en", "zh-Hans"):
        chart = patient_chart(survey, Progress(before, points), language)
        if chart is None:
            print(f"| {language} | no font for this language | — |")
            continue
        png = chart.png()  # the first draw loads matplotlib and the fonts
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            chart.png()
            times.append(time.perf_counter() - start)
        median = statistics.median(times) * 1000
        print(f"| {language} | {median:.0f} ms | {len(png) // 1024} KiB |")


if __name__ == "__main__":
    main()
