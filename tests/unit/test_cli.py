from __future__ import annotations

import pytest

from driver2_kp import _cli


def test_demo_tours_the_lookup_rules_on_the_fixed_records(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _cli.main(["demo"]) == 0
    shown = capsys.readouterr().out
    assert "driver   74050  Goderis" in shown
    assert "Goderis  Thiemen   74050   KP-0012345" in shown
    assert "1 found in KP" in shown
    assert "not forwarded to KP: email" in shown
    assert "imported; Driver2 number" in shown
    assert "VAT BE0403019261" in shown
    assert "not imported (Driver2 POST /customers: 422" in shown
    assert "CriteriaError: last_name:" in shown
    assert "CriteriaError: role:" in shown
    assert "... searching Driver2 (attempt 1)" in shown
    assert "sandbox-secret" not in shown
    assert "sandbox-key" not in shown


def test_sandbox_flags_default_to_the_sandbox_config(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        _cli.main(["sandbox", "--help"])
    assert exit_.value.code == 0
    shown = capsys.readouterr().out
    for flag in ("--driver2-latency", "--max-concurrency", "--token-ttl", "--db", "--port"):
        assert flag in shown
    assert "(default: 1.5)" in shown


def test_sandbox_refuses_a_bad_flag_value_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli.main(["sandbox", "--fault-rate", "2"]) == 2
    assert "fault_rate must be between 0 and 1" in capsys.readouterr().err


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        _cli.main([])
    assert exit_.value.code == 2
    assert "COMMAND" in capsys.readouterr().err
