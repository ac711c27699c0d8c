"""``followup demo`` from the command line (click's runner: standard input is not a terminal)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import root
from bot.cli.demo import NOT_A_TERMINAL
from bot.cli.root import CliApp
from bot.settings import Settings


def test_demo_without_a_terminal_runs_the_auto_demo(
    tmp_path: Path, base_settings: Settings
) -> None:
    data = tmp_path / "demo"

    result = CliRunner().invoke(
        root, ["demo", "--patients", "1", "--data", str(data)], obj=CliApp(base_settings)
    )

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == NOT_A_TERMINAL
        == ("Standard input is not a terminal: running `followup demo --auto` instead.")
    )
    assert lines[1] == "Enrolling 1 synthetic patient (seed 7) …"
    assert "Flags raised: red 0 · amber 0 · info 0" in lines
    assert lines[-1] == f"Database: {data / 'followup-demo.db'}"
    assert (data / "followup-demo.db").is_file()


def test_demo_refuses_a_folder_that_already_holds_a_demo_database(
    tmp_path: Path, base_settings: Settings
) -> None:
    (tmp_path / "followup-demo.db").write_bytes(b"")

    result = CliRunner().invoke(
        root, ["demo", "--auto", "--data", str(tmp_path)], obj=CliApp(base_settings)
    )

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: {tmp_path / 'followup-demo.db'} already exists: the demo starts from an empty "
        "database, so choose another --data folder or delete that file\n"
    )


def test_a_demo_without_data_removes_its_temporary_folder(
    tmp_path: Path, base_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    result = CliRunner().invoke(
        root, ["demo", "--auto", "--patients", "1"], obj=CliApp(base_settings)
    )

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-2].startswith(f"Database: {tmp_path / 'followup-demo-'}")
    assert lines[-1] == (
        "The demo database was temporary and is now removed (keep one with --data FOLDER)."
    )
    assert list(tmp_path.iterdir()) == []
