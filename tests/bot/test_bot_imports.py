"""The bot process answering patients loads no library only other work needs (memory)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_AT_START = (
    "alembic",  # migrations: `followup db upgrade`
    "matplotlib",  # charts: drawn when one is sent
    "segno",  # invite QR codes
    "starlette",  # the dashboard and the metrics endpoint
    "uvicorn",
    "jinja2",
    "argon2",
    "bot.web",
    "sqlalchemy.dialects.postgresql",  # a SQLite process never needs it
)

PROBE = """
import json, sys
from bot.app import build_bot, build_services
from bot.settings import load_settings
settings = load_settings(_env_file=None, bot_token="1:x", database_url=sys.argv[1])
build_bot(build_services(settings), jobs=True)
print(json.dumps(sorted(sys.modules)))
"""


def test_building_the_bot_loads_none_of_the_libraries_of_other_work(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-c", PROBE, url], cwd=ROOT, check=True, capture_output=True,
            text=True, timeout=120,
        ).stdout
    )  # fmt: skip
    found = sorted(
        name for name in loaded if any(name == m or name.startswith(f"{m}.") for m in NOT_AT_START)
    )
    assert found == []


RUN_PROBE = """
import json, sys
import click
from bot.cli import root
assert root.get_command(click.Context(root), "run") is not None
print(json.dumps(sorted(sys.modules)))
"""


def test_the_run_command_loads_no_other_command_s_libraries() -> None:
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-c", RUN_PROBE], cwd=ROOT, check=True, capture_output=True,
            text=True, timeout=120,
        ).stdout
    )  # fmt: skip
    others = ("fhir", "matplotlib", "jinja2", "segno", "argon2", "alembic", "bot.export")
    assert (
        sorted(n for n in loaded if n.split(".")[0] in others or n.startswith("bot.export")) == []
    )
