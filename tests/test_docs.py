"""The README documents everything the plugin registers, so the docs cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import pytest_ssot
from pytest_ssot import fixtures, fixtures_async
from pytest_ssot.config.schema import ROOT_KEYS, TARGET_KEYS, THRESHOLD_KEYS
from pytest_ssot.plugin import MARKERS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```", 2)[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["./scripts/demo", "./scripts/test"]


def test_every_option_is_documented(pytester):
    help_text = pytester.runpytest("-p", "ssot", "--help").stdout.str()
    options = set(re.findall(r"--ssot-[a-z-]+", help_text))
    assert options, "the plugin registered no --ssot- option"
    missing = sorted(o for o in options if o not in README)
    assert not missing, f"options missing from README: {missing}"


@pytest.mark.parametrize("table", [ROOT_KEYS, TARGET_KEYS, THRESHOLD_KEYS], ids=["root", "target", "thresholds"])
def test_every_configuration_key_is_documented(table):
    missing = sorted(key for key in table if f"`{key}`" not in README)
    assert not missing, f"keys missing from README: {missing}"


def test_every_marker_is_documented():
    for line in MARKERS:
        name = line.split(":")[0]
        assert f"`{name}`" in README, name


def test_every_fixture_is_documented():
    names = [name for module in (fixtures, fixtures_async) for name, obj in vars(module).items()
             if hasattr(obj, "_fixture_function_marker") or type(obj).__name__ == "FixtureFunctionDefinition"]
    assert "ssot_client_factory" in names
    assert names
    missing = sorted(n for n in names if f"`{n}`" not in README)
    assert not missing, f"fixtures missing from README: {missing}"


def test_every_public_name_is_documented_and_importable():
    for name in pytest_ssot.__all__:
        if name.startswith("__"):
            continue
        assert getattr(pytest_ssot, name) is not None
        assert f"`{name}" in README, name


def test_every_cli_subcommand_is_documented():
    from pytest_ssot.cli import COMMANDS

    assert COMMANDS
    for name in COMMANDS:
        assert f"ssot {name}" in README, name
