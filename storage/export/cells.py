"""SQL expressions of the CSV export's answer cells, in SQLite's and PostgreSQL's SQL.

Each expression writes what ``bot.export.variables`` writes for the values the bot stores
(scores, codes, yes/no, lists of codes, distances, text): a number as ``number`` does, a
list joined with ``;``, a distance's metres and category, the patient's own words blank when
they are what a button records. SQLite hands any other shape of value to those Python rules
through registered functions (``x_value``, ``x_category``, ``x_own_words``, ``x_wide``);
PostgreSQL has no such functions, so :func:`storage.export.sql.unusual_values_sql` finds such
values first and the caller writes that export in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["PYTHON_WHITESPACE", "AnswerCells", "Dialect", "WideCell", "quote"]

Dialect = Literal["sqlite", "postgresql"]

PYTHON_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""What ``str.strip()`` removes."""


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class WideCell:
    """One wide-file answer column: the question, its kind (``bot.export.variables``) and,
    for a multi-choice column, its option."""

    question: str
    kind: str
    option: str | None = None


class AnswerCells:
    """The cells of one answer, given the SQL names of its stored value (``v``), typed text
    (``raw``), question id (``qid``), the question's type (``qt``) and unit (``qu``) in the
    check-in's form (NULL when the form does not ask it), and, where the query computed it
    once, the value's kind (``kind_column``, see :meth:`kind_of`)."""

    def __init__(self, dialect: Dialect, *, v: str = "a.value", raw: str = "a.raw",
                 qid: str = "a.question_id", qt: str = "q.type", qu: str = "q.unit",
                 kind_column: str | None = None) -> None:  # fmt: skip
        self.dialect = dialect
        self.sqlite = dialect == "sqlite"
        self.v, self.raw, self.qid, self.qt, self.qu = v, raw, qid, qt, qu
        self.kind_column = kind_column

    # -- values -----------------------------------------------------------------------
    def is_none(self) -> str:
        if self.sqlite:
            return f"({self.v} IS NULL OR {self.v} = 'null')"
        return f"({self.v} IS NULL OR json_typeof({self.v}) = 'null')"

    def kind(self) -> str:
        """A CASE operand naming the value's JSON kind (number, string, true, false, array,
        object, null; SQLite: integer and real apart)."""
        if self.kind_column is not None:
            return self.kind_column
        return self.kind_of()

    def kind_of(self) -> str:
        """:meth:`kind` computed from the value."""
        if self.sqlite:
            return (
                f"CASE typeof({self.v}) WHEN 'integer' THEN 'integer' WHEN 'real' THEN 'real'"
                f" WHEN 'null' THEN 'null' ELSE CASE substr({self.v}, 1, 1) WHEN '\"' THEN"
                " 'string' WHEN '[' THEN 'array' WHEN '{' THEN 'object' WHEN 't' THEN 'true'"
                " WHEN 'f' THEN 'false' WHEN 'n' THEN 'null' ELSE 'other' END END"
            )
        return (
            f"CASE json_typeof({self.v}) WHEN 'boolean' THEN CASE WHEN CAST({self.v} AS text)"
            f" = 'true' THEN 'true' ELSE 'false' END ELSE coalesce(json_typeof({self.v}), 'null')"
            " END"
        )

    def string(self) -> str:
        return f"json_extract({self.v}, '$')" if self.sqlite else f"({self.v} #>> '{{}}')"

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
            return f"(SELECT group_concat(j.value, '{separator}') FROM json_each({self.v}) j)"
        return (
            f"(SELECT string_agg(j.e, '{separator}' ORDER BY j.n) FROM "
            f"json_array_elements_text({self.v}) WITH ORDINALITY j(e, n))"
        )

    def has_option(self, option: str) -> str:
        if not set(option) & set('"\\[]{}'):
            # A list of codes without escapes or nesting holds "option" only as an element.
            text, find = (self.v, "instr") if self.sqlite else (f"CAST({self.v} AS text)", "strpos")
            plain = f"{find}({text}, '\\') = 0 AND {find}({text}, '{{') = 0"
            plain += f" AND {find}(substr({text}, 2), '[') = 0"
            return (
                f"CASE WHEN {plain} THEN {find}({text}, {quote(chr(34) + option + chr(34))}) > 0"
                f" ELSE {self._has_option(option)} END"
            )
        return self._has_option(option)

    def _has_option(self, option: str) -> str:
        if self.sqlite:
            return (
                f"EXISTS (SELECT 1 FROM json_each({self.v}) j WHERE j.type = 'text' AND "
                f"j.value = {quote(option)})"
            )
        return (
            f"EXISTS (SELECT 1 FROM json_array_elements({self.v}) j(e) WHERE "
            f"json_typeof(j.e) = 'string' AND (j.e #>> '{{}}') = {quote(option)})"
        )

    def only_strings(self) -> str:
        if self.sqlite:
            return f"NOT EXISTS (SELECT 1 FROM json_each({self.v}) j WHERE j.type <> 'text')"
        return (
            f"NOT EXISTS (SELECT 1 FROM json_array_elements({self.v}) j(e) "
            "WHERE json_typeof(j.e) <> 'string')"
        )

    def metres_text(self) -> str:
        return f"({self.v} -> '$.metres')" if self.sqlite else f"CAST({self.v} -> 'metres' AS text)"

    def category_text(self) -> str:
        if self.sqlite:
            return f"({self.v} ->> '$.category')"
        return f"({self.v} ->> 'category')"

    def category_is_text(self) -> str:
        if self.sqlite:
            return f"coalesce(json_type({self.v}, '$.category'), 'null') IN ('text', 'null')"
        return f"coalesce(json_typeof({self.v} -> 'category'), 'null') IN ('string', 'null')"

    def metres(self, fallback: str) -> str:
        m = self.metres_text()
        return (
            f"CASE WHEN {m} IS NULL OR {m} IN ('null', 'true', 'false') OR substr({m}, 1, 1) "
            f"IN ('\"', '[', '{{') THEN '' ELSE {self.number(m, fallback)} END"
        )

    def distance(self) -> str:
        """The value is a distance answer's object (read as such only for such a question)."""
        if self.sqlite:  # an object is stored as text starting with {
            return f"({self.qt} = 'distance' AND substr({self.v}, 1, 1) = '{{')"
        return f"({self.qt} = 'distance' AND ({self.kind()}) = 'object')"

    def fallback(self, function: str, *arguments: str) -> str:
        """SQLite: the Python rule (a registered function); PostgreSQL: never reached, the
        caller checked that no such value exists."""
        if self.sqlite:
            return f"{function}({', '.join(arguments)})"
        return "NULL"

    def value(self) -> str:
        """The long file's ``value`` cell."""
        if self.sqlite:  # the most common value first: a score or a code stored as a number
            return (
                f"CASE WHEN typeof({self.v}) = 'integer' THEN CAST({self.v} AS TEXT) ELSE "
                f"{self._value()} END"
            )
        return self._value()

    def _value(self) -> str:
        fallback = self.fallback("x_value", self.qt, self.v)
        number = (
            f"CAST({self.v} AS TEXT)"
            if self.sqlite
            else self.number(f"CAST({self.v} AS text)", fallback)
        )
        return (
            f"CASE ({self.kind()}) WHEN 'null' THEN '' WHEN 'integer' THEN CAST({self.v} AS TEXT)"
            f" WHEN 'number' THEN {number} WHEN 'string' THEN {self.string()}"
            " WHEN 'true' THEN '1' WHEN 'false' THEN '0'"
            f" WHEN 'array' THEN CASE WHEN {self.only_strings()} THEN"
            f" coalesce({self.joined(';')}, '') ELSE {fallback} END"
            f" WHEN 'object' THEN CASE WHEN {self.qt} = 'distance' AND {self.category_is_text()}"
            f" THEN {self.metres(fallback)} ELSE {fallback} END"
            f" ELSE {fallback} END"
        )

    def unit(self) -> str:
        return f"CASE WHEN {self.distance()} THEN 'm' ELSE coalesce({self.qu}, '') END"

    def category(self) -> str:
        fallback = self.fallback("x_category", self.qt, self.v)
        return (
            f"CASE WHEN NOT {self.distance()} THEN '' WHEN {self.category_is_text()}"
            f" THEN coalesce({self.category_text()}, '') ELSE {fallback} END"
        )

    def own_words(self) -> str:
        """What the patient typed, blank when it is what the value's button records."""
        fallback = self.fallback("x_own_words", self.qt, self.v, self.raw)
        whitespace = quote(PYTHON_WHITESPACE)
        if self.sqlite:
            pressed = f"lower(trim({self.raw}, {whitespace}))"
            ascii_ = "length(CAST({0} AS BLOB)) = length({0})"
            number = fallback
        else:
            pressed = f"lower(btrim({self.raw}, {whitespace}))"
            ascii_ = "octet_length({0}) = length({0})"
            number = (
                f"CASE WHEN {pressed} = lower(CAST({self.v} AS text)) THEN '' ELSE {self.raw} END"
            )
        string = self.string()
        none_category = f"coalesce({self.category_text()}, 'None')"
        integer = f"CAST({self.v} AS TEXT)"
        pressed_in = f"CASE WHEN {pressed} IN ({{}}) THEN '' ELSE {self.raw} END"
        return (
            f"CASE WHEN {self.raw} IS NULL OR {self.raw} = '' THEN ''"
            f" WHEN {self.qt} IS NULL THEN {self.raw}"
            + (f" WHEN NOT {ascii_.format(self.raw)} THEN {fallback}" if self.sqlite else "")
            + f" ELSE CASE ({self.kind()})"
            f" WHEN 'null' THEN {pressed_in.format(quote('none'))}"
            f" WHEN 'integer' THEN {pressed_in.format(integer)}"
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
                f"json_each({self.v}) j)"
                if self.sqlite
                else f"json_array_elements_text({self.v}) j(e))"
            )
            + f" OR {pressed} = coalesce({self.joined(',')}, '')"
            f" OR {pressed} = coalesce({self.joined(';')}, '') THEN '' ELSE {self.raw} END"
            f" WHEN 'object' THEN CASE WHEN NOT {self.category_is_text()} THEN {fallback}"
            f" ELSE {pressed_in.format(none_category)} END"
            f" ELSE {fallback} END END"
        )

    def wide(self, cell: WideCell) -> str:
        """One wide answer cell of the question whose value ``v`` is (NULL when it was not
        answered: ``v`` is NULL)."""
        return f"CASE WHEN NOT {self.is_none()} THEN {self._wide(cell)} END"

    def _wide(self, cell: WideCell) -> str:
        fallback = self.fallback("x_wide", quote(cell.kind), quote(cell.option or ""), self.v)
        if cell.kind == "checked":
            assert cell.option is not None
            inner = (
                f"CASE WHEN ({self.kind()}) = 'array' AND {self.has_option(cell.option)}"
                " THEN '1' ELSE '0' END"
            )
        else:
            number = fallback if self.sqlite else self.number(f"CAST({self.v} AS text)", fallback)
            generic = (
                f"CASE ({self.kind()}) WHEN 'integer' THEN CAST({self.v} AS TEXT)"
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
        return inner
