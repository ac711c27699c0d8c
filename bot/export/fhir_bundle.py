"""The FHIR export: one Bundle (type ``collection``) written entry by entry.

Entries: a Questionnaire per form of the survey version, the pseudonymous Patient (its
reference code as the only identifier), a QuestionnaireResponse per completed check-in and a
Flag per flag. Every resource is built through and validated by ``fhir.resources`` before it
is written; the file is streamed, so memory stays constant.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.resource import Resource

from bot.export.checkins import ExportedAnswer, ExportedCheckin, iso
from bot.export.deidentify import Deidentifier
from bot.export.fhir_questionnaire import (
    BASE,
    build_questionnaire,
    choice_system,
    coding,
    full_url,
    questionnaire_url,
    resource_id,
    text_with_translation,
)
from bot.export.labels import FLAG_LEVEL, rule_labels
from storage.export.queries import ExportedFlag, ExportedPatient
from surveys.model import Survey, Text

__all__ = [
    "BundleWriter",
    "flag_resource",
    "patient_resource",
    "response_resource",
    "write_bundle",
]

PATIENT_REF_SYSTEM = f"{BASE}:patient-ref"


def _patient_url(patient_id: int) -> str:
    return full_url("Patient", resource_id("patient", patient_id))


def patient_resource(patient: ExportedPatient) -> Patient:
    return Patient.model_validate({
        "resourceType": "Patient",
        "id": resource_id("patient", patient.id),
        "identifier": [{"system": PATIENT_REF_SYSTEM, "value": patient.ref}],
        "communication": [{"language": {"coding": [
            {"system": "urn:ietf:bcp:47", "code": patient.language}]}}],
    })  # fmt: skip


def response_resource(survey: Survey, checkin: ExportedCheckin) -> QuestionnaireResponse:
    subject = {"reference": _patient_url(checkin.patient_id)}
    data: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": resource_id("response", checkin.checkin_id),
        "questionnaire": f"{questionnaire_url(checkin.survey_id, checkin.form)}"
        f"|{checkin.survey_version}",
        "status": "completed",
        "subject": subject,
        "authored": iso(checkin.completed_at or checkin.planned_at),
        "item": [item for a in checkin.answers if (item := _answer_item(survey, checkin, a))],
    }
    if checkin.answered_by == "caregiver":
        data["contained"] = [{
            "resourceType": "RelatedPerson", "id": "caregiver", "patient": subject,
            "relationship": [{"text": "Family member or carer"}],
        }]  # fmt: skip
        data["source"] = {"reference": "#caregiver"}
    else:
        data["source"] = subject
    return QuestionnaireResponse.model_validate(data)


def _answer_item(
    survey: Survey, checkin: ExportedCheckin, answer: ExportedAnswer
) -> dict[str, Any] | None:
    question, value = answer.question, answer.value
    if question is None or value is None:
        return None
    item: dict[str, Any] = {"linkId": question.id, "text": question.text.en}
    system = choice_system(checkin.survey_id, question.id)
    match question.type:
        case "scale":
            item["answer"] = [{"valueInteger": int(value)}]
        case "number":
            item["answer"] = [{"valueDecimal": float(value)}]
        case "yes_no":
            item["answer"] = [{"valueBoolean": bool(value)}]
        case "text":
            item["answer"] = [{"valueString": str(value)}]
        case "single_choice" | "multi_choice":
            ids = value if isinstance(value, list) else [value]
            item["answer"] = [{"valueCoding": coding(system, i, _label(question, i))}
                              for i in ids]  # fmt: skip
        case "distance":
            parts: list[dict[str, Any]] = []
            category = value.get("category") if isinstance(value, dict) else None
            if category:
                label = next((c.label for c in survey.distance_categories if c.id == category),
                             Text(category, category))  # fmt: skip
                parts.append(
                    {
                        "linkId": f"{question.id}.category",
                        "answer": [{"valueCoding": coding(system, category, label)}],
                    }
                )
            metres = value.get("metres") if isinstance(value, dict) else None
            if metres is not None:
                parts.append({"linkId": f"{question.id}.metres",
                              "answer": [{"valueDecimal": float(metres)}]})  # fmt: skip
            if not parts:
                return None
            item["item"] = parts
    return item


def _label(question: Any, option_id: str) -> Text:
    option = question.option(option_id)
    return option.label if option is not None else Text(option_id, option_id)


def flag_resource(survey: Survey, flag: ExportedFlag, deidentify: Deidentifier) -> Flag:
    ref, zone = flag.patient_ref, flag.timezone
    rule = rule_labels(survey).get(flag.rule_id, Text(flag.rule_id, flag.rule_id))
    level = FLAG_LEVEL.get(flag.level, Text(flag.level, flag.level))
    period = {"start": iso(deidentify.local(ref, flag.raised_at, zone))}
    if flag.resolved_at is not None:
        period["end"] = iso(deidentify.local(ref, flag.resolved_at, zone))
    return Flag.model_validate({
        "resourceType": "Flag",
        "id": resource_id("flag", flag.id),
        "status": "inactive" if flag.status == "resolved" else "active",
        "category": [{"coding": [coding(f"{BASE}:flag-level", flag.level, level)]}],
        "code": {"coding": [coding(f"{BASE}:flag-rule", flag.rule_id, rule)],
                 **text_with_translation("text", rule)},
        "subject": {"reference": _patient_url(flag.patient_id)},
        "period": period,
    })  # fmt: skip


class BundleWriter:
    """Writes ``{"resourceType": "Bundle", ..., "entry": [...]}`` one entry at a time."""

    def __init__(self, path: Path, timestamp: dt.datetime) -> None:
        self._path = path
        self._timestamp = timestamp
        self._file: IO[str] | None = None
        self.count = 0

    def __enter__(self) -> BundleWriter:
        self._file = self._path.open("w", encoding="utf-8")
        head = {"resourceType": "Bundle", "type": "collection",
                "timestamp": iso(self._timestamp)}  # fmt: skip
        self._file.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "entry": [\n')
        return self

    def add(self, resource: Resource, resource_type: str) -> None:
        assert self._file is not None
        url = full_url(resource_type, str(resource.id))
        body = resource.model_dump_json()
        self._file.write(("" if self.count == 0 else ",\n") +
                         f'{{"fullUrl": "{url}", "resource": {body}}}')  # fmt: skip
        self.count += 1

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        assert self._file is not None
        if error is not None:  # never leave a partial bundle that looks whole
            self._file.close()
            self._path.unlink(missing_ok=True)
            return
        self._file.write("\n]}\n")
        self._file.close()


async def write_bundle(
    path: Path,
    survey: Survey,
    now: dt.datetime,
    patients: AsyncIterator[ExportedPatient],
    completed: AsyncIterator[ExportedCheckin],
    flags: AsyncIterator[ExportedFlag],
    deidentify: Deidentifier,
) -> dict[str, int]:
    counts = {"Questionnaire": 0, "Patient": 0, "QuestionnaireResponse": 0, "Flag": 0}
    with BundleWriter(path, now) as bundle:
        for form in survey.forms:
            bundle.add(build_questionnaire(survey, form), "Questionnaire")
            counts["Questionnaire"] += 1
        async for patient in patients:
            bundle.add(patient_resource(patient), "Patient")
            counts["Patient"] += 1
        async for checkin in completed:
            bundle.add(response_resource(survey, checkin), "QuestionnaireResponse")
            counts["QuestionnaireResponse"] += 1
        async for flag in flags:
            bundle.add(flag_resource(survey, flag, deidentify), "Flag")
            counts["Flag"] += 1
    return counts
