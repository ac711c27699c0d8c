"""The FHIR bundle parsed and validated through fhir.resources, every resource of it."""

from __future__ import annotations

import json
from pathlib import Path

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from bot.export import ExportOptions, ExportService

PAIN = ("http://loinc.org", "72514-3")


async def test_bundle_and_every_resource_validate(service: ExportService, tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    counts = await service.fhir(path, ExportOptions())

    bundle = Bundle.model_validate_json(path.read_text(encoding="utf-8"))
    entries = json.loads(path.read_text(encoding="utf-8"))["entry"]
    for entry in entries:  # each resource on its own, against its own model
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    kinds = [e.resource.get_resource_type() for e in bundle.entry or []]
    assert counts == {"Questionnaire": 3, "Patient": 2, "QuestionnaireResponse": 3, "Flag": 2}
    assert kinds == ["Questionnaire"] * 3 + ["Patient"] * 2 + ["QuestionnaireResponse"] * 3 + [
        "Flag"] * 2  # fmt: skip
    urls = [e["fullUrl"] for e in entries]
    assert len(set(urls)) == len(urls)
    patients = {e["fullUrl"] for e in entries if e["resource"]["resourceType"] == "Patient"}
    for entry in entries:
        subject = entry["resource"].get("subject", {}).get("reference")
        assert subject is None or subject in patients


async def test_questionnaires_carry_loinc_only_on_pain_and_both_languages(
    service: ExportService, tmp_path: Path
) -> None:
    path = tmp_path / "bundle.json"
    await service.fhir(path, ExportOptions())
    entries = json.loads(path.read_text(encoding="utf-8"))["entry"]

    early = next(e["resource"] for e in entries if e["resource"]["id"].endswith("early-1.0.0"))
    coded = {i["linkId"]: [(c["system"], c["code"]) for c in i.get("code", [])]
             for i in early["item"]}  # fmt: skip
    assert coded == {"leg_pain": [PAIN], "back_pain": [PAIN], "numbness": [],
                     "numbness_where": [], "walking": [], "pgic": [], "red_flags": [],
                     "note": []}  # fmt: skip
    where = next(i for i in early["item"] if i["linkId"] == "numbness_where")
    assert where["enableWhen"][0] == {"question": "numbness", "operator": "exists",
                                      "answerBoolean": True}  # fmt: skip
    assert where["enableWhen"][1]["operator"] == "!="
    assert where["enableWhen"][1]["answerCoding"]["code"] == "none"
    translation = early["item"][0]["_text"]["extension"][0]["extension"]
    assert translation[1] == {"url": "content", "valueString": "过去24小时，腿或臀部疼痛有多重？"}


async def test_responses_hold_the_answers_and_who_gave_them(
    service: ExportService, tmp_path: Path
) -> None:
    path = tmp_path / "bundle.json"
    await service.fhir(path, ExportOptions())
    entries = json.loads(path.read_text(encoding="utf-8"))["entry"]

    responses = [e["resource"] for e in entries
                 if e["resource"]["resourceType"] == "QuestionnaireResponse"]  # fmt: skip
    day_1 = next(r for r in responses if r["authored"] == "2025-03-11T09:30:00+08:00")
    items = {i["linkId"]: i for i in day_1["item"]}
    assert items["leg_pain"]["answer"] == [{"valueInteger": 4}]
    assert [a["valueCoding"]["code"] for a in items["red_flags"]["answer"]] == ["fever", "wound"]
    assert items["walking"]["item"][1] == {"linkId": "walking.metres",
                                           "answer": [{"valueDecimal": 2000.0}]}  # fmt: skip
    assert day_1["source"] == {"reference": "#caregiver"}
    assert day_1["contained"][0]["resourceType"] == "RelatedPerson"
    assert day_1["questionnaire"].endswith(":early|1.0.0")
    assert all(r["status"] == "completed" for r in responses)
