"""Learning from corrections: labels come from reassignments, a new model is promoted only when it
is not worse on held-back labels, the decision is stored, and the running app uses the new model."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import update

from bot.config import Config
from bot.core.clock import FakeClock
from bot.core.learning import CHECK_SECONDS, QUICK_SECONDS, Learner, ModelHolder, is_held_back
from bot.core.ports import Prediction
from bot.runtime.scheduler import build_scheduler
from bot.runtime.services import App, create_app
from classifiers.model import DepartmentClassifier, Example
from classifiers.store import MODEL_VERSION, PackedModel, bundled_digest, pack
from classifiers.training import load, metadata_path
from storage.classifier_models import SqlModels
from storage.labels import SqlLabels
from storage.models import ClassifierModelRow
from tests.conftest import START
from tests.fakes import KeywordClassifier, RecordingSender, complaint

GIFT = "アンケートのお礼ギフトが届かない"  # a campaign gift: marketing; the keyword model says logistics


@pytest.fixture
def model_app(config: Config, clock: FakeClock, tmp_path: Path) -> Iterator[App]:
    settings = replace(config, model_path=str(tmp_path / "models" / "departments.skops"))
    application = create_app(
        settings, clock=clock, senders={"console": RecordingSender()}, classifier=KeywordClassifier()
    )
    yield application
    application.close()


def teach(app: App, texts: list[str], department: str) -> None:
    for n, text in enumerate(texts):
        ref = app.service.intake(complaint(text, f"ev-{department}-{n}")).ticket.ref
        app.service.reassign(ref, "U1", department)


def gift_texts(count: int) -> list[str]:
    return [f"{GIFT}（{n}回目のお問い合わせ）" for n in range(count)]


def test_reassignments_and_triage_choices_are_labels(app: App) -> None:
    routed = app.service.intake(complaint("配送が遅い", "ev-1")).ticket
    app.service.reassign(routed.ref, "U1", "billing")
    app.service.reassign(routed.ref, "U1", "orders")  # moved twice: the last choice counts
    triaged = app.service.intake(complaint("よくわからない件です", "ev-2")).ticket
    assert triaged.needs_triage
    app.service.reassign(triaged.ref, "U1", "support")
    labels = SqlLabels(app.session_factory).labels()
    assert [(label.text, label.department) for label in labels] == [
        ("配送が遅い", "orders"),
        ("よくわからない件です", "support"),
    ]


def test_a_better_model_is_promoted_saved_and_used(model_app: App) -> None:
    texts = gift_texts(30)
    assert any(is_held_back(t) for t in texts) and not all(is_held_back(t) for t in texts)
    teach(model_app, texts, "marketing")
    assert model_app.learner is not None

    decision = model_app.learner.retrain(model_app.clock.now(), trigger="test")

    assert decision is not None and decision.promoted
    assert decision.current_accuracy == 0.0 and decision.candidate_accuracy == 1.0
    path = Path(model_app.config.model_path or "")
    assert load(path).predict(GIFT).department == "marketing"
    assert metadata_path(path).exists()
    # The running app routes with the promoted model at once.
    ticket = model_app.service.intake(complaint(GIFT, "ev-after")).ticket
    assert ticket.department == "marketing"
    [(at, trigger, status, detail)] = SqlLabels(model_app.session_factory).trainings()
    assert (trigger, status) == ("test", "promoted")
    assert (
        detail["held_back"] == decision.held_back and detail["reason"] == "not worse on the held-back labels"
    )
    assert at == model_app.clock.now()


class Oracle:
    """A current model that already knows every held-back answer: nothing can beat it.

    It says so below the triage threshold, so each answer is a triage choice (a label) rather than a
    move to the department the ticket is already with, which is refused.
    """

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers

    def predict(self, text: str) -> Prediction:
        department = self.answers.get(text, "logistics")
        return Prediction(department, 0.2, ((department, 0.2),))

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        return [self.predict(text) for text in texts]


def test_a_worse_model_is_not_promoted(config: Config, clock: FakeClock, tmp_path: Path) -> None:
    departments = ("billing", "orders", "support", "website")
    texts = [f"お問い合わせ番号{n}について確認してください" for n in range(40)]
    answers = {text: departments[n % 4] for n, text in enumerate(texts)}  # no pattern to learn
    settings = replace(config, model_path=str(tmp_path / "m.skops"))
    app = create_app(
        settings, clock=clock, senders={"console": RecordingSender()}, classifier=Oracle(answers)
    )
    try:
        for n, text in enumerate(texts):
            ref = app.service.intake(complaint(text, f"ev-{n}")).ticket.ref
            app.service.reassign(ref, "U1", answers[text])
        assert app.learner is not None
        decision = app.learner.retrain(clock.now(), trigger="test")
        assert decision is not None and not decision.promoted
        assert decision.reason == "worse on the held-back labels"
        assert (decision.current_accuracy or 0) > (decision.candidate_accuracy or 0)
        assert not (tmp_path / "m.skops").exists()
        assert isinstance(app.classifier.predict(texts[0]), Prediction)
        assert app.service.intake(complaint("新しい問い合わせ", "ev-new")).ticket.department == "logistics"
        assert [row[2] for row in SqlLabels(app.session_factory).trainings()] == ["kept"]
    finally:
        app.close()


def test_without_held_back_labels_the_current_model_is_kept(model_app: App) -> None:
    texts = [t for t in gift_texts(40) if not is_held_back(t)][:3]
    teach(model_app, texts, "marketing")
    assert model_app.learner is not None
    decision = model_app.learner.retrain(model_app.clock.now(), trigger="test")
    assert decision is not None and not decision.promoted
    assert decision.reason == "no held-back labels to compare on"


def test_the_weekly_job_runs_once_a_week_across_workers(model_app: App, clock: FakeClock) -> None:
    assert model_app.learner is not None
    other_worker = Learner(model_app.config, SqlLabels(model_app.session_factory))
    now = clock.now()
    assert model_app.learner.retrain_weekly(now) is not None
    assert other_worker.retrain_weekly(now) is None
    trainings = SqlLabels(model_app.session_factory).trainings()
    assert [trigger for _, trigger, _, _ in trainings] == ["weekly"]


def test_the_scheduler_has_the_weekly_retraining(model_app: App) -> None:
    scheduler = build_scheduler(model_app)
    job = next(job for job in scheduler.get_jobs() if job.id == "retrain_classifier")
    assert isinstance(job.trigger, CronTrigger)
    assert "day_of_week='sun'" in str(job.trigger)


class Ticking:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_correction_reaches_every_process_within_a_minute(model_app: App) -> None:
    texts = gift_texts(30)
    teach(model_app, texts, "marketing")
    assert model_app.learner is not None
    ticking = Ticking()
    models = SqlModels(model_app.session_factory, MODEL_VERSION)
    web = ModelHolder(KeywordClassifier(), models=models, model_id=models.latest_id(), monotonic=ticking)
    assert web.predict(GIFT).department == "logistics"

    # The worker's job (every QUICK_SECONDS) sees new labels and retrains, once per state of them.
    decision = model_app.learner.retrain_on_new_labels(model_app.clock.now())
    assert decision is not None and decision.promoted and decision.saved_to is not None
    assert "store #" in decision.saved_to
    assert model_app.learner.retrain_on_new_labels(model_app.clock.now()) is None  # nothing new
    other_worker = Learner(model_app.config, SqlLabels(model_app.session_factory), models=models)
    assert other_worker.retrain_on_new_labels(model_app.clock.now()) is None  # already run there
    assert [t for _, t, _, _ in SqlLabels(model_app.session_factory).trainings()] == ["corrections"]

    # A web process asks the store at most every CHECK_SECONDS, then serves the promoted model.
    ticking.now = CHECK_SECONDS - 1
    assert web.predict(GIFT).department == "logistics"
    ticking.now = CHECK_SECONDS
    assert web.predict(GIFT).department == "marketing"
    assert web.model_id == models.latest_id()
    assert QUICK_SECONDS + CHECK_SECONDS + 20 <= 60  # the job, the check, and training's 5-20 s


def test_the_scheduler_learns_corrections_every_few_seconds(model_app: App) -> None:
    scheduler = build_scheduler(model_app)
    job = next(job for job in scheduler.get_jobs() if job.id == "learn_corrections")
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval.total_seconds() == QUICK_SECONDS


def tiny_model(bundled_hash: str | None) -> PackedModel:
    rows = [
        *(Example(t, "logistics") for t in ("配送が遅い", "荷物が届かない", "late delivery")),
        *(Example(t, "billing") for t in ("二重請求", "返金がない", "charged twice")),
        *(Example(t, "out_of_scope") for t in ("こんにちは", "ありがとう", "hello there")),
    ]
    return pack(
        DepartmentClassifier.train(rows * 2),
        created_at=START,
        data_hash="tiny",
        bundled_hash=bundled_hash,
    )


def test_a_start_loads_the_stored_model_and_retrains_another_versions_once(
    config: Config, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    trained: list[int] = []

    def train_now(learner: Learner, now: datetime) -> PackedModel:
        trained.append(1)
        return tiny_model(bundled_digest())

    monkeypatch.setattr("bot.runtime.services.packed_initial", train_now)
    first = create_app(config, clock=clock, senders={"console": RecordingSender()})
    try:
        models = SqlModels(first.session_factory, MODEL_VERSION)
        assert trained == [1] and models.latest_id() is not None  # the first start trains and stores
        second = create_app(config, clock=clock, senders={"console": RecordingSender()}, engine=first.engine)
        assert trained == [1]  # every later start loads
        assert second.classifier.predict("荷物が届かない").department == "logistics"
        # A model stored by another version: retrained once, with a log line, never half-loaded.
        with first.session_factory() as session, session.begin():
            session.execute(update(ClassifierModelRow).values(version="2/scikit-learn 1.5", detail={}))
        with caplog.at_level(logging.WARNING, logger="classifiers.store"):
            create_app(config, clock=clock, senders={"console": RecordingSender()}, engine=first.engine)
        assert trained == [1, 1] and "training a new model" in caplog.text
        create_app(config, clock=clock, senders={"console": RecordingSender()}, engine=first.engine)
        assert trained == [1, 1]
    finally:
        first.close()


def test_a_workers_first_look_does_not_retrain_what_the_stored_model_already_learnt(
    config: Config, clock: FakeClock
) -> None:
    app = create_app(
        config, clock=clock, senders={"console": RecordingSender()}, classifier=KeywordClassifier()
    )
    try:
        teach(app, gift_texts(3), "marketing")
        labels, models = SqlLabels(app.session_factory), SqlModels(app.session_factory, MODEL_VERSION)
        learner = Learner(app.config, labels, models=models)
        # The model the start trained and stored: the bundled data and these labels.
        packed = tiny_model(bundled_digest())
        models.add(
            replace(
                packed, metadata={**packed.metadata, "training_data_hash": learner.initial_set().digest()}
            ),
            START,
        )

        assert learner.retrain_on_new_labels(clock.now()) is None
        assert labels.trainings() == []  # nothing trained, nothing claimed
        teach(app, gift_texts(1), "product")  # a new label: the next look has something to learn
        assert learner.retrain_on_new_labels(clock.now()) is not None
        assert [trigger for _, trigger, _, _ in labels.trainings()] == ["corrections"]
    finally:
        app.close()
