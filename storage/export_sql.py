"""The CSV export's two big queries, with every cell formatted by the database.

``answers_long.csv`` and ``answers_wide.csv`` are produced by one SELECT each whose columns
are the files' cells, ready-made text: the reader writes them as they come (PostgreSQL's
``COPY … TO STDOUT``, or ``csv.writer.writerows`` over SQLite rows). Per export, three small
lookup tables (see :class:`ExportTables`) carry what the database cannot know: each patient's
clock (zone and date shift, :mod:`bot.export.clocks`), each question's place in its form, type
and unit. The cells follow the rules of ``bot.export.variables`` exactly for the values the bot
stores (scores, codes, yes/no, lists of codes, distances, text); SQLite hands any other shape
of value to those Python rules (``x_*`` functions), PostgreSQL has it detected up front
(:func:`unusual_values_sql`) so the caller exports it the Python way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "PYTHON_WHITESPACE",
    "Dialect",
    "ExportTables",
    "WideCell",
    "long_sql",
    "table_ddl",
    "unusual_values_sql",
    "wide_sql",
]

Dialect = Literal["sqlite", "postgresql"]

PYTHON_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""What ``str.strip()`` removes."""

NOT_HAPPENED: Final = ("scheduled", "sending", "cancelled")
UNKNOWN_POSITION: Final = 1_000_000
"""Where answers to questions not in the check-in's form sort (after the form's own)."""


@dataclass(frozen=True)
class WideCell:
    """One wide-file answer column: the question, its kind (``bot.export.variables``) and,
    for a multi-choice column, its option."""

    question: str
    kind: str
    option: str | None = None


@dataclass(frozen=True)
class ExportTables:
    """Names of the per-export lookup tables in one dialect."""

    dialect: Dialect

    def name(self, table: str) -> str:
        return f"x.{table}" if self.dialect == "sqlite" else f"x_{table}"


