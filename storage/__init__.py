"""The database: SQLAlchemy models, Alembic migrations and repository functions.

Repositories take an ``AsyncSession`` and never commit: the calling service owns the
transaction (``async with session.begin()``). They return plain records.
"""

from storage.db import (
    SchemaOutOfDate,
    create_engine,
    ensure_schema_current,
    session_factory,
    upgrade,
    upgrade_async,
)
from storage.records import (
    AnswerRecord,
    AuditRecord,
    CheckinRecord,
    EnrolmentRecord,
    FlagRecord,
    PatientRecord,
)

__all__ = [
    "AnswerRecord",
    "AuditRecord",
    "CheckinRecord",
    "EnrolmentRecord",
    "FlagRecord",
    "PatientRecord",
    "SchemaOutOfDate",
    "create_engine",
    "ensure_schema_current",
    "session_factory",
    "upgrade",
    "upgrade_async",
]
