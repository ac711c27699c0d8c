"""The CSV export's two big queries, every cell formatted by the database.

``answers_long.csv`` and ``answers_wide.csv`` are one SELECT each whose columns are the
files' cells as text: the reader writes them as they come (PostgreSQL's ``COPY … TO STDOUT``,
or ``csv.writer.writerows`` over SQLite rows). Per export, three small lookup tables carry
what the database cannot know (see :func:`table_ddl`): each patient's clock (zone and date
shift, :mod:`bot.export.clocks`), each clock's steps, each question's place in its form, type
and unit. The answer cells are :class:`~storage.export.cells.AnswerCells`.

Both queries start from the check-ins (:func:`_checkins`): each one's planned time is looked
up and formatted once, and the clock step it falls in is kept, so an answer or completion
time in the same step (nearly all of them) needs no second lookup.
"""

from __future__ import annotations

from typing import Final

from storage.export.cells import AnswerCells, Dialect, WideCell, quote

__all__ = ["IdRange", "long_sql", "table_ddl", "unusual_values_sql", "wide_sql"]

NOT_HAPPENED: Final = ("scheduled", "sending", "cancelled")
IdRange = tuple[int, int] | None
UNKNOWN_POSITION: Final = 1_000_000
"""Where answers to questions not in the check-in's form sort (after the form's own)."""


def _table(dialect: Dialect, name: str) -> str:
    return f"x.{name}" if dialect == "sqlite" else f"x_{name}"


def table_ddl(dialect: Dialect) -> list[str]:
    """CREATE statements of the lookup tables (SQLite: in an attached scratch database
    ``x``; PostgreSQL: temporary tables dropped with the export's transaction)."""
    if dialect == "sqlite":
        return [
            "CREATE TABLE x.patient (id INTEGER PRIMARY KEY, clock INTEGER NOT NULL,"
            " shift INTEGER NOT NULL)",
            # DATETIME, as the times it is compared with: the index serves the comparison.
            "CREATE TABLE x.clock (clock INTEGER, since DATETIME, seconds INTEGER,"
            " step_offset TEXT, PRIMARY KEY (clock, since)) WITHOUT ROWID",
            "CREATE TABLE x.question (form TEXT, question TEXT, position INTEGER, type TEXT,"
            " unit TEXT, PRIMARY KEY (form, question)) WITHOUT ROWID",
        ]
    return [
        "CREATE TEMPORARY TABLE x_patient (id integer PRIMARY KEY, clock integer NOT NULL,"
        " shift integer NOT NULL) ON COMMIT DROP",
        "CREATE TEMPORARY TABLE x_clock (clock integer, since timestamptz, seconds integer,"
        " step_offset text, PRIMARY KEY (clock, since)) ON COMMIT DROP",
        "CREATE TEMPORARY TABLE x_question (form text, question text, position integer,"
        " type text, unit text, PRIMARY KEY (form, question)) ON COMMIT DROP",
    ]


def _fence(dialect: Dialect) -> str:
    """Keeps a subquery apart, computed once per row (SQLite would fold it into the outer
    query and compute its expressions again wherever they are used)."""
    return " LIMIT -1 OFFSET 0" if dialect == "sqlite" else " OFFSET 0"


