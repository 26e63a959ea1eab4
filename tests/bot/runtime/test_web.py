"""/healthz and /readyz over real HTTP: ready only with the database reachable, the schema current
and the model loaded; otherwise 503 with the reason in JSON."""

from __future__ import annotations

import json

from sqlalchemy import text

from storage.database import make_engine
from storage.migrate import head_revision
from tests.served import served


def test_ready_when_database_schema_and_model_are_there(database_url: str) -> None:
    with served(database_url) as site:
        assert site.get("/healthz")[:2] == (200, '{"status":"ok"}\n')
        status, body, _ = site.get("/readyz")

    assert status == 200
    assert json.loads(body) == {
        "ready": True,
        "checks": {"database": "ok", "migrations": "ok", "classifier": "ok"},
    }


def test_not_ready_when_the_database_is_unreachable(sqlite_url: str) -> None:
    with served(sqlite_url) as site:
        reachable = site.app.engine
        site.app.engine = make_engine("postgresql+psycopg://triage@127.0.0.1:1/none?connect_timeout=2")
        try:
            status, body, _ = site.get("/readyz")
            alive = site.get("/healthz")[0]
        finally:
            site.app.engine.dispose()
            site.app.engine = reachable

    assert status == 503 and alive == 200  # alive, but not to be sent traffic
    answer = json.loads(body)
    assert answer["ready"] is False
    assert answer["checks"]["database"] == "unreachable: OperationalError"
    assert answer["reason"] == "database: unreachable: OperationalError"
    assert "triage@" not in body  # no connection details in the answer


def test_not_ready_when_the_schema_is_behind_the_code(database_url: str) -> None:
    with served(database_url) as site:
        with site.app.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        status, body, _ = site.get("/readyz")

    assert status == 503
    answer = json.loads(body)
    assert answer["checks"]["database"] == "ok"
    assert answer["reason"] == f"migrations: at 0001, the code needs {head_revision()}"


def test_not_ready_without_a_model(sqlite_url: str) -> None:
    with served(sqlite_url) as site:
        site.app.classifier = None  # type: ignore[assignment]
        status, body, _ = site.get("/readyz")

    assert status == 503
    assert json.loads(body)["reason"] == "classifier: missing"
