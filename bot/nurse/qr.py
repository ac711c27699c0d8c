"""The invite link as a QR code to print or show at discharge."""

from __future__ import annotations

import io

import segno

__all__ = ["invite_qr_png"]


def invite_qr_png(link: str, *, scale: int = 8) -> bytes:
    """A PNG QR code of ``link`` (error correction M, the quiet zone included)."""
    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
