"""Fixtures every adapter suite shares."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.slack_api import FakeSlackApi, fake_slack_api


@pytest.fixture
def api() -> Iterator[FakeSlackApi]:
    """The fake Slack Web API on a free loopback port, recording every call."""
    with fake_slack_api() as fake:
        yield fake
