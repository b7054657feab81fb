"""The ways users start the sandbox: the command line and the pytest plugin."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
import pytest

from driver2_kp.sandbox import FIXED, KP_API_KEY

COMMAND = "from driver2_kp._command import main; raise SystemExit(main())"


def test_the_sandbox_command_prints_urls_and_credentials_and_serves_until_interrupted() -> None:
    args = ["sandbox", "--port", "0", "--customers", "10", "--persons", "10", "--kp-latency", "0"]
    with subprocess.Popen(
        [sys.executable, "-c", COMMAND, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        assert server.stdout is not None
        banner = [server.stdout.readline() for _ in range(4)]
        try:
            assert "sandbox-client" in banner[0]
            assert "sandbox-secret" in banner[0]
            assert "sandbox-key" in banner[1]
            kp_url = banner[1].split()[1]
            assert kp_url.startswith("http://127.0.0.1:")
            assert kp_url.endswith("/kp/api/v1")
            person = httpx.get(
                f"{kp_url}/personen/{FIXED.ann_peeters_kp_id}", headers={"X-API-Key": KP_API_KEY}
            )
            assert person.json()["nachname"] == "Peeters"
        finally:
            server.send_signal(signal.SIGINT)
            _, errors = server.communicate(timeout=30)
        assert server.returncode == 0
        assert "Traceback" not in errors


def test_users_test_suites_get_the_sandbox_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_finds_ann_peeters(driver2_kp_sandbox):
            settings = driver2_kp_sandbox.settings
            response = httpx.get(
                settings.kp_base_url + "/personen/KP-0020001",
                headers={"X-API-Key": settings.kp_api_key.reveal()},
            )
            assert response.json()["vorname"] == "Ann"

        def test_starts_each_test_from_a_clean_log(driver2_kp_sandbox):
            assert driver2_kp_sandbox.requests() == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


# pytest with the sandbox extra hidden: its plugin loads in every run of an
# environment that has driver2-kp, with the extra or without.
WITHOUT_THE_EXTRA = (
    "import sys; sys.modules['starlette'] = None; import pytest; "
    "raise SystemExit(pytest.main(['-p', 'no:cacheprovider']))"
)


def test_a_test_suite_without_the_sandbox_extra_still_runs(pytester: pytest.Pytester) -> None:
    """Only a test that asks for the fixture fails, and it says how to install the extra."""
    pytester.makepyfile(
        """
        def test_of_the_users_own():
            assert True

        def test_asking_for_the_sandbox(driver2_kp_sandbox):
            pass
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", WITHOUT_THE_EXTRA],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.stdout + run.stderr
    assert "1 passed, 1 error" in run.stdout
    assert "pip install 'driver2-kp[sandbox]'" in run.stdout
