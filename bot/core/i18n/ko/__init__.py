"""The Korean texts, by area (see :mod:`bot.core.i18n`)."""

from bot.core.i18n.ko import cards, console, customers, digest, line, operations, slack, tickets

AREAS = (tickets, cards, customers, digest, operations, console, slack, line)
