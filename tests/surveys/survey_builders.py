"""Builders for survey-definition tests: a small valid definition and edits that break it."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

Definition = dict[str, Any]
Edit = Callable[[Definition], None]


def text(en: str) -> dict[str, str]:
    return {"en": en, "zh-Hans": f"中文：{en}"}


def option(option_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": option_id, "label": text(option_id.title()), **extra}


MINIMAL: Definition = {
    "id": "mini",
    "version": "1",
    "title": text("Mini survey"),
    "distance_categories": [
        {"id": "cannot_walk", "label": text("Cannot walk"), "min_metres": 0, "max_metres": 0},
        {"id": "short", "label": text("Under 100 m"), "min_metres": 0, "max_metres": 100},
        {"id": "far", "label": text("100 m or more"), "min_metres": 100},
        {"id": "no_limit", "label": text("No limit"), "min_metres": 100, "unlimited": True},
    ],
    "schedule": {
        "checkins": [
            {"id": "baseline", "form": "base", "day": None, "open_hours": 48},
            {
                "id": "day_1",
                "form": "followup",
                "day": 1,
                "open_hours": 48,
                "reminder_hours": [4, 24],
            },
        ],
    },
    "forms": {
        "base": {
            "title": text("Before"),
            "questions": [
                {"id": "pain", "type": "scale", "text": text("Pain?"), "minimum": 0, "maximum": 10},
            ],
        },
        "followup": {
            "title": text("After"),
            "questions": [
                {
                    "id": "pain",
                    "type": "scale",
                    "text": text("Pain?"),
                    "minimum": 0,
                    "maximum": 10,
                    "low_anchor": text("None"),
                    "high_anchor": text("Worst"),
                },
                {
                    "id": "numbness",
                    "type": "single_choice",
                    "text": text("Numbness?"),
                    "options": [option("none"), option("same"), option("worse")],
                },
                {
                    "id": "where",
                    "type": "multi_choice",
                    "text": text("Where?"),
                    "show_if": [{"question": "numbness", "none_of": ["none"]}],
                    "options": [option("left"), option("right"), option("saddle")],
                },
                {"id": "walking", "type": "distance", "text": text("How far?")},
                {
                    "id": "flags",
                    "type": "multi_choice",
                    "text": text("Any of these?"),
                    "options": [option("fever"), option("none", exclusive=True)],
                },
                {"id": "note", "type": "text", "text": text("Note?"), "required": False},
            ],
        },
    },
    "rules": [
        {
            "id": "red_fever",
            "level": "red",
            "description": text("Fever"),
            "any_of": [{"kind": "answer_in", "question": "flags", "values": ["fever"]}],
        },
        {
            "id": "amber_pain",
            "level": "amber",
            "forms": ["followup"],
            "description": text("Pain 7+"),
            "any_of": [{"kind": "at_least", "question": "pain", "threshold": 7}],
        },
        {
            "id": "amber_walking_drop",
            "level": "amber",
            "forms": ["followup"],
            "description": text("Walking down"),
            "any_of": [{"kind": "change_from_previous", "question": "walking", "at_most": -2}],
        },
    ],
}

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _walk(data: Any, path: str) -> tuple[Any, str | int]:
    keys: list[str | int] = [int(index) if index else name for name, index in _STEP.findall(path)]
    for key in keys[:-1]:
        data = data[key]
    return data, keys[-1]


def put(path: str, value: Any) -> Edit:
    """An edit setting ``path`` (``forms.followup.questions[2].id``) to ``value``."""

    def edit(definition: Definition) -> None:
        parent, key = _walk(definition, path)
        parent[key] = value

    return edit


def drop(path: str) -> Edit:
    """An edit deleting ``path``."""

    def edit(definition: Definition) -> None:
        parent, key = _walk(definition, path)
        del parent[key]

    return edit


def write_definition(directory: Path, *edits: Edit) -> Path:
    """Write the minimal definition, changed by ``edits``, to ``directory/mini.yaml``."""
    definition = copy.deepcopy(MINIMAL)
    for edit in edits:
        edit(definition)
    path = directory / "mini.yaml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    return path
