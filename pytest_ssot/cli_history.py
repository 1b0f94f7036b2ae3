"""``ssot history``: options, configuration, output. Registered by :mod:`pytest_ssot.cli`.

Bad input (no configuration, an unknown target, not a git repository, a bad
range, a root outside the repository, an unwritable output) is one line on
stderr and exit code 4, the project's usage-error code; findings are data and
exit 0. Progress goes to a terminal's stderr only, never with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from pytest_ssot.cli_target import TargetNotLoaded, load_target

EXIT_BAD_INPUT = 4


class HistoryUsageError(Exception):
    """Bad input for ``ssot history``: one line on stderr (printed by the CLI's ``main``), exit 4."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(f"ssot history: {message}")


def _refuse(message: str) -> NoReturn:
    raise HistoryUsageError(message)


def configure_history(parser: argparse.ArgumentParser) -> None:
    parser.error = _refuse  # type: ignore[method-assign]  # its argument mistakes are bad input too: exit 4
    parser.add_argument("rev_range", nargs="?", default="HEAD", metavar="REV_RANGE",
                        help="the commits to follow, as git log takes them (default: HEAD, its whole history)")
    parser.add_argument("--target", help="the [tool.ssot.targets.NAME] to check (default: [tool.ssot] target)")
    pick = parser.add_mutually_exclusive_group()
    pick.add_argument("--every", type=int, metavar="N", help="only every N-th commit (the first and last always)")
    pick.add_argument("--first-parent", action="store_true", help="follow only the first parent of merges")
    parser.add_argument("--json", action="store_true", help="print the JSON document instead of the table")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the table or JSON here instead of stdout")
    parser.add_argument("--html", metavar="FILE", help="also write a standalone HTML page of the history")
    parser.add_argument("--commit-url", metavar="TEMPLATE",
                        help="link each commit, e.g. https://host/o/r/commit/{commit} (kept in the JSON)")
    parser.add_argument("--repo", metavar="DIR", help="the git repository (default: the one holding the target root)")
    parser.add_argument("--pyproject", metavar="FILE",
                        help="the pyproject.toml with [tool.ssot] (default: the nearest one from here up)")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                        help="longest wait for one git command or object (default 60)")


def run_history(args: argparse.Namespace) -> int:
    """``ssot history``: 0 when it ran (findings are data); :class:`HistoryUsageError` for bad input."""
    from pytest_ssot.history.build import HistoryError, scan_history
    from pytest_ssot.core.progress import Progress

    if args.every is not None and args.every < 1:
        raise HistoryUsageError(f"--every must be 1 or more, not {args.every}")
    if args.commit_url is not None:
        check_commit_url(args.commit_url)
    try:
        target = load_target(args.pyproject, args.target)
    except TargetNotLoaded as exc:
        raise HistoryUsageError(str(exc)) from None
    progress = None if args.json else Progress("ssot history")
    try:
        history = scan_history(target, args.rev_range, repo=args.repo, every=args.every,
                               first_parent=args.first_parent, progress=progress, timeout=args.timeout,
                               commit_url=args.commit_url)
    except HistoryError as exc:
        raise HistoryUsageError(str(exc)) from None
    doc = history.to_json()
    if args.json:
        text = json.dumps(doc, indent=2) + "\n"
    else:
        from pytest_ssot.history.table import render_table

        text = render_table(doc)
    if args.html:
        from pytest_ssot.history.html import history_page

        _write(args.html, history_page(doc))
    if args.output:
        _write(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


def _write(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise HistoryUsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def check_commit_url(template: str) -> None:
    """A ``--commit-url`` must be an http(s) URL holding ``{commit}`` (or ``{short}``)."""
    if not template.startswith(("https://", "http://")):
        raise HistoryUsageError(f"--commit-url {template!r} is not an http(s) URL; "
                                "give one like https://host/owner/repo/commit/{commit}")
    if "{commit}" not in template and "{short}" not in template:
        raise HistoryUsageError(f"--commit-url {template!r} has no {{commit}} placeholder; "
                                "give one like https://host/owner/repo/commit/{commit}")


def load_history(path: str) -> dict[str, Any]:
    """A ``ssot history --json`` file for the dashboard, checked for the fields the section reads."""
    from pytest_ssot.history.build import SCHEMA, SCHEMA_VERSION

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ValueError(f"{path} is not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise ValueError(f"{path} is no ssot history document (write one with ssot history --json -o FILE)")
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{path}: schema_version {doc.get('schema_version')!r}, this version reads {SCHEMA_VERSION}")
    problem = _shape_problem(doc)
    if problem:
        raise ValueError(f"{path}: {problem}")
    return doc


def _flag_problem(flag: Any) -> str | None:
    if not isinstance(flag, dict) or not all(isinstance(flag.get(k), str) for k in ("kind", "text", "commit")):
        return "needs kind, text and commit strings"
    if flag.get("issue") is not None and type(flag["issue"]) is not int:
        return "issue must be a number or null"
    if flag.get("check") is not None and not isinstance(flag["check"], str):
        return "check must be a string or null"
    return None


def _shape_problem(doc: dict[str, Any]) -> str | None:
    for key, kind in (("target", str), ("range", str), ("root", str), ("package", str), ("checks", dict),
                      ("commits", list), ("flags", list)):
        if not isinstance(doc.get(key), kind):
            return f"{key} must be a {kind.__name__}"
    if not doc["commits"]:
        return "commits is empty"
    names = set(doc["checks"])
    for i, entry in enumerate(doc["commits"]):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("commit", "date", "subject")):
            return f"commits[{i}] needs commit, date and subject strings"
        counts, states, flags = entry.get("counts"), entry.get("states"), entry.get("flags")
        if not isinstance(counts, dict) or set(counts) != names or not all(
                type(v) is int and v >= 0 for v in counts.values()):
            return f"commits[{i}].counts must give a count of 0 or more for every check"
        if not isinstance(states, dict) or set(states) != names or not isinstance(flags, list):
            return f"commits[{i}] needs states for every check and a flags list"
        for j, flag in enumerate(flags):
            if _flag_problem(flag):
                return f"commits[{i}].flags[{j}]: {_flag_problem(flag)}"
    for j, flag in enumerate(doc["flags"]):
        if _flag_problem(flag):
            return f"flags[{j}]: {_flag_problem(flag)}"
    for name, meta in doc["checks"].items():
        if not isinstance(meta, dict) or not isinstance(meta.get("issues"), list) or not isinstance(
                meta.get("counts"), str):
            return f"checks.{name} needs issues (a list) and counts (a string)"
    url = doc.get("commit_url")
    if url is not None:
        try:
            check_commit_url(url)
        except HistoryUsageError as exc:
            return f"commit_url: {exc}"
    return None
