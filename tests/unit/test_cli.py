from __future__ import annotations

import csv
import json
import shlex
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from driver2_kp import MATCH_COLUMNS, CustomerLookup, SearchCriteria, Settings, _cli
from driver2_kp._cli import ExitCode, cli, shell_exports
from driver2_kp._cli._common import Spinner
from driver2_kp.sandbox import CLIENT_ID, CLIENT_SECRET, FIXED, KP_API_KEY, Sandbox


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def printed(*args: str) -> str:
    """What a command that succeeds prints: on stdout, with nothing on stderr."""
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def one_line_error(result: Result) -> str:
    """The error a failed command printed: one line on stderr, nothing on stdout."""
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def configured(sandbox_env: Settings, driver2_kp_sandbox: Sandbox) -> Sandbox:
    """The environment points at the session's sandbox, as Settings.from_env reads it."""
    return driver2_kp_sandbox


# --- help ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["", "search", "vehicle", "import", "match", "sandbox", "demo"])
def test_every_command_s_help_shows_an_example(command: str) -> None:
    result = run(*command.split(), "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert f"driver2-kp {command}".strip() + " " in result.stdout.split("Example", 1)[1]


def test_the_help_documents_the_exit_codes() -> None:
    shown = printed("--help")
    for code in ExitCode:
        assert f"  {code.value} " in shown


def test_python_m_driver2_kp_is_the_same_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "driver2_kp", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("Usage: driver2-kp ")
    for command in ("search", "vehicle", "import", "match", "sandbox", "demo"):
        assert f"  {command} " in done.stdout


def test_main_returns_the_exit_status_without_exiting() -> None:
    assert _cli.main(["--version"]) == 0
    assert _cli.main(["search", "--no-such-flag"]) == ExitCode.USAGE


def test_a_command_is_required() -> None:
    result = run()
    assert result.exit_code == ExitCode.USAGE
    assert result.stdout == ""
    assert "Usage: driver2-kp [OPTIONS] COMMAND" in result.stderr


# --- search -------------------------------------------------------------------------------


def test_search_prints_the_faq_result_table(configured: Sandbox) -> None:
    result = run("search", "--last-name", "Goderis", "--postcode", "9000")
    assert result.exit_code == 0, result.stderr
    header, _, row, *notes = result.stdout.splitlines()
    assert header.split() == [
        "Naam",
        "Voornaam",
        "Nummer",
        "Postcode",
        "Tel",
        "E-mail",
        "BTW-nummer",
    ]
    assert row.split()[:4] == ["Goderis", "Thiemen", FIXED.goderis_customer_number, "9000"]
    assert "1 found in Driver2, page 1 of 1." in notes


def test_search_sandbox_json_finds_goderis_with_no_configuration(
    clean_env: pytest.MonkeyPatch,
) -> None:
    result = run("search", "--sandbox", "--last-name", "Goderis", "--postcode", "9000", "--json")
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)  # stdout holds the JSON and nothing else
    assert answer["source"] == "driver2"
    assert answer["total"] == 1
    (goderis,) = answer["candidates"]
    assert goderis["driver2_number"] == "74050"
    assert goderis["first_name"] == "Thiemen"
    assert "record" not in goderis


def test_search_kp_is_the_kp_button(configured: Sandbox) -> None:
    result = run(
        "search", "--kp", "--last-name", "Peeters", "--postcode", "2000", "--phone", "03 226 00 00"
    )
    assert result.exit_code == 0, result.stderr
    assert FIXED.business_kp_id in result.stdout  # Nummer: the KP id of a KP person
    assert "found in KP" in result.stdout
    assert "Not forwarded to KP: phone." in result.stdout
    answer = json.loads(printed("search", "--kp", "--last-name", "Peeters", "--json"))
    assert answer["source"] == "kp"
    assert all(c["kp_id"] and c["driver2_number"] is None for c in answer["candidates"])


def test_search_page_shows_that_page(configured: Sandbox) -> None:
    first = json.loads(printed("search", "--last-name", "Pe", "--json"))
    second = json.loads(printed("search", "--last-name", "Pe", "--page", "2", "--json"))
    assert (first["page"], second["page"]) == (1, 2)
    assert first["pages"] > 2
    numbers = {c["driver2_number"] for c in first["candidates"]}
    assert numbers.isdisjoint(c["driver2_number"] for c in second["candidates"])


