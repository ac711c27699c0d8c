"""A nurse's written note, tidied before it is stored."""

from __future__ import annotations

__all__ = ["tidy_note"]


def tidy_note(note: str | None) -> str | None:
    """One line of single spaces, without NUL characters; None when nothing is left.

    PostgreSQL text cannot hold NUL (the patient side drops it the same way), and a NUL
    carries no meaning in a note, so it is removed rather than refused.
    """
    if not note:
        return None
    return " ".join(note.replace("\x00", "").split()) or None
