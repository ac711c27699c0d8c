"""FHIR R4 Questionnaire resources from the survey definition (one per form and version).

Items carry the English wording with the Simplified Chinese as a ``translation`` extension,
choices as codings in a code system per question, ``show_if`` as ``enableWhen``. LOINC codes
are attached only where one really exists for the item: the 0–10 pain ratings are LOINC
72514-3 "Pain severity - 0-10 verbal numeric rating [Score] - Reported".
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from fhir.resources.R4B.questionnaire import Questionnaire

from surveys.model import Condition, Form, Question, Survey, Text

__all__ = [
    "BASE",
    "FhirExportError",
    "build_questionnaire",
    "coding",
    "full_url",
    "questionnaire_url",
    "resource_id",
    "text_with_translation",
]

BASE: Final = "urn:spine-followup"
"""Prefix of this project's code systems and canonical URLs."""
TRANSLATION: Final = "http://hl7.org/fhir/StructureDefinition/translation"
MIN_VALUE: Final = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE: Final = "http://hl7.org/fhir/StructureDefinition/maxValue"
UNIT: Final = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
LOINC: Final = "http://loinc.org"
PAIN_NRS: Final = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
LOINC_FOR_SCALE: Final = {"leg_pain": PAIN_NRS, "back_pain": PAIN_NRS}
"""0–10 pain questions of the survey that the LOINC pain-severity code describes."""
_NAMESPACE: Final = uuid.UUID("6f1b8a46-4a55-4a58-9a3e-6f0c2f2e7a10")


class FhirExportError(ValueError):
    """The survey uses something FHIR cannot express (names the question)."""


def resource_id(*parts: object) -> str:
    """A FHIR id ([A-Za-z0-9-.], at most 64 characters) from the given parts."""
    text = "-".join(str(p) for p in parts)
    return "".join(c if c.isalnum() or c in "-." else "-" for c in text)[:64]


def full_url(resource_type: str, rid: str) -> str:
    """The bundle ``fullUrl`` of a resource (a name-based UUID, stable across runs)."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{resource_type}/{rid}')}"


def questionnaire_url(survey_id: str, form_id: str) -> str:
    return f"{BASE}:questionnaire:{survey_id}:{form_id}"


def _translation(text: Text) -> dict[str, Any]:
    return {
        "extension": [
            {
                "url": TRANSLATION,
                "extension": [
                    {"url": "lang", "valueCode": "zh-Hans"},
                    {"url": "content", "valueString": text.zh_hans},
                ],
            }
        ]
    }


def text_with_translation(key: str, text: Text) -> dict[str, Any]:
    return {key: text.en, f"_{key}": _translation(text)}


def coding(system: str, code: str, display: Text) -> dict[str, Any]:
    return {"system": system, "code": code, **text_with_translation("display", display)}


def choice_system(survey_id: str, question_id: str) -> str:
    return f"{BASE}:codes:{survey_id}:{question_id}"


def build_questionnaire(survey: Survey, form: Form) -> Questionnaire:
    rid = resource_id("questionnaire", survey.id, form.id, survey.version)
    data: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": rid,
        "url": questionnaire_url(survey.id, form.id),
        "version": survey.version,
        "name": resource_id(survey.id, form.id).replace("-", "_").replace(".", "_"),
        **text_with_translation("title", form.title),
        "status": "active",
        "subjectType": ["Patient"],
        "item": [_item(survey, form, q) for q in form.questions],
    }
    return Questionnaire.model_validate(data)


def _item(survey: Survey, form: Form, question: Question) -> dict[str, Any]:
    item: dict[str, Any] = {
        "linkId": question.id,
        **text_with_translation("text", question.text),
        "required": question.required,
    }
    if question.show_if:
        item.update(_enable_when(survey, form, question))
    match question.type:
        case "scale":
            item["type"] = "integer"
            item["extension"] = [
                {"url": MIN_VALUE, "valueInteger": int(question.minimum or 0)},
                {"url": MAX_VALUE, "valueInteger": int(question.maximum or 0)},
            ]
            loinc = LOINC_FOR_SCALE.get(question.id)
            if loinc is not None and (question.minimum, question.maximum) == (0, 10):
                item["code"] = [loinc]
        case "number":
            item["type"] = "decimal"
        case "yes_no":
            item["type"] = "boolean"
        case "text":
            item["type"] = "text"
        case "single_choice" | "multi_choice":
            system = choice_system(survey.id, question.id)
            item["type"] = "choice"
            item["repeats"] = question.type == "multi_choice"
            item["answerOption"] = [
                {"valueCoding": coding(system, o.id, o.label)} for o in question.options
            ]
        case "distance":
            item["type"] = "group"
            system = choice_system(survey.id, question.id)
            item["item"] = [
                {
                    "linkId": f"{question.id}.category",
                    **text_with_translation("text", question.text),
                    "type": "choice",
                    "required": question.required,
                    "answerOption": [
                        {"valueCoding": coding(system, c.id, c.label)}
                        for c in survey.distance_categories
                    ],
                },
                {
                    "linkId": f"{question.id}.metres",
                    "text": "Distance in metres, when the patient gave one",
                    "_text": _translation(Text("", "患者给出的距离（米）")),
                    "type": "decimal",
                    "extension": [
                        {
                            "url": UNIT,
                            "valueCoding": {
                                "system": "http://unitsofmeasure.org",
                                "code": "m",
                                "display": "metre",
                            },
                        }
                    ],
                },
            ]
    return item


def _enable_when(survey: Survey, form: Form, question: Question) -> dict[str, Any]:
    """``show_if`` as ``enableWhen``: one clause each, all of them must hold."""
    clauses: list[list[dict[str, Any]]] = [
        _clauses(survey, form, question, c) for c in question.show_if
    ]
    flat = [c for group in clauses for c in group]
    if len(clauses) == 1 and question.show_if[0].any_of:
        return {"enableWhen": flat, "enableBehavior": "any"} if len(flat) > 1 else {
            "enableWhen": flat}  # fmt: skip
    if any(c.any_of and len(c.any_of) > 1 for c in question.show_if):
        raise FhirExportError(
            f"{form.id}.{question.id}: show_if combines any_of with other conditions, "
            "which FHIR enableWhen cannot express"
        )
    return {"enableWhen": flat, "enableBehavior": "all"} if len(flat) > 1 else {
        "enableWhen": flat}  # fmt: skip


def _clauses(
    survey: Survey, form: Form, question: Question, condition: Condition
) -> list[dict[str, Any]]:
    target = form.question(condition.question)
    system = choice_system(survey.id, target.id)

    def answer(code: str) -> dict[str, Any]:
        option = target.option(code)
        label = option.label if option is not None else Text(code, code)
        return {"answerCoding": coding(system, code, label)}

    link = condition.question
    if isinstance(condition.equals, bool):
        return [{"question": link, "operator": "=", "answerBoolean": condition.equals}]
    found: list[dict[str, Any]] = []
    if isinstance(condition.equals, str):
        found.append({"question": link, "operator": "=", **answer(condition.equals)})
    found += [{"question": link, "operator": "=", **answer(c)} for c in condition.any_of]
    if condition.none_of:
        found.append({"question": link, "operator": "exists", "answerBoolean": True})
        found += [{"question": link, "operator": "!=", **answer(c)} for c in condition.none_of]
    return found
