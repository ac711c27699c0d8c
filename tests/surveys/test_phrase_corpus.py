"""The phrase corpus: every phrase is read as expected, and the red-flag screen keeps its
precision and recall floors (figures printed by ``python -m bench.screen_report``)."""

from __future__ import annotations

import re

import pytest

from bench.screen_report import Phrase, evaluate, load_corpus, read
from surveys.loader import load_default_survey
from surveys.screening import screen_text

CORPUS = load_corpus()
WRITTEN_WITH_THE_LISTS = [p for p in CORPUS if not p.held_out]
PRECISION_FLOOR = 0.95  # alert fatigue: at most 1 false red flag in 20
RECALL_FLOOR = 0.85  # over the whole corpus, held-out phrases included


def test_the_corpus_covers_both_languages_and_every_question() -> None:
    survey = load_default_survey()
    chinese = [p for p in CORPUS if re.search(r"[\u3400-\u9fff]", p.text)]
    assert len(CORPUS) >= 150
    assert len(chinese) >= 60 and len(CORPUS) - len(chinese) >= 60
    asked = {q.id for q in survey.form("early").questions}
    assert asked | {"message"} == {p.question for p in CORPUS}


@pytest.mark.parametrize("phrase", WRITTEN_WITH_THE_LISTS, ids=lambda p: f"{p.question}:{p.text}")
def test_phrase_is_read_as_expected(phrase: Phrase) -> None:
    survey = load_default_survey()
    assert read(survey, phrase) == phrase.expected
    assert {hit.option for hit in screen_text(survey.screening, phrase.text)} == phrase.red


def test_red_flag_screen_precision_and_recall_stay_above_their_floors() -> None:
    report = evaluate(phrases=CORPUS)
    assert report.precision >= PRECISION_FLOOR, report.misses
    assert report.recall >= RECALL_FLOOR, report.misses
