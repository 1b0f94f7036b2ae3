"""The ``ssot`` console script.

``ssot scan`` prints what the runtime or static scan finds in a package tree, as
a table or as JSON. Findings are data, not errors: it exits 0 whenever the scan
ran, and 2 (with one line on stderr) when the arguments are wrong.

``ssot report merge A.json B.json -o all.json`` merges the ``--ssot-report``
files of several CI jobs (exit 1 when jobs disagree, unless
``--allow-conflicts``); ``ssot report render all.json --format markdown|html``
renders one. Unreadable files and other schema versions exit 4. Subcommands
are argparse sub-parsers registered in :data:`COMMANDS`, so each is added beside
the others without touching them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Callable, NoReturn, Sequence

from pytest_ssot.config.exclude import DEFAULT_EXCLUDE
from pytest_ssot.scan.findings import DEFAULT_CLASS_PATTERN, DEFAULT_FUNCTIONS, ScanResult
from pytest_ssot.core.locate import find_module, is_dotted_name

EXIT_OK = 0
EXIT_CONFLICTS = 1  # ssot report merge: jobs disagree (the merged file is still written)
EXIT_USAGE = 4  # as pytest: a usage error
EXIT_SCAN_FAILED = 1  # ssot scan: the runtime scan's child died and no module could be blamed


class UsageError(Exception):
    """Bad arguments: printed as one line, exit code 4, as pytest."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


# name -> (configure the sub-parser, run it)
COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {}


def command(name: str, help: str) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    """Register ``ssot NAME``: decorate its runner; its options come from ``configure_NAME``."""

    def register(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        configure = globals()[f"configure_{name}"]
        configure.help = help  # type: ignore[attr-defined]
        COMMANDS[name] = (configure, run)
        return run

    return register


def configure_scan(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", metavar="NAME",
                        help="take root, package, class pattern, function name, excludes and python from "
                             "[tool.ssot.targets.NAME] (the options below override them)")
    parser.add_argument("--pyproject", metavar="FILE",
                        help="with --target: the pyproject.toml holding it (default: the nearest one from here up)")
    parser.add_argument("--root", help="import root of the target (also the static-scan root)")
    parser.add_argument("--package", help="dotted package to scan, e.g. app.websocket_core")
    parser.add_argument("--class-pattern",
                        help="regex for class names (default: contains 'websocket' and 'manager')")
    parser.add_argument("--function", dest="functions", action="append", metavar="NAME",
                        help=f"function name to look for, repeatable (default: {', '.join(DEFAULT_FUNCTIONS)})")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="leave out files matching this root-relative glob ('**' spans folders), repeatable; "
                             f"added to the default ({', '.join(DEFAULT_EXCLUDE)})")
    parser.add_argument("--no-default-exclude", action="store_true",
                        help="do not leave out test files and test doubles (only --exclude globs apply)")
    parser.add_argument("--importers-of", action="append", default=[], metavar="MODULE",
                        help="(static) list every import of MODULE across the root, repeatable")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--static", dest="mode", action="store_const", const="static",
                      help="scan the source with ast, import nothing (default)")
    mode.add_argument("--runtime", dest="mode", action="store_const", const="runtime",
                      help="import the package and all submodules in a child interpreter and scan there")
    parser.add_argument("--python", help="(runtime) the target's interpreter (default: this one)")
    parser.add_argument("--timeout", type=float, default=120.0, help="(runtime) seconds before the child is killed")
    parser.add_argument("--cache-dir", metavar="DIR",
                        help="(static) cache home, tagged with CACHEDIR.TAG; one folder per scanned root inside "
                             "(default: $SSOT_CACHE_DIR, else $XDG_CACHE_HOME/pytest-ssot or ~/.cache/pytest-ssot)")
    parser.add_argument("--no-cache", action="store_true", help="(static) do not read or write the scan cache")
    parser.add_argument("--check-syntax", action="store_true",
                        help="(static) syntax-check every file that names a searched word: parse errors as a full parse")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


