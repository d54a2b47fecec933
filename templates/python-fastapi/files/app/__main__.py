"""`python -m app`: serve the API with uvicorn, JSON logs and a bounded graceful shutdown."""

from __future__ import annotations

import uvicorn

from app.log import configure_logging
from app.settings import load_settings


def main() -> None:
    settings = load_settings()
    configure_logging(settings.app_name, settings.log_level)
    uvicorn.run(
        "app.main:app",
        host="0.0.0.0",
        port=settings.port,
        log_config=None,
        access_log=True,
        proxy_headers=True,
        # After SIGTERM: stop accepting, let in-flight requests finish for this long, then close.
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
    )


if __name__ == "__main__":
    main()
