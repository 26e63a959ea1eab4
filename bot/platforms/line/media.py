"""A LINE customer's photo, for the team's Slack thread: its content from the Messaging API's data
host (``GET https://api-data.line.me/v2/bot/message/{messageId}/content``, line-bot-sdk's
``MessagingApiBlob``). LINE keeps a user's content for a limited time only; a photo it no longer
has, or one over the size limit, is left to the note that says where to see it."""

from __future__ import annotations

import logging

from linebot.v3.messaging import ApiException, MessagingApiBlob
from urllib3.exceptions import HTTPError

from bot.config import Config
from bot.core.ports import Media, SendError
from bot.platforms.line.sender import TIMEOUT, api_client, to_send_error

log = logging.getLogger(__name__)

DATA_API_URL = "https://api-data.line.me"
"""Content is served from its own host; ``[line] api_url`` (a test server, a proxy) serves both."""


def make_blob_api(config: Config) -> MessagingApiBlob:
    return MessagingApiBlob(api_client(config, DATA_API_URL))


class LineMedia:
    """The :class:`~bot.core.ports.MediaSource` of LINE's customers."""

    def __init__(self, config: Config, api: MessagingApiBlob | None = None) -> None:
        self.api = api or make_blob_api(config)

    def fetch(self, reference: str, *, limit: int) -> Media | None:
        try:
            response = self.api.get_message_content_with_http_info(reference, _request_timeout=TIMEOUT)
        except ApiException as error:
            failure = to_send_error(error)
            if not failure.permanent:  # 429, 5xx: asked again by the outbox
                raise failure from None
            log.info("LINE content unavailable: %s", error.status)  # gone (expired) or refused
            return None
        except (HTTPError, OSError) as error:
            raise SendError(f"LINE content {type(error).__name__}") from None
        content = bytes(response.raw_data or b"")
        if not content or len(content) > limit:
            log.info("customer photo not copied", extra={"bytes": len(content), "limit": limit})
            return None
        content_type = str((response.headers or {}).get("Content-Type") or "application/octet-stream")
        return Media(content, content_type)
