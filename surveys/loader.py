"""Load a survey definition from YAML and check it thoroughly.

Every mistake in a definition file is reported as one ``SurveyDefinitionError`` naming the
file, the place in it and the reason, e.g.::

    my_survey.yaml: forms.early.questions[3].show_if: refers to missing question 'numbess'

The file format is described in ``surveys/definitions/README.md``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Final, get_args

import yaml

from surveys._readers import (
    _at,
    _bool,
    _fields,
    _id,
    _ids,
    _int,
    _Invalid,
    _list,
    _number,
    _one_of,
    _optional_text,
    _str,
    _text,
    _time,
    _unique,
)
from surveys._rules_loader import _LEVELS, _rules
from surveys._show_if_checks import _check_show_if
from surveys._words_loader import (
    _no_shared_words,
    _patient_words,
    _scale_words,
    _screening,
    _words,
)
from surveys.model import (
    CheckinSpec,
    Condition,
    DistanceCategory,
    FlagLevel,
    Form,
    Option,
    Question,
    QuestionType,
    Schedule,
    Survey,
)

__all__ = ["DEFAULT_SURVEY_PATH", "SurveyDefinitionError", "load_default_survey", "load_survey"]

DEFAULT_SURVEY_PATH: Final = Path(__file__).parent / "definitions" / "lumbar_decompression.yaml"

_QUESTION_TYPES: Final[tuple[str, ...]] = get_args(QuestionType)
_MAX_SCALE_SPAN: Final = 100

_COMMON_KEYS: Final = ("id", "type", "text")
_COMMON_OPTIONAL: Final = ("required", "show_if", "hint")
_TYPE_KEYS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "scale": (("minimum", "maximum"), ("low_anchor", "high_anchor", "synonyms")),
    "number": (("minimum", "maximum"), ("unit",)),
    "single_choice": (("options",), ()),
    "multi_choice": (("options",), ()),
    "yes_no": ((), ()),
    "distance": ((), ()),
    "text": ((), ()),
}


class SurveyDefinitionError(ValueError):
    """A survey definition file is unusable; ``str()`` is ``"<file>: <place>: <reason>"``."""

    def __init__(self, file: str, place: str, reason: str) -> None:
        super().__init__(f"{file}: {place}: {reason}")
        self.file = file
        self.place = place
        self.reason = reason


# --- YAML -----------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys instead of keeping the last one."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen and key != "<<":
            raise _Invalid(f"line {key_node.start_mark.line + 1}", f"duplicate key {key!r}")
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


# --- public entry points --------------------------------------------------------------------


def load_survey(path: str | Path) -> Survey:
    """Read and validate one definition file; raises ``SurveyDefinitionError``."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SurveyDefinitionError(path.name, "file", f"cannot be read ({reason})") from None
    try:
        data = yaml.load(source, Loader=_StrictLoader)  # a SafeLoader subclass
        return _survey(data, str(path))
    except _Invalid as exc:
        raise SurveyDefinitionError(path.name, exc.place, exc.reason) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}" if mark is not None else "file"
        problem = getattr(exc, "problem", None) or str(exc)
        raise SurveyDefinitionError(path.name, place, f"invalid YAML: {problem}") from None


@functools.cache
def load_default_survey() -> Survey:
    """The shipped lumbar-decompression survey (loaded once)."""
    return load_survey(DEFAULT_SURVEY_PATH)


# --- survey ---------------------------------------------------------------------------------


