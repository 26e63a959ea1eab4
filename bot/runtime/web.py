"""The HTTP app: /healthz, /readyz, and the Slack and LINE endpoints when they are configured.

``create_web_app`` wires a Flask app around an :class:`~bot.runtime.services.App`; ``wsgi`` is the factory
gunicorn calls (``gunicorn 'bot.runtime.web:wsgi()'``). No work happens at import.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, Response, jsonify
from sqlalchemy import text

from bot.config import load_config
from bot.core.clock import SystemClock
from bot.platforms.registry import build_senders, enabled
from bot.runtime.logs import configure_logging
from bot.runtime.services import App, create_app
from bot.runtime.startup import report_startup
from storage.migrate import current_revision, head_revision

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
"""Slack and LINE payloads are far smaller; anything bigger is refused before it is parsed."""


def create_web_app(app: App) -> Flask:
    web = Flask("triage-bot")
    web.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.metrics.instrument(web)

    @web.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @web.get("/readyz")
    def readyz() -> tuple[Response, int]:
        checks: dict[str, Any] = {}
        try:
            with app.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
            current, head = current_revision(app.engine), head_revision()
            checks["migrations"] = "ok" if current == head else f"at {current}, the code needs {head}"
        except Exception as exc:  # any failure means "not ready"; the reason is for operators
            checks["database"] = f"unreachable: {type(exc).__name__}"
        checks["classifier"] = "ok" if app.classifier is not None else "missing"
        ready = all(value == "ok" for value in checks.values())
        # The start-up checks' findings (a channel the bot is not in...) leave the bot ready: it
        # works for everything else, so traffic keeps coming, and the operator reads what to fix.
        found = {"problems": app.problems} if app.problems else {}
        if ready:
            return jsonify(ready=True, checks=checks, **found), 200
        reason = "; ".join(f"{name}: {value}" for name, value in checks.items() if value != "ok")
        return jsonify(ready=False, checks=checks, reason=reason, **found), 503

    from bot.runtime.chart_server import register as register_charts

    register_charts(web, app)
    for platform in enabled(app.config):
        if platform.register_web is not None:
            app.background.extend(platform.register_web(web, app.services))
    return web


def wsgi() -> Flask:
    """The gunicorn entry point for the ``web`` process: HTTP only, the worker runs the jobs."""
    config = load_config()
    configure_logging(os.environ.get("LOG_LEVEL", "info"), config.log_format, config.secrets)
    app = create_app(config, clock=SystemClock(), senders=build_senders(config))
    app.problems = report_startup(config)
    web = create_web_app(app)
    # With --preload this runs in gunicorn's master: no connection may be open when it forks the
    # workers (SQLite's file locks belong to a process); each worker opens its own.
    app.engine.dispose()
    return web
