"""Visible text and entities under each parse mode, and markup Telegram cannot parse."""

from __future__ import annotations

import pytest

from bot.sandbox.errors import ApiError
from bot.sandbox.markup import Entity, FormattedText, parse_formatted, utf16_len


@pytest.mark.parametrize(
    ("text", "parse_mode", "expected"),
    [
        ("plain *text*", None, FormattedText("plain *text*")),
        ("<b>Hi</b> &amp; bye", "HTML", FormattedText("Hi & bye", (Entity("bold", 0, 2),))),
        (
            '<a href="https://ward.example/call">Call</a> us',
            "html",
            FormattedText("Call us", (Entity("text_link", 0, 4, url="https://ward.example/call"),)),
        ),
        (
            '<span class="tg-spoiler">x</span><code>y</code>',
            "HTML",
            FormattedText("xy", (Entity("spoiler", 0, 1), Entity("code", 1, 1))),
        ),
        ("😀<i>a</i>", "HTML", FormattedText("😀a", (Entity("italic", 2, 1),))),
        (
            "*Pain* _now_ __u__ ~s~ ||sp||",
            "MarkdownV2",
            FormattedText(
                "Pain now u s sp",
                (
                    Entity("bold", 0, 4),
                    Entity("italic", 5, 3),
                    Entity("underline", 9, 1),
                    Entity("strikethrough", 11, 1),
                    Entity("spoiler", 13, 2),
                ),
            ),
        ),
        ("5\\.0 \\- 7\\!", "MarkdownV2", FormattedText("5.0 - 7!")),
        (
            "[ward](https://ward.example) `a\\`b`",
            "MarkdownV2",
            FormattedText(
                "ward a`b",
                (Entity("text_link", 0, 4, url="https://ward.example"), Entity("code", 5, 3)),
            ),
        ),
        (
            "```python\nprint(1)\n```",
            "MarkdownV2",
            FormattedText("print(1)\n", (Entity("pre", 0, 9, language="python"),)),
        ),
        ("> quoted", "MarkdownV2", FormattedText(" quoted")),
        (
            "*b* _i_ 5.0",
            "Markdown",
            FormattedText("b i 5.0", (Entity("bold", 0, 1), Entity("italic", 2, 1))),
        ),
        ("\\*not bold\\*", "Markdown", FormattedText("*not bold*")),
    ],
)
def test_visible_text_and_entities(
    text: str, parse_mode: str | None, expected: FormattedText
) -> None:
    assert parse_formatted(text, parse_mode) == expected


@pytest.mark.parametrize(
    ("text", "parse_mode", "description"),
    [
        (
            "Pain 5.0",
            "MarkdownV2",
            "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
            "with the preceding '\\'",
        ),
        (
            "(optional)",
            "MarkdownV2",
            "Bad Request: can't parse entities: Character '(' is reserved and must be escaped "
            "with the preceding '\\'",
        ),
        (
            "*bold",
            "MarkdownV2",
            "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 0",
        ),
        (
            "疼痛 _x",
            "MarkdownV2",
            "Bad Request: can't parse entities: Can't find end of Italic entity at byte offset 7",
        ),
        (
            "<b>bold",
            "HTML",
            "Bad Request: can't parse entities: "
            'Can\'t find end tag corresponding to start tag "b"',
        ),
        (
            "<b>x</i>",
            "HTML",
            "Bad Request: can't parse entities: Unmatched end tag at byte offset 4, "
            'expected "</b>", found "</i>"',
        ),
        (
            "line<br/>break",
            "HTML",
            'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 4',
        ),
        (
            '<span class="x">y</span>',
            "HTML",
            'Bad Request: can\'t parse entities: Unsupported start tag "span" at byte offset 0',
        ),
        (
            "*unclosed",
            "Markdown",
            "Bad Request: can't parse entities: "
            "Can't find end of the entity starting at byte offset 0",
        ),
        ("x", "Markdown3", "Bad Request: unsupported parse_mode Markdown3"),
    ],
)
def test_markup_telegram_cannot_parse_is_refused(
    text: str, parse_mode: str, description: str
) -> None:
    with pytest.raises(ApiError) as raised:
        parse_formatted(text, parse_mode)
    assert (raised.value.error_code, raised.value.description) == (400, description)


@pytest.mark.parametrize(("text", "length"), [("abc", 3), ("疼痛", 2), ("😀", 2), ("", 0)])
def test_utf16_length_counts_code_units(text: str, length: int) -> None:
    assert utf16_len(text) == length
