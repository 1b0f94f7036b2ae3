"""The shape of a report, checked before ``ssot report merge`` or ``render`` reads it.

A report is data from another job, maybe from another version or edited by
hand: a wrong type in ``statuses``, a test record without ``outcome``, a sample
that is ``NaN`` or a string, must be one line naming the file and the place in
it (``issues.824.tests[3].keys[0]``), not a traceback from deep inside the
merge. Every field the merge, the verdicts or the renderers read is checked
here, for schema versions 1 and 2 alike (version 1 lacks the ledger fields,
which are optional for both).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

OUTCOMES = ("passed", "skipped", "xfailed", "failed", "error")
STATUSES = ("open", "resolved")


class ShapeError(ValueError):
    """A report that does not have the shape of one; ``path`` is where inside the document."""

    def __init__(self, path: str, what: str) -> None:
        super().__init__(f"{path or 'the document'}: {what}")
        self.path = path


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_int(value: Any) -> bool:
    return type(value) is int


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _need(path: str, value: Any, ok: Callable[[Any], bool], what: str, *, nullable: bool = False) -> None:
    if value is None and nullable:
        return
    if not ok(value):
        shown = " (NaN or infinite)" if isinstance(value, float) and not math.isfinite(value) else ""
        raise ShapeError(path, f"must be {what}{' or null' if nullable else ''}, not {_kind(value)}{shown}")


def _object(path: str, value: Any) -> Mapping[str, Any]:
    _need(path, value, lambda v: isinstance(v, dict), "an object")
    return value


def _list_of(path: str, value: Any, ok: Callable[[Any], bool], what: str) -> list[Any]:
    _need(path, value, lambda v: isinstance(v, list), f"a list of {what}")
    for i, item in enumerate(value):
        _need(_join(path, i), item, ok, what)
    return value


def _optional(path: str, data: Mapping[str, Any], key: str, check: Callable[[str, Any], Any]) -> None:
    if key in data:
        check(_join(path, key), data[key])


def _required(path: str, data: Mapping[str, Any], key: str, check: Callable[[str, Any], Any]) -> None:
    if key not in data:
        raise ShapeError(_join(path, key), "is missing")
    check(_join(path, key), data[key])


def _str_list(path: str, value: Any) -> None:
    _list_of(path, value, _is_str, "strings")


def _nullable_str(path: str, value: Any) -> None:
    _need(path, value, _is_str, "a string", nullable=True)


def _issue_number(path: str, key: Any) -> None:
    if not (isinstance(key, str) and key.isdigit() and key.isascii() and len(key) <= 18):
        raise ShapeError(path, f"{key!r} is not an issue number")


def check_test(path: str, test: Any) -> None:
    """One test record, as written by :class:`pytest_ssot.report.build.TestOutcomes`."""
    data = _object(path, test)
    _required(path, data, "nodeid", lambda p, v: _need(p, v, lambda x: _is_str(x) and bool(x), "a non-empty string"))
    _required(path, data, "outcome", lambda p, v: _need(p, v, lambda x: x in OUTCOMES and _is_str(x),
                                                         f"one of {', '.join(OUTCOMES)}"))
    _required(path, data, "guard", lambda p, v: _need(p, v, _is_bool, "true or false"))
    _required(path, data, "effect", _nullable_str)
    for key in ("violation", "error", "tier", "check", "ledger", "waived", "title", "reason"):
        _optional(path, data, key, _nullable_str)
    for key in ("keys", "new", "fixed", "details", "notes"):
        _optional(path, data, key, _str_list)
    _optional(path, data, "locations", _locations)
    _optional(path, data, "clean", lambda p, v: _need(p, v, _is_bool, "true or false", nullable=True))
    _optional(path, data, "duration", lambda p, v: _need(p, v, _is_number, "a finite number"))
    _optional(path, data, "issue", lambda p, v: _need(p, v, lambda x: _is_int(x) or (_is_str(x) and x.isdigit()),
                                                      "an issue number"))


def _locations(path: str, value: Any) -> None:
    _need(path, value, lambda v: isinstance(v, list), "a list of locations")
    for i, entry in enumerate(value):
        where = _join(path, i)
        data = _object(where, entry)
        for key in ("finding", "path"):
            _required(where, data, key, lambda p, v: _need(p, v, _is_str, "a string"))
        _required(where, data, "line", lambda p, v: _need(p, v, lambda x: _is_int(x) and x > 0, "a line number"))


def _run(path: str, value: Any) -> None:
    data = _object(path, value)
    for key in ("python", "plugin", "commit", "branch", "url", "time"):
        _optional(path, data, key, _nullable_str)


def _urls(path: str, value: Any) -> None:
    from pytest_ssot.config.links import TemplateError, check_templates

    try:
        check_templates(_object(path, value), path)
    except TemplateError as exc:
        raise ShapeError(path, str(exc).partition("; fix:")[0].removeprefix(f"{path}: ")) from None


def _counts(path: str, value: Any) -> None:
    data = _object(path, value)
    for key in ("tests", "failed", "violations_confirmed"):
        _required(path, data, key, lambda p, v: _need(p, v, _is_int, "a whole number"))
    _optional(path, data, "violations", lambda p, v: _need(p, v, _is_int, "a whole number"))


def _checks(path: str, value: Any) -> None:
    data = _object(path, value)
    for key in ("total", "clean", "waived"):
        _optional(path, data, key, lambda p, v: _need(p, v, _is_int, "a whole number"))
    for key in ("fixed", "new", "regressed"):
        _optional(path, data, key, _str_list)
    for key in ("total", "clean"):
        if key not in data:
            raise ShapeError(_join(path, key), "is missing")


def _issue(path: str, value: Any) -> None:
    data = _object(path, value)
    _optional(path, data, "title", _nullable_str)
    _optional(path, data, "status", _nullable_str)
    _required(path, data, "tests", lambda p, v: _need(p, v, lambda x: isinstance(x, list), "a list of test records"))
    for i, test in enumerate(data["tests"]):
        check_test(_join(_join(path, "tests"), i), test)
    _required(path, data, "verdict", lambda p, v: _need(p, v, _is_str, "a string"))
    _required(path, data, "counts", _counts)
    _optional(path, data, "checks", _checks)


def _statuses(path: str, value: Any) -> None:
    for key, status in _object(path, value).items():
        _issue_number(_join(path, key), key)
        _need(_join(path, key), status, lambda x: x in STATUSES and _is_str(x), "'open' or 'resolved'",
              nullable=True)


def _samples(path: str, value: Any) -> None:
    for name, values in _object(path, value).items():
        _list_of(_join(path, name), values, _is_number, "finite numbers")


def _ratchets(path: str, value: Any) -> None:
    for name, entry in _object(path, value).items():
        where = _join(path, name)
        data = _object(where, entry)
        _required(where, data, "count", lambda p, v: _need(p, v, _is_int, "a whole number"))
        _required(where, data, "items", _str_list)
        _optional(where, data, "baseline", lambda p, v: _need(p, v, _is_int, "a whole number", nullable=True))
        _optional(where, data, "change", _nullable_str)


def _conflicts(path: str, value: Any) -> None:
    _need(path, value, lambda v: isinstance(v, list), "a list of conflicts")
    for i, conflict in enumerate(value):
        where = _join(path, i)
        data = _object(where, conflict)
        _required(where, data, "kind", lambda p, v: _need(p, v, lambda x: x in ("status", "test"), "'status' or 'test'"))
        for key in ("target", "issue"):
            _required(where, data, key, lambda p, v: _need(p, v, _is_str, "a string"))
        field = "status" if data["kind"] == "status" else "outcome"
        if data["kind"] == "test":
            for key in ("nodeid", "kept"):
                _required(where, data, key, lambda p, v: _need(p, v, _is_str, "a string"))
        _required(where, data, "reports", lambda p, v: _need(p, v, lambda x: isinstance(x, list), "a list"))
        for j, report in enumerate(data["reports"]):
            at = _join(_join(where, "reports"), j)
            entry = _object(at, report)
            _required(at, entry, "source", lambda p, v: _need(p, v, _is_str, "a string"))
            _required(at, entry, field, _nullable_str)


def check_part(path: str, part: Any) -> None:
    """One target's report (a whole single report, or one entry of a merged one's ``targets``)."""
    data = _object(path, part)
    _optional(path, data, "target", _nullable_str)
    _optional(path, data, "generated_at", _nullable_str)
    _optional(path, data, "interrupted", lambda p, v: _need(p, v, _is_bool, "true or false"))
    _optional(path, data, "statuses", _statuses)
    _required(path, data, "issues", _object)
    for number, issue in data["issues"].items():
        _issue_number(_join(_join(path, "issues"), number), number)
        _issue(_join(_join(path, "issues"), number), issue)
    _optional(path, data, "samples", _samples)
    _optional(path, data, "ratchets", _ratchets)
    _optional(path, data, "sources", _str_list)
    _optional(path, data, "conflicts", _conflicts)
    _optional(path, data, "run", _run)
    _optional(path, data, "events", _str_list)
    _optional(path, data, "urls", _urls)


def check_shape(document: Any) -> None:
    """Raise :class:`ShapeError` naming the first place where ``document`` is not a report."""
    data = _object("", document)
    if "targets" in data:
        _optional("", data, "sources", _str_list)
        _optional("", data, "conflicts", _conflicts)
        for name, part in _object("targets", data["targets"]).items():
            check_part(_join("targets", name), part)
    else:
        check_part("", data)
