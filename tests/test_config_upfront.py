"""Issue 14: every value checkable before the first test is checked then, one line each, all together, exit 4.

Values that used to pass validation and then gave false verdicts or crashes at
run time: thresholds of 0 or infinity, an interpreter that is no Python, a
staging URL with a bad port or host, an unknown issue in --ssot-issue, a report
path that cannot be written, and a malformed ledger reported only after the
other mistakes were fixed.
"""

from __future__ import annotations

import json
import os
import stat
import sys

import pytest

from pytest_ssot.config.load import CliValues, ConfigError
from pytest_ssot.configure import load_config
from tests.test_config import GOOD_TARGET, OTHER, make_project, problems_of

THRESHOLDS = OTHER + "\n[tool.ssot.targets.other.thresholds]\n"


@pytest.mark.parametrize("line, words", [
    ("max_import_paths = 0", ["max_import_paths = 0", "from 1"]),
    ("max_redundant_implementations = 0", ["max_redundant_implementations = 0", "from 1"]),
    ("max_redundant_implementations = -2", ["max_redundant_implementations = -2"]),
    ("max_import_paths = 10_000_000_000", ["max_import_paths"]),
    ("max_import_paths = true", ["max_import_paths = True"]),
    ("factory_timeout_seconds = inf", ["factory_timeout_seconds = inf", "finite"]),
    ("factory_timeout_seconds = -inf", ["factory_timeout_seconds = -inf"]),
    ("factory_timeout_seconds = nan", ["factory_timeout_seconds = nan"]),
    ("factory_timeout_seconds = 1e300", ["factory_timeout_seconds = 1e+300"]),
    ("factory_timeout_seconds = 0", ["factory_timeout_seconds = 0"]),
    ("golden_path_seconds = inf", ["golden_path_seconds = inf"]),
    ("golden_path_seconds = 0.0", ["golden_path_seconds = 0.0"]),
    ("concurrent_users = [2, 1_000_000]", ["concurrent_users"]),
    ("concurrent_users = [0]", ["concurrent_users"]),
])
def test_thresholds_that_can_never_be_met_or_overflow_are_refused(tmp_path, line, words):
    problems = problems_of(tmp_path, GOOD_TARGET.replace(OTHER, THRESHOLDS + line, 1))
    assert len(problems) == 1, problems
    assert "fix:" in problems[0] and "\n" not in problems[0]
    for word in words:
        assert word in problems[0]


def test_sensible_thresholds_still_load(tmp_path):
    toml = GOOD_TARGET.replace(OTHER, THRESHOLDS + "max_import_paths = 1\nmax_redundant_implementations = 1\n"
                               "factory_timeout_seconds = 0.5\ngolden_path_seconds = 86400\n"
                               "concurrent_users = [2, 1000]", 1).replace('target = "demo"', 'target = "other"')
    settings = load_config(make_project(tmp_path, toml), CliValues(), {})
    assert settings.target.thresholds.max_import_paths == 1


