"""What the bot asks Slack at start: is the token good, does each configured channel exist, is the bot in it.

Each problem comes back in words for the log and /readyz; nothing here stops the bot, which can
still work for the channels that are right.
"""

from __future__ import annotations

from typing import Any

from bot.config import Config
from bot.platforms.base import configured_targets, misformed_targets
from bot.platforms.slack.settings import SECTION, TRIAGE_KEY, settings

SCOPE_HINT = (
    "add the channels:read and groups:read scopes (slack-manifest.yml has them) and reinstall the app"
)


def check(config: Config) -> list[str]:
    """The problems Slack reports for this config: the token (``auth.test``) and every channel."""
    from slack_sdk.errors import SlackApiError

    from bot.platforms.slack.sender import make_client

    channels = configured_targets(config, SECTION, TRIAGE_KEY)
    channels += [("slack.intake_channels", channel) for channel in settings(config).intake_channels]
    problems = misformed_targets(channels, SECTION)
    client = make_client(config)
    try:
        bot = client.auth_test()
    except SlackApiError as error:
        reason = error.response.get("error", "refused")
        return [*problems, f"Slack refused SLACK_BOT_TOKEN ({reason}): nothing can be posted"]
    except Exception as error:  # the network: say so and let the bot run
        return [*problems, f"Slack could not be reached to check the token ({type(error).__name__})"]
    for key, channel in channels:
        if SECTION.misformed(channel):
            continue  # reported as a form problem already
        try:
            found: Any = client.conversations_info(channel=channel)["channel"]
        except SlackApiError as error:
            reason = error.response.get("error", "refused")
            if reason == "missing_scope":
                return [*problems, f"cannot check the Slack channels: {SCOPE_HINT}"]
            problems.append(f"{key} = {channel}: {_channel_problem(reason)}")
            continue
        except Exception as error:
            return [*problems, f"Slack could not be reached to check the channels ({type(error).__name__})"]
        if not found.get("is_member"):
            problems.append(
                f"{key} = {channel} (#{found.get('name', '?')}): the bot is not in this channel, so it "
                "does not see replies in the cards' threads (the first response); "
                f"invite it with /invite @{bot.get('user', 'triage')}"
            )
    return problems


def _channel_problem(reason: str) -> str:
    if reason == "channel_not_found":
        return "no such channel, or a private one the bot has not been invited to"
    return f"Slack says {reason}"
