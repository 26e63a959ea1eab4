"""A LINE customer's photo in the card's Slack thread, over real HTTP on both sides: fetched from
LINE's content endpoint and uploaded with files_upload_v2 into the thread through the outbox; a
video (or a photo LINE no longer has, or a too large one) is a line in the thread saying where to
see it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.config import parse_config
from bot.core.clock import FakeClock
from bot.core.customers import MAX_PHOTO_BYTES
from bot.platforms.line.media import LineMedia
from bot.platforms.slack.sender import SlackSender
from bot.runtime.services import create_app
from tests.bot.platforms.slack.test_customers import CUSTOMER, ROLES, customer_writes
from tests.bot.platforms.slack.test_events import DEPARTMENTS, Slack, card_ts, serve, slack_config
from tests.conftest import START
from tests.fakes import KeywordClassifier, RecordingSender
from tests.line_api import FakeLineApi, serve_fake_line_api
from tests.slack_api import FakeSlackApi

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8


@pytest.fixture
def line_api() -> Iterator[FakeLineApi]:
    with serve_fake_line_api() as fake:
        yield fake


@pytest.fixture
def slack(database_url: str, api: FakeSlackApi, line_api: FakeLineApi) -> Iterator[Slack]:
    config = slack_config(database_url, api)
    config = replace(config, roles=parse_config({"roles": ROLES, "departments": DEPARTMENTS}, {}).roles)
    line_env = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "LINE_API_URL": line_api.url}
    media = {"line": LineMedia(parse_config({}, line_env))}
    senders = {"slack": SlackSender(config, media=media), "line": RecordingSender()}
    app = create_app(config, clock=FakeClock(START), senders=senders, classifier=KeywordClassifier())
    yield from serve(app, api)


def in_thread(slack: Slack, ts: str) -> list[str]:
    return [post["text"] for post in slack.posts("C0LOGISTICS") if post.get("thread_ts") == ts]


def test_a_customers_photo_is_uploaded_into_the_cards_thread(slack: Slack, line_api: FakeLineApi) -> None:
    line_api.contents["5001"] = (JPEG, "image/jpeg")
    ref = customer_writes(slack)
    ts = card_ts(slack, "C0LOGISTICS")

    assert slack.app.desk.attach("line", CUSTOMER, "image", "5001") is not None
    slack.deliver()

    [completed] = slack.api.to("files.completeUploadExternal")
    assert (completed["channel_id"], completed["thread_ts"]) == ("C0LOGISTICS", ts)
    assert f"お客様からの写真（#{ref}）" in completed["initial_comment"]
    assert slack.api.uploads[completed["files"][0]["id"]] == JPEG
    [asked] = slack.api.to("files.getUploadURLExternal")
    assert asked["filename"] == f"ticket-{ref}-5001.jpg"
    assert in_thread(slack, ts) == []  # the photo, not the note
    assert slack.app.outbox.pending_count() == 0


def test_a_failed_fetch_is_retried_through_the_outbox(slack: Slack, line_api: FakeLineApi) -> None:
    line_api.contents["5001"] = (JPEG, "image/jpeg")
    customer_writes(slack)
    line_api.fail("/content", 503)
    slack.app.desk.attach("line", CUSTOMER, "image", "5001")
    slack.deliver()
    assert slack.api.to("files.completeUploadExternal") == []

    slack.clock.advance(timedelta(minutes=2))
    slack.deliver()
    [completed] = slack.api.to("files.completeUploadExternal")
    assert slack.api.uploads[completed["files"][0]["id"]] == JPEG


@pytest.mark.parametrize(
    ("kind", "content", "shown"),
    [
        ("video", None, "動画を送りました"),
        ("image", None, "写真を送りました"),  # LINE no longer has it
        ("image", b"\xff" * (MAX_PHOTO_BYTES + 1), "写真を送りました"),  # over the limit
    ],
)
def test_what_is_not_copied_is_a_line_saying_where_to_see_it(
    slack: Slack, line_api: FakeLineApi, kind: str, content: bytes | None, shown: str
) -> None:
    if content is not None:
        line_api.contents["5002"] = (content, "image/jpeg")
    customer_writes(slack)
    ts = card_ts(slack, "C0LOGISTICS")
    slack.app.desk.attach("line", CUSTOMER, kind, "5002")
    slack.deliver()

    assert slack.api.to("files.completeUploadExternal") == []
    [note] = in_thread(slack, ts)
    assert shown in note and "LINE公式アカウントマネージャー" in note