@command("scan", help="list distinct classes/functions, aliases and shims in a package")
def run_scan(args: argparse.Namespace) -> int:
    from pytest_ssot.scan.child import ChildError, ProbeSetupError, resolve_python
    from pytest_ssot.core.progress import Progress
    from pytest_ssot.scan.entry import scan_runtime, scan_static

    _from_target(args)
    if not args.root or not args.package:
        raise UsageError("ssot scan: --root and --package are needed, or --target NAME to take them from "
                         "pyproject.toml")
    root = os.path.abspath(args.root)
    if not os.path.isdir(root):
        raise UsageError(f"ssot scan: --root is not a directory: {args.root}")
    if not is_dotted_name(args.package):
        raise UsageError(f"ssot scan: --package is not a dotted module name: {args.package!r}")
    if find_module(args.package, [root], use_sys_path=False) is None:
        raise UsageError(f"ssot scan: package {args.package!r} not found under {args.root}")
    try:
        pattern = re.compile(args.class_pattern)
    except re.error as exc:
        raise UsageError(f"ssot scan: --class-pattern is not a valid regex: {exc}") from None
    functions = args.functions or list(DEFAULT_FUNCTIONS)
    for name in functions:
        if not name.isidentifier():
            raise UsageError(f"ssot scan: --function {name!r} is not a Python name")
    base = DEFAULT_EXCLUDE if args.target_exclude is None else args.target_exclude  # the target's own may be empty
    exclude = ([] if args.no_default_exclude else list(base)) + list(args.exclude)
    try:
        if args.python:
            resolve_python(args.python)
        # a status line on a terminal's stderr for a slow scan; never with --json
        progress = None if args.json else Progress(f"ssot scan ({args.mode})")
        if args.mode == "runtime":
            result = scan_runtime(root, args.package, pattern, functions, python=args.python, timeout=args.timeout,
                                  exclude=exclude, progress=progress)
        else:
            cache = None if args.no_cache else _scan_cache(root, args.cache_dir)
            result = scan_static(root, args.package, pattern, functions, importers_of=args.importers_of,
                                 cache_dir=cache, python=args.python, exclude=exclude, progress=progress,
                                 check_syntax=args.check_syntax)
    except ProbeSetupError as exc:
        raise UsageError(f"ssot scan: {exc}") from None
    except ChildError as exc:  # the child died with no module to blame: one line, no traceback
        print(f"ssot scan: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_SCAN_FAILED
    print(json.dumps(result.to_json(), indent=2) if args.json else render_table(result))
    return EXIT_OK


def _from_target(args: argparse.Namespace) -> None:
    """Fill what the command line left out from ``--target`` (in place); options given win."""
    args.target_exclude = None
    if args.target is None and args.pyproject is None:
        args.class_pattern = args.class_pattern or DEFAULT_CLASS_PATTERN
        return
    from pytest_ssot.cli_target import TargetNotLoaded, load_target

    try:
        target = load_target(args.pyproject, args.target)
    except TargetNotLoaded as exc:
        raise UsageError(f"ssot scan: {exc}") from None
    args.root = args.root or str(target.root)
    args.package = args.package or target.package
    args.class_pattern = args.class_pattern or target.class_pattern
    args.functions = args.functions or [target.function_name]
    args.target_exclude = list(target.exclude)
    if args.python is None and target.python != sys.executable:
        args.python = target.python


def _scan_cache(root: str, home: str | None) -> str | None:
    """The root's folder in the tagged cache home; None (one line on stderr) when it cannot be made."""
    from pytest_ssot.core.cache_dir import scan_cache_dir

    try:
        return str(scan_cache_dir(root, home))
    except OSError as exc:
        print(f"ssot scan: cache not used ({exc.strerror or exc}: {exc.filename}); pass --cache-dir DIR",
              file=sys.stderr)
        return None


def render_table(result: ScanResult) -> str:
    """The human view: one row per distinct object, then errors and counts.

    When nothing matched it says what was searched for. Protocols, enums and exception classes are listed under their own kind.
    """
    rows = [("kind", "name", "defined at", "paths")]
    for d in result.classes + result.other_classes + result.functions:
        where = f"{d.module}.{d.qualname}" + (f"  ({_short(d.file)}:{d.line})" if d.file else "")
        kind = d.kind + (f" -> {d.wraps}" if d.wraps else "")
        rows.append((kind, d.name, where, ", ".join(d.paths)))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"ssot scan ({result.mode}) of {result.package}"]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3] for row in rows]
    if len(rows) == 1:
        searched = ", ".join(result.searched_functions) or "(none)"
        lines.append(f"(nothing matched: no class name matching {result.class_pattern!r}, "
                     f"no function named {searched})")
    for e in result.import_errors:
        lines.append(f"import error: {e.module}: {e.error_type}: {e.message}")
    for p in result.parse_errors:
        lines.append(f"parse error: {p.file}:{p.line}: {p.message}" + (f" [needs {p.needs}]" if p.needs else ""))
    for s in result.importers:
        lines.append(f"imports {s.imported}: {_short(s.file)}:{s.line}: {s.statement}")
    others = f", {len(result.other_classes)} protocol/enum/exception classes (not implementations)" \
        if result.other_classes else ""
    lines.append(
        f"{len(result.classes)} classes{others}, {len(result.functions)} functions; "
        f"{result.files_scanned} files scanned, {result.files_parsed} parsed, {result.seconds:.3f}s"
    )
    lines += filter(None, [result.syntax_note()])
    lines.append(excluded_line(result.excluded))
    return "\n".join(lines)


def excluded_line(excluded: dict[str, int]) -> str:
    """How many files the exclude globs left out, and by which glob."""
    total = sum(excluded.values())
    if not total:
        return "0 files excluded"
    by = ", ".join(f"{n} by {glob}" for glob, n in excluded.items())
    return f"{total} file{'s' if total != 1 else ''} excluded ({by})"


def _short(path: str | None) -> str:
    if not path:
        return "?"
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


