"""What the fake Slack and LINE API servers share: answering a request with JSON."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any


def send_json(handler: BaseHTTPRequestHandler, status: int, body: Any, headers: Mapping[str, str]) -> None:
    """``body`` as JSON; bytes as they are (a file's content), typed by ``headers``."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    with contextlib.suppress(OSError):  # the client gave up waiting (a hang) or died
        handler.send_response(status)
        if "Content-Type" not in headers:
            handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
