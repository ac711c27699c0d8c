"""The recovery chart (the data it plots, and a real PNG) and the invite QR code."""

from __future__ import annotations

import io
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from bot.nurse.chart import ChartData, Series, build_figure, chart_data, render_chart
from bot.nurse.qr import invite_qr_png
from bot.nurse.recovery import trajectory
from surveys.loader import load_default_survey
from tests.bot.nurse.nurse_builders import checkin, walk

SURVEY = load_default_survey()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _trajectory(days: dict[int | None, tuple[str, dict[str, Any]]]) -> Any:
    checkins, answers = [], {}
    for i, (day, (status, given)) in enumerate(days.items(), start=1):
        checkins.append(checkin(i, day, status))
        answers[i] = given
    return trajectory(SURVEY, "P-007", checkins, answers)


RECOVERING = _trajectory({
    None: ("completed", {"leg_pain": 8, "back_pain": 5, "walking": walk("under_50")}),
    1: ("completed", {"leg_pain": 6, "back_pain": 6, "walking": walk("under_50")}),
    3: ("missed", {}),
    7: ("completed", {"leg_pain": 4, "walking": walk("m100_500", 300)}),
    14: ("completed", {"leg_pain": 2, "back_pain": 3, "walking": walk("no_limit")}),
    28: ("sent", {}),
})  # fmt: skip


def test_chart_data_has_answered_days_and_the_baselines() -> None:
    data = chart_data(SURVEY, RECOVERING)
    assert data.title == "Patient P-007: recovery since surgery"
    assert data.leg_pain == Series("Leg pain", ((1, 6), (7, 4), (14, 2)), 8)
    assert data.back_pain == Series("Back pain", ((1, 6), (14, 3)), 5)
    assert data.walking == Series("Walking", ((1, 1), (7, 3), (14, 6)), 1)
    assert data.walking_labels == (
        "I cannot walk", "Less than 50 m", "50–100 m", "100–500 m", "500 m – 1 km",
        "More than 1 km", "No limit",
    )  # fmt: skip


def test_figure_plots_each_series_and_a_dashed_baseline() -> None:
    figure = build_figure(chart_data(SURVEY, RECOVERING))
    lines = [line for axis in figure.axes for line in axis.get_lines()]
    plotted = {
        str(ln.get_label()): (list(ln.get_xdata()), list(ln.get_ydata()), ln.get_linestyle())
        for ln in lines
    }
    assert plotted["Leg pain"] == ([1, 7, 14], [6, 4, 2], "-")
    assert plotted["Back pain"] == ([1, 14], [6, 3], "-")
    assert plotted["Walking"] == ([1, 7, 14], [1, 3, 6], "-")
    assert plotted["Leg pain before surgery"][1] == [8, 8]
    assert plotted["Back pain before surgery"][1] == [5, 5]
    assert plotted["Walking before surgery"][1] == [1, 1]
    assert {style for _, _, style in plotted.values() if style != "-"} == {"--"}
    walking_axis = figure.axes[1]
    ticks = [t.get_text() for t in walking_axis.get_yticklabels()]
    assert (ticks[0], ticks[-1]) == ("I cannot walk", "No limit")


def test_chart_is_a_png_image() -> None:
    png = render_chart(chart_data(SURVEY, RECOVERING))
    assert png.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (800, 500)


def test_chart_without_answers_still_renders() -> None:
    empty = _trajectory({None: ("missed", {}), 1: ("sent", {})})
    data = chart_data(SURVEY, empty)
    assert data.empty
    assert data == ChartData(
        "Patient P-007: recovery since surgery",
        Series("Leg pain", (), None), Series("Back pain", (), None), Series("Walking", (), None),
        data.walking_labels,
    )  # fmt: skip
    assert render_chart(data).startswith(PNG_MAGIC)


@pytest.mark.parametrize(
    "link",
    [
        "https://t.me/spine_followup_bot?start=AbC-123_xyz",
        "https://t.me/followup_demo_bot?start=" + "k" * 43,
    ],
)
def test_invite_qr_code_decodes_to_the_link(link: str) -> None:
    png = invite_qr_png(link)
    assert png.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(png)) as image:
        found = zxingcpp.read_barcodes(image.convert("L"))
    assert [(code.format, code.text) for code in found] == [(zxingcpp.BarcodeFormat.QRCode, link)]