def table_ddl(dialect: Dialect) -> list[str]:
    """CREATE statements of the lookup tables (SQLite: in an attached scratch database
    ``x``; PostgreSQL: temporary tables of the session)."""
    t = ExportTables(dialect)
    if dialect == "sqlite":
        return [
            f"CREATE TABLE {t.name('patient')} (id INTEGER PRIMARY KEY, clock INTEGER NOT NULL,"
            " shift INTEGER NOT NULL)",
            f"CREATE TABLE {t.name('clock')} (clock INTEGER, since TEXT, seconds INTEGER,"
            " offset TEXT, PRIMARY KEY (clock, since)) WITHOUT ROWID",
            f"CREATE TABLE {t.name('question')} (form TEXT, question TEXT, position INTEGER,"
            " type TEXT, unit TEXT, PRIMARY KEY (form, question)) WITHOUT ROWID",
        ]
    return [
        f"CREATE TEMPORARY TABLE {t.name('patient')} (id integer PRIMARY KEY,"
        " clock integer NOT NULL, shift integer NOT NULL) ON COMMIT DROP",
        f"CREATE TEMPORARY TABLE {t.name('clock')} (clock integer, since timestamptz,"
        " seconds integer, \"offset\" text, PRIMARY KEY (clock, since)) ON COMMIT DROP",
        f"CREATE TEMPORARY TABLE {t.name('question')} (form text, question text,"
        " position integer, type text, unit text, PRIMARY KEY (form, question)) ON COMMIT DROP",
    ]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _Cells:
    """SQL expressions of the cells; ``v`` is the answer's stored value, ``q`` the question."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.t = ExportTables(dialect)
        self.sqlite = dialect == "sqlite"

    # -- times ------------------------------------------------------------------------
    def local(self, column: str) -> str:
        """``column`` (UTC) in the patient's clock, ISO 8601 with its offset; NULL for NULL."""
        clock = self.t.name("clock")
        if self.sqlite:
            text = (
                f"strftime('%Y-%m-%dT%H:%M:%S', substr({column}, 1, 19), k.seconds || ' seconds')"
                " || k.offset"
            )
        else:
            text = (
                f"to_char(({column} AT TIME ZONE 'UTC') + k.seconds * interval '1 second', "
                "'YYYY-MM-DD\"T\"HH24:MI:SS') || k.\"offset\""
            )
        return (
            f"(SELECT {text} FROM {clock} k WHERE k.clock = xp.clock AND k.since <= {column} "
            "ORDER BY k.since DESC LIMIT 1)"
        )

    def surgery(self) -> str:
        if self.sqlite:
            return "date(e.surgery_date, xp.shift || ' days')"
        return "to_char(e.surgery_date + xp.shift, 'YYYY-MM-DD')"

    def days_between(self, local_text: str, date_text: str) -> str:
        if self.sqlite:
            return (
                f"CAST(round(julianday(substr({local_text}, 1, 10)) - julianday({date_text}))"
                " AS INTEGER)"
            )
        return f"(CAST(substr({local_text}, 1, 10) AS date) - CAST({date_text} AS date))::text"

    def recalled(self) -> str:
        return "CASE WHEN c.recalled THEN '1' ELSE '0' END"

    def text(self, expression: str) -> str:
        return expression if self.sqlite else f"CAST({expression} AS text)"

    # -- values -----------------------------------------------------------------------
    def is_none(self) -> str:
        if self.sqlite:
            return "(a.value IS NULL OR a.value = 'null')"
        return "(a.value IS NULL OR json_typeof(a.value) = 'null')"

    def kind(self) -> str:
        """A CASE operand naming the value's JSON kind (number, string, true, false, array,
        object, null; SQLite: integer and real apart)."""
        if self.sqlite:
            return (
                "CASE typeof(a.value) WHEN 'integer' THEN 'integer' WHEN 'real' THEN 'real'"
                " WHEN 'null' THEN 'null' ELSE CASE substr(a.value, 1, 1) WHEN '\"' THEN"
                " 'string' WHEN '[' THEN 'array' WHEN '{' THEN 'object' WHEN 't' THEN 'true'"
                " WHEN 'f' THEN 'false' WHEN 'n' THEN 'null' ELSE 'other' END END"
            )
        return (
            "CASE json_typeof(a.value) WHEN 'boolean' THEN CASE WHEN CAST(a.value AS text)"
            " = 'true' THEN 'true' ELSE 'false' END ELSE coalesce(json_typeof(a.value), 'null')"
            " END"
        )

    def string(self) -> str:
        return "json_extract(a.value, '$')" if self.sqlite else "(a.value #>> '{}')"

    def number(self, json_text: str, fallback: str) -> str:
        """A JSON number's text as ``variables.number`` writes it (``300.0`` → ``300``)."""
        return (
            f"CASE WHEN {json_text} = '-0.0' OR {self.find()}(lower({json_text}), 'e') > 0 "
            f"THEN {fallback} WHEN {json_text} LIKE '%.0' "
            f"THEN substr({json_text}, 1, length({json_text}) - 2) ELSE {json_text} END"
        )

    def find(self) -> str:
        return "instr" if self.sqlite else "strpos"

    def joined(self, separator: str) -> str:
        if self.sqlite:
            return f"(SELECT group_concat(j.value, '{separator}') FROM json_each(a.value) j)"
        return (
            f"(SELECT string_agg(j.e, '{separator}' ORDER BY j.n) FROM "
            "json_array_elements_text(a.value) WITH ORDINALITY j(e, n))"
        )

    def has_option(self, option: str) -> str:
        if self.sqlite:
            return (
                "EXISTS (SELECT 1 FROM json_each(a.value) j WHERE j.type = 'text' AND "
                f"j.value = {_quote(option)})"
            )
        return (
            "EXISTS (SELECT 1 FROM json_array_elements(a.value) j(e) WHERE "
            f"json_typeof(j.e) = 'string' AND (j.e #>> '{{}}') = {_quote(option)})"
        )

    def only_strings(self) -> str:
        if self.sqlite:
            return "NOT EXISTS (SELECT 1 FROM json_each(a.value) j WHERE j.type <> 'text')"
        return (
            "NOT EXISTS (SELECT 1 FROM json_array_elements(a.value) j(e) "
            "WHERE json_typeof(j.e) <> 'string')"
        )

    def metres_text(self) -> str:
        return "(a.value -> '$.metres')" if self.sqlite else "CAST(a.value -> 'metres' AS text)"

    def category_text(self) -> str:
        if self.sqlite:
            return "(a.value ->> '$.category')"
        return "(a.value ->> 'category')"

    def category_is_text(self) -> str:
        if self.sqlite:
            return "coalesce(json_type(a.value, '$.category'), 'null') IN ('text', 'null')"
        return "coalesce(json_typeof(a.value -> 'category'), 'null') IN ('string', 'null')"

    def metres(self, fallback: str) -> str:
        m = self.metres_text()
        return (
            f"CASE WHEN {m} IS NULL OR {m} IN ('null', 'true', 'false') OR substr({m}, 1, 1) "
            f"IN ('\"', '[', '{{') THEN '' ELSE {self.number(m, fallback)} END"
        )

    def distance(self) -> str:
        """The value is a distance answer's object (read as such only for such a question)."""
        return f"(q.type = 'distance' AND ({self.kind()}) = 'object')"

    def fallback(self, function: str, *arguments: str) -> str:
        """SQLite: the Python rule (a registered function); PostgreSQL: never reached, the
        caller checked that no such value exists."""
        if self.sqlite:
            return f"{function}({', '.join(arguments)})"
        return "NULL"

    def value(self) -> str:
        """The long file's ``value`` cell."""
        fallback = self.fallback("x_value", "q.type", "a.value")
        number = (
            "CAST(a.value AS TEXT)"
            if self.sqlite
            else self.number("CAST(a.value AS text)", fallback)
        )
        return (
            f"CASE ({self.kind()}) WHEN 'null' THEN '' WHEN 'integer' THEN CAST(a.value AS TEXT)"
            f" WHEN 'number' THEN {number} WHEN 'string' THEN {self.string()}"
            " WHEN 'true' THEN '1' WHEN 'false' THEN '0'"
            f" WHEN 'array' THEN CASE WHEN {self.only_strings()} THEN"
            f" coalesce({self.joined(';')}, '') ELSE {fallback} END"
            f" WHEN 'object' THEN CASE WHEN q.type = 'distance' AND {self.category_is_text()}"
            f" THEN {self.metres(fallback)} ELSE {fallback} END"
            f" ELSE {fallback} END"
        )

    def unit(self) -> str:
        return f"CASE WHEN {self.distance()} THEN 'm' ELSE coalesce(q.unit, '') END"

    def category(self) -> str:
        fallback = self.fallback("x_category", "q.type", "a.value")
        return (
            f"CASE WHEN NOT {self.distance()} THEN '' WHEN {self.category_is_text()}"
            f" THEN coalesce({self.category_text()}, '') ELSE {fallback} END"
        )

    def own_words(self) -> str:
        """What the patient typed, blank when it is what the value's button records."""
        fallback = self.fallback("x_own_words", "q.type", "a.value", "a.raw")
        whitespace = _quote(PYTHON_WHITESPACE)
        if self.sqlite:
            pressed = f"lower(trim(a.raw, {whitespace}))"
            ascii_ = "length(CAST({0} AS BLOB)) = length({0})"
            number = fallback
        else:
            pressed = f"lower(btrim(a.raw, {whitespace}))"
            ascii_ = "octet_length({0}) = length({0})"
            number = f"CASE WHEN {pressed} = lower(CAST(a.value AS text)) THEN '' ELSE a.raw END"
        string = self.string()
        none_category = f"coalesce({self.category_text()}, 'None')"
        pressed_in = f"CASE WHEN {pressed} IN ({{}}) THEN '' ELSE a.raw END"
        return (
            "CASE WHEN a.raw IS NULL OR a.raw = '' THEN '' WHEN q.type IS NULL THEN a.raw"
            + (f" WHEN NOT {ascii_.format('a.raw')} THEN {fallback}" if self.sqlite else "")
            + f" ELSE CASE ({self.kind()})"
            f" WHEN 'null' THEN {pressed_in.format(_quote('none'))}"
            f" WHEN 'integer' THEN {pressed_in.format('CAST(a.value AS TEXT)')}"
            f" WHEN 'real' THEN {fallback}"
            f" WHEN 'number' THEN {number}"
            + (
                f" WHEN 'string' THEN CASE WHEN NOT {ascii_.format(string)} THEN {fallback}"
                f" ELSE {pressed_in.format(f'lower({string})')} END"
                if self.sqlite
                else f" WHEN 'string' THEN {pressed_in.format(f'lower({string})')}"
            )
            + " WHEN 'true' THEN "
            + pressed_in.format("'yes', 'no', 'true', 'false', '1', '0'")
            + " WHEN 'false' THEN "
            + pressed_in.format("'yes', 'no', 'true', 'false', '1', '0'")
            + f" WHEN 'array' THEN CASE WHEN NOT {self.only_strings()} THEN {fallback}"
            f" WHEN {pressed} IN (SELECT {'j.value' if self.sqlite else 'j.e'} FROM "
            + (
                "json_each(a.value) j)"
                if self.sqlite
                else "json_array_elements_text(a.value) j(e))"
            )
            + f" OR {pressed} = coalesce({self.joined(',')}, '')"
            f" OR {pressed} = coalesce({self.joined(';')}, '') THEN '' ELSE a.raw END"
            f" WHEN 'object' THEN CASE WHEN NOT {self.category_is_text()} THEN {fallback}"
            f" ELSE {pressed_in.format(none_category)} END"
            f" ELSE {fallback} END END"
        )

    def wide(self, cell: WideCell) -> str:
        """One wide answer cell (NULL when the question was not answered)."""
        fallback = self.fallback("x_wide", _quote(cell.kind), _quote(cell.option or ""), "a.value")
        if cell.kind == "checked":
            assert cell.option is not None
            inner = (
                f"CASE WHEN ({self.kind()}) = 'array' AND {self.has_option(cell.option)}"
                " THEN '1' ELSE '0' END"
            )
        else:
            number = (
                fallback
                if self.sqlite
                else self.number("CAST(a.value AS text)", fallback)
            )
            generic = (
                f"CASE ({self.kind()}) WHEN 'integer' THEN CAST(a.value AS TEXT)"
                f" WHEN 'number' THEN {number} WHEN 'string' THEN {self.string()}"
                f" WHEN 'true' THEN '1' WHEN 'false' THEN '0' ELSE {fallback} END"
            )
            if cell.kind == "category":
                inner = (
                    f"CASE WHEN ({self.kind()}) <> 'object' THEN {generic}"
                    f" WHEN {self.category_is_text()} THEN coalesce({self.category_text()}, '')"
                    f" ELSE {fallback} END"
                )
            elif cell.kind == "metres":
                inner = (
                    f"CASE WHEN ({self.kind()}) <> 'object' THEN {generic}"
                    f" ELSE {self.metres(fallback)} END"
                )
            else:
                inner = generic
        return (
            f"max(CASE WHEN a.question_id = {_quote(cell.question)} AND NOT {self.is_none()}"
            f" THEN {inner} END)"
        )


