"""Test-suite wide configuration: pytester, to run users' suites against our plugin."""

pytest_plugins = ["pytester"]
