"""Data out: CSV with a data dictionary, a FHIR R4 bundle and REDCap files.

:class:`ExportService` is the one entry point (``followup export …`` calls it); the formats
live in their own modules, all fed by the streaming queries of ``storage.export.queries``.
"""

from bot.export.deidentify import MAX_SHIFT_DAYS, Deidentifier, shift_days
from bot.export.dictionary import FILES
from bot.export.fhir_questionnaire import FhirExportError
from bot.export.redcap import REDCAP_FILES
from bot.export.service import ExportError, ExportOptions, ExportService

__all__ = [
    "FILES",
    "MAX_SHIFT_DAYS",
    "REDCAP_FILES",
    "Deidentifier",
    "ExportError",
    "ExportOptions",
    "ExportService",
    "FhirExportError",
    "shift_days",
]
