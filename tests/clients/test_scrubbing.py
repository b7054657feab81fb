"""No cassette holds a sandbox secret, a token, or the port the sandbox happened to have.

Reads the committed cassettes (as text, and as vcrpy loads them); needs no
sandbox and makes no request, so it runs the same in every mode.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final

import pytest
from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

from driver2_kp.sandbox import CLIENT_SECRET, KP_API_KEY, KP_API_KEY_WITHOUT_RIGHTS

CASSETTES: Final = Path(__file__).parent / "cassettes"
LEAKS: Final = re.compile(
    "|".join(
        [
            re.escape(CLIENT_SECRET),
            re.escape(KP_API_KEY),  # also the start of KP_API_KEY_WITHOUT_RIGHTS
            r"sbx\.",  # the sandbox's access tokens
            r"Bearer\s+(?!REDACTED\b|redacted-token-[0-9]+\b|error=)[^\s'\"]+",
            r"127\.0\.0\.1",  # the recording sandbox's origin: cassettes must not depend on it
        ]
    )
)


def leaks(text: str) -> list[str]:
    """Every secret, token or local origin in ``text``."""
    return LEAKS.findall(text)


def _cassettes() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml"))


def _loaded_text(path: Path) -> str:
    """The cassette's requests and responses as vcrpy loads them: bodies decoded."""
    requests, responses = deserialize(path.read_text(encoding="utf-8"), yamlserializer)
    parts: list[Any] = []
    for request, response in zip(requests, responses, strict=True):
        parts += [request.uri, dict(request.headers), request.body]
        parts += [response["headers"], response["body"]["string"]]
    return " ".join(
        part.decode("utf-8", "replace") if isinstance(part, bytes) else str(part) for part in parts
    )


@pytest.mark.parametrize(
    "text",
    [
        "client_secret=" + CLIENT_SECRET,
        "x-api-key: " + KP_API_KEY,
        "X-API-Key: " + KP_API_KEY_WITHOUT_RIGHTS,
        '{"access_token": "sbx.Zk3Q"}',
        "Authorization: Bearer eyJhbGciOi",
        "host: 127.0.0.1:8765",
    ],
)
def test_the_leak_detector_finds_a_secret(text: str) -> None:
    assert leaks(text)


def test_the_leak_detector_accepts_what_scrubbing_leaves() -> None:
    scrubbed = (
        "client_secret=REDACTED Authorization: Bearer REDACTED X-API-Key: REDACTED "
        '{"access_token": "redacted-token-1", "token_type": "Bearer", "expires_in": 3600} '
        'Bearer redacted-token-2 Bearer error="invalid_token" uri: http://sandbox.test/driver2/api/v2/customers'
    )
    assert leaks(scrubbed) == []


def test_the_cassettes_are_there() -> None:
    names = {path.parent.name for path in _cassettes()}
    assert {"test_driver2_sync", "test_driver2_async", "test_kp_sync", "test_kp_async"} <= names


@pytest.mark.parametrize("path", _cassettes(), ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_no_cassette_holds_a_secret_a_token_or_the_local_origin(path: Path) -> None:
    assert leaks(path.read_text(encoding="utf-8")) == []
    assert leaks(_loaded_text(path)) == []
