"""The fail-first table: what a test's result means given its issue's status.

| status   | violation found                  | no violation                          |
| -------- | -------------------------------- | ------------------------------------- |
| open     | XFAIL, the violation kept        | FAIL "issue N looks fixed"            |
| resolved | FAIL "regression of SSOT issue"  | PASS                                  |
| not set  | FAIL                             | PASS                                  |

Only an :class:`~pytest_ssot.SSOTViolation` counts as a violation. Reports are
remapped through their public fields (``outcome``, ``wasxfail``, ``longrepr``) the
way pytest's own ``skipping.py`` does, so terminal, junitxml and xdist all agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from _pytest.reports import TestReport

from pytest_ssot.catalog import title_for

CONFIRMED = "confirmed"
LOOKS_FIXED = "looks_fixed"
REGRESSION = "regression"


@dataclass(frozen=True)
class IssueMark:
    """What ``@pytest.mark.ssot_issue(N, guard=..., title=...)`` says about a test."""

    number: int
    guard: bool = False
    title: str = ""
    tier: str | None = None


def parse_issue_marker(args: tuple, kwargs: dict) -> IssueMark:
    """Validate the marker's arguments; ValueError names what is wrong."""
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
    return IssueMark(number=number, guard=guard, title=title_for(number, title))


def apply_fail_first(
    report: TestReport, mark: IssueMark, status: str | None, violation: str | None
) -> str | None:
    """Remap a call-phase report in place; return the effect applied, if any.

    ``violation`` is the violation text when the test raised an SSOTViolation,
    else None. Guards and issues without a status are never remapped.
    """
    if mark.guard or status is None or report.when != "call" or report.skipped:
        return None
    if hasattr(report, "wasxfail"):  # pytest's own xfail already decided
        return None
    n = mark.number
    if status == "open":
        if report.failed and violation is not None:
            report.outcome = "skipped"
            report.wasxfail = f"SSOT issue {n} open, violation confirmed: {violation}"
            return CONFIRMED
        if report.passed:
            report.outcome = "failed"
            report.longrepr = (
                f"[XPASS(strict)] issue {n} looks fixed: mark it resolved "
                f"(set {n} = \"resolved\" in the target's [issues] table, or pass --ssot-issue {n}=resolved)"
            )
            return LOOKS_FIXED
        return None
    if status == "resolved" and report.failed and violation is not None:
        title = f" ({mark.title})" if mark.title else ""
        report.longrepr = f"regression of SSOT issue {n}{title}: {violation}\n\n{report.longrepr}"
        return REGRESSION
    return None
