"""What ``ssot history`` flags in a series of commits: unshown claims, regressions, first clean commits.

* ``claimed_not_shown`` — a line of the commit message names a configured issue
  (``#824``, ``issue 824``) and a fixing word (:data:`FIXING_WORDS`), while that
  issue's static checks still find a violation at the commit;
* ``claim_unjudged`` — such a claim for an issue the static checks cannot judge
  (it has none, or they could not tell at that commit): said, never guessed;
* ``regression`` — a count rises again after having fallen, with the findings
  the commit brought (those seen at an earlier commit are marked as returning);
* ``first_clean`` — the first commit where every applicable static check of an
  issue is clean.

Counts are compared only between commits where the check could judge (clean or
violation): a count of zero because the package was missing is no fall.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_ssot.history.git_objects import Commit
from pytest_ssot.history.static_checks import CLEAN, SKIPPED, UNJUDGED, VIOLATION, CheckResult

FIXING_WORDS = ("fix", "fixes", "fixed", "resolve", "resolves", "resolved", "complete", "completed",
                "consolidate", "consolidated", "close", "closes", "closed")
_FIXING = re.compile(r"\b(?:" + "|".join(FIXING_WORDS) + r")\b", re.IGNORECASE)
_ISSUE_REF = re.compile(r"(?:#|\bissue[ \t]*#?[ \t]*)(\d+)\b", re.IGNORECASE)
_JUDGED = (CLEAN, VIOLATION)


@dataclass(frozen=True)
class Flag:
    """One flag at one commit."""

    kind: str  # claimed_not_shown | claim_unjudged | regression | first_clean
    commit: str
    text: str  # one line, for the table and the chart's tooltip
    issue: int | None = None
    check: str | None = None
    findings: dict[str, list[str]] = field(default_factory=dict)  # check -> items behind the flag
    returning: list[str] = field(default_factory=list)  # regression: findings seen at an earlier commit

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "commit": self.commit, "issue": self.issue, "check": self.check,
                "text": self.text, "findings": {k: list(v) for k, v in self.findings.items()},
                "returning": list(self.returning)}


def claimed_issues(message: str, configured: Mapping[int, str]) -> list[int]:
    """Configured issues a line of ``message`` names together with a fixing word, in order of mention."""
    found: list[int] = []
    for line in message.splitlines():
        if _FIXING.search(line):
            for match in _ISSUE_REF.finditer(line):
                number = int(match.group(1))
                if number in configured and number not in found:
                    found.append(number)
    return found


def find_flags(
    series: Sequence[tuple[Commit, Mapping[str, CheckResult]]],
    configured: Mapping[int, str],
    static: Mapping[int, Sequence[str]],
) -> list[Flag]:
    """Every flag of the series, in commit order (per commit: claims, regressions, first clean)."""
    flags: list[Flag] = []
    fallen: set[str] = set()
    seen: dict[str, dict[str, str]] = {}  # check -> item -> first commit it was seen at
    clean_yet: set[int] = set()
    for i, (commit, checks) in enumerate(series):
        for issue in claimed_issues(commit.message, configured):
            flags += _claim(commit.sha, issue, checks, static.get(issue, ()))
        if i:
            before = series[i - 1][1]
            for name, now in checks.items():
                old = before[name]
                if old.state not in _JUDGED or now.state not in _JUDGED or not _followed(name, static):
                    continue
                if now.count < old.count:
                    fallen.add(name)
                elif now.count > old.count and name in fallen:
                    brought = sorted(set(now.items) - set(old.items))
                    back = [item for item in brought if item in seen.get(name, {})]
                    text = f"{name} rose {old.count} -> {now.count} after having fallen"
                    if back:
                        text += f"; back: {', '.join(back)}"
                    elif brought:
                        text += f"; new: {', '.join(brought)}"
                    flags.append(Flag("regression", commit.sha, text, check=name, findings={name: brought},
                                      returning=back))
        for name, now in checks.items():
            for item in now.items:
                seen.setdefault(name, {}).setdefault(item, commit.sha)
        for issue in sorted(configured):
            names = [n for n in static.get(issue, ()) if checks[n].state != SKIPPED]
            if issue not in clean_yet and names and all(checks[n].state == CLEAN for n in names):
                clean_yet.add(issue)
                flags.append(Flag("first_clean", commit.sha, f"#{issue}: every static check clean "
                                  f"({', '.join(names)})", issue=issue))
    return flags


def _followed(name: str, static: Mapping[int, Sequence[str]]) -> bool:
    """Counts of checks that belong to an issue are followed; listings (other_classes) are not."""
    return any(name in names for names in static.values())


def _claim(sha: str, issue: int, checks: Mapping[str, CheckResult], names: Sequence[str]) -> list[Flag]:
    if not names:
        return [Flag("claim_unjudged", sha, f"#{issue} claimed fixed; it has no static checks, so history "
                     "cannot tell (its checks need the unit or integration tier)", issue=issue)]
    results = [checks[n] for n in names if checks[n].state != SKIPPED]
    violated = [r for r in results if r.state == VIOLATION]
    if violated:
        detail = "; ".join(f"{r.check} {r.count}" for r in violated)
        return [Flag("claimed_not_shown", sha, f"#{issue} claimed fixed, but its static checks still find "
                     f"violations: {detail}", issue=issue, findings={r.check: list(r.items) for r in violated})]
    unjudged = [r for r in results if r.state == UNJUDGED]
    if unjudged or not results:
        why = "; ".join(f"{r.check}: {r.reason}" for r in unjudged) or "every check is skipped for this target"
        return [Flag("claim_unjudged", sha, f"#{issue} claimed fixed; history cannot tell ({why})", issue=issue)]
    return []
