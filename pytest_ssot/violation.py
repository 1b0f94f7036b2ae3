"""The one exception that means "the SSOT check found fragmentation".

Only this exception counts as the expected failure of an *open* issue: anything
else (an import that crashes, a bad config, a harness timeout) is a broken test and
is reported as such under every status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Sequence


class SSOTViolation(AssertionError):
    """Raised by pytest-ssot's assertions when a check finds a violation.

    ``findings`` keeps the structured evidence (one JSON-serialisable item per
    finding) next to the human-readable message, so reports can show both.
    """

    def __init__(self, message: str, findings: Sequence[Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.findings: list[Any] = list(findings or [])

    def __str__(self) -> str:
        return self.message


class SSOTSetupError(Exception):
    """A check could not run: bad target configuration, a harness that failed, a broken probe.

    Never a violation, under any issue status: the plugin reports it as a
    failure or error in one line. Every such error of pytest-ssot derives from it.
    """


def is_violation(exc: BaseException | None) -> bool:
    """True if ``exc`` is an SSOTViolation, or a group made only of them."""
    if exc is None:
        return False
    if isinstance(exc, SSOTViolation):
        return True
    leaves = getattr(exc, "exceptions", None)
    if isinstance(exc, BaseException) and type(exc).__name__.endswith("ExceptionGroup") and leaves:
        return all(is_violation(leaf) for leaf in leaves)
    return False


def violation_text(exc: BaseException) -> str:
    """The message of a violation, or of every violation in a group."""
    if isinstance(exc, SSOTViolation):
        return exc.message
    return "\n".join(violation_text(leaf) for leaf in getattr(exc, "exceptions", ()))


def error_line(exc: BaseException, width: int = 300) -> str:
    """One line naming an exception that is not a violation, for reports read without the log."""
    text = str(exc).strip().splitlines()
    line = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    return line if len(line) <= width else line[: width - 1] + "…"


def check_each(items: Iterable[Any], check: Callable[[Any], Any]) -> None:
    """Run ``check(item)`` for every item; one SSOTViolation joins all their violations.

    So a report names every deprecated module still importable, not just the
    first. Any other exception stops at once: a broken check is not a finding.
    """
    found = []
    for item in items:
        try:
            check(item)
        except SSOTViolation as exc:
            found.append(exc)
    if len(found) == 1:
        raise found[0]
    if found:
        raise SSOTViolation("\n".join(v.message for v in found), [f for v in found for f in v.findings])
