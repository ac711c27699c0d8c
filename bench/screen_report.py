"""How well the survey reads patients' own words: the phrase corpus through the parser and
the red-flag screen.

Usage::

    python -m bench.screen_report            # default survey, tests/surveys/phrase_corpus.yaml
    python -m bench.screen_report --misses   # also list every phrase read differently

Prints the share of phrases read as expected and the precision and recall of the red-flag
screen (per red-flag item found in a phrase). The floors are asserted by
``tests/surveys/test_phrase_corpus.py``; this script only reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from surveys.engine import Accepted, advance
from surveys.loader import load_default_survey
from surveys.model import AnswerValue, Survey
from surveys.screening import screen_text

__all__ = ["CORPUS_PATH", "Phrase", "Report", "evaluate", "load_corpus", "read"]

CORPUS_PATH = Path(__file__).parent.parent / "tests" / "surveys" / "phrase_corpus.yaml"
FORM = "early"
_EARLIER: dict[str, AnswerValue] = {
    "leg_pain": 1,
    "back_pain": 1,
    "numbness": "same",  # so "where" is asked
    "numbness_where": ["left_leg"],
    "walking": {"metres": 300.0, "category": "m100_500"},
    "pgic": "no_change",
    "red_flags": ["none"],
}
_NOW = dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Phrase:
    question: str  # "message": outside a check-in (screened only)
    text: str
    expected: tuple[str, Any]  # ("value", v), ("rejected", reason) or ("message", None)
    red: frozenset[str]
    held_out: int = 0  # 0: written with the phrase lists; 1, 2, 3: held-out sets


@dataclass
class Report:
    phrases: int = 0
    read_as_expected: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0


def load_corpus(path: Path = CORPUS_PATH) -> list[Phrase]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    phrases = []
    for entry in entries:
        if entry["q"] == "message":
            expected: tuple[str, Any] = ("message", None)
        elif "x" in entry:
            expected = ("rejected", entry["x"])
        else:
            expected = ("value", entry["v"])
        red = frozenset(entry.get("red", []))
        phrases.append(Phrase(entry["q"], str(entry["t"]), expected, red, int(entry.get("h", 0))))
    return phrases


def read(survey: Survey, phrase: Phrase) -> tuple[str, Any]:
    """What the survey engine makes of the phrase at its question (early form)."""
    if phrase.question == "message":
        return ("message", None)
    form = survey.form(FORM)
    order = [q.id for q in form.questions]
    answers = {q: v for q, v in _EARLIER.items() if order.index(q) < order.index(phrase.question)}
    result = advance(survey, form, answers, phrase.question, phrase.text, _NOW)
    if isinstance(result, Accepted):
        return ("value", result.value)
    return ("rejected", str(result.reason))


def evaluate(survey: Survey | None = None, phrases: list[Phrase] | None = None) -> Report:
    survey = survey or load_default_survey()
    phrases = load_corpus() if phrases is None else phrases
    report = Report()
    for phrase in phrases:
        report.phrases += 1
        reading = read(survey, phrase)
        found = {hit.option for hit in screen_text(survey.screening, phrase.text)}
        report.true_positives += len(found & phrase.red)
        report.false_positives += len(found - phrase.red)
        report.false_negatives += len(phrase.red - found)
        if reading == phrase.expected and found == phrase.red:
            report.read_as_expected += 1
        else:
            report.misses.append(
                f"{phrase.question}: {phrase.text!r} read {reading}, screen {sorted(found)}; "
                f"expected {phrase.expected}, screen {sorted(phrase.red)}"
            )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", action="store_true", help="list phrases read differently")
    args = parser.parse_args()
    phrases = load_corpus()
    for title, part in (
        ("whole corpus", phrases),
        ("written with the phrases", [p for p in phrases if not p.held_out]),
        ("held-out set 1 (seen, then lists generalised)", [p for p in phrases if p.held_out == 1]),
        ("held-out set 2 (seen, then lists generalised)", [p for p in phrases if p.held_out == 2]),
        ("held-out set 3 (seen, then lists generalised)", [p for p in phrases if p.held_out == 3]),
    ):
        report = evaluate(phrases=part)
        red = report.true_positives + report.false_negatives
        print(f"{title}: {report.phrases} phrases, {red} red-flag mentions")
        print(f"  read as expected: {report.read_as_expected} / {report.phrases}")
        print(
            f"  red-flag screen: precision {report.precision:.1%} ({report.true_positives} of "
            f"{report.true_positives + report.false_positives} found), "
            f"recall {report.recall:.1%} ({report.true_positives} of {red} expected)"
        )
        if args.misses and part is not phrases:
            for miss in report.misses:
                print("    " + miss)


if __name__ == "__main__":
    main()
