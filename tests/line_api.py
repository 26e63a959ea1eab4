"""A fake LINE Messaging API on a free loopback port, over real HTTP.

Records every call (method, path, headers, JSON body) and answers like LINE: reply, push (a
repeated ``X-Line-Retry-Key`` gets 409), profiles, group summary, quota, users' content (the
data host's). Failures are scripted per path suffix with :meth:`FakeLineApi.fail` (or
:meth:`FakeLineApi.hang` past the client's timeout); reply tokens listed in ``expired_tokens`` get 400.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fake_http import send_json


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    ok: bool = False


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    delay: float = 0.0
    """Seconds to hold the answer (until :meth:`FakeLineApi.release`): a hang."""
    accept: bool = False
    """Carry the call out anyway, so only the answer is lost."""


@dataclass
class FakeLineApi:
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    expired_tokens: set[str] = field(default_factory=set)
    display_names: dict[str, str] = field(default_factory=dict)
    quota: int = 200
    usage: int = 12
    webhook_endpoint: str = "https://triage.example.com/line/webhook"
    webhook_active: bool = True
    groups: set[str] = field(default_factory=set)
    """The groups the bot is in, for the group summary (empty: every group)."""
    contents: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    """Users' photos and files by message id, with their content type (else 404, as once expired)."""
    _failures: dict[str, list[Failure]] = field(default_factory=dict)
    _accepted_keys: set[str] = field(default_factory=set)
    _ids: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    released: threading.Event = field(default_factory=threading.Event)

    def fail(self, suffix: str, status: int, *, times: int = 1, retry_after: str | None = None) -> None:
        """The next ``times`` calls to a path ending in ``suffix`` answer ``status``."""
        headers = {"Retry-After": retry_after} if retry_after else {}
        failure = Failure(status, {"message": f"scripted {status}"}, headers)
        self._failures.setdefault(suffix, []).extend([failure] * times)

    def hang(self, suffix: str, seconds: float, *, accept: bool = False) -> None:
        """The next call to a path ending in ``suffix`` gets no answer for ``seconds`` (or until
        :meth:`release`); with ``accept`` LINE carried it out first, so only the answer is lost."""
        failure = Failure(503, {"message": "hung"}, {}, delay=seconds, accept=accept)
        with self._lock:
            self._failures.setdefault(suffix, []).append(failure)

    def release(self) -> None:
        """Lets every held answer go now."""
        self.released.set()

    def to(self, suffix: str) -> list[Call]:
        return [call for call in self.calls if call.path.endswith(suffix)]

    def sent(self) -> list[Call]:
        """Successful replies and pushes."""
        return [c for c in self.calls if c.path.endswith(("/reply", "/push")) and c.ok]

    # -- the server side ------------------------------------------------------------------------

    def answer(
        self, method: str, path: str, headers: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            held = self._scripted(path)
            if held is not None and not held.accept:
                self.calls.append(Call(method, path, headers, body))
        if held is None:
            return self._carry_out(method, path, headers, body)
        result = self._carry_out(method, path, headers, body) if held.accept else None
        if held.delay:
            self.released.wait(held.delay)
        return result or (held.status, held.body, held.headers)

    def _scripted(self, path: str) -> Failure | None:
        for suffix, queue in self._failures.items():
            if path.endswith(suffix) and queue:
                return queue.pop(0)
        return None

    def _carry_out(
        self, method: str, path: str, headers: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            call = Call(method, path, headers, body)
            self.calls.append(call)
            if path.endswith("/message/reply"):
                if body.get("replyToken") in self.expired_tokens:
                    return 400, {"message": "Invalid reply token"}, {}
                self.expired_tokens.add(body.get("replyToken"))  # a token is good once
            if path.endswith("/message/push"):
                key = headers.get("x-line-retry-key")
                if key in self._accepted_keys:
                    return 409, {"message": "The retry key is already accepted"}, {}
                if key:
                    self._accepted_keys.add(key)
            if path.endswith(("/message/reply", "/message/push")):
                call.ok = True
                self._ids += 1
                return 200, {"sentMessages": [{"id": str(10_000 + self._ids), "quoteToken": "q"}]}, {}
            if "/profile" in path or "/member/" in path:
                user = path.rsplit("/", 1)[-1]
                name = self.display_names.get(user, "山田")
                return 200, {"displayName": name, "userId": user, "pictureUrl": "", "statusMessage": ""}, {}
            if path.endswith("/quota/consumption"):
                return 200, {"totalUsage": self.usage}, {}
            if path.endswith("/quota"):
                return 200, {"type": "limited", "value": self.quota}, {}
            if path.endswith("/v2/bot/info"):
                bot = {"userId": "U" + "b" * 32, "basicId": "@123abcde", "displayName": "triage"}
                return 200, {**bot, "chatMode": "bot", "markAsReadMode": "manual"}, {}
            if path.endswith("/channel/webhook/endpoint"):
                return 200, {"endpoint": self.webhook_endpoint, "active": self.webhook_active}, {}
            if path.startswith("/v2/bot/message/") and path.endswith("/content"):
                found = self.contents.get(path.split("/")[-2])
                if found is None:
                    return 404, {"message": "Not found"}, {}
                return 200, found[0], {"Content-Type": found[1]}
            if path.endswith("/summary"):
                if path.split("/")[-2] not in self.groups and self.groups:
                    return 404, {"message": "Not found"}, {}
                return 200, {"groupId": path.split("/")[-2], "groupName": "物流チーム", "pictureUrl": ""}, {}
            return 404, {"message": "not found"}, {}


class _Handler(BaseHTTPRequestHandler):
    api: FakeLineApi

    def log_message(self, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, answer, extra = self.api.answer(self.command, self.path.split("?")[0], headers, body)
        send_json(self, status, answer, extra)

    do_GET = _handle
    do_POST = _handle


@contextmanager
def serve_fake_line_api() -> Iterator[FakeLineApi]:
    api = FakeLineApi()
    handler = type("Handler", (_Handler,), {"api": api})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield api
    finally:
        api.release()
        server.shutdown()
        server.server_close()
        thread.join(5)
