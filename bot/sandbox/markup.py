"""Turn text sent with a ``parse_mode`` into the visible text and entities Telegram shows.

Malformed markup is refused with Telegram's ``can't parse entities`` error, so a bot
that forgets to escape a ``.`` in MarkdownV2 or sends ``<br>`` in HTML fails here
exactly as it would in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.types import JsonDict

__all__ = ["Entity", "FormattedText", "parse_formatted", "utf16_len"]

PARSE_MODES = {"html": "HTML", "markdown": "Markdown", "markdownv2": "MarkdownV2"}


@dataclass(frozen=True, slots=True)
class Entity:
    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None

    def to_api(self) -> JsonDict:
        data: JsonDict = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.url is not None:
            data["url"] = self.url
        if self.language is not None:
            data["language"] = self.language
        return data


@dataclass(frozen=True, slots=True)
class FormattedText:
    text: str
    entities: tuple[Entity, ...] = ()


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def parse_formatted(text: str, parse_mode: str | None) -> FormattedText:
    """Visible text and entities of ``text`` under ``parse_mode`` (None or "" means plain)."""
    if not parse_mode:
        return FormattedText(text)
    mode = PARSE_MODES.get(parse_mode.lower())
    if mode is None:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    if mode == "HTML":
        return _parse_html(text)
    if mode == "MarkdownV2":
        return _MarkdownV2(text).parse()
    return _parse_legacy_markdown(text)


def _cant_parse(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _Builder:
    """Collects visible text and entities while a parser walks the source."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.entities: list[Entity] = []

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.length += utf16_len(chunk)

    def close(self, kind: str, start: int, url: str | None = None, lang: str | None = None) -> None:
        if self.length > start:
            self.entities.append(Entity(kind, start, self.length - start, url, lang))

    def result(self) -> FormattedText:
        ordered = sorted(self.entities, key=lambda entity: (entity.offset, -entity.length))
        return FormattedText("".join(self.parts), tuple(ordered))


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _HtmlParser(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self._line_starts.append(index + 1)
        self.out = _Builder()
        self._open: list[tuple[str, str, int, str | None]] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return _byte_offset(self._source, self._line_starts[line - 1] + column)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = _HTML_TAGS.get(tag)
        values = dict(attrs)
        if kind is None or (tag == "span" and values.get("class") != "tg-spoiler"):
            raise _cant_parse(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        url = values.get("href") if tag == "a" else None
        if tag == "a" and not url:
            raise _cant_parse(f"Can't parse link at byte offset {self._offset()}")
        self._open.append((tag, kind, self.out.length, url))

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            expected = f'"</{self._open[-1][0]}>"' if self._open else "nothing"
            raise _cant_parse(
                f"Unmatched end tag at byte offset {self._offset()}, expected {expected}, "
                f'found "</{tag}>"'
            )
        _, kind, start, url = self._open.pop()
        self.out.close(kind, start, url=url)

    def handle_data(self, data: str) -> None:
        self.out.add(data)

    def finish(self) -> FormattedText:
        self.close()
        if self._open:
            tag = self._open[-1][0]
            raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{tag}"')
        return self.out.result()


def _parse_html(text: str) -> FormattedText:
    parser = _HtmlParser(text)
    parser.feed(text)
    return parser.finish()


_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_V2_TOGGLES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}
_V2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}