def test_search_all_shows_every_page(configured: Sandbox) -> None:
    answer = json.loads(printed("search", "--last-name", "Pe", "--all", "--json"))
    assert answer["page"] is None
    assert len(answer["candidates"]) == answer["total"] > 10
    human = printed("search", "--last-name", "Pe", "--all")
    assert f"{answer['total']} found in Driver2, all {answer['pages']} pages" in human


def test_search_page_and_all_together_is_a_usage_error(configured: Sandbox) -> None:
    result = run("search", "--last-name", "Pe", "--all", "--page", "2")
    assert result.exit_code == ExitCode.USAGE
    assert "--page or --all" in one_line_error(result)


def test_search_a_page_beyond_the_last_is_a_usage_error(configured: Sandbox) -> None:
    result = run("search", "--last-name", "Goderis", "--page", "5")
    assert result.exit_code == ExitCode.USAGE
    assert "no page beyond the last" in one_line_error(result)


def test_nobody_found_is_a_success(configured: Sandbox) -> None:
    result = run("search", "--email", "nobody@example.be")
    assert result.exit_code == 0
    assert "Nobody found in Driver2." in result.stdout
    assert "KP not searched: KP needs a last name" in result.stdout
    answer = json.loads(printed("search", "--email", "nobody@example.be", "--json"))
    assert (answer["total"], answer["candidates"]) == (0, [])


