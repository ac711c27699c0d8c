"""The invite link as a QR code to print or show at discharge."""

from __future__ import annotations

import io

__all__ = ["invite_qr_png"]


def invite_qr_png(link: str, *, scale: int = 8) -> bytes:
    """A PNG QR code of ``link`` (error correction M, the quiet zone included)."""
    import segno  # only when an invite is made: the bot's replies never need it

    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
