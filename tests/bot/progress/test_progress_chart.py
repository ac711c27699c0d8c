"""The patient's chart: size, the words drawn (in the patient's language), and the fallback
when no font on the machine can write Chinese."""

from __future__ import annotations

import io

import pytest
from matplotlib.text import Text as DrawnText
from PIL import Image

from bot.nurse.recovery import Measures
from bot.services.progress import Progress, build_figure, cjk_family, patient_chart
from bot.services.progress import fonts as progress_fonts
from bot.services.progress.chart import PatientChart
from surveys.loader import load_default_survey

SURVEY = load_default_survey()
PROGRESS = Progress(
    Measures(leg_pain=8, back_pain=6, walking="under_50"),
    (
        (1, Measures(leg_pain=6, back_pain=5, walking="under_50")),
        (42, Measures(leg_pain=3, back_pain=None, walking="m500_1000")),
    ),
)


def drawn_words(chart: PatientChart) -> set[str]:
    figure = build_figure(chart)
    return {t.get_text() for t in figure.findobj(DrawnText) if t.get_text()}


def test_english_chart_words_points_and_size() -> None:
    chart = patient_chart(SURVEY, PROGRESS, "en")
    assert chart is not None
    assert chart.ticks == ("Before", "1", "42")
    assert chart.leg_pain == (8, 6, 3)
    assert chart.back_pain == (6, 5, None)
    assert chart.walking == (1, 1, 4)
    words = drawn_words(chart)
    assert {"Your recovery", "Pain (0 = none, 10 = worst)", "Leg pain", "Back pain",
            "How far you can walk", "Days after surgery", "Operation", "Before",
            "Less than 50 m", "No limit"} <= words  # fmt: skip
    image = Image.open(io.BytesIO(chart.png()))
    assert (image.format, image.size) == ("PNG", (1050, 1350))


def test_large_type_for_an_older_reader() -> None:
    chart = patient_chart(SURVEY, PROGRESS, "en")
    assert chart is not None
    figure = build_figure(chart)
    sizes = {t.get_text(): t.get_fontsize() for t in figure.findobj(DrawnText) if t.get_text()}
    assert sizes["Your recovery"] >= 24
    assert min(sizes[w] for w in ("Leg pain", "Days after surgery", "Before", "42")) >= 14


@pytest.mark.skipif(cjk_family() is None, reason="no Chinese font on this machine")
def test_chinese_chart_is_written_in_chinese_with_a_chinese_font() -> None:
    chart = patient_chart(SURVEY, PROGRESS, "zh-Hans")
    assert chart is not None
    words = drawn_words(chart)
    chinese = {"您的恢复", "腿痛", "腰背痛", "能走多远", "术后天数", "术前", "手术", "不到50米"}
    assert chinese <= words
    assert not {"Leg pain", "Before", "Your recovery"} & words
    assert chart.fonts[0] == cjk_family()
    figure = build_figure(chart)
    title = next(t for t in figure.findobj(DrawnText) if t.get_text() == "您的恢复")
    assert title.get_fontfamily()[0] == cjk_family()
    assert Image.open(io.BytesIO(chart.png())).size == (1050, 1350)


def test_without_a_chinese_font_no_chart_is_drawn_for_chinese(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(progress_fonts, "cjk_family", lambda: None)
    assert patient_chart(SURVEY, PROGRESS, "zh-Hans") is None
    assert patient_chart(SURVEY, PROGRESS, "en") is not None


def test_no_chart_before_the_first_follow_up() -> None:
    assert patient_chart(SURVEY, Progress(PROGRESS.baseline, ()), "en") is None


def test_without_a_baseline_the_points_start_at_the_first_follow_up() -> None:
    chart = patient_chart(SURVEY, Progress(None, PROGRESS.follow_ups), "en")
    assert chart is not None
    assert (chart.ticks, chart.has_baseline) == (("1", "42"), False)
    assert "Operation" not in drawn_words(chart)
