"""Text clean-up shared by the answer parsers: width, case, spacing and punctuation."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "key", "strip_edges"]

_SPACES = re.compile(r"\s+")
_SIGNS = "+-<>"  # a sign or comparison changes the meaning of what follows
_LOOKALIKES = str.maketrans(
    {"−": "-", "–": "-", "—": "-", "’": "'", "‘": "'", "‵": "'", "。": ".", "、": ","}
)


def fold(text: str) -> str:
    """NFKC (full-width digits become ASCII), lower case, one space between words."""
    folded = unicodedata.normalize("NFKC", text).translate(_LOOKALIKES).casefold()
    return _SPACES.sub(" ", folded).strip()


def _is_edge_noise(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] in "PS"


def strip_edges(text: str, keep_sign: bool = False) -> str:
    """Drop spaces, punctuation and symbols around ``text``.

    ``keep_sign`` keeps a leading "+", "-", "<" or ">", which change what follows.
    """
    end = len(text)
    while end and _is_edge_noise(text[end - 1]):
        end -= 1
    start = 0
    while start < end and _is_edge_noise(text[start]):
        if keep_sign and text[start] in _SIGNS:
            break
        start += 1
    return text[start:end]


def key(text: str) -> str:
    """Comparison key for labels: folded, punctuation as spaces, single-spaced."""
    kept = "".join(" " if unicodedata.category(c)[0] == "P" else c for c in fold(text))
    return strip_edges(_SPACES.sub(" ", kept).strip())
