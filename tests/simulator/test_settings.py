"""The settings table: defaults, environment parsing, and the README kept in sync."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from simulator.errors import ConfigError
from simulator.settings import SETTINGS, Settings, settings_table_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_table_and_dataclass_agree():
    assert [f.name for f in dataclasses.fields(Settings)] == [s.name for s in SETTINGS]
    for setting in SETTINGS:
        assert getattr(Settings(), setting.name) == setting.default


def test_from_env_casts_values_and_keeps_defaults():
    settings = Settings.from_env(
        {"DATABASE_URL": "sqlite:///x.db", "LOGIN_MAX_FAILURES": "3", "DEMO_MODE": "yes"}
    )
    assert settings.database_url == "sqlite:///x.db"
    assert settings.login_max_failures == 3 and settings.demo_mode is True
    assert settings.invite_ttl_hours == 72


def test_bad_values_name_the_variable():
    with pytest.raises(ConfigError, match="LOGIN_MAX_FAILURES"):
        Settings.from_env({"LOGIN_MAX_FAILURES": "many"})
    with pytest.raises(ConfigError, match="DEBUG"):
        Settings.from_env({"DEBUG": "perhaps"})


def test_secrets_do_not_show_in_repr():
    text = repr(Settings(secret_key="s3cret-value", turn_secret="turn-s3cret"))
    assert "s3cret-value" not in text and "turn-s3cret" not in text


def test_https_base_url_turns_on_secure_cookies():
    assert Settings(base_url="https://practice.example.org").secure_cookies
    assert not Settings().secure_cookies


def test_readme_configuration_table_is_current():
    assert settings_table_markdown() in README.read_text(encoding="utf-8"), (
        "README.md's configuration table is out of date: paste the output of `mediation-sim settings`"
    )
