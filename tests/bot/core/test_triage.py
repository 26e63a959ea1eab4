"""TriageService: intake, actions, audit events and the messages they queue.

The rules run on the in-memory store (``core``); what needs the database itself (one ticket per
event under concurrency, the outbox rows, the card update, the corrections query) on SQLite and
PostgreSQL (``app``).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.core.clock import FakeClock
from bot.core.domain import (
    MAX_COMPLAINT_CHARS,
    EmptyComplaint,
    InvalidArgument,
    Status,
    TriageError,
    UnknownDepartment,
    UnknownTicket,
)
from bot.runtime.services import App
from storage.models import InboundEventRow, OutboxRow, TicketRow
from tests.bot.core.conftest import Core
from tests.fakes import RecordingSender, complaint


def count(app: App, model: type) -> int:
    with app.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_intake_opens_a_routed_ticket_with_a_24_hour_deadline(core: Core, clock: FakeClock) -> None:
    result = core.service.intake(complaint("配送が3日遅れています。注文番号12345"))

    ticket = result.ticket
    assert result.created
    assert ticket.ref == 1
    assert ticket.department == "logistics"
    assert not ticket.needs_triage
    assert ticket.language == "ja"
    assert ticket.due_at == clock.now() + timedelta(hours=24)
    assert "#1" in result.reply and "物流・配送" in result.reply


def test_intake_queues_the_reply_and_the_team_card_in_the_same_transaction(
    app: App, sender: RecordingSender
) -> None:
    app.service.intake(complaint("配送が遅い"))
    assert count(app, OutboxRow) == 2

    app.dispatcher.drain()

    by_kind = {s.message.kind: s.message for s in sender.sent}
    assert by_kind["reply"].channel == "console"
    assert by_kind["card"].channel == "team:logistics"
    assert by_kind["card"].data["card"]["ref"] == 1


def test_same_event_twice_gives_the_same_ticket(app: App) -> None:
    first = app.service.intake(complaint("配送が遅い", "ev-dup"))
    second = app.service.intake(complaint("配送が遅い", "ev-dup"))

    assert second.ticket.ref == first.ticket.ref
    assert not second.created
    assert "#1" in second.reply
    assert count(app, TicketRow) == 1
    assert count(app, OutboxRow) == 2  # the retry queued nothing more


def test_same_event_from_two_platforms_is_two_tickets(core: Core) -> None:
    core.service.intake(complaint("配送が遅い", "ev-1", platform="slack"))
    core.service.intake(complaint("配送が遅い", "ev-1", platform="line"))
    assert len(core.store.state.tickets) == 2


def test_concurrent_intake_of_one_event_makes_one_ticket(app: App) -> None:
    refs: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def deliver() -> None:
        try:
            barrier.wait()
            refs.append(app.service.intake(complaint("請求が二重です", "ev-race")).ticket.ref)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(refs) == 8 and len(set(refs)) == 1
    assert count(app, TicketRow) == 1
    assert count(app, InboundEventRow) == 1


def test_uncertain_complaint_goes_to_the_triage_queue(core: Core, sender: RecordingSender) -> None:
    result = core.service.intake(complaint("こんにちは、ちょっと聞きたいのですが"))
    core.dispatcher.drain()

    assert result.ticket.needs_triage
    assert result.ticket.department is None
    assert "トリアージ" in result.reply
    card = next(s.message for s in sender.sent if s.message.kind == "card")
    assert card.channel == "triage"


@pytest.mark.parametrize("text", ["", "   ", "\u3000\n\t", "\x00\x01\x02"])
def test_empty_complaints_are_refused_and_nothing_is_stored(core: Core, text: str) -> None:
    with pytest.raises(EmptyComplaint):
        core.service.intake(complaint(text))
    assert len(core.store.state.tickets) == 0
    assert len(core.store.state.events) == 0


def test_control_characters_are_removed_and_a_huge_message_is_kept_cut(core: Core) -> None:
    cleaned = core.service.intake(complaint("配送\x07が\u200b遅い\x1b", "ev-a")).ticket
    assert cleaned.text == "配送が遅い"

    huge = core.service.intake(complaint("配送が遅い。" + "あ" * 100_000, "ev-b"))
    assert len(huge.ticket.text) == MAX_COMPLAINT_CHARS
    assert "truncated" in huge.ticket.flags
    assert str(MAX_COMPLAINT_CHARS) in huge.reply


def test_every_change_is_audited(core: Core, clock: FakeClock) -> None:
    ref = core.service.intake(complaint("配送が遅い")).ticket.ref
    clock.advance(timedelta(minutes=5))
    core.service.snooze(ref, "U1", 2)
    core.service.reassign(ref, "U2", "billing")
    core.service.acknowledge(ref, "U3")
    core.service.resolve(ref, "U4")

    history = core.service.history(ref)

    assert [(e.actor, e.action) for e in history] == [
        ("U0STAFF", "created"),
        ("U1", "snoozed"),
        ("U2", "reassigned"),
        ("U3", "acknowledged"),
        ("U4", "resolved"),
    ]
    assert history[2].detail == {"from": "logistics", "to": "billing"}
    assert len(core.store.state.audit) == 5


def test_acknowledge_records_the_first_response_and_updates_the_card(
    app: App, clock: FakeClock, sender: RecordingSender
) -> None:
    ref = app.service.intake(complaint("配送が遅い")).ticket.ref
    app.dispatcher.drain()
    clock.advance(timedelta(hours=2))

    ticket = app.service.acknowledge(ref, "U1")
    app.dispatcher.drain()

    assert ticket.status is Status.ACKNOWLEDGED
    assert ticket.first_response_at == clock.now()
    card = next(s for s in sender.sent if s.message.kind == "card")
    update = next(s for s in sender.sent if s.message.kind == "card_update")
    assert update.edit_message_id == card.message_id
    assert "U1" in update.message.text


def test_reassign_moves_the_card_and_teaches(app: App, sender: RecordingSender) -> None:
    ref = app.service.intake(complaint("配送が遅い")).ticket.ref
    app.dispatcher.drain()

    ticket = app.service.reassign(ref, "U1", " Billing ")
    app.dispatcher.drain()

    assert ticket.department == "billing"
    channels = [(s.message.kind, s.message.channel) for s in sender.sent]
    assert ("card_update", "team:logistics") in channels
    assert ("card", "team:billing") in channels
    with app.store.transaction() as uow:
        corrections = uow.corrections(ticket.created_at, ticket.created_at + timedelta(days=1))
    assert corrections == [("logistics", "billing", "配送が遅い")]


def test_snooze_never_passes_the_deadline(core: Core, clock: FakeClock) -> None:
    ticket = core.service.intake(complaint("配送が遅い")).ticket
    clock.advance(timedelta(hours=20))
    snoozed = core.service.snooze(ticket.ref, "U1", 10)
    assert snoozed.snoozed_until == ticket.due_at


def test_snooze_of_an_overdue_ticket_holds_the_nudges_from_now(core: Core, clock: FakeClock) -> None:
    ticket = core.service.intake(complaint("配送が遅い")).ticket
    clock.advance(timedelta(hours=30))
    snoozed = core.service.snooze(ticket.ref, "U1", 2)
    assert snoozed.snoozed_until == clock.now() + timedelta(hours=2)  # never in the past


def test_a_second_acknowledgement_is_refused_and_posts_nothing(core: Core, sender: RecordingSender) -> None:
    ref = core.service.intake(complaint("配送が遅い")).ticket.ref
    core.service.acknowledge(ref, "U1")
    core.dispatcher.drain()
    posted = len(sender.sent)
    with pytest.raises(TriageError, match="already_acknowledged") as again:
        core.service.acknowledge(ref, "U2")
    core.dispatcher.drain()
    assert again.value.params == {"ref": ref, "actor": "U1"}
    assert len(sender.sent) == posted
    assert [e.action for e in core.service.history(ref)] == ["created", "acknowledged"]


def test_reassigning_to_the_same_department_is_refused_and_not_a_correction(core: Core) -> None:
    ticket = core.service.intake(complaint("配送が遅い")).ticket
    assert ticket.department == "logistics"
    with pytest.raises(TriageError, match="same_department"):
        core.service.reassign(ticket.ref, "U1", "物流・配送")
    assert [e.action for e in core.service.history(ticket.ref)] == ["created"]
    with core.store.transaction() as uow:
        assert uow.corrections(ticket.created_at, ticket.created_at + timedelta(days=1)) == []


def test_departments_are_found_by_key_or_any_of_their_names(core: Core) -> None:
    ref = core.service.intake(complaint("配送が遅い")).ticket.ref
    for typed, key in [
        ("決済・返金", "billing"),
        ("Orders & stock", "orders"),
        ("ＰＲＯＤＵＣＴ", "product"),
    ]:
        assert core.service.reassign(ref, "U1", typed).department == key
    assert [t.ref for t in core.service.open_tickets("상품 품질")] == [ref]


def test_bad_actions_get_clear_errors_and_change_nothing(core: Core) -> None:
    ref = core.service.intake(complaint("配送が遅い")).ticket.ref
    with pytest.raises(UnknownDepartment) as unknown:
        core.service.reassign(ref, "U1", "shipping")
    assert "logistics" in unknown.value.params["known"]
    with pytest.raises(UnknownTicket):
        core.service.acknowledge(999, "U1")
    with pytest.raises(InvalidArgument):
        core.service.snooze(ref, "U1", 0)
    core.service.resolve(ref, "U1")
    with pytest.raises(TriageError, match="already_resolved"):
        core.service.acknowledge(ref, "U1")
    assert [e.action for e in core.service.history(ref)] == ["created", "resolved"]


def test_personal_data_is_masked_on_the_card_but_stored_in_full(core: Core, sender: RecordingSender) -> None:
    text = "配送が来ない。連絡先 090-1234-5678 taro@example.jp 注文番号 A-5521"
    ref = core.service.intake(complaint(text)).ticket.ref
    core.dispatcher.drain()

    posted = "\n".join(sender.texts())
    assert "090-1234-5678" not in posted and "taro@example.jp" not in posted
    assert "A-5521" in posted
    assert core.service.get(ref).text == text


def test_a_reply_token_rides_with_the_forwarders_reply(core: Core, sender: RecordingSender) -> None:
    core.service.intake(replace(complaint("配送が遅い", "tok-1"), reply_token="rt-1"))
    core.service.intake(complaint("配送が遅い", "tok-2"))
    core.dispatcher.drain()

    replies = [s.message.data for s in sender.sent if s.message.kind == "reply"]
    assert replies[0]["reply_token"] == "rt-1" and replies[0]["department"] == "logistics"
    assert "reply_token" not in replies[1] and replies[1]["ref"] == 2


def test_media_right_after_a_complaint_is_noted_on_its_ticket(core: Core, clock: FakeClock) -> None:
    core.service.intake(complaint("配送が遅い", "media-1"))
    clock.advance(timedelta(minutes=3))
    ticket = core.service.attach("console", "U0STAFF", "image", "m-1", within=timedelta(minutes=5))
    assert ticket is not None and ticket.ref == 1
    assert core.service.history(1)[-1].detail == {"kind": "image", "reference": "m-1"}
    assert core.service.attach("console", "U0OTHER", "image", "m-2", within=timedelta(minutes=5)) is None
    clock.advance(timedelta(minutes=10))
    assert core.service.attach("console", "U0STAFF", "image", "m-3", within=timedelta(minutes=5)) is None


def test_an_action_is_one_transaction(core: Core) -> None:
    ref = core.service.intake(complaint("配送が遅い")).ticket.ref
    before = core.store.transactions
    core.service.acknowledge(ref, "U1")
    assert core.store.transactions == before + 1
    core.service.resolve(ref, "U1")
    with pytest.raises(TriageError, match="already_resolved"):
        core.service.snooze(ref, "U1", 2)
    assert core.store.transactions == before + 3


def test_the_form_opens_its_ticket_in_the_chosen_department_in_one_step(core: Core) -> None:
    result = core.service.intake(complaint("配送が遅い", "form-1"), department=" Billing ")

    ticket = result.ticket
    assert (ticket.department, ticket.needs_triage) == ("billing", False)
    assert "決済・返金" in result.reply
    history = core.service.history(ticket.ref)
    assert [(e.action, e.detail.get("department"), e.detail.get("to")) for e in history] == [
        ("created", "logistics", None),  # what the classifier said: the choice is a label
        ("reassigned", None, "billing"),
    ]
    assert [(m.kind, m.channel) for m in core.store.queued()] == [
        ("reply", "console"),
        ("card", "team:billing"),
    ]
    with core.store.transaction() as uow:
        assert uow.corrections(ticket.created_at, ticket.created_at + timedelta(days=1)) == [
            ("logistics", "billing", "配送が遅い")
        ]

    same = core.service.intake(complaint("配送が遅い", "form-2"), department="logistics").ticket
    assert [e.action for e in core.service.history(same.ref)] == ["created"]
    with pytest.raises(UnknownDepartment):
        core.service.intake(complaint("配送が遅い", "form-3"), department="shipping")
    assert len(core.store.state.tickets) == 2 and ("console", "form-3") not in core.store.state.events
