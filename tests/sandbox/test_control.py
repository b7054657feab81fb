"""The /_sandbox control endpoints and the gate: log, config, tokens, faults, concurrency."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from driver2_kp.sandbox import FIXED, FaultScript, Sandbox, SandboxConfig, SandboxError

from .conftest import fetch_token


def test_reset_restores_the_seeded_data(driver2: httpx.Client, driver2_kp_sandbox: Sandbox) -> None:
    body = {
        "legalForm": "natural_person",
        "name": "Nieuw",
        "address": {"country": "BE"},
        "language": "nl-BE",
        "customerType": "private",
    }
    created = driver2.post("/customers", json=body, headers={"Idempotency-Key": "reset-test"})
    assert created.status_code == 201
    driver2_kp_sandbox.reset()
    assert driver2.get(created.headers["location"]).status_code == 401  # tokens are gone too
    fresh = {"Authorization": f"Bearer {fetch_token(driver2_kp_sandbox)}"}
    assert driver2.get(created.headers["location"], headers=fresh).status_code == 404


def test_reset_waits_for_requests_still_in_flight_to_leave(
    driver2: httpx.Client, driver2_kp_sandbox: Sandbox
) -> None:
    driver2_kp_sandbox.configure(driver2_latency=0.5, jitter=0.0)
    with pytest.raises(httpx.ReadTimeout):  # given up on; the sandbox still serves it
        driver2.get("/customers", params={"name": "Goderis"}, timeout=0.05)
    driver2_kp_sandbox.reset()
    driver2_kp_sandbox.configure(driver2_latency=0.0)
    fresh = {"Authorization": f"Bearer {fetch_token(driver2_kp_sandbox)}"}
    assert driver2.get("/customers", params={"name": "Goderis"}, headers=fresh).is_success
    search = driver2_kp_sandbox.requests("driver2")[-1]
    assert search.in_flight == 1  # the abandoned request had left before the reset


def test_request_log_records_every_request_with_secrets_masked(
    driver2: httpx.Client, kp: httpx.Client, driver2_kp_sandbox: Sandbox
) -> None:
    driver2.get("/customers", params={"name": "Goderis"})
    kp.get("/personen", params={"nachname": "Peeters", "plz": "2000"})
    token_call, search, kp_search = driver2_kp_sandbox.requests()
    assert token_call.path == "/oauth/token"
    assert token_call.body == {
        "grant_type": "client_credentials",
        "client_id": "sandbox-client",
        "client_secret": "***",
    }
    assert (search.service, search.method, search.path) == ("driver2", "GET", "/customers")
    assert search.query == {"name": "Goderis"}
    assert search.headers["authorization"] == "Bearer ***"
    assert search.status == 200
    assert kp_search.service == "kp"
    assert kp_search.query == {"nachname": "Peeters", "plz": "2000"}
    assert kp_search.headers["x-api-key"] == "***"
    assert [r.seq for r in driver2_kp_sandbox.requests()] == [1, 2, 3]


def test_request_log_filters_by_service(
    driver2: httpx.Client, kp: httpx.Client, driver2_kp_sandbox: Sandbox
) -> None:
    kp.get(f"/personen/{FIXED.goderis_kp_id}")
    driver2.get(f"/customers/{FIXED.goderis_customer_number}")
    assert [r.path for r in driver2_kp_sandbox.requests("kp")] == [
        f"/personen/{FIXED.goderis_kp_id}"
    ]


def test_request_log_keeps_a_create_body_to_prove_what_was_sent(
    driver2: httpx.Client, driver2_kp_sandbox: Sandbox
) -> None:
    body = {"legalForm": "natural_person", "vatNumber": None}
    driver2.post("/customers", json=body, headers={"Idempotency-Key": "log-body"})
    (create,) = driver2_kp_sandbox.requests("driver2")[1:]
    assert create.body == body
    assert create.status == 422


def test_config_changes_at_run_time_and_is_read_back(driver2_kp_sandbox: Sandbox) -> None:
    config = driver2_kp_sandbox.configure(token_ttl=5, fault_rate=0.5)
    assert (config.token_ttl, config.fault_rate) == (5, 0.5)
    shown = httpx.get(driver2_kp_sandbox.url + "/_sandbox/config").json()
    assert (shown["token_ttl"], shown["fault_rate"], shown["seed"]) == (5, 0.5, 42)


def test_config_accepts_the_flag_spelling(driver2_kp_sandbox: Sandbox) -> None:
    response = httpx.put(driver2_kp_sandbox.url + "/_sandbox/config", json={"kp-latency": 0.25})
    assert response.status_code == 200
    assert response.json()["kp_latency"] == 0.25


@pytest.mark.parametrize(
    "change",
    [{"seed": 1}, {"jitter": 2}, {"max_concurrency": 0}, {"token_ttl": "long"}, {"nope": 1}],
)
def test_config_refuses_start_only_unknown_or_bad_values(
    driver2_kp_sandbox: Sandbox, change: dict[str, object]
) -> None:
    response = httpx.put(driver2_kp_sandbox.url + "/_sandbox/config", json=change)
    assert response.status_code == 400
    assert response.json()["error"]


def test_token_ttl_is_the_expiry_of_issued_tokens(driver2_kp_sandbox: Sandbox) -> None:
    driver2_kp_sandbox.configure(token_ttl=7)
    response = httpx.post(
        driver2_kp_sandbox.driver2_url + "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
        },
    )
    assert response.json()["expires_in"] == 7


def test_expire_tokens_makes_every_issued_token_fail(
    driver2: httpx.Client, driver2_kp_sandbox: Sandbox
) -> None:
    assert driver2.get(f"/customers/{FIXED.goderis_customer_number}").status_code == 200
    driver2_kp_sandbox.expire_tokens()
    expired = driver2.get(f"/customers/{FIXED.goderis_customer_number}")
    assert expired.status_code == 401
    assert expired.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_scripted_faults_hit_the_next_matching_requests_only(
    kp: httpx.Client, driver2_kp_sandbox: Sandbox
) -> None:
    driver2_kp_sandbox.script_faults(
        FaultScript(service="kp", method="GET", path="/personen/*", status=503, times=2)
    )
    assert kp.get("/personen", params={"nachname": "Peeters"}).status_code == 200
    statuses = [kp.get(f"/personen/{FIXED.goderis_kp_id}").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert [r.fault for r in driver2_kp_sandbox.requests()] == [None, "503", "503", None]


def test_faults_are_listed_and_cleared(driver2_kp_sandbox: Sandbox) -> None:
    script = FaultScript(service="driver2", method="post", path="/customers", fault="drop")
    driver2_kp_sandbox.script_faults(script)
    listed = httpx.get(driver2_kp_sandbox.url + "/_sandbox/faults").json()["faults"]
    assert listed == [{**script.to_json(), "method": "POST"}]
    driver2_kp_sandbox.script_faults()
    assert httpx.get(driver2_kp_sandbox.url + "/_sandbox/faults").json()["faults"] == []


@pytest.mark.parametrize(
    "script",
    [
        {"service": "ldap"},
        {"service": "kp", "fault": "explode"},
        {"service": "kp", "status": 404},
        {"service": "kp", "times": 0},
        {"service": "kp", "colour": "red"},
        "503",
    ],
)
def test_faults_refuse_a_bad_script(driver2_kp_sandbox: Sandbox, script: object) -> None:
    response = httpx.put(driver2_kp_sandbox.url + "/_sandbox/faults", json=[script])
    assert response.status_code == 400
    assert response.json()["error"]


def test_a_dropped_connection_gives_the_client_no_answer(
    kp: httpx.Client, driver2_kp_sandbox: Sandbox
) -> None:
    driver2_kp_sandbox.script_faults(FaultScript(service="kp", fault="drop"))
    with pytest.raises(httpx.RemoteProtocolError):
        kp.get(f"/personen/{FIXED.goderis_kp_id}")
    (dropped,) = driver2_kp_sandbox.requests()
    assert (dropped.status, dropped.fault) == (None, "drop")
    assert kp.get(f"/personen/{FIXED.goderis_kp_id}").status_code == 200


def test_a_delay_fault_still_answers(kp: httpx.Client, driver2_kp_sandbox: Sandbox) -> None:
    driver2_kp_sandbox.script_faults(FaultScript(service="kp", fault="delay", seconds=0.01))
    assert kp.get(f"/personen/{FIXED.goderis_kp_id}").status_code == 200
    assert driver2_kp_sandbox.requests()[0].fault == "delay"


def test_a_trickle_fault_sends_the_whole_answer_16_bytes_at_a_time(
    kp: httpx.Client, driver2_kp_sandbox: Sandbox
) -> None:
    driver2_kp_sandbox.script_faults(FaultScript(service="kp", fault="trickle", seconds=0.001))
    chunks = []
    with kp.stream("GET", f"/personen/{FIXED.goderis_kp_id}") as answer:
        chunks = list(answer.iter_raw())
        body = b"".join(chunks)
    assert answer.status_code == 200
    assert httpx.Response(200, content=body).json()["kpId"] == FIXED.goderis_kp_id
    assert len(chunks) > 1
    assert driver2_kp_sandbox.requests()[0].fault == "trickle"


def test_the_peak_in_flight_counts_only_requests_that_overlapped(
    driver2_kp_sandbox: Sandbox,
) -> None:
    token = fetch_token(driver2_kp_sandbox)  # one request, alone
    driver2_kp_sandbox.configure(driver2_latency=0.2, jitter=0.0)
    assert asyncio.run(_search_concurrently(driver2_kp_sandbox, token, 3)) == [200] * 3
    assert driver2_kp_sandbox.peak_in_flight("driver2") == 3
    logged = driver2_kp_sandbox.requests("driver2")
    assert all(r.arrived is not None and r.left is not None for r in logged)
    assert sorted(r.in_flight or 0 for r in logged if r.path == "/customers") == [1, 2, 3]


def test_fault_rate_one_makes_every_request_a_transient_fault(
    kp: httpx.Client, driver2_kp_sandbox: Sandbox
) -> None:
    driver2_kp_sandbox.configure(fault_rate=1.0)
    outcomes: set[object] = set()
    for _ in range(40):
        try:
            response = kp.get(f"/personen/{FIXED.goderis_kp_id}")
        except httpx.RemoteProtocolError:
            outcomes.add("drop")
            continue
        outcomes.add(response.status_code)
        if response.status_code in (429, 503):
            assert response.headers["retry-after"] == "1"
    assert outcomes == {429, 502, 503, 504, "drop"}


def test_fault_rate_zero_makes_no_fault(kp: httpx.Client, driver2_kp_sandbox: Sandbox) -> None:
    statuses = {kp.get(f"/personen/{FIXED.goderis_kp_id}").status_code for _ in range(20)}
    assert statuses == {200}
    assert {r.fault for r in driver2_kp_sandbox.requests()} == {None}


async def _search_concurrently(sandbox: Sandbox, token: str, count: int) -> list[int]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(
        base_url=sandbox.driver2_url, headers=headers, limits=limits, timeout=60
    ) as client:
        responses = await asyncio.gather(
            *(client.get("/customers", params={"name": "Peeters"}) for _ in range(count))
        )
    return [r.status_code for r in responses]


def test_latency_does_not_block_other_requests(driver2_kp_sandbox: Sandbox) -> None:
    # 50 requests of 2 s each: only if all 50 wait at once does the 50th exceed a
    # limit of 49 in flight. Served one after another, none would be refused.
    token = fetch_token(driver2_kp_sandbox)
    driver2_kp_sandbox.configure(driver2_latency=2.0, jitter=0.0, max_concurrency=49)
    statuses = asyncio.run(_search_concurrently(driver2_kp_sandbox, token, 50))
    assert sorted(statuses) == [200] * 49 + [429]


def test_above_max_concurrency_driver2_answers_429_with_retry_after(
    driver2_kp_sandbox: Sandbox,
) -> None:
    token = fetch_token(driver2_kp_sandbox)
    driver2_kp_sandbox.configure(driver2_latency=2.0, jitter=0.0, max_concurrency=3)
    statuses = asyncio.run(_search_concurrently(driver2_kp_sandbox, token, 5))
    assert sorted(statuses) == [200, 200, 200, 429, 429]
    refused = [r for r in driver2_kp_sandbox.requests() if r.status == 429]
    assert {r.fault for r in refused} == {"max-concurrency"}


def test_sandbox_settings_point_at_the_running_server(driver2_kp_sandbox: Sandbox) -> None:
    settings = driver2_kp_sandbox.settings
    assert settings.driver2_base_url == driver2_kp_sandbox.driver2_url
    assert settings.kp_base_url.startswith("http://127.0.0.1:")
    assert settings.kp_base_url.endswith("/kp/api/v1")
    assert settings.kp_api_key.reveal() == "sandbox-key"
    assert "sandbox" not in repr(settings).replace("sandbox-client", "")


def test_a_stopped_sandbox_says_so() -> None:
    sandbox = Sandbox(SandboxConfig(customers=10, persons=10))
    with pytest.raises(SandboxError, match="not running"):
        _ = sandbox.driver2_url
    with pytest.raises(SandboxError, match="not running"):
        sandbox.reset()


def test_a_sandbox_serves_its_own_seed_and_size() -> None:
    with Sandbox(seed=7, customers=20, persons=30, driver2_latency=0) as sandbox:
        token = fetch_token(sandbox)
        response = httpx.get(
            sandbox.driver2_url + "/customers",
            params={"country": "BE"},
            headers={"Authorization": f"Bearer {token}"},
        )
        kp_total = httpx.get(
            sandbox.kp_url + "/personen",
            params={"nachname": "Peeters", "limit": 100},
            headers={"X-API-Key": "sandbox-key"},
        )
    assert response.json()["totalItems"] <= 20
    assert kp_total.json()["gesamt"] < 30
    assert sandbox.url == ""
