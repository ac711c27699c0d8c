"""Settings from ``FOLLOWUP_*`` environment variables and an optional ``.env`` file."""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["Settings", "SettingsError", "default_data_dir", "load_settings"]

DATABASE_FILE = "followup.db"


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/followup``, else ``~/.local/share/followup``: never the working
    directory, so every command run from anywhere finds the same database."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "followup"


class SettingsError(ValueError):
    """A missing or malformed setting; ``str()`` is one line naming the variable."""


def _hhmm(value: str) -> str:
    try:
        time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"expected a time like 09:00, got {value!r}") from None
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FOLLOWUP_", env_file=".env", extra="ignore", frozen=True
    )

    bot_token: SecretStr | None = None
    bot_username: str = "spine_followup_bot"
    telegram_api_url: str = "https://api.telegram.org/bot"
    proxy_url: str | None = None
    """HTTP(S) or SOCKS5 proxy for the Bot API, e.g. ``socks5://127.0.0.1:1080``."""
    send_timeout: float = Field(default=20, gt=0)
    """Seconds to wait for Telegram's answer to a send before counting it as unknown."""
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""
    """Default: SQLite at ``<data_dir>/followup.db``."""
    metrics_address: str = "127.0.0.1:9464"
    """Where ``followup run`` serves /healthz and /metrics (empty: not served)."""
    update_retention_days: int = Field(default=14, gt=0)
    survey_path: Path | None = None
    default_timezone: str = "UTC"
    send_at: str | None = None
    """Ward default local send time; unset means the survey's (09:00 in the default)."""
    ward_phone: str = ""
    emergency_number: str = "120"
    nurse_chat_id: int | None = None
    nurse_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    nurse_language: Literal["en", "zh-Hans"] = "en"
    """The nurse side's language (cards, digest, and nurses whose own is not known)."""
    escalate_after_minutes: float = Field(default=15, gt=0)
    digest_at: str = "08:30"
    invite_ttl_days: int = Field(default=30, gt=0)
    callback_secret: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    tick_seconds: float = Field(default=30, gt=0)
    send_rate: float = Field(default=25, gt=0, le=30)
    instance_name: str = "bot"
    export_salt: SecretStr | None = None
    """Keys the per-patient date shift of ``followup export --shift-dates`` (keep it secret)."""
    web_enabled: bool = True
    """Serve the nurses' web dashboard from ``followup run`` too."""
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)
    """0 lets the system choose a free port."""
    web_url: str = ""
    """Address nurses open the dashboard at (for sign-in links); default http://host:port."""
    web_secret: SecretStr | None = None
    web_session_hours: float = Field(default=8, gt=0)
    web_link_minutes: float = Field(default=5, gt=0)

    @field_validator("nurse_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            return frozenset(
                int(part) for part in value.replace(";", ",").split(",") if part.strip()
            )
        return value

    @field_validator("nurse_language", mode="before")
    @classmethod
    def _nurse_language(cls, value: Any) -> Any:
        if isinstance(value, str):
            code = value.strip().casefold().replace("_", "-")
            return "zh-Hans" if code.startswith("zh") else "en" if code.startswith("en") else value
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r} (use Area/City, e.g. Asia/Shanghai)"
            ) from None
        return value

    @field_validator("send_at", "digest_at")
    @classmethod
    def _time_of_day(cls, value: str | None) -> str | None:
        return None if value is None else _hhmm(value)

    @model_validator(mode="before")
    @classmethod
    def _database_in_data_dir(cls, values: Any) -> Any:
        if isinstance(values, dict) and not values.get("database_url"):
            data_dir = Path(values.get("data_dir") or default_data_dir()).expanduser().absolute()
            values = {**values, "database_url": f"sqlite+aiosqlite:///{data_dir / DATABASE_FILE}"}
        return values

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @field_validator("proxy_url")
    @classmethod
    def _proxy_scheme(cls, value: str | None) -> str | None:
        if not value:
            return None
        if value.split("://", 1)[0].lower() not in ("http", "https", "socks5", "socks5h"):
            raise ValueError(f"expected http://, https:// or socks5:// proxy URL, got {value!r}")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        return value

    def web_key(self) -> str:
        """Key that signs web session cookies: the configured secret, else derived."""
        if self.web_secret is not None:
            return self.web_secret.get_secret_value()
        return "web:" + self.callback_key().decode()

    def web_address(self) -> str:
        return (self.web_url or f"http://{self.web_host}:{self.web_port}").rstrip("/")

    def callback_key(self) -> bytes:
        """Key that signs button payloads: the configured secret, else derived from the token."""
        if self.callback_secret is not None:
            return self.callback_secret.get_secret_value().encode()
        token = self.bot_token.get_secret_value() if self.bot_token else "offline"
        return ("callback:" + token).encode()


def load_settings(**overrides: Any) -> Settings:
    """Build settings once; a bad value becomes one line naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = "FOLLOWUP_" + str(error["loc"][0]).upper() if error["loc"] else "FOLLOWUP_*"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message}") from None
