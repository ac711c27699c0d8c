"""Files the bot uploaded or simulated users sent, served back through ``getFile``."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from bot.sandbox.errors import bad_request
from bot.sandbox.types import JsonDict, SentFile

__all__ = ["FileStore", "StoredFile", "sniff_image"]


@dataclass(frozen=True, slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes | None
    filename: str | None = None
    mime_type: str | None = None
    url: str | None = None
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        return len(self.content) if self.content is not None else 0

    def sent(self) -> SentFile:
        return SentFile(self.file_id, self.filename, self.mime_type, self.content, self.url)

    def photo_sizes(self) -> list[JsonDict]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width,
                "height": self.height,
                "file_size": self.size,
            }
        ]

    def document(self) -> JsonDict:
        data: JsonDict = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.filename is not None:
            data["file_name"] = self.filename
        if self.mime_type is not None:
            data["mime_type"] = self.mime_type
        return data

    def get_file(self) -> JsonDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


class FileStore:
    """File ids → stored files, with the paths ``/file/bot<token>/<path>`` serves."""

    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = 0

    def add(
        self,
        kind: str,
        content: bytes | None,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
    ) -> StoredFile:
        self._counter += 1
        number = self._counter
        width = height = 0
        if kind == "photo" and content:
            mime_type, width, height = sniff_image(content)
        elif mime_type is None and filename is not None:
            mime_type = mimetypes.guess_type(filename)[0]
        extension = mimetypes.guess_extension(mime_type or "") or ""
        stored = StoredFile(
            file_id=f"sandbox-{kind}-{number}",
            file_unique_id=f"u{number}",
            file_path=f"{kind}s/file_{number}{extension}",
            content=content,
            filename=filename,
            mime_type=mime_type,
            url=url,
            width=width,
            height=height,
        )
        self._files[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)

    def require(self, file_id: str) -> StoredFile:
        stored = self._files.get(file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored


def sniff_image(content: bytes) -> tuple[str, int, int]:
    """(mime type, width, height) of a PNG, GIF, JPEG or WebP; Telegram refuses other photos."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        width, height = content[16:20], content[20:24]
        return "image/png", int.from_bytes(width, "big"), int.from_bytes(height, "big")
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        width, height = content[6:8], content[8:10]
        return "image/gif", int.from_bytes(width, "little"), int.from_bytes(height, "little")
    if content.startswith(b"\xff\xd8"):
        size = _jpeg_size(content)
        if size is not None:
            return "image/jpeg", *size
    if content.startswith(b"RIFF") and content[8:12] == b"WEBP":
        return "image/webp", 0, 0
    raise bad_request("IMAGE_PROCESS_FAILED")


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(content):
        if content[index] != 0xFF:
            return None
        marker = content[index + 1]
        length = int.from_bytes(content[index + 2 : index + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            height = int.from_bytes(content[index + 5 : index + 7], "big")
            width = int.from_bytes(content[index + 7 : index + 9], "big")
            return width, height
        index += 2 + length
    return None
