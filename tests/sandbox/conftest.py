"""Fixtures for the sandbox's own tests: plain httpx clients, logged in, on a fresh sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from driver2_kp.sandbox import KP_API_KEY, Sandbox


def fetch_token(sandbox: Sandbox) -> str:
    """A fresh Driver2 access token from the sandbox."""
    return sandbox.driver2_token()


@pytest.fixture
def driver2(driver2_kp_sandbox: Sandbox) -> Iterator[httpx.Client]:
    """An httpx client on the sandbox's Driver2, with a valid bearer token."""
    headers = {"Authorization": f"Bearer {fetch_token(driver2_kp_sandbox)}"}
    with httpx.Client(base_url=driver2_kp_sandbox.driver2_url, headers=headers) as client:
        yield client


@pytest.fixture
def kp(driver2_kp_sandbox: Sandbox) -> Iterator[httpx.Client]:
    """An httpx client on the sandbox's KP, with the valid API key."""
    with httpx.Client(
        base_url=driver2_kp_sandbox.kp_url, headers={"X-API-Key": KP_API_KEY}
    ) as client:
        yield client