def _script(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.mark.parametrize("make", [
    lambda tmp: "/bin/true",
    lambda tmp: "/bin/false",
    lambda tmp: "true",  # found on PATH, still no Python
    lambda tmp: str(_script(tmp, "fake-python", "#!/bin/sh\necho Python 3.12.0\n")),
    lambda tmp: str(_script(tmp, "old-python", "#!/bin/sh\necho ssot-python 2 7 18\n")),
    lambda tmp: str(_script(tmp, "liar", "#!/bin/sh\necho ssot-python x y z\n")),
])
def test_an_interpreter_that_is_no_usable_python_is_refused_up_front(tmp_path, make):
    python = make(tmp_path)
    problems = problems_of(tmp_path, GOOD_TARGET.replace('package = "app.core"',
                                                         f'package = "app.core"\npython = "{python}"', 1))
    assert len(problems) == 1, problems
    assert "python = " in problems[0] and "fix:" in problems[0]
    assert "not a Python" in problems[0] or "older than" in problems[0]


def test_a_real_python_is_accepted(tmp_path):
    toml = GOOD_TARGET.replace('package = "app.core"', f'package = "app.core"\npython = "{sys.executable}"', 1)
    settings = load_config(make_project(tmp_path, toml), CliValues(), {})
    assert settings.target.python == sys.executable


BAD_URLS = ["ws://127.0.0.1:99999/ws", "ws://127.0.0.1:port/ws", "ws://127.0.0.1:-1/", "ws://127.0.0.1:0/",
            "ws://bad_host:80/", "ws://-lead.example:80/", "ws://a..b:80/", "ws://[::1/", "ws://[::zz]:80/",
            "ws://300.1.1.1:80/", "ws://:80/", "ws:///path", "ws://host name/", "ws://host\t:80/",
            "ws://user:secret@127.0.0.1:80/", "http://127.0.0.1:80/", "ws://" + "a" * 64 + ".com/"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_staging_url_that_cannot_be_connected_to_is_refused_up_front(tmp_path, url):
    problems = problems_of(tmp_path, GOOD_TARGET, CliValues(staging_url=url))
    assert len(problems) == 1, problems
    assert "--ssot-staging-url (command line)" in problems[0] and "fix:" in problems[0]
    assert "secret" not in problems[0]  # credentials are never echoed


@pytest.mark.parametrize("url", ["ws://127.0.0.1:8765/ws", "wss://staging.example.com/ws", "ws://[::1]:80/",
                                 "ws://localhost:1", "ws://host-1.internal:65535/x?y=1"])
def test_good_staging_urls_pass(url):
    from pytest_ssot.config.staging_url import staging_url_problem

    assert staging_url_problem(url) is None


def test_report_paths_that_cannot_be_written_are_refused_up_front(tmp_path):
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "a-folder").mkdir()
    for report, words in [(str(tmp_path / "a-file" / "r.json"), "is not a folder"),
                          ("/proc/ssot-report.json", "cannot write"),
                          (str(tmp_path / "a-folder"), "is a folder"),
                          (str(tmp_path / "a-file" / "deeper" / "r.json"), "is not a folder")]:
        problems = problems_of(tmp_path, GOOD_TARGET, CliValues(report=report))
        assert len(problems) == 1, (report, problems)
        assert words in problems[0] and "--ssot-report" in problems[0]
    # a folder that does not exist yet is created at the end, like --junitxml's
    assert load_config(make_project(tmp_path, GOOD_TARGET), CliValues(report=str(tmp_path / "new" / "r.json")), {})


def test_a_malformed_ledger_joins_the_other_mistakes(tmp_path):
    ledger = tmp_path / "ledger.json"
    for content in ["{not json", '{"schema_version": 7}', '{"schema_version": 2, "targets": []}',
                    '{"schema_version": 2, "targets": {"demo": {"checks": {"824": {"t.py::x": "a"}}}}}',
                    "[" * 100_000 + "]" * 100_000]:
        ledger.write_text(content)
        toml = GOOD_TARGET.replace('824 = "open"', '824 = "maybe"')
        problems = problems_of(tmp_path, toml, CliValues(baseline=str(ledger), report="/proc/x.json"))
        assert len(problems) == 3, (content[:40], problems)
        assert any("maybe" in p for p in problems)
        assert any(str(ledger) in p for p in problems)
        assert any("/proc" in p for p in problems)


def test_an_unwritable_ledger_to_update_is_refused_up_front(tmp_path):
    (tmp_path / "f").write_text("")
    problems = problems_of(tmp_path, GOOD_TARGET, CliValues(baseline=str(tmp_path / "f" / "l.json"),
                                                            baseline_update=True))
    assert len(problems) == 1 and "ledger" in problems[0]


# -- through pytest: exit 4, no test ran, every line at once

ISSUE_TEST = """
import pytest

@pytest.mark.ssot_issue(4242)
def test_own_issue():
    pass
"""


def test_everything_wrong_is_refused_before_the_first_test_in_one_list(pytester):
    make_project(pytester.path, GOOD_TARGET.replace(OTHER, THRESHOLDS + "max_import_paths = 0", 1)
                 .replace('package = "app.core"', 'package = "app.core"\npython = "/bin/true"', 1))
    (pytester.path / "ledger.json").write_text("{broken")
    pytester.makepyfile(test_x="def test_x():\n    open('ran', 'w').close()\n")
    result = pytester.runpytest("-p", "ssot", "--ssot-staging-url=ws://127.0.0.1:70000/",
                                "--ssot-report=/proc/r.json", "--ssot-baseline=ledger.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    for words in ("max_import_paths = 0", "python = '/bin/true'", "70000", "/proc/r.json", "ledger.json"):
        assert words in err, words
    assert "Traceback" not in err
    assert not (pytester.path / "ran").exists()


@pytest.mark.parametrize("issues, env, ok", [
    (["--ssot-issue=9999=open"], {}, False),
    ([], {"SSOT_ISSUES": "9999=resolved"}, False),
    (["--ssot-issue=4242=resolved"], {}, True),  # a collected test carries it
    (["--ssot-issue=824=resolved"], {}, True),  # a bundled suite's issue
    (["--ssot-issue=1126=open"], {}, True),  # the target's table
])
def test_an_unknown_issue_number_is_refused_before_the_first_test(pytester, monkeypatch, issues, env, ok):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    make_project(pytester.path, GOOD_TARGET)
    pytester.makepyfile(test_own=ISSUE_TEST)
    result = pytester.runpytest("-p", "ssot", *issues)
    if ok:
        assert result.ret == 0, result.stdout.str()
        return
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "issue 9999 is unknown" in err and "Traceback" not in err
    result.stdout.no_fnmatch_line("*passed*")


def test_config_error_lines_never_carry_a_traceback(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(make_project(tmp_path, GOOD_TARGET), CliValues(staging_url="ws://h:x/"), {})
    assert all("\n" not in p for p in info.value.problems)
    assert os.linesep not in info.value.problems[0]
    json.dumps(info.value.problems)
