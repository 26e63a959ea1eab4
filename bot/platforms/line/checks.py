"""What the bot asks LINE at start: is the channel access token good, where does the webhook point, and is
the bot in each configured group.

Each problem comes back in words for the log and /readyz; nothing here stops the bot.
"""

from __future__ import annotations

from bot.config import Config
from bot.platforms.base import configured_targets, misformed_targets
from bot.platforms.line.settings import SECTION, TRIAGE_KEY

WEBHOOK_PATH = "/line/webhook"


def check(config: Config) -> list[str]:
    """The problems LINE reports: the token (bot info), the webhook endpoint, every group."""
    from linebot.v3.messaging import ApiException

    from bot.platforms.line.sender import make_api

    groups = configured_targets(config, SECTION, TRIAGE_KEY)
    problems = misformed_targets(groups, SECTION)
    if not config.secrets.get("LINE_CHANNEL_ACCESS_TOKEN"):
        return [
            *problems,
            "LINE_CHANNEL_ACCESS_TOKEN is not set: the bot can read LINE but not answer or post",
        ]
    api = make_api(config)
    try:
        api.get_bot_info()
        webhook = api.get_webhook_endpoint()
    except ApiException as error:
        return [*problems, f"LINE refused LINE_CHANNEL_ACCESS_TOKEN (HTTP {error.status})"]
    except Exception as error:  # the network: say so and let the bot run
        return [*problems, f"LINE could not be reached to check the token ({type(error).__name__})"]
    if not webhook.active:
        problems.append("the LINE webhook is off: turn on 'Use webhook' in the LINE Developers console")
    if config.public_url and webhook.endpoint != config.public_url.rstrip("/") + WEBHOOK_PATH:
        problems.append(
            f"the LINE webhook URL is {webhook.endpoint!r}, not {config.public_url.rstrip('/')}{WEBHOOK_PATH}"
        )
    for key, group in groups:
        if SECTION.misformed(group) or not group.startswith("C"):
            continue  # forms are reported apart; rooms and users have no group summary
        try:
            api.get_group_summary(group)
        except ApiException as error:
            if error.status != 404:
                problems.append(f"{key} = {group}: LINE says HTTP {error.status}")
                continue
            problems.append(f"{key} = {group}: the bot is not in this group (invite the official account)")
        except Exception as error:
            return [*problems, f"LINE could not be reached to check the groups ({type(error).__name__})"]
    return problems
