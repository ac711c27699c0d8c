"""Survey fixtures for the parsing tests: the default walking bands and typical questions.

Session-scoped so hypothesis tests can use them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from survey_builders import write_definition

from surveys.loader import load_default_survey, load_survey
from surveys.model import DistanceCategory, Option, Question, Survey, Text


@pytest.fixture(scope="session")
def walking_categories() -> tuple[DistanceCategory, ...]:
    """The clinical spec's bands, worst to best."""
    return (
        DistanceCategory("cannot_walk", Text("Cannot walk", "不能走路"), 0, 0),
        DistanceCategory("under_50", Text("< 50 m", "少于50米"), 0, 50),
        DistanceCategory("m50_100", Text("50–100 m", "50–100米"), 50, 100),
        DistanceCategory("m100_500", Text("100–500 m", "100–500米"), 100, 500),
        DistanceCategory("m500_1000", Text("500 m–1 km", "500米–1公里"), 500, 1000),
        DistanceCategory("over_1000", Text("> 1 km", "超过1公里"), 1000, None),
        DistanceCategory("no_limit", Text("No limit", "没有限制"), 0, None, unlimited=True),
    )


@pytest.fixture(scope="session")
def walking() -> Question:
    return Question("walking", "distance", Text("How far can you walk?", "您能走多远？"))


@pytest.fixture(scope="session")
def leg_pain() -> Question:
    return Question("leg_pain", "scale", Text("Leg pain?", "腿痛？"), minimum=0, maximum=10)


@pytest.fixture(scope="session")
def numbness() -> Question:
    return Question(
        "numbness",
        "single_choice",
        Text("Numbness?", "麻木？"),
        options=(
            Option("none", Text("None", "没有麻木"), aliases=("no numbness",)),
            Option("better", Text("Better than before surgery", "比手术前好")),
            Option("same", Text("The same", "和手术前一样"), aliases=("same as before",)),
            Option("worse", Text("Worse", "更严重")),
        ),
    )


@pytest.fixture(scope="session")
def numbness_where() -> Question:
    return Question(
        "numbness_where",
        "multi_choice",
        Text("Where?", "哪里？"),
        options=(
            Option("left_leg", Text("Left leg", "左腿")),
            Option("right_leg", Text("Right leg", "右腿")),
            Option("both_legs", Text("Both legs", "双腿"), aliases=("both",)),
            Option("saddle", Text("Between the legs or around the bottom", "两腿之间或肛门周围")),
            Option("none", Text("None of these", "以上都没有"), exclusive=True),
        ),
    )


@pytest.fixture(scope="session")
def fever() -> Question:
    return Question(
        "temperature",
        "number",
        Text("Your temperature?", "您的体温？"),
        minimum=35,
        maximum=42,
        unit="°C",
    )


@pytest.fixture(scope="session")
def urine() -> Question:
    return Question("urine", "yes_no", Text("Trouble passing urine?", "排尿困难吗？"))


@pytest.fixture(scope="session")
def note() -> Question:
    return Question("note", "text", Text("Note for the nurse", "给护士的留言"), required=False)


# --- survey definitions (loader, engine, rules and schedule tests) ---


@pytest.fixture
def mini(tmp_path: Path) -> Survey:
    """The small valid definition from ``survey_builders``, loaded."""
    return load_survey(write_definition(tmp_path))


@pytest.fixture
def survey() -> Survey:
    """The shipped lumbar-decompression survey."""
    return load_default_survey()
