"""The digest on LINE over real HTTP: a Flex bubble pushed to the team's group, and the chart as an
image message whose URLs the web app serves (from any web process) at an unguessable path."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from bot.core.clock import FakeClock
from bot.core.domain import IncomingMessage
from bot.runtime.services import create_app
from bot.runtime.web import create_web_app
from tests.bot.platforms.line.test_webhook import FORWARDER, GROUP, Line, running
from tests.conftest import START
from tests.fakes import KeywordClassifier

PUBLIC = "https://triage.example.com"
MANAGERS_GROUP = "C" + "m" * 32
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def line_db(database_url: str) -> Iterator[Line]:
    yield from running(
        database_url, web={"public_url": PUBLIC + "/"}, managers={"line_group": MANAGERS_GROUP}
    )


@pytest.fixture(params=[None, "http://192.0.2.1:3000"])
def line_text_only(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Line]:
    """No public URL, or one LINE would refuse to fetch from (not https)."""
    web = {"public_url": request.param} if request.param else {}
    yield from running(sqlite_url, web=web, managers={"line_group": MANAGERS_GROUP})


def send_digests(line: Line) -> list[list[dict[str, object]]]:
    """Two complaints for logistics, then Monday's digests; the message lists pushed to its group."""
    for i, text in enumerate(["配送が遅れています", "配送が遅れて困っています"]):
        incoming = IncomingMessage("line", f"ev{i}", FORWARDER, FORWARDER, text, line.clock.now())
        line.app.service.intake(incoming)
    line.deliver()
    line.api.calls.clear()
    line.clock.set(START + timedelta(days=7, minutes=1))
    line.app.run_due_jobs()
    pushes = [call.body for call in line.api.to("/message/push") if call.body["to"] == GROUP]
    return [p["messages"] for p in pushes if p["messages"][0].get("altText", "").startswith("📊")]


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_the_digest_is_a_flex_bubble_and_the_chart_an_image_served_by_url(line_db: Line) -> None:
    line = line_db
    ((flex, image),) = send_digests(line)

    bubble = flex["contents"]
    assert (
        bubble["header"]["contents"][0]["text"] == "📊 物流・配送の週次レポート（11/16（月）〜11/22（日））"
    )
    rows = bubble["body"]["contents"]
    assert [c["text"] for c in rows[0]["contents"]] == ["件数", "2件（先週0件）"]
    assert image["type"] == "image"
    full, preview = urlsplit(image["originalContentUrl"]), urlsplit(image["previewImageUrl"])
    assert (full.scheme, full.netloc) == ("https", "triage.example.com")
    token = full.path.removeprefix("/charts/").removesuffix(".png")
    assert len(token) >= 40 and preview.path == f"/charts/{token}/preview.png"

    status, kind, png = get(line.url + full.path)
    assert (status, kind) == (200, "image/png") and png.startswith(PNG) and len(png) > 5_000
    status, kind, small = get(line.url + preview.path)
    assert (status, kind) == (200, "image/png") and small.startswith(PNG) and len(small) < len(png)

    # Another web process on the same database serves the same chart (nothing kept in memory).
    other = create_app(line.app.config, clock=FakeClock(START), senders={}, classifier=KeywordClassifier())
    server = make_server("127.0.0.1", 0, create_web_app(other), threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        assert get(f"http://127.0.0.1:{server.server_port}{full.path}")[2] == png
    finally:
        server.shutdown()
        thread.join(5)
        other.close()

    assert get(line.url + "/charts/" + "x" * 43 + ".png")[0] == 404
    other_last = "B" if token.endswith("A") else "A"  # one character off, never the token itself
    assert get(line.url + "/charts/" + token[:-1] + other_last + "/preview.png")[0] == 404
    assert get(line.url + "/charts/..%2Fsecret.png")[0] == 404
    managers = [c.body for c in line.api.to("/message/push") if c.body["to"] == MANAGERS_GROUP]
    assert managers and managers[-1]["messages"][-1]["originalContentUrl"] != image["originalContentUrl"]


def test_without_a_public_https_url_line_gets_the_digest_text_only(line_text_only: Line) -> None:
    ((flex,),) = send_digests(line_text_only)

    assert flex["type"] == "flex" and "物流・配送" in flex["altText"]