def _where(dialect: Dialect, since: str | None) -> str:
    statuses = ", ".join(_quote(s) for s in NOT_HAPPENED)
    where = f"c.status NOT IN ({statuses})"
    if since is not None:  # an ISO date, checked by the caller
        bound = f"'{since} 00:00:00'" if dialect == "sqlite" else f"'{since}T00:00:00+00:00'"
        where += f" AND c.due_at >= {bound}"
    return where


def _from(cells: _Cells, answers: Literal["JOIN", "LEFT JOIN"]) -> str:
    t = cells.t
    return (
        f"FROM checkin c JOIN enrolment e ON e.id = c.enrolment_id"
        f" JOIN patient p ON p.id = e.patient_id JOIN {t.name('patient')} xp ON xp.id = p.id"
        f" {answers} answer a ON a.checkin_id = c.id AND a.superseded_at IS NULL"
        f" LEFT JOIN {t.name('question')} q ON q.form = c.form AND q.question = a.question_id"
    )


def _blank_as_null(dialect: Dialect, cells: list[str]) -> str:
    # COPY writes NULL as an empty field and '' as "": the files have empty fields only.
    if dialect == "sqlite":
        return ", ".join(cells)
    return ", ".join(f"NULLIF({cell}, '')" for cell in cells)


def long_sql(dialect: Dialect, since: str | None) -> str:
    """One row per live answer of a check-in that happened, in check-in and form order."""
    cells = _Cells(dialect)
    answered = cells.local("a.answered_at")
    surgery = cells.surgery()
    columns = [
        "p.ref", "c.spec_id", "c.form", f"coalesce({cells.text('c.day')}, '')",
        cells.local("c.due_at"), answered, cells.days_between(answered, surgery),
        "a.question_id", cells.value(), cells.unit(), cells.category(), cells.own_words(),
        "coalesce(NULLIF(a.answered_by, ''), 'patient')", "e.survey_id",
        "coalesce(NULLIF(a.survey_version, ''), e.survey_version)", cells.recalled(),
    ]  # fmt: skip
    position = f"coalesce(q.position, {UNKNOWN_POSITION})"
    return (
        f"SELECT {_blank_as_null(dialect, columns)} {_from(cells, 'JOIN')}"
        f" WHERE {_where(dialect, since)} ORDER BY c.id, {position}, a.answered_at, a.id"
    )


