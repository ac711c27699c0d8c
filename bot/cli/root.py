"""The ``followup`` command group and what every command shares.

Settings are loaded once, when the first command asks for them through ``@pass_app``, and
kept on the root context as :class:`CliApp` (so ``--help`` works even with broken settings).
Any failure a user can cause ends with one line on stderr and exit status 2 (1 for a failed
check or an unreachable database), never a traceback.

A command module looks like::

    @click.command()
    @pass_app
    def flags(app: CliApp) -> None:
        run(_flags(app))

    async def _flags(app: CliApp) -> None:
        async with open_database(app.settings) as sessions:
            ...
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Collection, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.settings import Settings, SettingsError, load_settings
from storage.db import SchemaOutOfDate, create_engine, ensure_schema_current, session_factory
from surveys.loader import SurveyDefinitionError, load_default_survey, load_survey
from surveys.model import Survey

__all__ = [
    "EXIT_FAILED",
    "EXIT_USAGE",
    "CliApp",
    "CliError",
    "RootGroup",
    "app_of",
    "configured_survey",
    "database_engine",
    "missing_sqlite_file",
    "open_database",
    "package_version",
    "pass_app",
    "root",
    "run",
]

EXIT_FAILED = 1
EXIT_USAGE = 2

T = TypeVar("T")
P = ParamSpec("P")


class CliError(click.ClickException):
    """One line on stderr (``Error: <message>``) and an exit status: 2 for bad input or setup."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(" ".join(message.split()))
        self.exit_code = exit_code  # type: ignore[misc]  # click declares it per class


@dataclass
class CliApp:
    """What commands get from the group: the settings, built once, and the clock."""

    settings: Settings
    clock: Clock = field(default_factory=SystemClock)


def app_of(ctx: click.Context) -> CliApp:
    """The root context's :class:`CliApp`, loading the settings the first time."""
    top = ctx.find_root()
    if isinstance(top.obj, CliApp):  # loaded before, or given by a caller such as a test
        return top.obj
    try:
        app = CliApp(settings=load_settings())
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    top.obj = app
    return app


def pass_app(command: Callable[Concatenate[CliApp, P], T]) -> Callable[P, T]:
    """Decorate a command callback to receive the :class:`CliApp` first."""

    @functools.wraps(command)
    def with_app(*args: P.args, **kwargs: P.kwargs) -> T:
        return command(app_of(click.get_current_context()), *args, **kwargs)

    return with_app


class RootGroup(click.Group):
    """A group whose usage mistakes are reported in one line, like every other error, and
    whose commands may be loaded when first asked for (:meth:`lazy_commands`)."""

    _lazy: Collection[str] = ()
    _loader: Callable[[str], click.Command] | None = None

    def lazy_commands(self, names: Collection[str], loader: Callable[[str], click.Command]) -> None:
        """Commands ``loader(name)`` builds on first use (their modules imported then)."""
        self._lazy, self._loader = names, loader

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self._lazy and self._loader is not None:
            self.add_command(self._loader(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise CliError(exc.format_message(), EXIT_USAGE) from None


def package_version() -> str:
    """The installed package's version (``pyproject.toml``)."""
    try:
        return version("spine-followup")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


@click.group(cls=RootGroup, no_args_is_help=True)
@click.version_option(
    package_version(), "--version", prog_name="followup", message="%(prog)s %(version)s"
)
def root() -> None:
    """Follow-up after lumbar decompression: database, surveys and enrolment."""


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a command's async body; a database failure becomes one line, exit 1."""
    try:
        return asyncio.run(coroutine)
    except SQLAlchemyError as exc:
        cause = exc.orig if isinstance(exc.orig, BaseException) else exc  # type: ignore[attr-defined]
        raise CliError(f"database error: {_first_line(cause)}", EXIT_FAILED) from None
    except OSError as exc:
        raise CliError(f"database error: {_first_line(exc)}", EXIT_FAILED) from None


def _first_line(exc: BaseException) -> str:
    """``Type: first line of the message``; drivers' generic ``Error`` type is left out."""
    name = type(exc).__name__
    text = str(exc).strip().splitlines()
    if not text:
        return name
    return text[0] if name == "Error" else f"{name}: {text[0]}"


def database_engine(url: str) -> AsyncEngine:
    """An engine for ``FOLLOWUP_DATABASE_URL``; an unusable URL or driver is one line, exit 2."""
    try:
        return create_engine(url)
    except (ImportError, SQLAlchemyError) as exc:
        raise CliError(f"FOLLOWUP_DATABASE_URL: {_first_line(exc)}") from None


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the configured database, refusing a schema that is not up to date.

    A SQLite file that does not exist is refused before connecting (connecting would create
    an empty one): only ``followup db upgrade`` creates the database.
    """
    missing = missing_sqlite_file(settings.database_url)
    if missing is not None:
        raise CliError(
            f"no database at {missing}: run `followup db upgrade` to create it, or set "
            "FOLLOWUP_DATA_DIR or FOLLOWUP_DATABASE_URL to the existing one"
        )
    engine = database_engine(settings.database_url)
    try:
        try:
            await ensure_schema_current(engine)
        except SchemaOutOfDate as exc:
            raise CliError(str(exc)) from None
        yield session_factory(engine)
    finally:
        await engine.dispose()


def missing_sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL when it does not exist yet (None for other databases)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None  # reported by database_engine, in one line
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database).expanduser()
    if path.exists():
        return None
    existing = next(parent for parent in path.parents if parent.exists())
    return path if existing.is_dir() else None  # else: unreachable, reported on connecting


def configured_survey(settings: Settings) -> Survey:
    """The survey in ``FOLLOWUP_SURVEY_PATH``, else the default one; a bad file is exit 2."""
    try:
        if settings.survey_path is not None:
            return load_survey(settings.survey_path)
        return load_default_survey()
    except (SurveyDefinitionError, OSError) as exc:
        raise CliError(str(exc)) from None