class _Times:
    """Local, shifted times in the clock step of a check-in row ``r`` (see :func:`_checkins`)."""

    def __init__(self, dialect: Dialect, row: str) -> None:
        self.dialect, self.r = dialect, row

    def _step(self, column: str, field: str) -> str:
        r, stored = self.r, "step_offset" if field == "offset" else field
        return (
            f"CASE WHEN {column} >= {r}.step_since AND ({r}.step_until IS NULL OR {column} <"
            f" {r}.step_until) THEN {r}.step_{field} ELSE (SELECT k.{stored} FROM"
            f" {_table(self.dialect, 'clock')} k WHERE k.clock = {r}.clock AND k.since <="
            f" {column} ORDER BY k.since DESC LIMIT 1) END"
        )

    def seconds(self, column: str) -> str:
        return self._step(column, "seconds")

    def formatted(self, column: str) -> str:
        """ISO 8601 with the UTC offset, as ``Deidentifier.localiser`` gives it; NULL for NULL."""
        seconds, offset = self.seconds(column), self._step(column, "offset")
        if self.dialect == "sqlite":
            return (
                f"strftime('%Y-%m-%dT%H:%M:%S', substr({column}, 1, 19), ({seconds}) ||"
                f" ' seconds') || ({offset})"
            )
        return (
            f"to_char(({column} AT TIME ZONE 'UTC') + ({seconds}) * interval '1 second',"
            f" 'YYYY-MM-DD\"T\"HH24:MI:SS') || ({offset})"
        )

    def days_after_surgery(self, column: str) -> str:
        """Days from the shifted surgery date to the shifted local date of ``column``."""
        seconds = self.seconds(column)
        if self.dialect == "sqlite":
            moment = f"(unixepoch(substr({column}, 1, 19)) + ({seconds}))"
            day = f"(({moment} - (({moment} % 86400) + 86400) % 86400) / 86400)"
            return f"({day} - {self.r}.surgery_day)"
        return (
            f"CAST(CAST(({column} AT TIME ZONE 'UTC') + ({seconds}) * interval '1 second' AS"
            f" date) - {self.r}.surgery_day AS text)"
        )


def _checkins(dialect: Dialect, since: str | None, ids: IdRange = None) -> str:
    """The check-ins that happened, of the exported patients, with what every row of theirs
    repeats: reference, formatted planned time, shifted surgery date, clock step."""
    clock = _table(dialect, "clock")
    statuses = ", ".join(quote(s) for s in NOT_HAPPENED)
    where = f"c.status NOT IN ({statuses})"
    if ids is not None:
        where += f" AND c.id >= {int(ids[0])} AND c.id < {int(ids[1])}"
    if since is not None:  # an ISO date (the caller's dt.date)
        bound = f"'{since} 00:00:00'" if dialect == "sqlite" else f"'{since}T00:00:00+00:00'"
        where += f" AND c.due_at >= {bound}"
    if dialect == "sqlite":
        surgery = "date(e.surgery_date, xp.shift || ' days')"
        surgery_day = "(unixepoch(e.surgery_date) / 86400 + xp.shift)"
        planned = (
            "strftime('%Y-%m-%dT%H:%M:%S', substr(c.due_at, 1, 19), k.seconds || ' seconds')"
            " || k.step_offset"
        )
    else:
        surgery = "to_char(e.surgery_date + xp.shift, 'YYYY-MM-DD')"
        surgery_day = "(e.surgery_date + xp.shift)"
        planned = (
            "to_char((c.due_at AT TIME ZONE 'UTC') + k.seconds * interval '1 second',"
            " 'YYYY-MM-DD\"T\"HH24:MI:SS') || k.step_offset"
        )
    if dialect == "sqlite":  # the step: a lookup of its start, then the row by its key
        step = (
            f" JOIN {clock} k ON k.clock = xp.clock AND k.since = (SELECT k1.since FROM {clock}"
            " k1 WHERE k1.clock = xp.clock AND k1.since <= c.due_at ORDER BY k1.since DESC"
            " LIMIT 1)"
        )
    else:
        step = (
            f" CROSS JOIN LATERAL (SELECT * FROM {clock} k1 WHERE k1.clock = xp.clock AND"
            " k1.since <= c.due_at ORDER BY k1.since DESC LIMIT 1) k"
        )
    return (
        "SELECT c.id, c.form, c.spec_id, c.status, coalesce(CAST(c.day AS text), '') AS day,"
        " c.completed_at, c.answered_by AS checkin_by,"
        " CASE WHEN c.recalled THEN '1' ELSE '0' END AS recalled, p.ref, e.survey_id,"
        f" e.survey_version AS enrolment_version, xp.clock, {surgery} AS surgery,"
        f" {surgery_day} AS surgery_day, {planned} AS planned, k.since AS step_since,"
        " k.seconds AS step_seconds, k.step_offset AS step_offset,"
        f" (SELECT min(k2.since) FROM {clock} k2 WHERE k2.clock = k.clock AND k2.since >"
        " k.since) AS step_until"
        " FROM checkin c JOIN enrolment e ON e.id = c.enrolment_id"
        " JOIN patient p ON p.id = e.patient_id"
        f" JOIN {_table(dialect, 'patient')} xp ON xp.id = p.id"
        f"{step} WHERE {where}"
    )


