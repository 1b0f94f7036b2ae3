"""The fail-first table: what a test's result means given its issue's status.

| status   | violation found                  | no violation                          |
| -------- | -------------------------------- | ------------------------------------- |
| open     | XFAIL, the violation kept        | FAIL "issue N looks fixed"            |
| resolved | FAIL "regression of SSOT issue"  | PASS                                  |
| not set  | FAIL                             | PASS                                  |

With a ledger (``--ssot-baseline``), an open issue's check is also held to the
findings the ledger recorded for it (:mod:`pytest_ssot.report.ledger`):

| ledger holds | this run finds     | outcome                                                |
| ------------ | ------------------ | ------------------------------------------------------ |
| nothing      | a violation        | XFAIL                                                  |
| nothing      | nothing            | FAIL "looks fixed"                                     |
| findings F   | F                  | XFAIL (known)                                          |
| findings F   | a strict subset    | XFAIL (progress, "k of n fixed")                       |
| findings F   | anything not in F  | FAIL "new violation while issue N is open"             |
| findings F   | nothing            | FAIL "check now clean: record it"                      |
| clean        | nothing            | PASS (FAIL "looks fixed" when every check is clean)    |
| clean        | anything           | FAIL "regression of a check recorded clean"            |

Only an :class:`~pytest_ssot.SSOTViolation` counts as a violation. Reports are
remapped through their public fields (``outcome``, ``wasxfail``, ``longrepr``) the
way pytest's own ``skipping.py`` does, so terminal, junitxml and xdist all agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from _pytest.reports import TestReport

from pytest_ssot.config.catalog import title_for
from pytest_ssot.report.ledger import CLEAN, KNOWN, NEW, NOW_CLEAN, PROGRESS, REGRESSED, UNRECORDED, Judgement

if TYPE_CHECKING:
    from pytest_ssot.config.target import Target

CONFIRMED = "confirmed"
LOOKS_FIXED = "looks_fixed"
REGRESSION = "regression"
NEW_VIOLATION = "new_violation"  # open issue, a finding the ledger does not hold
NOW_CLEAN_EFFECT = "now_clean"  # open issue, a check the ledger holds findings for found none
UPDATE = "update"  # --ssot-baseline-update: falls and clean checks are written
ACCEPT = "accept"  # --ssot-baseline-accept: new findings are written too


@dataclass(frozen=True)
class IssueMark:
    """What ``@pytest.mark.ssot_issue(N, guard=..., title=...)`` says about a test."""

    number: int
    guard: bool = False
    title: str = ""
    tier: str | None = None


def parse_issue_marker(args: tuple, kwargs: dict, target: Target | None = None) -> IssueMark:
    """Validate the marker's arguments; ValueError names what is wrong. A catalog title speaks in ``target``'s names."""
    unknown = set(kwargs) - {"guard", "title"}
    if len(args) != 1 or unknown:
        raise ValueError(
            "ssot_issue takes one issue number and optional guard=/title=, "
            f"got args={args!r} kwargs={sorted(kwargs)!r}"
        )
    raw = args[0]
    text = str(raw).lstrip("#") if isinstance(raw, (int, str)) and not isinstance(raw, bool) else ""
    if not text.isdigit():
        raise ValueError(f"ssot_issue number must be an integer like 824, got {raw!r}")
    guard = kwargs.get("guard", False)
    if not isinstance(guard, bool):
        raise ValueError(f"ssot_issue guard= must be True or False, got {guard!r}")
    title = kwargs.get("title") or ""
    if not isinstance(title, str):
        raise ValueError(f"ssot_issue title= must be a string, got {title!r}")
    number = int(text)
    return IssueMark(number=number, guard=guard, title=title_for(number, title, target))


def apply_fail_first(
    report: TestReport, mark: IssueMark, status: str | None, violation: str | None,
    judgement: Judgement | None = None, *, issue_looks_fixed: bool = False, update: str = "",
) -> str | None:
    """Remap a call-phase report in place; return the effect applied, if any.

    ``violation`` is the violation text when the test raised an SSOTViolation,
    else None. ``judgement`` compares the check's findings with the ledger (None
    without a ledger): see the table in the README. ``issue_looks_fixed``: the
    ledger records every check of this open issue clean, so a clean result means
    the issue looks fixed. ``update`` is ``UPDATE`` when the ledger is written this
    run (a check that is only ahead of the ledger passes: its entry is written),
    ``ACCEPT`` when new findings are written too (they XFAIL instead of failing).
    Guards and issues without a status are never remapped.
    """
    if mark.guard or status is None or report.when != "call" or report.skipped:
        return None
    if hasattr(report, "wasxfail"):  # pytest's own xfail already decided
        return None
    n = mark.number
    if status == "open":
        if report.failed and violation is None:
            return None  # broken, not a finding: left as the failure it is
        state = judgement.state if judgement is not None else UNRECORDED
        accepting = update == ACCEPT
        if state == NEW and not accepting:
            _fail(report, f"new violation while issue {n} is open: " + "; ".join(judgement.new)
                  + f"\n(the ledger holds {len(judgement.recorded or ())} finding(s) for this check; a rise is "
                  "never tolerated)", violation)
            return NEW_VIOLATION
        if state == REGRESSED and not accepting:
            _fail(report, f"regression of a check recorded clean (issue {n} is open): "
                  + "; ".join(judgement.new), violation)
            return REGRESSION
        if report.failed:
            report.outcome = "skipped"
            note = f" (progress: {judgement.progress_text()})" if state == PROGRESS else \
                " (known)" if state == KNOWN else ""
            report.wasxfail = f"SSOT issue {n} open, violation confirmed{note}: {violation}"
            return CONFIRMED
        if state == NOW_CLEAN and not update:
            report.outcome = "failed"
            report.longrepr = (f"check now clean ({judgement.progress_text()}) while issue {n} is open: "
                               "record it (run with --ssot-baseline-update)")
            return NOW_CLEAN_EFFECT
        if state == UNRECORDED and not update or (state == CLEAN and issue_looks_fixed):
            report.outcome = "failed"
            report.longrepr = looks_fixed_text(n)
            return LOOKS_FIXED
        return None
    if status == "resolved" and report.failed and violation is not None:
        title = f" ({mark.title})" if mark.title else ""
        _fail(report, f"regression of SSOT issue {n}{title}: {violation}", None)
        return REGRESSION
    return None


def looks_fixed_text(n: int) -> str:
    """Why a clean check of open issue ``n`` fails (the fail-first table's cell)."""
    return (f"[XPASS(strict)] issue {n} looks fixed: mark it resolved "
            f"(set {n} = \"resolved\" in the target's [issues] table, or pass --ssot-issue {n}=resolved)")


def partly_fixed_text(n: int, still: int, unjudged: int = 0, regressed: int = 0) -> str:
    """The same failure, told once the run shows other tests of ``n`` that keep it open: ``regressed``
    checks (a new finding, or one the ledger held clean), ``still`` checks confirming known
    violations, ``unjudged`` tests failing or erroring without a verdict (the first that applies).

    A check judges only its own part of an issue: when other checks still find
    violations, "mark it resolved" would turn them into regressions; recording
    progress does not mend a regression; when tests could not judge, nothing
    shows the issue fixed. Told at the end of the run (terminal summary,
    report), when every check has spoken.
    """
    if regressed:
        others = "1 other check of it regressed" if regressed == 1 else f"{regressed} other checks of it regressed"
        return (f"[XPASS(strict)] this check of issue {n} is clean, but {others} (a new finding, or one "
                "recorded clean that found one): not fixed; mend those first")
    if still:
        others = "1 other check of it still finds violations" if still == 1 else \
            f"{still} other checks of it still find violations"
        return (f"[XPASS(strict)] this check of issue {n} is clean, but {others}: not fixed yet; "
                "record the progress (--ssot-baseline-update)")
    others = "1 other test of it" if unjudged == 1 else f"{unjudged} other tests of it"
    return (f"[XPASS(strict)] this check of issue {n} is clean, but {others} failed or errored without a "
            "verdict: the issue is not shown fixed; mend those first")


def _fail(report: TestReport, message: str, violation: str | None) -> None:
    """Fail with ``message`` first; then the violation, or the traceback where ``--tb=long`` kept one."""
    report.outcome = "failed"
    detail = report.longrepr if report.longrepr is not None and not isinstance(report.longrepr, str) else violation
    report.longrepr = f"{message}\n\n{detail}" if detail else message