def _survey(data: object, source: str) -> Survey:
    fields = _fields(
        data,
        "",
        ("id", "version", "title", "forms", "schedule"),
        ("distance_categories", "rules", "words", "screening"),
    )
    survey_id = _id(fields["id"], "id")
    version = fields["version"]
    if not isinstance(version, str) or not version.strip():
        raise _Invalid("version", 'must be text in quotes, e.g. "1.0"')
    title = _text(fields["title"], "title")
    categories = _categories(fields.get("distance_categories", []), "distance_categories")
    forms = _forms(fields["forms"], "forms", categories)
    schedule = _schedule(fields["schedule"], "schedule", forms)
    rules = _rules(fields.get("rules", []), "rules", forms, categories)
    words = _patient_words(fields.get("words", {}), "words")
    screening = None
    if "screening" in fields:
        screening = _screening(fields["screening"], "screening", forms, rules)
    return Survey(
        id=survey_id,
        version=version.strip(),
        title=title,
        forms=forms,
        schedule=schedule,
        distance_categories=categories,
        rules=rules,
        words=words,
        screening=screening,
        source=source,
    )


def _categories(data: object, place: str) -> tuple[DistanceCategory, ...]:
    bands: list[DistanceCategory] = []
    for i, item in enumerate(_list(data, place, empty=True)):
        at = _at(place, i)
        fields = _fields(item, at, ("id", "label", "min_metres"), ("max_metres", "unlimited"))
        low = _number(fields["min_metres"], _at(at, "min_metres"))
        high_raw = fields.get("max_metres")
        high = None if high_raw is None else _number(high_raw, _at(at, "max_metres"))
        bands.append(
            DistanceCategory(
                id=_id(fields["id"], _at(at, "id")),
                label=_text(fields["label"], _at(at, "label")),
                min_metres=low,
                max_metres=high,
                unlimited=_bool(fields.get("unlimited", False), _at(at, "unlimited")),
            )
        )
    _unique((_at(_at(place, i), "id"), b.id) for i, b in enumerate(bands))
    _check_bands(bands, place)
    return tuple(bands)


def _check_bands(bands: list[DistanceCategory], place: str) -> None:
    """Bands must cover every distance from 0 m upwards without gaps, worst first."""
    expected_min = 0.0
    open_ended = False
    for i, band in enumerate(bands):
        at = _at(place, i)
        if band.unlimited:
            if i != len(bands) - 1:
                raise _Invalid(_at(at, "unlimited"), "only the last category can be unlimited")
            if band.max_metres is not None:
                raise _Invalid(_at(at, "max_metres"), "must be empty for an unlimited category")
            continue
        if band.min_metres == band.max_metres == 0:
            if i != 0:
                raise _Invalid(at, "the 0 m category must come first")
            continue
        if open_ended:
            raise _Invalid(at, "comes after an open-ended category")
        if band.min_metres != expected_min:
            raise _Invalid(
                _at(at, "min_metres"), f"must be {expected_min:g} to follow the previous category"
            )
        if band.max_metres is None:
            open_ended = True
        elif band.max_metres <= band.min_metres:
            raise _Invalid(_at(at, "max_metres"), "must be greater than min_metres")
        else:
            expected_min = band.max_metres
    if bands and not open_ended:
        raise _Invalid(place, "the last measured category must have no max_metres")


# --- forms and questions --------------------------------------------------------------------


def _forms(data: object, place: str, categories: tuple[DistanceCategory, ...]) -> tuple[Form, ...]:
    if not isinstance(data, dict) or not data:
        raise _Invalid(place, "must map form ids to forms")
    forms = []
    for form_id, item in data.items():
        at = _at(place, str(form_id))
        _id(form_id, at)
        fields = _fields(item, at, ("title", "questions"))
        questions_at = _at(at, "questions")
        questions = tuple(
            _question(q, _at(questions_at, i), categories)
            for i, q in enumerate(_list(fields["questions"], questions_at))
        )
        _unique((_at(_at(questions_at, i), "id"), q.id) for i, q in enumerate(questions))
        form = Form(id=form_id, title=_text(fields["title"], _at(at, "title")), questions=questions)
        _check_show_if(form, questions_at)
        forms.append(form)
    return tuple(forms)