def configure_report(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, parser_class=_Parser, metavar="{merge,render}")
    merge = actions.add_parser("merge", prog="ssot report merge",
                               help="merge --ssot-report files of several jobs, recomputing verdicts")
    merge.add_argument("reports", nargs="+", metavar="REPORT.json", help="single or already merged reports")
    merge.add_argument("-o", "--output", required=True, metavar="PATH", help="where to write the merged JSON")
    merge.add_argument("--allow-conflicts", action="store_true",
                       help="exit 0 even when jobs disagree on a test's outcome or an issue's status")
    render = actions.add_parser("render", prog="ssot report render",
                                help="render a single or merged report as markdown or a self-contained HTML page")
    render.add_argument("reports", nargs="+", metavar="REPORT.json",
                        help="a report; several over time: the most recent is rendered with a trend across all")
    render.add_argument("--format", choices=("markdown", "html"), default="markdown")
    render.add_argument("-o", "--output", metavar="PATH", help="write here instead of stdout")
    for kind, placeholders in (("issue", "{issue}"), ("source", "{path} {line} {commit} {branch}"),
                               ("run", "{commit} {branch} {env[NAME]}")):
        render.add_argument(f"--{kind}-url", metavar="TEMPLATE",
                            help=f"link template ({placeholders}); overrides the report's [tool.ssot] urls.{kind}")
    render.add_argument("--history", metavar="HISTORY.json",
                        help="(html) add the section of an `ssot history --json` document")


@command("report", help="merge the JSON reports of CI jobs; render them as markdown or HTML")
def run_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pytest_ssot.report.merge import ReportError, conflict_lines, load_report, merge_reports
    from pytest_ssot.report.build import write_report

    try:
        if args.action == "merge":
            loaded = [(name, load_report(Path(name))) for name in args.reports]
            count = len(loaded)
            result = merge_reports(loaded, consume=True)  # loaded for this alone: no copy of every test
            del loaded
            try:
                write_report(Path(args.output), result.document)
            except OSError as exc:
                raise ReportError(f"cannot write {args.output}: {exc.strerror or exc}") from None
            for line in conflict_lines(result.conflicts):
                print(line, file=sys.stderr)
            targets = ", ".join(result.document["targets"]) or "none"
            print(f"ssot report: merged {count} report(s) (targets: {targets}) into {args.output}"
                  + (f"; {len(result.conflicts)} conflict(s)" if result.conflicts else ""))
            return EXIT_CONFLICTS if result.conflicts and not args.allow_conflicts else EXIT_OK
        history = [load_report(Path(name)) for name in args.reports]
    except ReportError as exc:
        raise UsageError(f"ssot report: {exc}") from None
    from pytest_ssot.config.links import Linker, TemplateError, check_templates
    from pytest_ssot.report.trend import latest

    given = {kind: getattr(args, f"{kind}_url") for kind in ("issue", "source", "run")}
    for kind, template in given.items():
        try:
            check_templates({kind: template} if template is not None else {}, f"ssot report render --{kind}-url")
        except TemplateError as exc:
            raise UsageError(str(exc).replace(f"--{kind}-url: {kind} = ", f"--{kind}-url ", 1)) from None
    linker = Linker(given=given, environ=os.environ)
    document = latest(history)
    if args.format == "html":
        from pytest_ssot.report.dashboard import render_html

        text = render_html(document, linker, history if len(history) > 1 else None)
        if getattr(args, "history", None):
            from pytest_ssot.cli_history import load_history
            from pytest_ssot.history.html import add_to_dashboard

            try:
                text = add_to_dashboard(text, load_history(args.history))
            except ValueError as exc:
                raise UsageError(f"ssot report: {exc}") from None
    else:
        if getattr(args, "history", None):
            raise UsageError("ssot report: --history needs --format html")
        from pytest_ssot.report.markdown import render_markdown

        text = render_markdown(document, linker)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"ssot report: cannot write {args.output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    return EXIT_OK


from pytest_ssot.cli_history import HistoryUsageError, configure_history, run_history  # noqa: E402 - its own module

command("history", help="the static checks over the commits of a git range, from git objects")(run_history)


def build_parser() -> argparse.ArgumentParser:
    from pytest_ssot.core.version import __version__

    parser = _Parser(prog="ssot", description="pytest-ssot command line")
    parser.add_argument("--version", action="version", version=f"ssot {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                       metavar="{" + ",".join(COMMANDS) + "}")
    for name, (configure, _run) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=getattr(configure, "help", None), prog=f"ssot {name}")
        configure(sub)
    return parser


EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it


def main(argv: Sequence[str] | None = None) -> int:
    from pytest_ssot.core.children import install_signal_handlers

    install_signal_handlers()  # SIGTERM/SIGHUP: a runtime scan's child dies with us
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command][1](args)
    except (UsageError, HistoryUsageError) as exc:
        print(str(exc).splitlines()[0], file=sys.stderr)
        return getattr(exc, "exit_code", EXIT_USAGE)
    except KeyboardInterrupt:  # the child (if any) was killed on the way out: see pytest_ssot.core.children
        print("ssot: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
