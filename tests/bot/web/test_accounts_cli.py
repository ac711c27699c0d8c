"""``followup nurse add``: an argon2-hashed account, from a prompt or one line of stdin."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import root
from bot.clock import SystemClock
from bot.settings import load_settings
from bot.web.accounts import Accounts
from storage.db import create_engine, session_factory
from storage.nurse_accounts import account_by_name


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in list(os.environ):
        if name.startswith("FOLLOWUP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'followup.db'}"
    monkeypatch.setenv("FOLLOWUP_DATABASE_URL", url)
    assert CliRunner().invoke(root, ["db", "upgrade"]).exit_code == 0
    yield url


def invoke(*args: str, given: str = "") -> Result:
    return CliRunner().invoke(root, list(args), input=given, catch_exceptions=False)


async def _check(url: str, name: str, password: str) -> tuple[str, bool]:
    engine = create_engine(url)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            account = await account_by_name(session, name)
        assert account is not None
        accounts = Accounts(sessions, load_settings(_env_file=None), SystemClock())
        return account.password_hash, await accounts.verify(name, password) is not None
    finally:
        await engine.dispose()


def test_nurse_add_reads_one_line_of_stdin_and_stores_only_an_argon2_hash(database: str) -> None:
    result = invoke("nurse", "add", "Mei  Lin", "--password-stdin", given="a long secret\n")
    assert (result.exit_code, result.stdout) == (0, "Nurse account 'Mei Lin' created.\n")
    stored, verified = asyncio.run(_check(database, "Mei Lin", "a long secret"))
    assert stored.startswith("$argon2id$") and "a long secret" not in stored
    assert verified
    assert not asyncio.run(_check(database, "Mei Lin", "a long secreT"))[1]


def test_nurse_add_asks_twice_for_the_password(database: str) -> None:
    result = invoke("nurse", "add", "Ana", given="first password\nfirst password\n")
    assert result.exit_code == 0
    assert result.stdout.count("Password") == 1 and "Repeat for confirmation" in result.stdout
    assert asyncio.run(_check(database, "Ana", "first password"))[1]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("short\n", "Error: The password must be at least 10 characters.\n"),
        ("", "Error: The password must be at least 10 characters.\n"),
    ],
)
def test_nurse_add_refuses_a_short_password(database: str, given: str, message: str) -> None:
    result = invoke("nurse", "add", "Ana", "--password-stdin", given=given)
    assert (result.exit_code, result.stderr) == (2, message)


def test_nurse_add_refuses_a_second_account_with_the_same_name(database: str) -> None:
    assert invoke("nurse", "add", "Ana", "--password-stdin", given="long enough!\n").exit_code == 0
    again = invoke("nurse", "add", "Ana", "--password-stdin", given="other password\n")
    assert (again.exit_code, again.stderr) == (
        2,
        "Error: There is already a nurse account named 'Ana'.\n",
    )
