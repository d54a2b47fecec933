from pathlib import Path

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import load_settings

SETTINGS = load_settings(env={"APP_NAME": "test-app", "GREETING": "Hello"}, defaults_file=Path("/nonexistent"))


def test_index_says_hello_with_the_service_name() -> None:
    with TestClient(create_app(SETTINGS)) as client:
        assert client.get("/").json() == {"message": "Hello from test-app!"}


def test_liveness_and_readiness_answer_200_while_serving() -> None:
    with TestClient(create_app(SETTINGS)) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200


def test_readiness_fails_outside_the_lifespan() -> None:
    client = TestClient(create_app(SETTINGS))  # no `with`: the lifespan has not started
    assert client.get("/readyz").status_code == 503
