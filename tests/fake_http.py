"""What the fake Slack and LINE API servers share: answering a request with JSON."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any


def send_json(handler: BaseHTTPRequestHandler, status: int, body: Any, headers: Mapping[str, str]) -> None:
    data = json.dumps(body).encode()
    with contextlib.suppress(OSError):  # the client gave up waiting (a hang) or died
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
