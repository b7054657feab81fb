import httpx

from driver2_kp.sandbox import FIXED, Sandbox


def test_fixture_serves_the_fixed_driver2_customer(driver2: httpx.Client) -> None:
    response = driver2.get(f"/customers/{FIXED.goderis_customer_number}")
    assert response.status_code == 200
    assert response.json()["name"] == "Goderis"


def test_fixture_serves_the_fixed_kp_person(kp: httpx.Client) -> None:
    response = kp.get(f"/personen/{FIXED.ann_peeters_kp_id}")
    assert response.status_code == 200
    assert (response.json()["vorname"], response.json()["nachname"]) == ("Ann", "Peeters")


def test_fixture_starts_each_test_with_an_empty_log(driver2_kp_sandbox: Sandbox) -> None:
    assert driver2_kp_sandbox.requests() == []
