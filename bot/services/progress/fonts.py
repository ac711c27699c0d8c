"""A font that draws Chinese, wherever the machine keeps one.

matplotlib's own DejaVu Sans has no CJK glyphs: Chinese labels would come out as boxes.
The usual Linux fonts are looked up by family name; fonts installed after matplotlib built
its font cache are found by file name and added. Without any, :func:`cjk_family` is None
and a Chinese chart is not drawn (the patient still gets the text).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

__all__ = ["CJK_FAMILIES", "cjk_family", "families_for"]

log = logging.getLogger(__name__)

CJK_FAMILIES = (
    "Noto Sans CJK SC",  # Debian/Ubuntu fonts-noto-cjk
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",  # fonts-wqy-zenhei
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
_FILE_HINTS = ("notosanscjk", "notosanssc", "sourcehansans", "wqy", "droidsansfallback", "uming")


def _known() -> str | None:
    from matplotlib import font_manager

    names = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in names), None)


@functools.cache
def cjk_family() -> str | None:
    """The first CJK-capable family matplotlib can use, or None."""
    found = _known()
    if found is not None:
        return found
    from matplotlib import font_manager

    for path in font_manager.findSystemFonts():
        if any(hint in Path(path).name.lower() for hint in _FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    found = _known()
    if found is None:
        log.warning("no Chinese font found: Chinese patients get their progress as text only")
    return found


def families_for(language: str) -> tuple[str, ...] | None:
    """Font families for a chart in ``language`` (fallback order), or None if none can."""
    if language != "zh-Hans":
        return ("DejaVu Sans",)
    family = cjk_family()
    return None if family is None else (family, "DejaVu Sans")