def test_missing_settings_name_the_variables_and_suggest_sandbox(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("DRIVER2_CLIENT_ID", "someone")
    result = run("search", "--last-name", "Goderis")
    assert result.exit_code == ExitCode.CONFIGURATION
    error = one_line_error(result)
    for name in ("DRIVER2_BASE_URL", "DRIVER2_CLIENT_SECRET", "KP_BASE_URL", "KP_API_KEY"):
        assert name in error
    assert "--sandbox" in error


@pytest.mark.parametrize(
    ("flags", "field"),
    [
        (["--vat-number", "BE0403019262"], "vat_number"),
        (["--country", "XX"], "country"),
        (["--last-name", "Goderis", "--role", "insurer"], "role"),
    ],
)
def test_a_bad_criterion_is_a_usage_error(
    configured: Sandbox, flags: list[str], field: str
) -> None:
    result = run("search", *flags)
    assert result.exit_code == ExitCode.USAGE
    assert f"driver2-kp search: {field}:" in one_line_error(result)


def test_no_criterion_is_a_usage_error(clean_env: pytest.MonkeyPatch) -> None:
    result = run("search")  # refused before the settings are read
    assert result.exit_code == ExitCode.USAGE
    assert "--last-name" in one_line_error(result)


def test_an_unreachable_service_is_a_service_failure(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DRIVER2_BASE_URL", "http://127.0.0.1:1/driver2/api/v2")
    clean_env.setenv("DRIVER2_CLIENT_ID", CLIENT_ID)
    clean_env.setenv("DRIVER2_CLIENT_SECRET", CLIENT_SECRET)
    clean_env.setenv("KP_BASE_URL", "http://127.0.0.1:1/kp/api/v1")
    clean_env.setenv("KP_API_KEY", KP_API_KEY)
    clean_env.setenv("DRIVER2_DEADLINE", "0.2")
    result = run("search", "--last-name", "Goderis", "--json")
    assert result.exit_code == ExitCode.SERVICE
    error = one_line_error(result)
    assert error.startswith("driver2-kp search: Driver2 ")
    assert "deadline of 0.2 s ran out" in error
    assert CLIENT_SECRET not in error


def test_a_driver2_that_answers_nothing_is_told_after_the_outage_patience(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("DRIVER2_BASE_URL", "http://127.0.0.1:1/driver2/api/v2")
    clean_env.setenv("DRIVER2_CLIENT_ID", CLIENT_ID)
    clean_env.setenv("DRIVER2_CLIENT_SECRET", CLIENT_SECRET)
    clean_env.setenv("KP_BASE_URL", "http://127.0.0.1:1/kp/api/v1")
    clean_env.setenv("KP_API_KEY", KP_API_KEY)
    clean_env.setenv("DRIVER2_OUTAGE_PATIENCE", "0.2")  # the deadline stays 300 s
    result = run("search", "--last-name", "Goderis", "--json")
    assert result.exit_code == ExitCode.SERVICE
    error = one_line_error(result)
    assert "Driver2 does not answer" in error
    assert "could not connect to 127.0.0.1:1" in error  # the cause, not the gate
    assert "gate" not in error


def test_a_failing_service_is_a_service_failure_not_nobody_found(configured: Sandbox) -> None:
    configured.configure(fault_rate=1.0)
    configured_environment = {"DRIVER2_DEADLINE": "0.3"}
    result = CliRunner(env=configured_environment).invoke(
        cli, ["search", "--last-name", "Goderis", "--postcode", "9000"]
    )
    assert result.exit_code == ExitCode.SERVICE
    assert "Goderis" not in one_line_error(result)  # no personal data in an error


def test_refused_credentials_are_a_configuration_error(configured: Sandbox) -> None:
    result = CliRunner(env={"KP_API_KEY": "wrong-key"}).invoke(
        cli, ["search", "--kp", "--last-name", "Peeters"]
    )
    assert result.exit_code == ExitCode.CONFIGURATION
    error = one_line_error(result)
    assert "KP_API_KEY" in error
    assert "wrong-key" not in error


def test_a_wrong_driver2_base_path_is_a_configuration_error(configured: Sandbox) -> None:
    wrong = configured.settings.driver2_base_url.replace("/api/v2", "/v2")
    result = CliRunner(env={"DRIVER2_BASE_URL": wrong}).invoke(
        cli, ["search", "--last-name", "Goderis"]
    )
    assert result.exit_code == ExitCode.CONFIGURATION  # fix the setting, not "try again later"
    error = one_line_error(result)
    assert "POST /oauth/token" in error
    assert "DRIVER2_BASE_URL's path looks wrong" in error


def test_ctrl_c_is_interrupted_in_one_line(
    configured: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(CustomerLookup, "search", interrupted)
    result = run("search", "--last-name", "Goderis")
    assert result.exit_code == ExitCode.INTERRUPTED
    assert result.stdout == ""
    # After a blank line that ends the terminal's ^C, as click has it.
    assert result.stderr == "\ndriver2-kp: interrupted\n"


def test_the_spinner_is_only_for_a_terminal_and_never_with_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    assert Spinner(as_json=False).console is not None
    assert Spinner(as_json=True).console is None
    monkeypatch.undo()
    assert Spinner(as_json=False).console is None  # pytest's capture: no terminal


# --- vehicle and import -------------------------------------------------------------------


def test_vehicle_prints_its_parties_by_role(configured: Sandbox) -> None:
    result = run("vehicle", FIXED.vehicle_plate)
    assert result.exit_code == 0, result.stderr
    rows = [line.split()[:2] for line in result.stdout.splitlines()[2:]]
    assert rows == [
        ["owner", "Flandria"],
        ["driver", "Goderis"],
        ["insured", "Van"],
    ]
    answer = json.loads(printed("vehicle", FIXED.vehicle_plate, "--json"))
    assert answer["found"] is True
    assert answer["parties"]["driver"]["driver2_number"] == FIXED.goderis_customer_number


def test_vehicle_by_vin_gives_the_parties_of_its_plate(configured: Sandbox) -> None:
    by_vin = json.loads(printed("vehicle", "--vin", FIXED.vehicle_vin, "--json"))
    by_plate = json.loads(printed("vehicle", FIXED.vehicle_plate, "--json"))
    assert by_vin["vin"] == FIXED.vehicle_vin
    assert by_vin["found"] is True
    assert by_vin["parties"] == by_plate["parties"]
    assert "Goderis" in printed("vehicle", "--vin", FIXED.vehicle_vin)


@pytest.mark.parametrize(
    ("flags", "shown", "said"),
    [
        (["9-ZZZ-999"], {"plate": "9-ZZZ-999"}, "Driver2 has no vehicle with the plate 9-ZZZ-999."),
        (
            ["--vin", "WVWZZZ1JZXW999999"],
            {"vin": "WVWZZZ1JZXW999999"},
            "with the VIN WVWZZZ1JZXW999999.",
        ),
    ],
)
def test_an_unknown_vehicle_is_no_error(
    configured: Sandbox, flags: list[str], shown: dict[str, str], said: str
) -> None:
    assert json.loads(printed("vehicle", *flags, "--json")) == {
        **shown,
        "found": False,
        "parties": {},
    }
    assert said in printed("vehicle", *flags)


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        ([], "give a PLATE or --vin VIN"),
        ([FIXED.vehicle_plate, "--vin", FIXED.vehicle_vin], "not both"),
    ],
)
def test_vehicle_needs_a_plate_or_a_vin(
    clean_env: pytest.MonkeyPatch, flags: list[str], said: str
) -> None:
    result = run("vehicle", *flags)  # refused before the settings are read
    assert result.exit_code == ExitCode.USAGE
    assert said in one_line_error(result)


def test_import_prints_the_imported_party_with_its_vat_number(configured: Sandbox) -> None:
    result = run("import", FIXED.business_kp_id)
    assert result.exit_code == 0, result.stderr
    assert "Imported into Driver2: customer " in result.stdout
    assert "Peeters Bouw BV" in result.stdout
    assert FIXED.business_vat_number in result.stdout
    again = json.loads(printed("import", FIXED.business_kp_id, "--json"))
    assert again["imported"] is True
    assert again["party"]["vat_number"] == FIXED.business_vat_number
    assert again["party"]["driver2_number"] in result.stdout  # the same customer, not a second


def test_import_refused_by_driver2_still_gives_the_party(configured: Sandbox) -> None:
    result = run("import", FIXED.import_rejected_kp_id, "--json")
    assert result.exit_code == 0
    answer = json.loads(result.stdout)
    assert answer["imported"] is False
    assert "422" in answer["import_error"]
    assert answer["party"]["name"] == "Dubois"


@pytest.mark.parametrize("kp_id", ["KP-9999999", "12"])
def test_import_of_no_such_kp_person_is_a_usage_error(configured: Sandbox, kp_id: str) -> None:
    result = run("import", kp_id)
    assert result.exit_code == ExitCode.USAGE
    one_line_error(result)


# --- match --------------------------------------------------------------------------------


def test_match_writes_the_csv_back_with_the_match_columns(
    configured: Sandbox, tmp_path: Path
) -> None:
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text(
        "id,Naam,first_name,postcode\n1,Godreis,Thiemen,9000\n2,Zzyzx,,\n3,Peeters,,XX\n",
        encoding="utf-8",
    )
    result = run("match", str(source), "-o", str(target), "--column", "Naam=last_name")
    assert result.exit_code == 0, result.stderr
    assert "3 rows: 1 with a best candidate" in result.stdout
    with target.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["id", "Naam", "first_name", "postcode", *MATCH_COLUMNS]
    assert rows[0]["best_driver2_number"] == FIXED.goderis_customer_number
    assert (rows[1]["source"], rows[1]["total"]) == ("kp", "0")


def test_match_to_stdout_as_json(configured: Sandbox, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("last_name,postcode\nGoderis,9000\n", encoding="utf-8")
    result = run("match", str(source), "-o", "-", "--json")
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["best_driver2_number"] == FIXED.goderis_customer_number


def test_match_warns_of_a_column_that_resembles_a_criterion_in_the_commands_words(
    configured: Sandbox, tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("last_name,postal_code\nGoderis,9000\n", encoding="utf-8")
    result = run("match", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        "driver2-kp match: warning: column 'postal_code' is not read: did you mean "
        "'postcode'? Map it with --column 'postal_code=postcode'\n"
    )
    assert "1 rows" in result.stdout


def test_match_an_input_without_criteria_columns_is_a_usage_error(
    configured: Sandbox, tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("a,b\n1,2\n", encoding="utf-8")
    result = run("match", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == ExitCode.USAGE
    error = one_line_error(result)
    assert "Invalid value for INPUT" in error
    assert "--column 'your column=last_name'" in error  # the CLI's syntax
    assert "columns=" not in error  # not Python's


@pytest.mark.parametrize(
    ("column", "said"),
    [
        (
            "Name=lastname",
            "'lastname' is no criterion (did you mean 'last_name'?); FIELD is one of",
        ),
        ("name=last_name", "INPUT has no column 'name' (did you mean 'Name'?); its columns are"),
    ],
)
def test_match_a_bad_column_flag_blames_the_flag(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, column: str, said: str
) -> None:
    source = tmp_path / "wrongcols.csv"
    source.write_text("Name,Plaats\nGoderis,Gent\n", encoding="utf-8")
    result = run("match", str(source), "-o", str(tmp_path / "x.csv"), "--column", column)
    assert result.exit_code == ExitCode.USAGE  # refused before the settings are read
    error = one_line_error(result)
    assert "Invalid value for '--column'" in error
    assert said in error
    assert "COLUMN=FIELD" not in error  # never the flag that was just used
    assert not (tmp_path / "x.csv").exists()


# --- sandbox and demo ---------------------------------------------------------------------


def test_shell_exports_configure_settings_from_env() -> None:
    settings = Settings(
        driver2_base_url="http://127.0.0.1:8765/driver2/api/v2",
        driver2_client_id=CLIENT_ID,
        driver2_client_secret=CLIENT_SECRET,
        kp_base_url="http://127.0.0.1:8765/kp/api/v1",
        kp_api_key=KP_API_KEY,
    )
    exports = shell_exports(settings)
    assert exports.splitlines()[0] == (
        "export DRIVER2_BASE_URL=http://127.0.0.1:8765/driver2/api/v2"
    )
    environ = exported(exports)
    assert list(environ) == list(Settings.ENV_VARS)
    assert Settings.from_env(environ) == settings


def exported(text: str) -> dict[str, str]:
    """The variables of ``export NAME=value`` lines, as a shell would read them."""
    return dict(shlex.split(line)[1].split("=", 1) for line in text.splitlines())


@pytest.mark.parametrize(
    ("flag", "read"),
    [("--print-env", exported), ("--json", lambda text: json.loads(text)["env"])],
)
def test_sandbox_prints_the_settings_first_then_serves_with_stdout_closed(
    flag: str, read: Callable[[str], dict[str, str]]
) -> None:
    command = [sys.executable, "-m", "driver2_kp", "sandbox", flag, "--port", "0"]
    command += ["--customers", "50", "--persons", "50", "--driver2-latency", "0"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as server:
        watchdog = threading.Timer(60, server.kill)  # whatever happens, the test ends
        watchdog.start()
        try:
            assert server.stdout is not None
            written = server.stdout.read()  # ends after the settings, as $(...) needs
            environ = read(written)
            assert list(environ) == list(Settings.ENV_VARS)
            assert ":0/" not in environ["DRIVER2_BASE_URL"]  # the port it listens on, not 0
            with CustomerLookup.from_settings(Settings.from_env(environ)) as lookup:
                found = lookup.search(SearchCriteria(last_name="Goderis", postcode="9000"))
            assert found.total == 1  # and the sandbox goes on serving
        finally:
            server.terminate()
            chatter = server.stderr.read() if server.stderr else ""
            server.wait(timeout=30)
            watchdog.cancel()
    assert "Driver2: http://127.0.0.1:" in chatter
    assert '"GET /driver2/api/v2/customers?' in chatter  # the access log, on stderr
    assert "Traceback" not in chatter


def test_sandbox_flags_default_to_the_sandbox_config() -> None:
    shown = printed("sandbox", "--help")
    for flag in ("--driver2-latency", "--max-concurrency", "--token-ttl", "--db", "--port"):
        assert flag in shown
    assert "[default: 1.5]" in shown
    assert "--print-env" in shown


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (
            ["--db", "/nonexistent/x.db", "--customers", "10", "--persons", "10"],
            "cannot open the database /nonexistent/x.db",
        ),
        (["--fault-rate", "2"], "fault_rate must be between 0 and 1"),
        (["--no-such-flag"], "No such option"),
        (["--port", "http"], "--port"),
        (["--print-env", "--json"], "--print-env or --json"),
    ],
)
def test_sandbox_refuses_a_bad_flag_in_one_line(flags: list[str], said: str) -> None:
    result = run("sandbox", *flags)
    assert result.exit_code == ExitCode.USAGE
    assert said in one_line_error(result)


def test_sandbox_on_a_busy_port_is_a_usage_error_in_one_line() -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = run("sandbox", "--port", str(port), "--customers", "10", "--persons", "10")
    assert result.exit_code == ExitCode.USAGE
    assert f"cannot listen on 127.0.0.1:{port}" in one_line_error(result)


def test_demo_tours_the_lookup_rules_on_the_fixed_records(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _cli.main(["demo"]) == 0
    shown = capsys.readouterr().out
    assert "driver   74050  Goderis" in shown
    assert "Goderis   Thiemen    74050" in shown
    assert "1 found in KP" in shown
    assert "Not forwarded to KP: email." in shown
    assert "imported; Driver2 number" in shown
    assert "VAT BE0403019261" in shown
    assert "not imported (Driver2 POST /customers: 422" in shown
    assert "CriteriaError: last_name:" in shown
    assert "CriteriaError: role:" in shown
    assert "... searching Driver2 (attempt 1)" in shown
    assert "sandbox-secret" not in shown
    assert "sandbox-key" not in shown
