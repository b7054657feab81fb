"""The log filter: this library's requests are redacted, every other record left as it was."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from driver2_kp import log_personal_data
from driver2_kp._logs import PersonalDataFilter, redacted_url, sending

SEARCH = httpx.URL(
    "https://driver2.example.be/api/v2/customers?name=Goderis&email=t%40example.be&page=2"
)


@pytest.fixture(autouse=True)
def switched_off() -> Iterator[None]:
    yield
    log_personal_data(False)


def record(level: int, msg: str, *args: object, name: str = "httpx") -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_a_redacted_url_keeps_the_paging_and_hides_every_value() -> None:
    assert redacted_url(SEARCH) == (
        "https://driver2.example.be/api/v2/customers?name=***&email=***&page=2"
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://d2/api/v2/customers/74050", "https://d2/api/v2/customers/***"),
        ("https://kp/api/v1/personen/KP-0012345", "https://kp/api/v1/personen/***"),
        ("https://d2/api/v2/vehicles?plate=1-ABC-123", "https://d2/api/v2/vehicles?plate=***"),
        ("https://d2/api/v2/oauth/token", "https://d2/api/v2/oauth/token"),
    ],
)
def test_ids_in_the_path_are_hidden_too(url: str, shown: str) -> None:
    assert redacted_url(httpx.URL(url)) == shown


def test_the_filter_redacts_httpx_records_of_our_requests() -> None:
    made = record(
        logging.INFO, 'HTTP Request: %s %s "%s %d %s"', "GET", SEARCH, "HTTP/1.1", 200, "OK"
    )
    with sending():
        assert PersonalDataFilter().filter(made)
    assert "Goderis" not in made.getMessage()
    assert "customers?name=***" in made.getMessage()


def test_the_filter_leaves_other_requests_records_alone() -> None:
    made = record(logging.INFO, "HTTP Request: %s %s", "GET", SEARCH)
    assert PersonalDataFilter().filter(made)
    assert "Goderis" in made.getMessage()


def test_the_filter_drops_httpcore_response_headers_of_our_requests() -> None:
    headers = (
        "receive_response_headers.complete return_value="
        "(b'HTTP/1.1', 201, [(b'location', b'/customers/100001')])"
    )
    made = record(logging.DEBUG, headers, name="httpcore.http11")
    with sending():
        PersonalDataFilter().filter(made)
    assert made.getMessage() == "receive_response_headers.complete return_value=***"


@pytest.mark.parametrize("name", ["hpack.hpack", "hpack.table"])
def test_hpack_records_of_our_http2_requests_keep_only_their_first_word(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """hpack logs, at DEBUG, every header it encodes: the query and the KP key among them."""
    import driver2_kp._client  # noqa: F401 - installs the filter

    headers = [(b":path", b"/api/v1/personen?nachname=Goderis"), (b"x-api-key", b"kp-key")]
    caplog.set_level(logging.DEBUG, logger=name)
    with sending():
        logging.getLogger(name).debug("Encoding %s", headers)
    logging.getLogger(name).debug("Encoding %s", [(b":path", b"/elsewhere?q=kept")])
    assert [r.getMessage() for r in caplog.records] == [
        "Encoding ***",
        "Encoding [(b':path', b'/elsewhere?q=kept')]",
    ]


def test_opting_in_shows_values_at_debug_but_never_at_info() -> None:
    log_personal_data(True)
    debug = record(logging.DEBUG, "%s", SEARCH)
    info = record(logging.INFO, "%s", SEARCH)
    with sending():
        PersonalDataFilter().filter(debug)
        PersonalDataFilter().filter(info)
    assert "Goderis" in debug.getMessage()
    assert "Goderis" not in info.getMessage()


def test_the_filter_is_on_the_httpx_and_httpcore_loggers_once_a_client_module_is_loaded() -> None:
    import driver2_kp._client  # noqa: F401 - installs the filter

    for name in ("httpx", "httpcore.http11", "httpcore.connection"):
        assert any(isinstance(f, PersonalDataFilter) for f in logging.getLogger(name).filters)