def _answers(dialect: Dialect, since: str | None, join: str, ids: IdRange = None) -> str:
    return (
        f"FROM ({_checkins(dialect, since, ids)} ORDER BY c.id{_fence(dialect)}) ck"
        f" {join} answer a ON a.checkin_id = ck.id AND a.superseded_at IS NULL"
        f" LEFT JOIN {_table(dialect, 'question')} q ON q.form = ck.form"
        " AND q.question = a.question_id"
    )


def _cells(dialect: Dialect, cells: list[str]) -> str:
    # COPY writes NULL as an empty field and '' as "": the files have empty fields only.
    if dialect == "sqlite":
        return ", ".join(cells)
    return ", ".join(f"NULLIF({cell}, '')" for cell in cells)


def long_sql(dialect: Dialect, since: str | None, ids: IdRange = None) -> str:
    """One row per live answer of a check-in that happened, in check-in and form order;
    ``ids``: only check-ins with ids from the first up to (not including) the second."""
    position = f"coalesce(q.position, {UNKNOWN_POSITION})"
    kind = AnswerCells(dialect).kind_of()
    order = "w.id, w.position, w.answered_at, w.aid"
    inner = (
        "SELECT ck.*, a.id AS aid, a.question_id AS qid, a.value AS v, a.raw AS raw,"
        " a.answered_at AS answered_at, a.answered_by AS answered_by, a.survey_version AS"
        f" version, q.type AS qt, q.unit AS qu, {position} AS position, {kind} AS vk"
        f" {_answers(dialect, since, 'JOIN', ids)}"
        f" ORDER BY ck.id, {position}, a.answered_at, a.id{_fence(dialect)}"
    )
    cells = AnswerCells(dialect, v="w.v", raw="w.raw", qid="w.qid", qt="w.qt", qu="w.qu",
                        kind_column="w.vk")  # fmt: skip
    times = _Times(dialect, "w")
    columns = [
        "w.ref", "w.spec_id", "w.form", "w.day", "w.planned",
        times.formatted("w.answered_at"), times.days_after_surgery("w.answered_at"), "w.qid",
        cells.value(), cells.unit(), cells.category(), cells.own_words(),
        "coalesce(NULLIF(w.answered_by, ''), 'patient')", "w.survey_id",
        "coalesce(NULLIF(w.version, ''), w.enrolment_version)", "w.recalled",
    ]  # fmt: skip
    # SQLite gives the subquery's rows in its order; PostgreSQL is told (it keeps the order
    # it sorted in, no second sort).
    tail = "" if dialect == "sqlite" else f" ORDER BY {order}"
    return f"SELECT {_cells(dialect, columns)} FROM ({inner}) w{tail}"


