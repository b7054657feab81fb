from __future__ import annotations

import pytest

from driver2_kp import ConfigurationError, Secret, Settings

ENV = {
    "DRIVER2_BASE_URL": "https://driver2.example.be/api/v2/",
    "DRIVER2_CLIENT_ID": "client",
    "DRIVER2_CLIENT_SECRET": "s3cr3t-value",
    "KP_BASE_URL": "https://kp.example.de/api/v1",
    "KP_API_KEY": "k3y-value",
}


def test_from_env_reads_every_variable() -> None:
    settings = Settings.from_env(ENV)
    assert settings.driver2_base_url == "https://driver2.example.be/api/v2"
    assert settings.driver2_client_id == "client"
    assert settings.driver2_client_secret.reveal() == "s3cr3t-value"
    assert settings.kp_base_url == "https://kp.example.de/api/v1"
    assert settings.kp_api_key.reveal() == "k3y-value"


def test_from_env_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env().driver2_client_id == "client"


def test_from_env_names_every_missing_variable_and_no_value() -> None:
    partial = {k: v for k, v in ENV.items() if k not in ("KP_API_KEY", "DRIVER2_CLIENT_SECRET")}
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(partial)
    message = str(caught.value)
    assert "KP_API_KEY" in message
    assert "DRIVER2_CLIENT_SECRET" in message
    assert "client" not in message.replace("DRIVER2_CLIENT_SECRET", "")


def test_an_empty_variable_counts_as_missing() -> None:
    with pytest.raises(ConfigurationError, match="KP_BASE_URL"):
        Settings.from_env(ENV | {"KP_BASE_URL": ""})


def test_secrets_never_show_in_repr_or_str() -> None:
    settings = Settings.from_env(ENV)
    for text in (
        repr(settings),
        str(settings),
        repr(settings.kp_api_key),
        str(settings.kp_api_key),
    ):
        assert "s3cr3t-value" not in text
        assert "k3y-value" not in text
    assert repr(Secret("x")) == "Secret('**********')"


def test_a_secret_is_accepted_as_is() -> None:
    secret = Secret("abc")
    settings = Settings(
        driver2_base_url="http://d",
        driver2_client_id="c",
        driver2_client_secret=secret,
        kp_base_url="http://k",
        kp_api_key="key",
    )
    assert settings.driver2_client_secret is secret
    assert settings.kp_api_key == Secret("key")


def test_from_env_reads_the_optional_timeouts_in_seconds() -> None:
    extra = {"DRIVER2_READ_TIMEOUT": "90", "DRIVER2_DEADLINE": "600", "KP_DEADLINE": "12.5"}
    settings = Settings.from_env(ENV | extra)
    assert (settings.driver2_timeouts.read, settings.driver2_timeouts.deadline) == (90.0, 600.0)
    assert settings.kp_timeouts.deadline == 12.5
    assert settings.kp_timeouts.read == 10.0


@pytest.mark.parametrize("value", ["soon", "0", "-5"])
def test_a_malformed_timeout_variable_is_named(value: str) -> None:
    with pytest.raises(ConfigurationError, match="DRIVER2_DEADLINE"):
        Settings.from_env(ENV | {"DRIVER2_DEADLINE": value})


def test_the_default_timeouts_are_generous_for_driver2_and_tight_for_kp() -> None:
    settings = Settings.from_env(ENV)
    assert settings.driver2_timeouts.read >= 60
    assert settings.kp_timeouts.read < settings.driver2_timeouts.read
    assert settings.kp_timeouts.deadline < settings.driver2_timeouts.deadline
