"""The English texts (the fallback of a missing text), by area (see :mod:`bot.core.i18n`)."""

from bot.core.i18n.en import cards, console, customers, digest, line, operations, slack, tickets

AREAS = (tickets, cards, customers, digest, operations, console, slack, line)
