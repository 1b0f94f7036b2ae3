"""The one exception that means "the SSOT check found fragmentation".

Only this exception counts as the expected failure of an *open* issue: anything
else (an import that crashes, a bad config, a harness timeout) is a broken test and
is reported as such under every status.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Iterable
from typing import Any, Sequence


class SSOTViolation(AssertionError):
    """Raised by pytest-ssot's assertions when a check finds a violation.

    ``findings`` keeps the structured evidence (one JSON-serialisable item per
    finding) next to the human-readable message, so reports can show both.
    ``keys`` are the findings' stable identities, what the ledger records and
    compares across runs, machines and install locations: dotted names, paths
    relative to the target root, user roles; never memory ids, absolute paths,
    timings or random user ids. Checks pass them explicitly; without them each
    finding's key is derived by :func:`finding_key`.
    """

    def __init__(self, message: str, findings: Sequence[Any] | None = None,
                 keys: Iterable[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.findings: list[Any] = list(findings or [])
        if keys is None:
            keys = [finding_key(f) for f in self.findings] or [finding_key(message.strip().splitlines()[0]
                                                                            if message.strip() else "violation")]
        self.keys: list[str] = sorted({str(k) for k in keys})

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
    if _is_exception_group(exc) and exc.exceptions:  # type: ignore[attr-defined]
        return all(is_violation(leaf) for leaf in exc.exceptions)  # type: ignore[attr-defined]
    return False


def _is_exception_group(exc: BaseException) -> bool:
    """A real ``BaseExceptionGroup`` (or the ``exceptiongroup`` backport's), never a look-alike by name.

    A class that merely ends in "ExceptionGroup" and carries violations must not
    turn a broken test into a confirmed violation.
    """
    group = getattr(builtins, "BaseExceptionGroup", None)
    if group is None:  # pragma: no cover - Python 3.10 with the backport
        try:
            from exceptiongroup import BaseExceptionGroup as group
        except ImportError:
            return False
    return isinstance(exc, group)


# fields that differ between two runs of the same code: never part of a finding's identity
_VOLATILE_FIELDS = frozenset({"id", "object_id", "seconds", "duration", "line", "file", "detail", "timeout",
                              "elapsed", "pid", "port", "url", "thread_id", "callers"})
_VOLATILE_TEXT = (
    (re.compile(r"\bid=(?:0x[0-9a-fA-F]+|\d+)"), "id=…"),  # object ids
    (re.compile(r"0x[0-9a-fA-F]+"), "0x…"),  # memory addresses
    (re.compile(r"(?<![\w.])/[^\s:'\",)\]]+(?::\d+)?"), "<path>"),  # absolute paths, with a line number
    (re.compile(r"\b\d+\.\d+\s*(?:ms|s)\b"), "<time>"),  # timings
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"\b(ssot-[\w-]+?)-[0-9a-f]{8}\b"), r"\1"),  # ssot_new_user's fresh ids: the label stays
)


def stable_text(text: str) -> str:
    """``text`` with what differs between runs (addresses, absolute paths, timings, uuids) masked."""
    for pattern, replacement in _VOLATILE_TEXT:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def finding_key(finding: Any) -> str:
    """A stable identity for one finding when its check gave none.

    A definition is its kind and dotted name; an import site is importer and
    imported module; a probe is its module and outcome; anything else is its
    fields without the volatile ones (ids, lines, files, timings), as text.
    """
    if hasattr(finding, "to_json"):
        finding = finding.to_json()
    elif not isinstance(finding, (dict, str)) and hasattr(finding, "__dict__"):
        finding = vars(finding)
    if isinstance(finding, dict):
        if "module" in finding and "qualname" in finding:
            return f"{finding.get('kind') or 'definition'} {finding['module']}.{finding['qualname']}"
        if "importer" in finding and "imported" in finding:
            return f"import of {finding['imported']} in {finding['importer']}"
        if "module" in finding and "outcome" in finding:
            return f"module {finding['module']}: {finding['outcome']}"
        parts = [f"{k}={stable_text(str(v))}" for k, v in sorted(finding.items()) if k not in _VOLATILE_FIELDS]
        return ", ".join(parts) or "violation"
    return stable_text(str(finding))


def violation_keys(exc: BaseException) -> list[str]:
    """The stable finding keys of a violation, or of every violation in a group."""
    if isinstance(exc, SSOTViolation):
        return list(exc.keys)
    return sorted({k for leaf in getattr(exc, "exceptions", ()) for k in violation_keys(leaf)})


def violation_text(exc: BaseException) -> str:
    """The message of a violation, or of every violation in a group."""
    if isinstance(exc, SSOTViolation):
        return exc.message
    return "\n".join(violation_text(leaf) for leaf in getattr(exc, "exceptions", ()))


def violation_leaves(exc: BaseException) -> list[SSOTViolation]:
    """The violations of ``exc``: itself, or every violation inside a group."""
    if isinstance(exc, SSOTViolation):
        return [exc]
    return [v for leaf in getattr(exc, "exceptions", ()) for v in violation_leaves(leaf)]


def violation_line(violation: SSOTViolation) -> str:
    """One line for one violation: its headline, then its findings (the ledger's keys) when it has several.

    The terminal shows this instead of the message's detail lines (ids, tables,
    call sites); the report keeps the whole message, ``--tb=long`` the traceback.
    """
    lines = [line.strip() for line in violation.message.strip().splitlines() if line.strip()]
    headline = lines[0].rstrip(":").rstrip() if lines else "violation"
    if len(lines) <= 1 and len(violation.keys) <= 1:
        return headline  # the message is its own finding
    count = len(violation.keys)
    return f"{headline} ({count} finding{'s' if count != 1 else ''}: {'; '.join(violation.keys)})"


def violation_summary(exc: BaseException) -> str:
    """One line per violation of ``exc`` (see :func:`violation_line`)."""
    return "\n".join(violation_line(v) for v in violation_leaves(exc))


def clip(text: str, width: int, mark: str = "…") -> str:
    """``text`` cut to ``width`` characters, ``mark`` included, where it is longer: one place decides how lines end."""
    return text if len(text) <= width else text[: width - len(mark)] + mark


def error_line(exc: BaseException, width: int = 300) -> str:
    """One line naming an exception that is not a violation, for reports read without the log."""
    text = str(exc).strip().splitlines()
    return clip(f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__, width)


def error_details(exc: BaseException, most: int = 200) -> list[str]:
    """The lines of an error's message after its first, so a report keeps every item it named."""
    lines = [line.rstrip() for line in str(exc).strip().splitlines()[1:] if line.strip()]
    return lines if len(lines) <= most else lines[:most] + [f"… {len(lines) - most} more line(s)"]


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
        raise SSOTViolation("\n".join(v.message for v in found), [f for v in found for f in v.findings],
                            [k for v in found for k in v.keys])
