"""The Japanese texts (the default language), by area (see :mod:`bot.core.i18n`)."""

from bot.core.i18n.ja import cards, console, customers, digest, line, operations, slack, tickets

AREAS = (tickets, cards, customers, digest, operations, console, slack, line)
