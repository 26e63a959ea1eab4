"""Config: defaults, environment overrides, and bad values refused with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, DigestSchedule, load_config, parse_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_defaults_are_the_shop_s_seven_departments_in_japanese() -> None:
    config = parse_config({}, {})
    assert config.language == "ja"
    assert config.timezone == "Asia/Tokyo"
    assert config.sla_hours == 24
    assert (config.host, config.port) == ("0.0.0.0", 3000)
    assert config.database_url.startswith("sqlite:///")
    assert config.department_keys == (
        "logistics",
        "orders",
        "billing",
        "product",
        "website",
        "marketing",
        "support",
    )
    assert config.department("logistics").name("ja") == "物流・配送"  # type: ignore[union-attr]
    assert config.department("support").name("ko") == "고객지원"  # type: ignore[union-attr]


def test_the_example_config_is_valid_and_matches_the_defaults() -> None:
    config = load_config(EXAMPLE, {})
    defaults = parse_config({}, {})
    assert config.departments == defaults.departments
    assert config.classifier_threshold == defaults.classifier_threshold
    assert config.digest == defaults.digest


def test_environment_overrides_file_and_holds_the_secrets(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[database]\nurl = "sqlite:///file.db"\n[slack]\napi_url = "https://slack.example/api/"\n'
    )
    env = {
        "TRIAGE_CONFIG": str(path),
        "DATABASE_URL": "postgresql+psycopg://db/triage",
        "PORT": "8080",
        "HOST": "127.0.0.1",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "LINE_API_URL": "http://127.0.0.1:9",
        "SLACK_BOT_TOKEN": "xoxb-secret",
    }
    config = load_config(None, env)
    assert config.database_url == "postgresql+psycopg://db/triage"
    assert (config.host, config.port) == ("127.0.0.1", 8080)
    assert config.platform("slack").api_url == "http://127.0.0.1:9/api/"
    assert config.platform("line").api_url == "http://127.0.0.1:9"
    assert config.enabled == ("slack",)
    assert "xoxb-secret" not in repr(config)


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[bot]\nlanguage = "fr"', "bot.language"),
        ('[bot]\ntimezone = "Mars/Base"', "bot.timezone"),
        ("[sla]\nhours = 0", "sla.hours"),
        ('[sla]\nhours = "24"', "sla.hours"),
        ("[classifier]\nthreshold = 1.5", "classifier.threshold"),
        ('[digest]\ntime = "25:00"', "digest.time"),
        ('[digest]\nweekday = "monday"', "digest.weekday"),
        ('[slack]\napi_url = "ftp://x"', "slack.api_url"),
        ('[privacy]\norder_patterns = ["("]', "privacy.order_patterns"),
        ('[[departments]]\nkey = "Logistics"', "departments[0].key"),
        ('[[departments]]\nkey = "a"\n[[departments]]\nkey = "a"', "departments[1].key"),
        ("[bot]\nlangauge = 'ja'", "bot.langauge"),
        ("[outbox]\nmax_attempts = 0", "outbox.max_attempts"),
        ("[outbox]\nsend_timeout_seconds = 0", "outbox.send_timeout_seconds"),
        ("[outbox]\nsend_timeout_seconds = 30\nlease_seconds = 20", "outbox.lease_seconds"),
        ('[line]\nmode = "customer"', "line.mode"),
        ('[templates]\nlogistics = ["{name}様"]', "templates.logistics"),
        ('[templates]\nacknowledgement = "受付 {ticket"', "templates.acknowledgement"),
        ("[templates]\nshipping = ['x']", "templates.shipping"),
        ("[templates]\ndefault = []", "templates.default"),
        ('[customers]\nsatisfaction_scale = "ten"', "customers.satisfaction_scale"),
        ("[customers]\nwaiting_days = 0.5", "customers.waiting_days"),
        ("[customers]\nreopen_hours = 1.5", "customers.reopen_hours"),
        ("[customers]\nreopen_hours = -1", "customers.reopen_hours"),
    ],
)
def test_bad_values_are_refused_naming_the_key(tmp_path: Path, toml: str, key: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, {})
    assert error.value.key == key
    assert key in str(error.value)


def test_bad_port_missing_file_and_broken_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PORT"):
        parse_config({}, {"PORT": "http"})
    with pytest.raises(ConfigError, match="HOST"):
        parse_config({}, {"HOST": "127.0.0.1; rm"})
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "missing.toml", {})
    broken = tmp_path / "broken.toml"
    broken.write_text("[bot\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken, {})


def test_custom_departments_keep_default_names_and_add_channels(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[[departments]]\nkey = "logistics"\nslack_channel = "C1"\n'
        '[[departments]]\nkey = "returns"\nname = "返品"\nline_group = "G1"\n',
        encoding="utf-8",
    )
    config = load_config(path, {})
    assert config.department_keys == ("logistics", "returns")
    assert config.department("logistics").targets == {"slack": "C1"}  # type: ignore[union-attr]
    assert config.department("logistics").name("ja") == "物流・配送"  # type: ignore[union-attr]
    assert config.department("returns").name("ja") == "返品"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[digest]\ntimezone = "Mars/Base"', "digest.timezone"),
        ('[digest.departments.nosuch]\nweekday = "mon"', "digest.departments.nosuch"),
        ('[digest.departments.billing]\ntime = "9"', "digest.departments.billing.time"),
        ('[digest.departments.billing]\nwhen = "mon"', "digest.departments.billing.when"),
        ('[digest.managers]\ntimezone = "Nowhere"', "digest.managers.timezone"),
        ('[web]\npublic_url = "triage.example.com"', "web.public_url"),
        ('[web]\nurl = "https://x"', "web.url"),
    ],
)
def test_bad_digest_schedules_and_public_urls_are_refused_naming_the_key(
    tmp_path: Path, toml: str, key: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, {})
    assert error.value.key == key


def test_digest_schedules_default_to_digest_and_the_bot_time_zone(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[bot]\ntimezone = "Asia/Seoul"\n[digest]\nweekday = "tue"\ntime = "10:15"\n'
        '[digest.departments.billing]\ntimezone = "Europe/London"\n'
        '[digest.managers]\nweekday = "fri"\n[web]\npublic_url = "https://triage.example.com/"\n',
        encoding="utf-8",
    )
    config = load_config(path, {})
    schedule = config.digest.schedule
    assert schedule("logistics", config.timezone) == DigestSchedule("tue", 10, 15, "Asia/Seoul")
    assert schedule("billing", config.timezone) == DigestSchedule("tue", 10, 15, "Europe/London")
    assert schedule("managers", config.timezone) == DigestSchedule("fri", 10, 15, "Asia/Seoul")
    assert config.public_url == "https://triage.example.com"
    default = load_config(None, {})
    assert default.digest.schedule("support", default.timezone) == DigestSchedule("mon", 9, 0, "Asia/Tokyo")
    assert default.public_url is None


def test_customer_channel_settings(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[line]\nmode = "customers"\n[templates]\ndefault = ["{customer}様 {ticket}"]\n'
        '[customers]\nsatisfaction_scale = "five"\nwaiting_days = 3\nreopen_hours = 24\n',
        encoding="utf-8",
    )
    config = load_config(path, {})
    assert getattr(config.platform("line"), "mode", None) == "customers"
    assert config.customers.templates == {"default": ("{customer}様 {ticket}",)}
    assert (config.customers.satisfaction_scale, config.customers.waiting_days) == ("five", 3)
    assert (config.customers.reopen_hours, parse_config({}, {}).customers.reopen_hours) == (24, 72)
    assert getattr(parse_config({}, {}).platform("line"), "mode", None) == "staff"
