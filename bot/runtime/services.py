"""Wiring in one place: ``create_app`` builds every part from the config; nothing happens at import."""

from __future__ import annotations

import contextlib
import ctypes
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TextIO

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Config
from bot.core.access import CONSOLE_ACTOR, Access, GroupMembers, Guard
from bot.core.cards import CardWriter
from bot.core.clock import SystemClock
from bot.core.customers import CustomerDesk
from bot.core.digest import DigestBuilder
from bot.core.i18n import Translator
from bot.core.inbox import Inbox
from bot.core.learning import Learner, ModelHolder, packed_initial
from bot.core.masking import DEFAULT_ORDER_PATTERNS, Masker
from bot.core.outbox import Dispatcher, DispatchReport, RetryPolicy
from bot.core.ports import Classifier, Clock, Sender
from bot.core.records import Records
from bot.core.reminders import ReminderSweep
from bot.core.routing import Directory
from bot.core.search import Finder
from bot.core.sla import SlaPolicies
from bot.core.triage import TriageService
from bot.core.usecases import Services
from bot.platforms.registry import directory as platform_directory
from bot.platforms.registry import enabled
from bot.runtime.metrics import Metrics
from classifiers.store import MODEL_VERSION, PackedModel, bundled_digest, load_or_train
from classifiers.training import ModelFileError, load
from storage.classifier_models import SqlModels
from storage.database import make_engine, make_session_factory
from storage.figures import SqlFigures
from storage.inbox import SqlInbox
from storage.labels import SqlLabels
from storage.migrate import is_current, upgrade
from storage.outbox import SqlOutbox
from storage.records import SqlRecords
from storage.store import SqlStore

if TYPE_CHECKING:
    from bot.platforms.console.chat import ConsoleAdapter

log = logging.getLogger(__name__)


class SchemaOutOfDate(RuntimeError):
    """The PostgreSQL schema is behind the code; ``triage-bot db upgrade`` brings it up to date."""


@dataclass
class App:
    config: Config
    clock: Clock
    engine: Engine
    session_factory: sessionmaker[Session]
    store: SqlStore
    outbox: SqlOutbox
    translator: Translator
    masker: Masker
    directory: Directory
    writer: CardWriter
    classifier: Classifier
    service: TriageService
    desk: CustomerDesk
    """Working a ticket with its customer: replies, owner, waiting, satisfaction."""
    finder: Finder
    """``/find``: tickets by number, order number, customer or words."""
    intake: Inbox
    """Complaints from Slack and LINE: accepted by the web app, made tickets by a worker thread."""
    sweep: ReminderSweep
    digests: DigestBuilder
    dispatcher: Dispatcher
    metrics: Metrics
    access: Access
    records: Records
    services: Services
    """What the platforms are handed: the use cases they call, never this whole application."""
    senders: dict[str, Sender] = field(default_factory=dict)
    background: list[Callable[[], Callable[[], None]]] = field(default_factory=list)
    """Extra long-running parts an adapter adds (Slack Socket Mode): each starts and returns its stop."""
    learner: Learner | None = None
    """Retrains the classifier from the shop's corrections (the weekly job)."""
    problems: list[str] = field(default_factory=list)
    """What the start-up checks found (bot.runtime.startup): listed by /readyz, the bot runs on."""

    def run_due_jobs(self, now: datetime | None = None) -> DispatchReport:
        """Opens the waiting complaints, runs the scheduled jobs for ``now`` and delivers what they queued."""
        moment = now or self.clock.now()
        self.intake.drain()
        self.sweep.run(moment)
        self.desk.close_waiting(moment)
        self.digests.send_weekly_digests(moment)
        return self.dispatcher.drain()

    def close(self) -> None:
        self.engine.dispose()


def console(app: App, out: TextIO, *, user: str = CONSOLE_ACTOR) -> ConsoleAdapter:
    """The terminal chat on ``app``'s use cases; it runs the jobs and the delivery itself."""
    from bot.platforms.console.chat import ConsoleAdapter

    database = app.engine.url.render_as_string(hide_password=True)
    return ConsoleAdapter(
        app.services, out, jobs=app.run_due_jobs, deliver=app.dispatcher.drain, database=database, user=user
    )


def prepare_database(config: Config, engine: Engine) -> None:
    """Migrates the embedded SQLite database; refuses to start on an out-of-date PostgreSQL schema,
    which is migrated once by the release step (``triage-bot db upgrade``), not by every copy."""
    if engine.dialect.name == "sqlite":
        upgrade(engine)
    elif not is_current(engine):
        raise SchemaOutOfDate("the database schema is not current: run `triage-bot db upgrade`")


def build_classifier(config: Config, session_factory: sessionmaker[Session]) -> Classifier:
    """The classifier every process uses; see :func:`load_classifier`."""
    return load_classifier(config, session_factory, SystemClock())[0]


def load_classifier(
    config: Config, session_factory: sessionmaker[Session], clock: Clock
) -> tuple[Classifier, int | None]:
    """The saved model (``classifier.model_path``), else the model stored in the database, else one
    trained now on the bundled data and the shop's labels and stored for every other process: the
    first start trains, every later one loads (a second or less). A stored model of another version
    (or trained on other bundled data) is retrained once, with a log line; a model file that cannot
    be used is reported and replaced rather than stopping the bot. Returns the store's model id.
    """
    if config.model_path:
        try:
            return load(config.model_path), None
        except ModelFileError as error:
            log.warning("classifier: %s; using the stored model instead", error)
    models = SqlModels(session_factory, MODEL_VERSION)
    learner = Learner(config, SqlLabels(session_factory))

    def read() -> PackedModel | None:
        found = models.latest()
        return None if found is None else found[1]

    classifier, trained = load_or_train(
        read,
        lambda: packed_initial(learner, clock.now()),
        lambda packed: models.add(packed, clock.now()),
        bundled_hash=bundled_digest(),
    )
    if trained:
        release_freed_memory()
    return classifier, models.latest_id()