def wide_sql(dialect: Dialect, since: str | None, wide: list[WideCell]) -> str:
    """One row per check-in that happened, its answers spread over the wide columns."""
    cells = _Cells(dialect)
    position = f"coalesce(q.position, {UNKNOWN_POSITION})"
    if dialect == "sqlite":
        # The first answer in form order: its answerer and survey version, packed behind a
        # sort key so one min() finds them (SQLite 3.40 has no ordered aggregates).
        first = (
            f"min(CASE WHEN a.id IS NOT NULL THEN printf('%07d', {position}) || a.answered_at"
            " || printf('%012d', a.id) || char(31) || coalesce(NULLIF(a.survey_version, ''),"
            " e.survey_version) || char(30) || coalesce(NULLIF(a.answered_by, ''), 'patient')"
            " END)"
        )
        version = f"coalesce(substr({first}, instr({first}, char(31)) + 1,"
        version += f" instr({first}, char(30)) - instr({first}, char(31)) - 1), e.survey_version)"
        by = f"substr({first}, instr({first}, char(30)) + 1)"
    else:
        order = f"ORDER BY {position}, a.answered_at, a.id"
        version = (
            "coalesce((array_agg(coalesce(NULLIF(a.survey_version, ''), e.survey_version) "
            f"{order}) FILTER (WHERE a.id IS NOT NULL))[1], e.survey_version)"
        )
        by = (
            "(array_agg(coalesce(NULLIF(a.answered_by, ''), 'patient') "
            f"{order}) FILTER (WHERE a.id IS NOT NULL))[1]"
        )
    columns = [
        "p.ref", "c.spec_id", "c.form", f"coalesce({cells.text('c.day')}, '')",
        cells.surgery(), cells.local("c.due_at"), "c.status",
        f"coalesce({cells.local('c.completed_at')}, '')",
        f"coalesce(NULLIF(c.answered_by, ''), {by}, '')", "e.survey_id", version,
        cells.recalled(), *(f"coalesce({cells.wide(cell)}, '')" for cell in wide),
    ]  # fmt: skip
    group = "c.id" if dialect == "sqlite" else "c.id, e.id, p.id, xp.id"
    return (
        f"SELECT {_blank_as_null(dialect, columns)} {_from(cells, 'LEFT JOIN')}"
        f" WHERE {_where(dialect, since)} GROUP BY {group} ORDER BY c.id"
    )


def unusual_values_sql(since: str | None) -> str:
    """PostgreSQL: is there a live answer whose value the SQL cells do not cover (a number
    in exponent notation, a list holding more than text, an object that is not a distance)?"""
    cells = _Cells("postgresql")
    number = "(CAST(a.value AS text) ~ '[eE]' OR CAST(a.value AS text) = '-0.0')"
    metres = cells.metres_text()
    return (
        f"SELECT EXISTS (SELECT 1 {_from(cells, 'JOIN')} WHERE {_where('postgresql', since)}"
        " AND CASE json_typeof(a.value)"
        f" WHEN 'number' THEN {number}"
        " WHEN 'array' THEN q.type IS DISTINCT FROM 'multi_choice' OR NOT"
        f" {cells.only_strings()}"
        f" WHEN 'object' THEN q.type IS DISTINCT FROM 'distance' OR NOT {cells.category_is_text()}"
        f" OR coalesce({metres} ~ '[eE]' OR {metres} = '-0.0', false)"
        " ELSE false END)"
    )
