"""One export service for every way data leaves the system (the CLI; later the dashboard).

Each export reads the database through streaming queries (``storage.export.queries``) inside one
read-only transaction, so the files are a consistent snapshot and memory stays constant.
The CSV export's long and wide files are the exception: the database formats and writes
them (``bot.export.database_csv``), through connections of their own (on PostgreSQL sharing
one snapshot; on SQLite each of the four workers reads its own, moments apart).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.export.checkins import ExportedCheckin, group_checkins
from bot.export.database_csv import write_checkins_in_database
from bot.export.deidentify import Deidentifier
from bot.export.fhir_bundle import write_bundle
from bot.export.redcap import write_redcap
from bot.export.tables import write_checkins, write_dictionary, write_flags
from storage.export.queries import ExportFilter, stream_answer_rows, stream_flags, stream_patients
from surveys.model import Survey

__all__ = ["ExportError", "ExportOptions", "ExportService"]


class ExportError(ValueError):
    """The export cannot be made as asked (one line for the user)."""


@dataclass(frozen=True)
class ExportOptions:
    """What to export and how. ``salt`` keys the date shift and the staff pseudonyms; it is
    required with ``shift_dates`` (a random one is used otherwise)."""

    selection: ExportFilter = field(default_factory=ExportFilter)
    shift_dates: bool = False
    salt: bytes | None = None
    bom: bool = False
    python_rows: bool = False
    """Write the long and wide files row by row in Python even where the database could
    format them (the reference the database's files are checked against; much slower)."""

    def deidentifier(self) -> Deidentifier:
        if self.shift_dates and not self.salt:
            raise ExportError(
                "--shift-dates needs FOLLOWUP_EXPORT_SALT (a secret kept with the ward, so "
                "the same patient gets the same shift on every export)"
            )
        return Deidentifier(self.salt or secrets.token_bytes(32), shift=self.shift_dates)


class ExportService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], survey: Survey, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._survey = survey
        self._clock = clock

    async def csv(self, folder: Path, options: ExportOptions) -> dict[str, int]:
        """answers_long.csv, answers_wide.csv, flags.csv and data_dictionary.csv."""
        deidentify = options.deidentifier()
        _make_folder(folder)
        engine = self._sessions.kw.get("bind")
        async with self._sessions() as session, session.begin():
            await session.connection()  # connected first: SQLite's WAL files exist for readers
            written = None
            if not options.python_rows and isinstance(engine, AsyncEngine):
                written = await write_checkins_in_database(
                    engine, folder, self._survey, options.selection, deidentify,
                    bom=options.bom,
                )  # fmt: skip
            if written is None:
                written = await write_checkins(
                    folder, self._survey, self._checkins(session, options, deidentify),
                    bom=options.bom,
                )  # fmt: skip
            answers, checkins = written
            flags = await write_flags(
                folder, stream_flags(session, options.selection), deidentify, bom=options.bom
            )
        variables = write_dictionary(folder, self._survey, bom=options.bom)
        return {"answers": answers, "check-ins": checkins, "flags": flags,
                "dictionary rows": variables}  # fmt: skip

    async def fhir(self, path: Path, options: ExportOptions) -> dict[str, int]:
        """One FHIR Bundle (collection) in ``path``."""
        deidentify = options.deidentifier()
        _make_folder(path.parent)
        async with self._sessions() as session, session.begin():
            return await write_bundle(
                path, self._survey, self._clock.now(),
                stream_patients(session, options.selection),
                self._checkins(session, options, deidentify, ("completed",)),
                stream_flags(session, options.selection), deidentify,
            )  # fmt: skip

    async def redcap(self, folder: Path, options: ExportOptions) -> dict[str, int]:
        """REDCap data dictionary, events, instrument-event mapping and import file."""
        deidentify = options.deidentifier()
        _make_folder(folder)
        async with self._sessions() as session, session.begin():
            rows = await write_redcap(
                folder, self._survey, self._checkins(session, options, deidentify),
                bom=options.bom,
            )  # fmt: skip
        return {"records × events": rows}

    def _checkins(
        self,
        session: AsyncSession,
        options: ExportOptions,
        deidentify: Deidentifier,
        statuses: tuple[str, ...] | None = None,
    ) -> AsyncIterator[ExportedCheckin]:
        rows = stream_answer_rows(session, options.selection, statuses)
        return group_checkins(rows, self._survey, deidentify)


def _make_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
