"""A ticket's original message unsent, deleted or edited: the core with a real database (SQLite and
PostgreSQL), the outbox rows it leaves behind read back from the database."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from bot.core.clock import FakeClock
from bot.core.domain import EDITED_LATE, SOURCE_DELETED, WITHDRAWN, WITHDRAWN_BY_FORWARDER, OutboundMessage
from bot.core.originals import EDIT_WINDOW, Originals
from bot.runtime.services import App
from storage.models import OutboxRow
from tests.fakes import RecordingSender, complaint

TEXT = "山田太郎様から：届いた荷物が濡れていました。"


def open_ticket(app: App, message_id: str = "m-1", event_id: str = "ev-1") -> int:
    message = replace(complaint(TEXT, event_id), message_id=message_id, note="至急", names=("たろう",))
    return app.service.intake(message).ticket.ref


def rows(app: App) -> list[OutboxRow]:
    with app.session_factory() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def test_a_withdrawn_complaint_leaves_nothing_of_its_text_in_the_ticket_or_the_outbox(
    app: App, clock: FakeClock, sender: RecordingSender
) -> None:
    ref = open_ticket(app)
    app.dispatcher.drain()  # the card and the reply are sent: their stored copies hold the text
    with app.store.transaction() as uow:  # and more still waiting: a reminder, a full text
        uow.queue(
            OutboundMessage("console", "console", "reminder", f"期限間近: {TEXT}", {}, ref), clock.now()
        )
        uow.queue(OutboundMessage("console", "U0LEAD", "private", TEXT, {"text": TEXT}, ref), clock.now())

    ticket = Originals(app.service).withdraw("console", "m-1", "U0CUSTOMER", by_customer=True)

    assert ticket is not None and ticket.ref == ref
    stored = app.service.get(ref)
    assert (stored.text, stored.note, stored.customer, stored.names) == ("", None, None, ())
    assert WITHDRAWN in stored.flags and stored.erased_at == clock.now()
    kept = rows(app)
    assert "濡れて" not in json.dumps([[row.text, row.data] for row in kept], ensure_ascii=False)
    assert [row.kind for row in kept] == ["reply", "card", "card_update"]  # reminder and full text dropped
    app.dispatcher.drain()
    assert "お客様が送信を取り消しました" in sender.texts("card_update")[-1]
    assert [(e.action, e.actor) for e in app.service.history(ref)][-1] == ("withdrawn", "U0CUSTOMER")


def test_withdrawing_twice_or_an_unknown_message_does_nothing(app: App) -> None:
    open_ticket(app)
    originals = Originals(app.service)

    assert originals.withdraw("console", "m-1", "U0STAFF", by_customer=False) is not None
    assert originals.withdraw("console", "m-1", "U0STAFF", by_customer=False) is None
    assert originals.withdraw("console", "m-404", "U0STAFF", by_customer=True) is None
    assert originals.deleted("console", "m-1", "U0STAFF") is None  # nothing left to note

    (ticket,) = app.service.open_tickets()
    assert WITHDRAWN_BY_FORWARDER in ticket.flags and WITHDRAWN not in ticket.flags
    assert [e.action for e in app.service.history(ticket.ref)] == ["created", "withdrawn"]


def test_an_original_shared_twice_stays_with_its_first_ticket(app: App) -> None:
    first = open_ticket(app, "m-1", "ev-1")
    open_ticket(app, "m-1", "ev-2")  # forwarded again by someone else: a ticket of its own

    ticket = Originals(app.service).find("console", "m-1")

    assert ticket is not None and ticket.ref == first


def test_deletions_are_noted_and_edits_taken_in_only_soon_after(app: App, clock: FakeClock) -> None:
    ref = open_ticket(app)
    originals = Originals(app.service)

    clock.advance(EDIT_WINDOW - timedelta(minutes=1))
    assert originals.edited("console", "m-1", "U0STAFF", TEXT + "注文番号 A-5521") is not None
    assert originals.edited("console", "m-1", "U0STAFF", TEXT + "注文番号 A-5521") is None  # a retry
    clock.advance(timedelta(minutes=2))
    assert originals.edited("console", "m-1", "U0STAFF", "取り消します") is not None
    assert originals.deleted("console", "m-1", "U0STAFF") is not None

    ticket = app.service.get(ref)
    assert ticket.text == TEXT + "注文番号 A-5521"
    assert EDITED_LATE in ticket.flags and SOURCE_DELETED in ticket.flags
    card = app.writer.card(ticket, clock.now())
    text = card.to_text()
    assert "受付の後で編集されました" in text and "元のメッセージは削除されました" in text
    assert card.field("priority") is None and "優先" not in text  # notices are not priorities
    assert "山田太郎" not in text and "転送者のメモ：至急" in card.body