class _MarkdownV2:
    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.out = _Builder()
        self.open: list[tuple[str, int, int]] = []  # (marker, visible start, source index)

    def parse(self) -> FormattedText:
        src = self.source
        while self.pos < len(src):
            char = src[self.pos]
            if char == "\\" and self.pos + 1 < len(src):
                self.out.add(src[self.pos + 1])
                self.pos += 2
            elif src.startswith("```", self.pos):
                self._pre()
            elif char == "`":
                self._code()
            elif src.startswith("__", self.pos) or src.startswith("||", self.pos):
                self._toggle(src[self.pos : self.pos + 2])
            elif char in "*_~":
                self._toggle(char)
            elif char == "[":
                self.open.append(("[", self.out.length, self.pos))
                self.pos += 1
            elif char == "]" and self.open and self.open[-1][0] == "[":
                self._link_end()
            elif char == ">" and (self.pos == 0 or src[self.pos - 1] == "\n"):
                self.pos += 1
            elif char in _V2_RESERVED:
                raise _cant_parse(
                    f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
                )
            else:
                self.out.add(char)
                self.pos += 1
        if self.open:
            marker, _, index = self.open[-1]
            name = "TextUrl" if marker == "[" else _V2_NAMES[_V2_TOGGLES[marker]]
            offset = _byte_offset(src, index)
            raise _cant_parse(f"Can't find end of {name} entity at byte offset {offset}")
        return self.out.result()

    def _toggle(self, marker: str) -> None:
        markers = [entry[0] for entry in self.open]
        if marker in markers:
            index = len(markers) - 1 - markers[::-1].index(marker)
            _, start, _ = self.open.pop(index)
            self.out.close(_V2_TOGGLES[marker], start)
        else:
            self.open.append((marker, self.out.length, self.pos))
        self.pos += len(marker)

    def _closing(self, marker: str, start: int) -> int:
        index = start
        while index < len(self.source):
            if self.source[index] == "\\":
                index += 2
                continue
            if self.source.startswith(marker, index):
                return index
            index += 1
        name = "Pre" if marker == "```" else "Code"
        offset = _byte_offset(self.source, self.pos)
        raise _cant_parse(f"Can't find end of {name} entity at byte offset {offset}")

    def _code(self) -> None:
        end = self._closing("`", self.pos + 1)
        start = self.out.length
        self.out.add(_unescape(self.source[self.pos + 1 : end]))
        self.out.close("code", start)
        self.pos = end + 1

    def _pre(self) -> None:
        end = self._closing("```", self.pos + 3)
        body = self.source[self.pos + 3 : end]
        language: str | None = None
        first, newline, rest = body.partition("\n")
        if newline and first and not any(char.isspace() for char in first):
            language, body = first, rest
        start = self.out.length
        self.out.add(_unescape(body))
        self.out.close("pre", start, lang=language)
        self.pos = end + 3

    def _link_end(self) -> None:
        _, start, _ = self.open.pop()
        if not self.source.startswith("(", self.pos + 1):
            raise _cant_parse(
                "Character ']' is reserved and must be escaped with the preceding '\\'"
            )
        end = self._closing(")", self.pos + 2)
        url = _unescape(self.source[self.pos + 2 : end])
        self.out.close("text_link", start, url=url)
        self.pos = end + 1


def _unescape(chunk: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(chunk):
        if chunk[index] == "\\" and index + 1 < len(chunk):
            index += 1
        out.append(chunk[index])
        index += 1
    return "".join(out)


_LEGACY = {"*": "bold", "_": "italic", "`": "code"}


def _parse_legacy_markdown(text: str) -> FormattedText:
    out = _Builder()
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text) and text[pos + 1] in "_*`[":
            out.add(text[pos + 1])
            pos += 2
            continue
        marker = "```" if text.startswith("```", pos) else char
        closer = "](" if marker == "[" else marker
        if marker in _LEGACY or marker in ("```", "["):
            end = text.find(closer, pos + len(marker))
            url_end = text.find(")", end + 2) if marker == "[" and end != -1 else end
            if end == -1 or url_end == -1:
                offset = _byte_offset(text, pos)
                raise _cant_parse(f"Can't find end of the entity starting at byte offset {offset}")
            start = out.length
            out.add(text[pos + len(marker) : end])
            if marker == "[":
                out.close("text_link", start, url=text[end + 2 : url_end])
                pos = url_end + 1
            else:
                out.close("pre" if marker == "```" else _LEGACY[marker], start)
                pos = end + len(marker)
            continue
        out.add(char)
        pos += 1
    return out.result()
