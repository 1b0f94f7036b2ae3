"""Inert unless configured; tiers selected by -m and by --ssot-tier; staging skip."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

MIXED = """
import pytest
from pytest_ssot import SSOTViolation

@pytest.mark.unit
@pytest.mark.ssot_issue(824)
def test_violation():
    raise SSOTViolation("boom")

@pytest.mark.integration
@pytest.mark.ssot_issue(824, guard=True)
def test_guard():
    pass

@pytest.mark.staging
def test_staging():
    pass

def test_plain_fail():
    assert 0

@pytest.mark.xfail
def test_xfail():
    assert 0

@pytest.mark.skip(reason="later")
def test_skip():
    pass
"""


def _normalised(output: str) -> list[str]:
    """Output lines without timings and the plugin list, which name the run itself."""
    lines = []
    for line in output.splitlines():
        if line.startswith(("plugins:", "rootdir:", "platform ")):
            continue
        lines.append(re.sub(r"in \d+\.\d+s", "in Xs", line))
    return lines


def test_unconfigured_run_matches_a_run_without_the_plugin(pytester):
    # register the markers in the ini for both runs, so the run without the
    # plugin does not warn about them: the comparison is then line for line
    pytester.makeini(
        "[pytest]\nmarkers =\n    unit\n    integration\n    staging\n    ssot_issue\n"
    )
    pytester.makepyfile(test_mixed=MIXED)
    with_plugin = pytester.runpytest_subprocess("-p", "ssot", "-rA")
    without = pytester.runpytest_subprocess("-p", "no:ssot", "-rA")
    assert with_plugin.parseoutcomes() == {"failed": 2, "passed": 2, "xfailed": 1, "skipped": 1}
    assert without.parseoutcomes() == with_plugin.parseoutcomes()
    assert with_plugin.ret == without.ret == pytest.ExitCode.TESTS_FAILED
    assert _normalised(with_plugin.stdout.str()) == _normalised(without.stdout.str())


def test_unconfigured_run_under_strict_markers_knows_the_markers(pytester):
    pytester.makepyfile(test_mixed=MIXED)
    result = pytester.runpytest_subprocess("-p", "ssot", "--strict-markers")
    assert result.parseoutcomes() == {"failed": 2, "passed": 2, "xfailed": 1, "skipped": 1}
    assert "not found in `markers` configuration option" not in result.stdout.str()


def test_markers_are_registered_even_when_unconfigured(pytester):
    result = pytester.runpytest_subprocess("-p", "ssot", "--markers")
    for name in ("unit:", "integration:", "staging:", "ssot_issue(number, guard=False, title=None):"):
        result.stdout.fnmatch_lines([f"@pytest.mark.{name}*"])


def test_unconfigured_run_imports_no_heavy_module(pytester):
    pytester.makepyfile(test_one="def test_one(): pass\n")
    script = (
        "import sys, pytest\n"
        "code = pytest.main(['-q', '-p', 'ssot', '-p', 'no:cacheprovider'])\n"
        "ours = sorted(m for m in sys.modules if m.startswith('pytest_ssot'))\n"
        "print('LOADED', ours)\n"
        "print('WEBSOCKETS', 'websockets' in sys.modules)\n"
        "sys.exit(code)\n"
    )
    env_run = subprocess.run([sys.executable, "-c", script], cwd=pytester.path, capture_output=True, text=True,
                             env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PATH": "/usr/bin:/bin"})
    assert env_run.returncode == 0, env_run.stdout + env_run.stderr
    loaded = eval(env_run.stdout.split("LOADED ", 1)[1].splitlines()[0])
    # an unconfigured run decides so without the configuration code (pytest_ssot.config.activation)
    # (pytest_ssot.config itself is the layer folder's __init__: a docstring, no import)
    assert set(loaded) <= {"pytest_ssot", "pytest_ssot.plugin", "pytest_ssot.fixtures", "pytest_ssot.hookspecs",
                           "pytest_ssot.config", "pytest_ssot.config.activation"}, loaded
    assert "pytest_ssot.report.build" not in loaded
    assert "WEBSOCKETS False" in env_run.stdout


def test_dash_p_ssot_works_with_autoload_disabled(pytester, monkeypatch):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile(test_one="import pytest\n@pytest.mark.ssot_issue(824)\ndef test_one(): pass\n")
    result = pytester.runpytest_subprocess("-p", "ssot", "--ssot-issue=824=resolved", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["ssot: target none; issues 824=resolved*"])


TIERED = """
import pytest

@pytest.mark.unit
def test_u(): pass

@pytest.mark.integration
def test_i(): pass

@pytest.mark.staging
def test_s(): pass

def test_untiered(): pass
"""


def test_tier_selection_with_dash_m(pytester):
    pytester.makepyfile(test_t=TIERED)
    result = pytester.runpytest("-p", "ssot", "--ssot-report=ssot.json", "-m", "unit or integration", "-v")
    result.assert_outcomes(passed=2, deselected=2)


@pytest.mark.parametrize(
    "args, env, passed, deselected",
    [
        (["--ssot-tier=unit"], None, ["test_u"], 3),
        (["--ssot-tier=unit,integration"], None, ["test_u", "test_i"], 2),
        (["--ssot-tier=unit", "--ssot-tier=integration"], None, ["test_u", "test_i"], 2),
        (["--ssot-report=ssot.json"], "integration", ["test_i"], 3),
    ],
)
def test_tier_selection_with_ssot_tier(pytester, monkeypatch, args, env, passed, deselected):
    if env:
        monkeypatch.setenv("SSOT_TIER", env)
    pytester.makepyfile(test_t=TIERED)
    result = pytester.runpytest("-p", "ssot", "-v", *args)
    result.assert_outcomes(passed=len(passed), deselected=deselected)
    for name in passed:
        result.stdout.fnmatch_lines([f"*::{name} PASSED*"])


def test_staging_is_skipped_with_a_reason_naming_the_option(pytester):
    pytester.makepyfile(test_t=TIERED)
    result = pytester.runpytest("-p", "ssot", "--ssot-report=ssot.json", "-rs")
    result.assert_outcomes(passed=3, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED*staging tier: no staging URL; pass --ssot-staging-url URL*"])


def test_staging_runs_when_a_url_is_given(pytester, monkeypatch):
    monkeypatch.setenv("SSOT_STAGING_URL", "ws://127.0.0.1:9/ws")
    pytester.makepyfile(test_t=TIERED)
    result = pytester.runpytest("-p", "ssot", "--ssot-tier=staging", "-v")
    result.assert_outcomes(passed=1, deselected=3)
