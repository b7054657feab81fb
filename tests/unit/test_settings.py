from __future__ import annotations

import attrs
import pytest

from driver2_kp import (
    ConfigurationError,
    CustomerLookup,
    RetryPolicy,
    Secret,
    Settings,
    Timeouts,
)
from driver2_kp._retry import KP_TIMEOUTS
from tests._contract import ENVIRONMENT

ENV = ENVIRONMENT


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


def test_the_outage_patience_is_15_s_for_driver2_10_s_for_kp_and_read_from_the_environment() -> (
    None
):
    assert (Settings.from_env(ENV).driver2_timeouts.patience, KP_TIMEOUTS.patience) == (15.0, 10.0)
    extra = {"DRIVER2_OUTAGE_PATIENCE": "5", "KP_OUTAGE_PATIENCE": "2.5"}
    settings = Settings.from_env(ENV | extra)
    assert (settings.driver2_timeouts.patience, settings.kp_timeouts.patience) == (5.0, 2.5)
    assert Timeouts(patience=None).patience is None  # outages waited out, to the deadline
    with pytest.raises(ConfigurationError, match="DRIVER2_OUTAGE_PATIENCE"):
        Settings.from_env(ENV | {"DRIVER2_OUTAGE_PATIENCE": "0"})


@pytest.mark.parametrize("value", ["soon", "0", "-5"])
def test_a_malformed_timeout_variable_is_named(value: str) -> None:
    with pytest.raises(ConfigurationError, match="DRIVER2_DEADLINE"):
        Settings.from_env(ENV | {"DRIVER2_DEADLINE": value})


def test_the_default_timeouts_are_generous_for_driver2_and_tight_for_kp() -> None:
    settings = Settings.from_env(ENV)
    assert settings.driver2_timeouts.read >= 60
    assert settings.kp_timeouts.read < settings.driver2_timeouts.read
    assert settings.kp_timeouts.deadline < settings.driver2_timeouts.deadline


# --- configuration mistakes are refused early, with ConfigurationError ----------------


@pytest.mark.parametrize(
    "url",
    ["driver2.example.be/api/v2", "ftp://driver2.example.be", "https://", "http:///api", "  "],
)
def test_a_base_url_without_http_or_a_host_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match=r"DRIVER2_BASE_URL\) needs http:// or https://"):
        Settings.from_env(ENV | {"DRIVER2_BASE_URL": url})


def test_a_base_url_given_by_hand_is_checked_too() -> None:
    example = r"e\.g\. https://kp\.example\.de/api/v1, not 'kp\.example\.de'"
    with pytest.raises(
        ConfigurationError, match=rf"^kp_base_url \(KP_BASE_URL\) needs http.*{example}"
    ):
        Settings(
            driver2_base_url="https://driver2.example.be/api/v2",
            driver2_client_id="c",
            driver2_client_secret="s",
            kp_base_url="kp.example.de",
            kp_api_key="k",
        )


@pytest.mark.parametrize(
    "timeouts",
    [{"read": -1}, {"deadline": 0}, {"connect": float("nan")}, {"write": "10"}, {"pool": True}],
)
def test_a_timeout_that_is_not_seconds_above_zero_is_a_configuration_error(
    timeouts: dict[str, object],
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Timeouts(**timeouts)  # type: ignore[arg-type]
    assert next(iter(timeouts)) in str(caught.value)


@pytest.mark.parametrize("attempts", [0, -1, 2.5, True])
def test_a_retry_cap_that_is_not_a_whole_number_above_zero_is_refused(attempts: object) -> None:
    with pytest.raises(ConfigurationError, match="attempts"):
        RetryPolicy(attempts=attempts)  # type: ignore[arg-type]


def test_retries_last_until_the_deadline_unless_capped() -> None:
    assert RetryPolicy().attempts is None
    assert RetryPolicy(attempts=3).attempts == 3


def test_the_bound_in_flight_defaults_to_32_and_comes_from_the_environment() -> None:
    settings = Settings.from_env(ENV)
    assert (settings.driver2_max_in_flight, settings.kp_max_in_flight) == (32, 32)
    limited = Settings.from_env(ENV | {"DRIVER2_MAX_IN_FLIGHT": "8", "KP_MAX_IN_FLIGHT": "4"})
    assert (limited.driver2_max_in_flight, limited.kp_max_in_flight) == (8, 4)


@pytest.mark.parametrize("value", ["many", "0", "-2", "2.5"])
def test_a_malformed_bound_in_flight_is_named(value: str) -> None:
    with pytest.raises(ConfigurationError, match="DRIVER2_MAX_IN_FLIGHT"):
        Settings.from_env(ENV | {"DRIVER2_MAX_IN_FLIGHT": value})


def test_one_field_is_changed_with_attrs_evolve_and_checked_again() -> None:
    settings = Settings.from_env(ENV)
    assert attrs.evolve(settings, kp_max_in_flight=2).kp_max_in_flight == 2
    with pytest.raises(ConfigurationError):
        attrs.evolve(settings, driver2_base_url="driver2")


def test_a_base_url_with_credentials_is_refused_without_showing_the_password() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(ENV | {"DRIVER2_BASE_URL": "https://planman:pa55w0rd@d2.example/api"})
    assert "must not hold a user or password" in str(caught.value)
    assert "pa55w0rd" not in str(caught.value)


@pytest.mark.parametrize("key", ["k3y\n", " k3y", "k3y value", "kéy", ""])
def test_a_kp_key_a_header_cannot_carry_is_named_never_shown(key: str) -> None:
    with pytest.raises(ConfigurationError, match=r"kp_api_key \(KP_API_KEY\)") as caught:
        Settings(
            driver2_base_url="https://driver2.example.be/api/v2",
            driver2_client_id="c",
            driver2_client_secret="s",
            kp_base_url="https://kp.example.de/api/v1",
            kp_api_key=key,
        )
    if key.strip():
        assert key.strip() not in str(caught.value)


def test_an_infinite_deadline_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="finite number of seconds"):
        Timeouts(deadline=float("inf"))
    with pytest.raises(ConfigurationError, match="DRIVER2_DEADLINE"):
        Settings.from_env(ENV | {"DRIVER2_DEADLINE": "inf"})
    with pytest.raises(ConfigurationError, match="finite number of seconds"):
        CustomerLookup.from_settings(Settings.from_env(ENV), deadline=float("inf"))