def _question(data: object, place: str, categories: tuple[DistanceCategory, ...]) -> Question:
    if not isinstance(data, dict):
        raise _Invalid(place, "must be a mapping of keys to values")
    if "type" not in data:
        raise _Invalid(_at(place, "type"), "missing")
    kind = _one_of(data["type"], _at(place, "type"), _QUESTION_TYPES, "question type")
    required, optional = _TYPE_KEYS[kind]
    fields = _fields(data, place, (*_COMMON_KEYS, *required), (*_COMMON_OPTIONAL, *optional))
    if kind == "distance" and not categories:
        raise _Invalid(_at(place, "type"), "distance questions need distance_categories")
    question_type: QuestionType = kind  # type: ignore[assignment]
    minimum, maximum = _bounds(fields, place, kind)
    return Question(
        id=_id(fields["id"], _at(place, "id")),
        type=question_type,
        text=_text(fields["text"], _at(place, "text")),
        required=_bool(fields.get("required", True), _at(place, "required")),
        options=_options(fields, place, kind),
        minimum=minimum,
        maximum=maximum,
        unit=_str(fields["unit"], _at(place, "unit")) if "unit" in fields else None,
        low_anchor=_optional_text(fields, "low_anchor", place),
        high_anchor=_optional_text(fields, "high_anchor", place),
        show_if=_conditions(fields.get("show_if", []), _at(place, "show_if")),
        hint=_optional_text(fields, "hint", place),
        scale_words=_scale_words(fields, place, minimum, maximum),
    )


def _bounds(fields: dict[str, Any], place: str, kind: str) -> tuple[float | None, float | None]:
    if kind not in ("scale", "number"):
        return None, None
    read = _int if kind == "scale" else _number
    low = read(fields["minimum"], _at(place, "minimum"), *((-1000,) if kind == "scale" else ()))
    high = read(fields["maximum"], _at(place, "maximum"), *((-1000,) if kind == "scale" else ()))
    if high <= low:
        raise _Invalid(_at(place, "maximum"), f"must be greater than minimum ({low:g})")
    if kind == "scale" and high - low > _MAX_SCALE_SPAN:
        raise _Invalid(_at(place, "maximum"), f"a scale can span at most {_MAX_SCALE_SPAN} points")
    return low, high


def _options(fields: dict[str, Any], place: str, kind: str) -> tuple[Option, ...]:
    if kind not in ("single_choice", "multi_choice"):
        return ()
    at = _at(place, "options")
    items = _list(fields["options"], at)
    if len(items) < 2:
        raise _Invalid(at, "needs at least 2 options")
    options = []
    for i, item in enumerate(items):
        option_at = _at(at, i)
        option = _fields(item, option_at, ("id", "label"), ("exclusive", "aliases", "synonyms"))
        exclusive = _bool(option.get("exclusive", False), _at(option_at, "exclusive"))
        if exclusive and kind != "multi_choice":
            raise _Invalid(
                _at(option_at, "exclusive"), "only multi_choice options can be exclusive"
            )
        aliases_at = _at(option_at, "aliases")
        aliases = tuple(
            _str(a, _at(aliases_at, j)).strip().lower()
            for j, a in enumerate(_list(option.get("aliases", []), aliases_at, empty=True))
        )
        options.append(
            Option(
                id=_id(option["id"], _at(option_at, "id")),
                label=_text(option["label"], _at(option_at, "label")),
                exclusive=exclusive,
                aliases=aliases,
                synonyms=_words(option.get("synonyms", {}), _at(option_at, "synonyms")),
            )
        )
    _unique((_at(_at(at, i), "id"), o.id) for i, o in enumerate(options))
    _no_shared_words(options, at)
    return tuple(options)


