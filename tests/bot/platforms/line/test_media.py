"""A LINE customer's photo fetched from the Messaging API's content endpoint, over real HTTP: its
bytes and type; nothing for one LINE no longer has or one over the limit; a retry on 5xx and 429."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import parse_config
from bot.core.ports import SendError
from bot.platforms.line.media import LineMedia
from tests.line_api import FakeLineApi, serve_fake_line_api

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2048


@pytest.fixture
def api() -> Iterator[FakeLineApi]:
    with serve_fake_line_api() as fake:
        yield fake


@pytest.fixture
def media(api: FakeLineApi) -> LineMedia:
    env = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "test-token", "LINE_API_URL": api.url}
    return LineMedia(parse_config({}, env))


def test_a_photo_comes_with_its_type_from_the_content_endpoint(api: FakeLineApi, media: LineMedia) -> None:
    api.contents["468789577898262530"] = (JPEG, "image/jpeg")

    photo = media.fetch("468789577898262530", limit=10_000)

    assert photo is not None and (photo.content, photo.content_type) == (JPEG, "image/jpeg")
    [call] = api.to("/content")
    assert call.path == "/v2/bot/message/468789577898262530/content"
    assert call.headers["authorization"] == "Bearer test-token"


def test_a_photo_line_no_longer_has_or_over_the_limit_is_none(api: FakeLineApi, media: LineMedia) -> None:
    api.contents["1"] = (JPEG, "image/jpeg")
    assert media.fetch("2", limit=10_000) is None  # expired: 404
    assert media.fetch("1", limit=len(JPEG) - 1) is None


@pytest.mark.parametrize("status", [500, 429])
def test_a_busy_line_is_asked_again(api: FakeLineApi, media: LineMedia, status: int) -> None:
    api.contents["1"] = (JPEG, "image/jpeg")
    api.fail("/content", status)
    with pytest.raises(SendError) as error:
        media.fetch("1", limit=10_000)
    assert not error.value.permanent
    assert media.fetch("1", limit=10_000) is not None