def release_freed_memory() -> None:
    """Hands the memory training used and freed back to the system. glibc keeps freed heap for the
    process to reuse, so every web worker would otherwise stay ~20 MB larger than it needs to."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc (macOS, musl): nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def group_members(config: Config, clock: Clock) -> GroupMembers | None:
    """[roles] may name user groups (Slack's): their members are asked from the platform. In every
    process that checks permissions: the worker checks who may forward a complaint."""
    for platform in enabled(config):
        if platform.group_members is not None:
            return platform.group_members(config, clock)
    return None


def translator_and_masker(config: Config) -> tuple[Translator, Masker]:
    """Texts in the configured language, and the masking of personal data with labels in it."""
    translator = Translator(config.language)
    masker = Masker(
        config.order_patterns or DEFAULT_ORDER_PATTERNS, label=lambda kind: translator(f"mask.{kind}")
    )
    return translator, masker


def make_writer(config: Config) -> CardWriter:
    """Texts in the configured language, with personal data masked by localized labels."""
    translator, masker = translator_and_masker(config)
    return CardWriter(config, translator, masker, SlaPolicies.from_config(config))


@contextlib.contextmanager
def opened_database(config: Config) -> Iterator[sessionmaker[Session]]:
    """The configured database for a command that runs once, prepared as at start
    (:func:`prepare_database`) and closed after it."""
    engine = make_engine(config.database_url)
    try:
        prepare_database(config, engine)
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def create_app(
    config: Config,
    *,
    clock: Clock,
    senders: Mapping[str, Sender],
    engine: Engine | None = None,
    classifier: Classifier | None = None,
    platforms: Sequence[str] | None = None,
) -> App:
    """Builds the application. ``platforms`` defaults to the platforms that have a sender."""
    engine = engine or make_engine(config.database_url)
    try:
        prepare_database(config, engine)
    except Exception:
        engine.dispose()
        raise
    session_factory = make_session_factory(engine)
    directory = platform_directory(config, platforms if platforms is not None else list(senders))
    models = SqlModels(session_factory, MODEL_VERSION)
    holder = _model_holder(config, session_factory, models, classifier, clock)
    core = _use_cases(config, session_factory, holder, directory, clock)
    outbox = SqlOutbox(session_factory, lease=timedelta(seconds=config.outbox_lease_seconds))
    policy = RetryPolicy(config.outbox_max_attempts, config.outbox_base_delay_seconds)
    return App(
        config=config,
        clock=clock,
        engine=engine,
        session_factory=session_factory,
        store=core.store,
        outbox=outbox,
        translator=core.writer.t,
        masker=core.writer.masker,
        directory=directory,
        writer=core.writer,
        classifier=holder,
        service=core.service,
        desk=core.desk,
        finder=core.finder,
        intake=core.intake,
        sweep=ReminderSweep(core.store, core.writer.sla, directory, core.writer),
        digests=core.digests,
        dispatcher=Dispatcher(outbox, senders, clock, policy, lease=outbox.lease),
        metrics=Metrics.from_environment(session_factory, clock),
        access=core.access,
        records=core.records,
        senders=dict(senders),
        learner=Learner(config, SqlLabels(session_factory), holder, models),
        services=core.services(config, clock, directory),
    )


def _model_holder(
    config: Config,
    session_factory: sessionmaker[Session],
    models: SqlModels,
    classifier: Classifier | None,
    clock: Clock,
) -> ModelHolder:
    """The classifier the use cases ask, swapped when a retrained model is promoted."""
    if (
        classifier is not None
    ):  # a classifier given by the caller (tests, benchmarks) stays until a promotion swaps it
        return ModelHolder(classifier, config.model_path)
    loaded, model_id = load_classifier(config, session_factory, clock)
    return ModelHolder(loaded, config.model_path, models=models, model_id=model_id)


@dataclass(frozen=True)
class _UseCases:
    """The core's objects over the database, before they are handed out (to the App, to Services)."""

    store: SqlStore
    writer: CardWriter
    access: Access
    guard: Guard
    service: TriageService
    intake: Inbox
    digests: DigestBuilder
    records: Records
    desk: CustomerDesk
    finder: Finder

    def services(self, config: Config, clock: Clock, directory: Directory) -> Services:
        return Services(
            config=config,
            clock=clock,
            writer=self.writer,
            store=self.store,
            directory=directory,
            service=self.service,
            inbox=self.intake,
            records=self.records,
            digests=self.digests,
            access=self.access,
            guard=self.guard,
            desk=self.desk,
            finder=self.finder,
        )


def _use_cases(
    config: Config,
    session_factory: sessionmaker[Session],
    classifier: Classifier,
    directory: Directory,
    clock: Clock,
) -> _UseCases:
    store = SqlStore(session_factory)
    writer = make_writer(config)
    access = Access(config.roles, group_members(config, clock))
    access.warn_if_open()
    record_store = SqlRecords(session_factory)
    guard = Guard(access, store, record_store, clock)
    service = TriageService(config, store, classifier, clock, directory, writer, writer.sla, guard)
    return _UseCases(
        store=store,
        writer=writer,
        access=access,
        guard=guard,
        service=service,
        intake=Inbox(SqlInbox(session_factory), service, store, clock, writer.t),
        digests=DigestBuilder(config, store, SqlFigures(session_factory), directory, writer),
        records=Records(config, service, guard, record_store, writer, clock),
        desk=CustomerDesk(service),
        finder=Finder(store, access, writer),
    )
