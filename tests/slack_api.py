"""A fake Slack Web API on a free loopback port, over real HTTP, for the adapter tests.

It answers the methods the bot calls the way Slack does (``ok: true`` with a fresh ``ts``),
records every call by method, and can be scripted to fail the next calls of a method (a 429 with
``Retry-After``, a 500, an ``ok: false`` error) or to hang past the client's timeout. Response
URLs of interactive payloads point at it too (``/respond/...``).

Like Slack it keeps what was posted: ``conversations.history`` and ``conversations.replies`` return
the channel's (or thread's) messages, newest first, with their ``metadata`` when asked with
``include_all_metadata``. :meth:`FakeSlackApi.limit` enforces chat.postMessage's limit per channel
(a token bucket: about one message a second, bursts of a few), answering 429 with ``Retry-After``
in whole seconds as Slack does; its time is a clock the test holds, so nothing sleeps.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fake_http import send_json

BOT_USER = "U0BOT"
BOT_ID = "B0BOT"


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to hold the answer (until :meth:`FakeSlackApi.release`): a hang."""
    accept: bool = False
    """Post the message anyway, so only the answer is lost (Slack did it; the bot cannot know)."""


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    answer: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


class FakeSlackApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: dict[str, list[Failure]] = {}
        self.thread_messages: list[dict[str, Any]] = []
        self.user_groups: dict[str, list[str]] = {}
        """User-group id -> member user ids, for ``usergroups.users.list``."""
        self.uploads: dict[str, bytes] = {}
        """Bytes received at the upload URLs that files.getUploadURLExternal handed out, by file id."""
        self.user_names: dict[str, str] = {}
        self.channels: dict[str, tuple[str, bool]] = {}
        """conversations.info: channel id -> (name, whether the bot is a member); others are not found."""
        """Display names users.info gives; other users are ``user_not_found``."""
        self.posted: dict[str, list[dict[str, Any]]] = {}
        """Messages posted per channel, oldest first (``thread_ts`` set for replies in a thread)."""
        self.rate: tuple[float, float, Callable[[], datetime]] | None = None
        self._buckets: dict[str, tuple[float, datetime]] = {}
        self._files = itertools.count(1)
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self._calls_changed = threading.Condition()
        self.released = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    @property
    def response_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/respond/T0/1/abc"

    def start(self) -> FakeSlackApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def fail(
        self, method: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        """The next call of ``method`` gets this answer instead of success."""
        with self._lock:
            self.failures.setdefault(method, []).append(Failure(status, body, headers or {}))

    def hang(self, method: str, seconds: float, *, accept: bool = False) -> None:
        """The next call of ``method`` gets no answer for ``seconds`` (or until :meth:`release`).

        Without ``accept`` nothing is posted (it then answers 503, to a client long gone); with it
        the message is posted and only the answer is late.
        """
        failure = Failure(503, {"ok": False, "error": "hung"}, delay=seconds, accept=accept)
        with self._lock:
            self.failures.setdefault(method, []).append(failure)

    def limit(self, per_second: float, burst: float, clock: Callable[[], datetime]) -> None:
        """Limits chat.postMessage to ``per_second`` per channel with bursts of ``burst``, on ``clock``."""
        with self._lock:
            self.rate = (per_second, burst, clock)
            self._buckets.clear()

    def _wait_for_token(self, channel: str) -> int:
        """0 when a message to ``channel`` may pass now (taking a token), else the seconds to wait."""
        if self.rate is None:
            return 0
        per_second, burst, clock = self.rate
        now = clock()
        tokens, last = self._buckets.get(channel, (burst, now))
        tokens = min(burst, tokens + (now - last).total_seconds() * per_second)
        if tokens >= 1:
            self._buckets[channel] = (tokens - 1, now)
            return 0
        self._buckets[channel] = (tokens, now)
        return max(1, math.ceil((1 - tokens) / per_second))

    def take(self, channel: str, count: int) -> None:
        """Spends ``count`` of the channel's tokens, as another app's messages to it would."""
        with self._lock:
            for _ in range(count):
                self._wait_for_token(channel)

    def last_post_at(self, channel: str) -> float:
        """When (``time.monotonic``) the last message posted to ``channel`` arrived."""
        with self._lock:
            return max(
                (
                    c.at
                    for c in self.calls
                    if c.method == "chat.postMessage"
                    and c.answer.get("ok")
                    and c.args.get("channel") == channel
                ),
                default=float("nan"),
            )

    def limited(self) -> int:
        """How many calls were answered 429."""
        with self._lock:
            return sum(1 for call in self.calls if call.answer.get("error") == "ratelimited")

    def history(self, channel: str, args: dict[str, Any], thread: str | None = None) -> list[dict[str, Any]]:
        """A channel's messages (or a thread's), newest first, as conversations.history answers."""
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        found = []
        for message in reversed(self.posted.get(channel, [])):
            if (message.get("thread_ts") or None) != thread and message["ts"] != thread:
                continue
            shown = {key: value for key, value in message.items() if key != "metadata" or with_metadata}
            found.append(shown)
        return found[: int(args.get("limit") or 100)]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 120.0, what: str = "condition") -> Any:
        """Waits until ``condition`` (of the calls, say) holds, looking again as each call arrives and
        as each is answered; fails after ``timeout`` (the caller is another thread or process)."""
        with self._calls_changed:
            result = self._calls_changed.wait_for(condition, timeout)
        if not result:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        return result

    def _calls_have_changed(self) -> None:
        with self._calls_changed:
            self._calls_changed.notify_all()

    def release(self) -> None:
        """Lets every held answer go now."""
        self.released.set()

    def delivered(self, method: str) -> list[dict[str, Any]]:
        """The arguments of every call of ``method`` that Slack carried out (``ok: true``)."""
        with self._lock:
            return [call.args for call in self.calls if call.method == method and call.answer.get("ok")]

    def to(self, method: str) -> list[dict[str, Any]]:
        """The arguments of every call of ``method`` so far."""
        with self._lock:
            return [call.args for call in self.calls if call.method == method]

    def answers(self, method: str) -> list[dict[str, Any]]:
        """What the fake answered to each call of ``method``."""
        with self._lock:
            return [call.answer for call in self.calls if call.method == method]

    def methods(self) -> list[str]:
        with self._lock:
            return [call.method for call in self.calls if call.method != "auth.test"]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    def answer(self, method: str, args: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        try:
            return self._answer(method, args)
        finally:
            self._calls_have_changed()

    def _answer(self, method: str, args: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            call = Call(method, args)
            self.calls.append(call)
            scripted = self.failures.get(method)
            failure = scripted.pop(0) if scripted else None
            wait = self._wait_for_token(str(args.get("channel"))) if method == "chat.postMessage" else 0
            if wait and failure is None:
                failure = Failure(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)})
            if failure is not None and not failure.accept:
                call.answer = failure.body
            ts = f"1763850000.{next(self._ts):06d}"
        self._calls_have_changed()
        if failure is not None and not failure.accept:
            if failure.delay:
                self.released.wait(failure.delay)
            return failure.status, failure.body, failure.headers
        body: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            body.update(user_id=BOT_USER, bot_id=BOT_ID, team_id="T0SHOP", user="triage", team="Shop")
        elif method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            body.update(channel=args.get("channel", ""), ts=args.get("ts") or ts, message_ts=ts)
            if method == "chat.postMessage":
                self._keep(str(args.get("channel", "")), ts, args)
        elif method == "conversations.history":
            with self._lock:
                body.update(messages=self.history(str(args.get("channel", "")), args), has_more=False)
        elif method == "conversations.replies":
            with self._lock:
                posted = self.history(str(args.get("channel", "")), args, str(args.get("ts", "")))
            body.update(messages=self.thread_messages + posted[::-1], has_more=False)
        elif method in ("views.open", "views.publish"):
            body.update(view={"id": "V0VIEW", "hash": "h1"})
        elif method == "usergroups.users.list":
            group = str(args.get("usergroup", ""))
            if group not in self.user_groups:
                body = {"ok": False, "error": "no_such_subteam"}
            else:
                body.update(users=list(self.user_groups[group]))
        elif method == "files.getUploadURLExternal":
            file_id = f"F0CHART{next(self._files)}"
            body.update(file_id=file_id, upload_url=f"{self.url.removesuffix('/api/')}/upload/{file_id}")
        elif method == "files.completeUploadExternal":
            body.update(files=[{"id": f["id"], "title": f.get("title")} for f in args.get("files", [])])
        elif method == "users.info":
            user = str(args.get("user", ""))
            if user not in self.user_names:
                call.answer = {"ok": False, "error": "user_not_found"}
                return 200, call.answer, {}
            profile = {"display_name": self.user_names[user], "real_name": ""}
            body.update(user={"id": user, "name": user.lower(), "profile": profile})
        elif method == "conversations.info":
            channel = str(args.get("channel", ""))
            if channel not in self.channels:
                call.answer = {"ok": False, "error": "channel_not_found"}
                return 200, call.answer, {}
            name, member = self.channels[channel]
            body.update(channel={"id": channel, "name": name, "is_channel": True, "is_member": member})
        elif method == "chat.getPermalink":
            channel, ts = args.get("channel", ""), str(args.get("message_ts", ""))
            body.update(
                channel=channel, permalink=f"https://shop.slack.com/archives/{channel}/p{ts.replace('.', '')}"
            )
        with self._lock:
            call.answer = body
        if failure is not None:  # carried out, but the answer is held
            self.released.wait(failure.delay)
        return 200, body, {}

    def _keep(self, channel: str, ts: str, args: dict[str, Any]) -> None:
        message = {"type": "message", "ts": ts, "bot_id": BOT_ID, "text": args.get("text", "")}
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        if isinstance(args.get("metadata"), dict):
            message["metadata"] = args["metadata"]
        with self._lock:
            self.posted.setdefault(channel, []).append(message)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                if parts.path.startswith("/upload/"):  # the upload URL: raw bytes, not a form
                    file_id = parts.path.rsplit("/", 1)[-1]
                    status, body, headers = fake.answer("upload", {"file_id": file_id, "size": len(data)})
                    if status == 200:
                        with fake._lock:
                            fake.uploads[file_id] = data
                    send_json(self, status, body, headers)
                    return
                raw = data.decode()
                args: dict[str, Any] = dict(parse_qsl(parts.query))
                if "json" in (self.headers.get("Content-Type") or ""):
                    args.update(json.loads(raw or "{}"))
                else:
                    args.update(parse_qsl(raw))
                for key in ("blocks", "view", "files", "metadata"):
                    if isinstance(args.get(key), str):
                        args[key] = json.loads(args[key])
                method = parts.path.rstrip("/").rsplit("/", 1)[-1]
                if parts.path.startswith("/respond/"):
                    method = "response_url"
                status, body, headers = fake.answer(method, args)
                send_json(self, status, body, headers)

            do_GET = _serve
            do_POST = _serve

        return Handler


@contextmanager
def fake_slack_api() -> Iterator[FakeSlackApi]:
    api = FakeSlackApi().start()
    try:
        yield api
    finally:
        api.stop()
