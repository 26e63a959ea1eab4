"""Serves digest charts at unguessable URLs: LINE shows an image only by fetching it by URL.

``GET /charts/<token>.png`` and ``/charts/<token>/preview.png``; the token is 256 random bits
stored with the chart, so any web process can answer and nobody can list or guess another team's
chart. An unknown token is a plain 404. LINE fetches only ``https`` URLs: set ``[web] public_url``
to the bot's https address (the digest's LINE message carries the chart only when it is set).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, abort

from bot.core.charts import render_chart_and_preview
from bot.runtime.services import App
from storage.charts import SqlCharts

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
CACHE_SECONDS = 7 * 24 * 3600
"""A chart never changes once drawn."""


def register(web: Flask, app: App) -> None:
    charts = SqlCharts(app.session_factory)

    def render(data: dict[str, Any]) -> tuple[bytes, bytes]:
        return render_chart_and_preview(data, app.translator)

    def serve(token: str, preview: bool) -> Response:
        if not TOKEN.fullmatch(token):
            abort(404)
        png = charts.image(token, preview=preview, render=render)
        if png is None:
            abort(404)
        response = Response(png, mimetype="image/png")
        response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}, immutable"
        return response

    def chart(token: str) -> Response:
        return serve(token, preview=False)

    def chart_preview(token: str) -> Response:
        return serve(token, preview=True)

    web.add_url_rule("/charts/<token>.png", "digest_chart", chart, methods=["GET"])
    web.add_url_rule("/charts/<token>/preview.png", "digest_chart_preview", chart_preview, methods=["GET"])
