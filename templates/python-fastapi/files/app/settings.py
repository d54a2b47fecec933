"""Configuration: config/default.env (written when the project was created),
overridden by environment variables. A bad value stops the process at start-up
with a message naming it."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "config" / "default.env"
LOG_LEVELS = ("debug", "info", "warning", "error")


def _read_defaults(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = _unquote(key.strip(), value.strip())
    return values


def _unquote(name: str, value: str) -> str:
    """A value written as a shell word in single quotes ('It'\\''s') reads as the shell would read it."""
    if not value.startswith("'"):
        return value
    try:
        words = shlex.split(value)
    except ValueError as e:
        raise SystemExit(f"Configuration: {name} in config/default.env is not a quoted value: {e}") from e
    if len(words) != 1:
        raise SystemExit(f"Configuration: {name} in config/default.env must be one quoted value, got {value!r}")
    return words[0]


def _integer(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise SystemExit(f"Configuration: {name} must be a whole number between {low} and {high}, got {value!r}")
    return number


@dataclass(frozen=True)
class Settings:
    app_name: str
    greeting: str
    port: int
    log_level: str
    shutdown_timeout_seconds: int


def load_settings(env: dict[str, str] | None = None, defaults_file: Path = DEFAULTS_FILE) -> Settings:
    values = {**_read_defaults(defaults_file), **(dict(os.environ) if env is None else env)}
    log_level = values.get("LOG_LEVEL", "info").lower()
    if log_level not in LOG_LEVELS:
        raise SystemExit(f"Configuration: LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
    return Settings(
        app_name=values.get("APP_NAME", "app"),
        greeting=values.get("GREETING", "Hello"),
        port=_integer("PORT", values.get("PORT", "8000"), 1, 65535),
        log_level=log_level,
        shutdown_timeout_seconds=_integer("SHUTDOWN_TIMEOUT_SECONDS", values.get("SHUTDOWN_TIMEOUT_SECONDS", "20"), 0, 600),
    )