def wide_sql(dialect: Dialect, since: str | None, wide: list[WideCell], ids: IdRange = None) -> str:
    """One row per check-in that happened, its answers spread over the wide columns.

    The answers are grouped by check-in, one value per question (``w.q0`` …), and the cells
    are made from those: once per check-in, not once per answer and column.
    """
    questions = list(dict.fromkeys(cell.question for cell in wide))
    column_of = {question: f"q{index}" for index, question in enumerate(questions)}
    position = f"coalesce(q.position, {UNKNOWN_POSITION})"
    by = "coalesce(NULLIF(a.answered_by, ''), 'patient')"
    if dialect == "sqlite":
        # The first answer in form order (its answerer and survey version) packed behind a
        # sort key, so that one min() finds it (SQLite 3.40 has no ordered aggregates).
        first = (
            f"min(CASE WHEN a.id IS NOT NULL THEN ({position} + 1000000) || a.answered_at ||"
            f" (a.id + 1000000000000) || char(31) || {by} || char(30) || a.survey_version END)"
        )
        value = "a.value"
        split = "substr(w.first, instr(w.first, char(31)) + 1, instr(w.first, char(30))"
        split += " - instr(w.first, char(31)) - 1)"
        first_by, first_version = split, "substr(w.first, instr(w.first, char(30)) + 1)"
    else:
        packed = f"{by} || chr(31) || a.survey_version"
        first = f"(array_agg({packed} ORDER BY {position}, a.answered_at, a.id))[1]"
        value = "CAST(a.value AS text)"  # json has no max(); it is read back as json below
        first_by = "split_part(w.first, chr(31), 1)"
        first_version = "split_part(w.first, chr(31), 2)"
    values = ", ".join(
        f"max(CASE WHEN a.question_id = {quote(question)} THEN {value} END) AS {name}"
        for question, name in column_of.items()
    )
    checkins = _checkins(dialect, since, ids)
    question = _table(dialect, "question")
    if dialect == "sqlite":
        grouped = (
            f"SELECT ck.*, {first} AS first, {values}"
            f" FROM ({checkins} ORDER BY c.id{_fence(dialect)}) ck"
            " LEFT JOIN answer a ON a.checkin_id = ck.id AND a.superseded_at IS NULL"
            f" LEFT JOIN {question} q ON q.form = ck.form AND q.question = a.question_id"
            f" GROUP BY ck.id ORDER BY ck.id{_fence(dialect)}"
        )
    else:  # the answers grouped on their own, in the order of their index: no sort
        grouped = (
            f"SELECT ck.*, g.* FROM ({checkins}{_fence(dialect)}) ck LEFT JOIN (SELECT"
            f" a.checkin_id, {first} AS first, {values} FROM answer a JOIN checkin c ON c.id ="
            f" a.checkin_id LEFT JOIN {question} q ON q.form = c.form AND q.question ="
            " a.question_id WHERE a.superseded_at IS NULL GROUP BY a.checkin_id) g"
            f" ON g.checkin_id = ck.id{_fence(dialect)}"
        )
    times = _Times(dialect, "w")

    def cell(wide_cell: WideCell) -> str:
        name = f"w.{column_of[wide_cell.question]}"
        stored = name if dialect == "sqlite" else f"CAST({name} AS json)"
        return AnswerCells(dialect, v=stored).wide(wide_cell)

    columns = [
        "w.ref", "w.spec_id", "w.form", "w.day", "w.surgery", "w.planned", "w.status",
        f"coalesce({times.formatted('w.completed_at')}, '')",
        f"coalesce(NULLIF(w.checkin_by, ''), {first_by}, '')", "w.survey_id",
        f"coalesce(NULLIF({first_version}, ''), w.enrolment_version)", "w.recalled",
        *(f"coalesce({cell(c)}, '')" for c in wide),
    ]  # fmt: skip
    tail = "" if dialect == "sqlite" else " ORDER BY w.id"
    return f"SELECT {_cells(dialect, columns)} FROM ({grouped}) w{tail}"


def unusual_values_sql(since: str | None) -> str:
    """PostgreSQL: is there a live answer whose value the SQL cells do not cover (a number
    in exponent notation, a list holding more than text or of a question that is not
    multi-choice, an object that is not a distance)?"""
    cells = AnswerCells("postgresql")
    number = "(CAST(a.value AS text) ~ '[eE]' OR CAST(a.value AS text) = '-0.0')"
    metres = cells.metres_text()
    return (
        f"SELECT EXISTS (SELECT 1 {_answers('postgresql', since, 'JOIN')} WHERE"
        " CASE json_typeof(a.value)"
        f" WHEN 'number' THEN {number}"
        " WHEN 'array' THEN q.type IS DISTINCT FROM 'multi_choice' OR NOT"
        f" {cells.only_strings()}"
        f" WHEN 'object' THEN q.type IS DISTINCT FROM 'distance' OR NOT {cells.category_is_text()}"
        f" OR coalesce({metres} ~ '[eE]' OR {metres} = '-0.0', false)"
        " ELSE false END)"
    )
