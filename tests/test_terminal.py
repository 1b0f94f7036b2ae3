"""What a configured run prints at its end: the table last, one line per violation, shared errors once."""

from __future__ import annotations

import pytest

PYPROJECT = "[tool.ssot]\n"  # configured, no target: the plugin's session is on

CHECKS = """
import pytest
from pytest_ssot import SSOTViolation

@pytest.mark.ssot_issue(7001, title="ledger writers consolidated")
def test_one_writer(ssot_record):
    ssot_record.set_ratchet("writer_classes", ["books.core.LedgerWriter", "books.legacy.LedgerWriter"])
    raise SSOTViolation(
        "expected one LedgerWriter class, found 2:\\n"
        "- books.core.LedgerWriter (id=140012743405392)\\n"
        "- books.legacy.LedgerWriter (id=140012743407184)",
        keys=["class books.core.LedgerWriter", "class books.legacy.LedgerWriter"])

@pytest.mark.ssot_issue(7001)
def test_writer_is_clean():
    pass
"""


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makefile(".toml", pyproject=PYPROJECT)
    pytester.makepyfile(test_checks=source)
    return pytester.runpytest("-p", "ssot", *args)


def test_the_table_comes_after_the_short_summary_and_shows_every_ratchet(pytester):
    result = run(pytester, CHECKS, "--ssot-issue=7001=resolved", "-rfE")
    result.assert_outcomes(failed=1, passed=1)
    out = result.stdout.lines
    short = next(i for i, line in enumerate(out) if "short test summary info" in line)
    table = next(i for i, line in enumerate(out) if "SSOT issues (no target)" in line)
    counts = next(i for i, line in enumerate(out) if "1 failed, 1 passed" in line)
    assert short < table < counts, "\n".join(out)
    assert any(line.startswith("#7001") and "regressed" in line for line in out[table:counts])
    # a ratchet without a ledger still shows its count
    assert "ratchet writer_classes: 2 (no baseline)" in out[table:counts]


def test_a_violation_prints_one_line_with_its_findings_not_its_detail(pytester):
    result = run(pytester, CHECKS, "--ssot-issue=7001=resolved")
    text = result.stdout.str()
    one_line = ("regression of SSOT issue 7001 (ledger writers consolidated): expected one LedgerWriter class, "
                "found 2 (2 findings: class books.core.LedgerWriter; class books.legacy.LedgerWriter)")
    assert one_line in text
    assert "id=140012743405392" not in text  # the detail lines stay in the report, not the terminal
    assert "raise SSOTViolation" not in text  # no traceback through the check


def test_the_traceback_and_the_detail_come_back_with_tb_long(pytester):
    result = run(pytester, CHECKS, "--ssot-issue=7001=resolved", "--tb=long")
    text = result.stdout.str()
    assert "raise SSOTViolation" in text
    assert "id=140012743405392" in text


def test_the_report_keeps_the_whole_message_and_the_reason_line(pytester):
    import json

    run(pytester, CHECKS, "--ssot-issue=7001=resolved", "--ssot-report=r.json")
    test = json.loads((pytester.path / "r.json").read_text())["issues"]["7001"]["tests"][0]
    assert "id=140012743405392" in test["violation"]
    assert test["reason"].startswith("regression of SSOT issue 7001")


SHARED_SETUP_ERROR = """
import pytest

@pytest.fixture(scope="session")
def ledger_db():
    raise ConnectionRefusedError("ledger database at 127.0.0.1:9 refused the connection")

@pytest.mark.parametrize("n", range(10))
def test_entry(ledger_db, n):
    pass

def test_unrelated():
    pass
"""


@pytest.mark.parametrize("on_ci", [False, True], ids=["terminal", "ci"])
def test_a_setup_error_shared_by_ten_tests_is_printed_once_with_the_count(pytester, monkeypatch, on_ci):
    # pytest prints short-summary lines whole when it sees CI=true or BUILD_NUMBER, cut otherwise
    for name in ("CI", "BUILD_NUMBER"):
        monkeypatch.delenv(name, raising=False)
    if on_ci:
        monkeypatch.setenv("CI", "true")
    result = run(pytester, SHARED_SETUP_ERROR)
    result.assert_outcomes(errors=10, passed=1)
    text = result.stdout.str()
    # the traceback once; the short summary line is cut to the terminal width
    # except where pytest sees a CI (CI=true), so it is matched separately
    assert text.count("E       ConnectionRefusedError: ledger database") == 1, text
    assert text.count("ERROR at setup of") == 1
    result.stdout.fnmatch_lines(["ERROR test_checks.py::test_entry[[]0[]] - 10 tests share this setup error*"])
    assert "the same error failed the setup of 10 tests" in text
    assert "10 errors" in result.stdout.lines[-1]  # the counts line still counts every error


def test_different_setup_errors_are_each_printed(pytester):
    source = SHARED_SETUP_ERROR.replace('scope="session"', "params=[1, 2]").replace(
        'raise ConnectionRefusedError("ledger database at 127.0.0.1:9 refused the connection")',
        'raise ConnectionRefusedError(f"ledger database {request.param} refused the connection")').replace(
        "def ledger_db():", "def ledger_db(request):").replace("range(10)", "range(1)")
    result = run(pytester, source)
    result.assert_outcomes(errors=2, passed=1)
    assert result.stdout.str().count("ERROR at setup of") == 2
    assert "share this setup error" not in result.stdout.str()


def test_unconfigured_pytest_prints_every_error_as_usual(pytester):
    pytester.makepyfile(test_checks=SHARED_SETUP_ERROR)
    result = pytester.runpytest("-p", "ssot")
    result.assert_outcomes(errors=10, passed=1)
    assert result.stdout.str().count("ERROR at setup of") == 10
