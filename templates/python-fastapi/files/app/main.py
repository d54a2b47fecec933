"""The HTTP API: a hello endpoint, liveness (/healthz), readiness (/readyz)<% if (it.gpu) { %> and a GPU check (/gpu)<% } %>.

Shutdown: uvicorn stops accepting connections on SIGTERM and waits for
in-flight requests (at most SHUTDOWN_TIMEOUT_SECONDS); the lifespan then
marks the app not ready and releases what it holds.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response

<% if (it.gpu) { -%>
from app.gpu import router as gpu_router
<% } -%>
from app.settings import Settings, load_settings

log = logging.getLogger("app")


class State:
    ready = False


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    state = State()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.ready = True
        log.info("started", extra={"port": settings.port})
        try:
            yield
        finally:
            state.ready = False
            log.info("stopped: in-flight requests have finished")

    app = FastAPI(title=settings.app_name, lifespan=lifespan)

    @app.get("/")
    def index() -> dict[str, str]:
        return {"message": f"{settings.greeting} from {settings.app_name}!"}

    @app.get("/hello/{name}")
    def hello(name: str) -> dict[str, str]:
        return {"message": f"{settings.greeting}, {name[:64]}!"}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz(response: Response) -> dict[str, str]:
        if not state.ready:
            response.status_code = 503
            return {"status": "not ready"}
        return {"status": "ready"}

<% if (it.gpu) { -%>
    app.include_router(gpu_router)

<% } -%>
    return app


app = create_app()