def _conditions(data: object, place: str) -> tuple[Condition, ...]:
    conditions = []
    for i, item in enumerate(_list(data, place, empty=True)):
        at = _at(place, i)
        fields = _fields(item, at, ("question",), ("equals", "any_of", "none_of"))
        if not {"equals", "any_of", "none_of"} & fields.keys():
            raise _Invalid(at, "needs equals, any_of or none_of")
        equals = fields.get("equals")
        if equals is not None and not isinstance(equals, str | bool):
            raise _Invalid(_at(at, "equals"), "must be an option id or true/false")
        conditions.append(
            Condition(
                question=_id(fields["question"], _at(at, "question")),
                equals=equals,
                any_of=_ids(fields["any_of"], _at(at, "any_of")) if "any_of" in fields else (),
                none_of=_ids(fields["none_of"], _at(at, "none_of")) if "none_of" in fields else (),
            )
        )
    return tuple(conditions)


# --- schedule -------------------------------------------------------------------------------


def _schedule(data: object, place: str, forms: tuple[Form, ...]) -> Schedule:
    fields = _fields(
        data,
        place,
        ("checkins",),
        (
            "send_at",
            "quiet_start",
            "quiet_end",
            "consecutive_missed_flag",
            "missed_flag_level",
            "unreachable_flag_after",
            "unreachable_flag_level",
        ),
    )
    defaults = Schedule()
    form_ids = {f.id for f in forms}
    checkins_at = _at(place, "checkins")
    checkins = tuple(
        _checkin(item, _at(checkins_at, i), form_ids)
        for i, item in enumerate(_list(fields["checkins"], checkins_at))
    )
    _unique((_at(_at(checkins_at, i), "id"), c.id) for i, c in enumerate(checkins))

    def level(key: str, default: FlagLevel) -> FlagLevel:
        value = _one_of(fields.get(key, default), _at(place, key), _LEVELS, "flag level")
        return value  # type: ignore[return-value]

    def time(key: str, default: str) -> str:
        return _time(fields.get(key, default), _at(place, key))

    return Schedule(
        send_at=time("send_at", defaults.send_at),
        quiet_start=time("quiet_start", defaults.quiet_start),
        quiet_end=time("quiet_end", defaults.quiet_end),
        checkins=checkins,
        consecutive_missed_flag=_int(
            fields.get("consecutive_missed_flag", defaults.consecutive_missed_flag),
            _at(place, "consecutive_missed_flag"),
            1,
        ),
        missed_flag_level=level("missed_flag_level", defaults.missed_flag_level),
        unreachable_flag_after=_int(
            fields.get("unreachable_flag_after", defaults.unreachable_flag_after),
            _at(place, "unreachable_flag_after"),
            1,
        ),
        unreachable_flag_level=level("unreachable_flag_level", defaults.unreachable_flag_level),
    )


def _checkin(data: object, place: str, form_ids: set[str]) -> CheckinSpec:
    fields = _fields(data, place, ("id", "form", "day", "open_hours"), ("reminder_hours",))
    form = _id(fields["form"], _at(place, "form"))
    if form not in form_ids:
        raise _Invalid(_at(place, "form"), f"refers to missing form '{form}'")
    day = fields["day"]
    if day is not None:
        day = _int(day, _at(place, "day"))
    open_hours = _number(fields["open_hours"], _at(place, "open_hours"))
    if open_hours <= 0:
        raise _Invalid(_at(place, "open_hours"), "must be more than 0")
    reminders_at = _at(place, "reminder_hours")
    reminders = tuple(
        _number(h, _at(reminders_at, i))
        for i, h in enumerate(_list(fields.get("reminder_hours", []), reminders_at, empty=True))
    )
    for i, hours in enumerate(reminders):
        if not 0 < hours < open_hours:
            raise _Invalid(
                _at(reminders_at, i), f"must be after 0 and before open_hours ({open_hours:g})"
            )
        if i and hours <= reminders[i - 1]:
            raise _Invalid(_at(reminders_at, i), "must be later than the reminder before it")
    return CheckinSpec(
        id=_id(fields["id"], _at(place, "id")),
        form=form,
        day=day,
        open_hours=open_hours,
        reminder_hours=reminders,
    )
