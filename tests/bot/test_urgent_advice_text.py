"""The red advice tells the truth about the nurses: alerted only when a nurse group exists."""

from __future__ import annotations

import pytest

from bot.services.urgent import red_advice_text
from bot.settings import load_settings


@pytest.mark.parametrize(
    ("nurse_chat_id", "language", "last_line"),
    [
        (-100, "en", "We are alerting the nurses too, but please do not wait for their call."),
        (None, "en", "The nurses are not alerted automatically: please call the ward yourself."),
        (-100, "zh-Hans", "我们也在通知护士，但请不要等护士打电话给您。"),
        (None, "zh-Hans", "系统不会自动通知护士，请您自己打电话给病房。"),
    ],
)
def test_red_advice_names_the_ward_and_never_claims_nurses_were_told(
    nurse_chat_id: int | None, language: str, last_line: str
) -> None:
    settings = load_settings(_env_file=None, nurse_chat_id=nurse_chat_id, ward_phone="+86 1")
    text = red_advice_text(settings, language)  # type: ignore[arg-type]
    assert text.splitlines()[-1] == last_line
    assert "+86 1" in text
    assert "have been told" not in text and "已经收到通知" not in text
