"""Messages that are not complaints: a trivial one opens no ticket and is answered in its own
language; "Not a complaint" closes a ticket, is audited, leaves the digest's figures and teaches
out of scope; and no correction can change how a trivial text is read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.core.clock import FakeClock
from bot.core.domain import NotAComplaint, Status, TriageError
from bot.core.learning import Label, to_examples
from bot.core.ports import Prediction
from bot.runtime.services import App
from storage.figures import SqlFigures
from storage.labels import SqlLabels
from storage.models import TicketRow
from tests.fakes import complaint

KEYS = ("logistics", "billing", "product", "website")


def tickets(app: App) -> int:
    with app.session_factory() as session:
        return session.scalar(select(func.count()).select_from(TicketRow)) or 0


@pytest.mark.parametrize(
    ("text", "language", "answer"),
    [
        ("はい", "ja", "チケットは作りませんでした"),
        ("ありがとうございます！", "ja", "チケットは作りませんでした"),
        ("Ok thanks 🙏", "en", "No ticket opened"),
        ("네 감사합니다", "ko", "티켓을 만들지 않았습니다"),
        ("👍", None, "チケットは作りませんでした"),  # no words: the configured language (ja)
    ],
)
def test_a_trivial_message_opens_no_ticket_and_is_answered_in_its_language(
    app: App, text: str, language: str | None, answer: str
) -> None:
    with pytest.raises(NotAComplaint) as caught:
        app.service.intake(complaint(text))
    assert caught.value.language == language
    assert tickets(app) == 0
    # Through the inbox (Slack, LINE): refused by the worker, the forwarder told in their language.
    app.intake.accept(complaint(text, "ev-inbox"))
    app.run_due_jobs()
    assert tickets(app) == 0
    [notice] = [m for m in app.dispatcher.senders["console"].sent if m.message.kind == "notice"]  # type: ignore[attr-defined]
    assert answer in notice.message.text


def test_not_a_complaint_closes_audits_teaches_and_leaves_the_figures(app: App, clock: FakeClock) -> None:
    kept = app.service.intake(complaint("配送が3日遅れています", "ev-1")).ticket
    closed = app.service.intake(complaint("請求書の宛名を変えたいです", "ev-2")).ticket
    clock.advance(timedelta(minutes=5))

    ticket = app.service.not_a_complaint(closed.ref, "U1")

    assert ticket.status is Status.RESOLVED and ticket.not_complaint
    stored = app.service.get(closed.ref)
    assert stored.not_complaint and stored.status is Status.RESOLVED
    assert [e.action for e in app.service.history(closed.ref)] == ["created", "not_complaint"]
    assert [t.ref for t in app.service.open_tickets()] == [kept.ref]
    labels = SqlLabels(app.session_factory).labels()
    assert [(label.text, label.department) for label in labels] == [("請求書の宛名を変えたいです", None)]
    start, end = clock.now() - timedelta(days=1), clock.now() + timedelta(days=1)
    figures = SqlFigures(app.session_factory)
    [day] = figures.day_figures([(start, end)], end)
    assert sum(f.complaints for f in day.values()) == 1
    assert [ref for texts in figures.texts(start, end).values() for ref, _ in texts] == [kept.ref]
    rows = figures.week_rows(start, end, clock.now())
    assert [ref for texts in rows.texts.values() for ref, _ in texts] == [kept.ref]
    with pytest.raises(TriageError, match="already_resolved"):
        app.service.not_a_complaint(closed.ref, "U1")


class RoutesEverything:
    def predict(self, text: str) -> Prediction:
        return Prediction("logistics", 0.99, (("logistics", 0.99),), True)

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        return [self.predict(text) for text in texts]


def test_one_persons_correction_never_changes_how_a_trivial_text_is_read(app: App) -> None:
    # Someone labels はい as a department (an import, a mistaken correction): the label is never
    # trained on, and はい is still read by the rule, whatever the model learns.
    labels = [Label("はい", "logistics", "correction"), Label("配送が遅い", "logistics", "correction")]
    assert [e.text for e in to_examples(labels, KEYS)] == ["配送が遅い"]
    SqlLabels(app.session_factory).import_labels(
        [("はい", "logistics"), ("👍", "billing")], "import", app.clock.now()
    )
    assert app.learner is not None
    app.learner.retrain(app.clock.now(), trigger="test")
    for text in ("はい", "👍"):
        with pytest.raises(NotAComplaint):
            app.service.intake(complaint(text, f"ev-{text}"))
    assert tickets(app) == 0
