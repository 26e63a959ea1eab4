"""The load generator of ``benchmarks.load``: signed Slack events and LINE webhooks, a share of them
sent again (Slack's retries, LINE's redeliveries), flat out or at a rate, each request timed."""

from __future__ import annotations

import http.client
import itertools
import math
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tests.faults.harness import line_message, slack_message

TEXTS = [
    "配送が3日遅れています。注文番号12345",
    "請求額が二重になっています",
    "届いた商品が壊れていました",
    "ログインできません。パスワードを再設定しても駄目です",
    "The parcel never arrived and tracking has not moved for a week",
    "배송이 너무 늦어요",
]


def percentile(latencies: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest latency that ``share`` of the requests did not exceed."""
    ordered = sorted(latencies) or [0.0]
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    acknowledged: set[int] = field(default_factory=set)
    sent: set[int] = field(default_factory=set)
    elapsed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, number: int, status: int, latency: float) -> None:
        with self.lock:
            self.latencies.append(latency)
            self.statuses[status] += 1
            self.sent.add(number)
            if status == 200:
                self.acknowledged.add(number)

    def line(self, name: str) -> str:
        errors = sum(self.statuses.values()) - self.statuses[200]
        return (
            f"{name:<28} {self.rate:8.1f} ev/s   p50 {self.p50 * 1000:6.1f} ms"
            f"   p99 {self.p99 * 1000:7.1f} ms   errors {errors} {dict(self.statuses)}"
        )

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 0.50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 0.99)

    @property
    def rate(self) -> float:
        return sum(self.statuses.values()) / self.elapsed


class Traffic:
    """Event numbers: new ones, and a share of earlier ones again (Slack's retry, LINE's redelivery)."""

    def __init__(self, line_share: float, retry_share: float, start: int) -> None:
        self.line_share, self.retry_share = line_share, retry_share
        self.numbers = itertools.count(start)
        self.random = random.Random(start)
        self.lock = threading.Lock()

    def next(self) -> tuple[int, bool]:
        with self.lock:
            number = next(self.numbers)
            if number > 1 and self.random.random() < self.retry_share:
                return self.random.randrange(max(0, number - 200), number), True
            return number, False

    def request(self, number: int, again: bool) -> tuple[str, bytes, dict[str, str]]:
        text = f"{TEXTS[number % len(TEXTS)]} ({number})"
        if (number * 7919) % 100 < self.line_share * 100:
            return ("/line/webhook", *line_message(number, text, redelivery=again))
        return ("/slack/events", *slack_message(number, text, retry=1 if again else 0))


class Client(threading.local):
    """One keep-alive connection per thread, as Slack's and LINE's senders keep them."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.connection.request("POST", path, body, headers)
                response = self.connection.getresponse()
                response.read()
                return response.status
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    return 0
        return 0


def flat_out(port: int, traffic: Traffic, seconds: float, clients: int) -> Run:
    run, client = Run(), Client(port)
    deadline = time.monotonic() + seconds

    def loop() -> None:
        while time.monotonic() < deadline:
            number, again = traffic.next()
            path, body, headers = traffic.request(number, again)
            started = time.perf_counter()
            status = client.post(path, body, headers)
            run.record(number, status, time.perf_counter() - started)

    began = time.monotonic()
    threads = [threading.Thread(target=loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.elapsed = time.monotonic() - began
    return run


def at_rate(port: int, traffic: Traffic, seconds: float, rate: float, clients: int) -> Run:
    """Open loop: a request every 1/rate s; latency counts from when it was due (queueing included)."""
    run, client = Run(), Client(port)

    def one(due: float, number: int, again: bool) -> None:
        path, body, headers = traffic.request(number, again)
        status = client.post(path, body, headers)
        run.record(number, status, time.perf_counter() - due)

    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for index in itertools.count():
            due = began + index / rate
            if due - began >= seconds:
                break
            time.sleep(max(0.0, due - time.perf_counter()))
            pool.submit(one, due, *traffic.next())
    run.elapsed = time.perf_counter() - began
    return run
