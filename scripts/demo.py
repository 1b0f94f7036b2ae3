"""The main job: the bundled suites, every tier, against the three demo targets.

For each target it starts that target's own server as a separate process (the
staging tier's stand-in for a deployed URL), runs ``pytest -p ssot suites``
with ``--ssot-staging-url`` pointing at it, and stops it. Every run must exit
0, held to the committed ledger ``ssot-ledger.json``:

- ``demo-fragmented`` (every issue open): each check XFAILs with the findings
  the ledger holds for it, the guards pass;
- ``demo-partial`` (every issue open, half consolidated): some checks of every
  issue are recorded clean and pass, the others XFAIL with their known
  findings - green, although no issue is fixed;
- ``demo-consolidated`` (every issue resolved): everything passes.

Each run prints its per-issue table ("checks clean k/n"); the JSON reports,
their merge and the HTML dashboard land in ``artifacts/``. After a deliberate
change to a demo state, ``./scripts/demo --ssot-baseline-update`` records it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from unittest.mock import patch

if TYPE_CHECKING:
    from pytest_ssot.ws.servers import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("demo-fragmented", "demo-partial", "demo-consolidated")
LEDGER = ROOT / "ssot-ledger.json"  # per target and check, the findings confirmed: any new one fails the main job
sys.path.insert(0, str(ROOT))

from pytest_ssot.core.children import call, exit_on_signals  # noqa: E402 (after the path is set)


def suite_args(target: str, staging_url: str, report: Path, extra: list[str],
               ledger: Path | None = LEDGER) -> list[str]:
    """The pytest arguments of one target's run, valid from any working directory."""
    held = [f"--ssot-baseline={ledger}"] if ledger is not None else []
    return ["-p", "ssot", str(ROOT / "suites"), f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"),
            f"--ssot-target={target}", f"--ssot-staging-url={staging_url}", f"--ssot-report={report}",
            *held, "-rfEs", *extra]  # XFAIL reasons: add -rx


@contextmanager
def target_server(target: str) -> Iterator[ServerProcess]:
    """``target``'s own server (its ``app``, ``root`` and ``python``) in its own process, with a fresh secret.

    While it runs, ``CHATAPP_SECRET`` holds that signing secret in ``os.environ``:
    the server and the target's token function (here or in a child) must agree on it.
    """
    from pytest_ssot.config.load import CliValues
    from pytest_ssot.configure import load_config
    from pytest_ssot.ws.servers import start_app_process

    config = load_config(ROOT / "pyproject.toml", CliValues(target=target), {}).target
    secret = secrets.token_hex(16)
    with start_app_process(config.app, config.root, python=config.python, env={"CHATAPP_SECRET": secret}) as server, \
            patch.dict(os.environ, CHATAPP_SECRET=secret):
        yield server


def run_target(target: str, extra: list[str], report: Path | None = None, *,
               runner: Callable[[list[str]], int] | None = None, ledger: Path | None = LEDGER) -> tuple[int, dict]:
    """Run the suites against ``target`` with its own server as the staging URL; (exit code, report).

    ``runner`` runs pytest with the given arguments (``CHATAPP_SECRET`` is set in
    ``os.environ`` while it runs) and returns the exit code; the tests pass
    pytester's. By default pytest runs in a subprocess of this interpreter.
    ``ledger``: the ledger the run is held to (None: none, plain fail-first).
    """
    report = report or ROOT / "artifacts" / f"{target}.json"
    report.unlink(missing_ok=True)
    with target_server(target) as server:
        args = suite_args(target, server.url, report, extra, ledger)
        if runner is not None:
            code = runner(args)
        else:
            print(f"\n$ pytest {' '.join(redacted(args))}   # staging: {target}'s server in its own process", flush=True)
            code = call([sys.executable, "-m", "pytest", *args], cwd=ROOT)
    document = json.loads(report.read_text()) if report.exists() else {"issues": {}}
    return code, document


SECRET_OPTION = "--ssot-staging-token"


def redacted(args: list[str]) -> list[str]:
    """``args`` as they may be echoed: the value of the token option (or an abbreviation of it) as ``***``."""
    shown: list[str] = []
    hide_next = False
    for arg in args:
        name, sep, _value = arg.partition("=")
        if hide_next:
            shown.append("***")
            hide_next = False
        elif len(name) > len("--ssot-staging-") and SECRET_OPTION.startswith(name):
            shown.append(f"{name}=***" if sep else name)
            hide_next = not sep
        else:
            shown.append(arg)
    return shown


def write_dashboard(reports: list[Path]) -> Path:
    """Merge the runs' reports and render the HTML dashboard beside them."""
    from pytest_ssot.report.dashboard import render_html
    from pytest_ssot.report.merge import load_report, merge_reports
    from pytest_ssot.report.build import write_report

    merged = merge_reports((path.name, load_report(path)) for path in reports if path.exists()).document
    write_report(ROOT / "artifacts" / "demo-merged.json", merged)
    page = ROOT / "artifacts" / "dashboard.html"
    page.write_text(render_html(merged), encoding="utf-8")
    return page


FOREIGN = ROOT / "artifacts" / "foreign-target"
# the generated foreign target: a pre-consolidation copy of its manager and factory, still importable
LEGACY_CONNECTIONS = '''
class ConnectionManager:
    """The pre-consolidation copy, still importable."""

    def __init__(self, user_context):
        self.user_context = user_context


def get_connection_manager(user_context):
    return ConnectionManager(user_context)
'''
FOREIGN_URLS = ('urls = {issue = "https://tracker.example.com/realtime/issues/{issue}", '
                'source = "https://code.example.com/realtime/blob/{commit}/{path}#L{line}"}\n')
FOREIGN_ISSUES = "[tool.ssot.targets.rt.issues]\n824 = \"resolved\"\n889 = \"open\"\n960 = \"open\"\n1036 = \"open\"\n"
# as the README's step 4 says: pytest-asyncio warns on every run until its loop scope is set
FOREIGN_PYTEST = '\n[tool.pytest.ini_options]\nasyncio_default_fixture_loop_scope = "function"\n'


def run_foreign_target() -> tuple[int, Path]:
    """The unit tier against a generated target with foreign names (tests/realtime_target.py); (exit, report).

    Nothing of the demo's names: a ``realtime`` package, ``ConnectionManager``,
    ``get_connection_manager``, link templates in its ``[tool.ssot] urls``. Its
    checks find what was planted (a legacy copy, a factory that races), so its
    exit code is shown, not held to 0.
    """
    sys.path.insert(0, str(ROOT / "tests"))
    from realtime_target import RACY_FACTORY, write_target

    shutil.rmtree(FOREIGN, ignore_errors=True)
    pyproject = write_target(FOREIGN, factory=RACY_FACTORY, modules={"legacy_connections": LEGACY_CONNECTIONS},
                             root_toml=FOREIGN_URLS, extra_toml=FOREIGN_ISSUES + FOREIGN_PYTEST)
    # its factory refuses a call without a user context, and says so: a documented refusal, not a crash
    pyproject.write_text(pyproject.read_text().replace('function_name = "get_connection_manager"\n',
                                                       'function_name = "get_connection_manager"\n'
                                                       'null_user_context = "error"\n', 1))
    report = ROOT / "artifacts" / "foreign.json"
    report.unlink(missing_ok=True)
    args = ["-p", "ssot", "-p", "no:cacheprovider", str(ROOT / "suites"), f"--rootdir={FOREIGN}",
            "-c", str(FOREIGN / "pyproject.toml"), "-m", "unit", f"--ssot-report={report}", "-rfE"]
    log = ROOT / "artifacts" / "foreign-target.log"
    print(f"\n$ pytest {' '.join(args)}   # a generated target with foreign names, unit tier "
          f"(output in {log.relative_to(ROOT)})", flush=True)
    with open(log, "wb") as output:
        code = call([sys.executable, "-m", "pytest", *args], cwd=FOREIGN, stdout=output, stderr=subprocess.STDOUT)
    if report.exists():
        from pytest_ssot.report.merge import load_report
        from pytest_ssot.report.build import table_lines

        print("\n".join("  " + line for line in table_lines(load_report(report))))
    return code, report


def write_screenshots(pages: dict[str, Path]) -> list[str]:
    """A PNG beside each dashboard page (headless chromium); one line per page saying where, or why not."""
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import screenshot

    lines = []
    for name, page in pages.items():
        png = ROOT / "artifacts" / f"{name}.png"
        problem = screenshot(page, png)
        lines.append(f"screenshot: {png.relative_to(ROOT)}" if problem is None else f"no screenshot of {name}: {problem}")
    return lines


def main() -> int:
    exit_on_signals()  # SIGTERM unwinds like Ctrl-C: pytest and the server stop, the server's log is removed
    results = {target: run_target(target, sys.argv[1:]) for target in TARGETS}
    foreign_code, foreign_report = run_foreign_target()
    page = write_dashboard([ROOT / "artifacts" / f"{target}.json" for target in TARGETS])
    foreign_page = ROOT / "artifacts" / "dashboard-foreign.html"
    if foreign_report.exists():
        from pytest_ssot.report.dashboard import render_html
        from pytest_ssot.report.merge import load_report

        foreign_page.write_text(render_html(load_report(foreign_report)), encoding="utf-8")
    print(f"\ndashboard: {page.relative_to(ROOT)} (merged report: artifacts/demo-merged.json); "
          f"foreign target: {foreign_page.relative_to(ROOT)}")
    for line in write_screenshots({"dashboard-demo": page, "dashboard-foreign": foreign_page}):
        print(line)
    from pytest_ssot.report.build import VERDICT_LABELS  # the tables' words, not the report's keys

    print("\nmain job summary")
    failed = False
    for target, (code, document) in results.items():
        verdicts = ", ".join(f"#{n} {VERDICT_LABELS.get(i['verdict'], i['verdict'])}"
                             for n, i in document["issues"].items()) or "no issues"
        print(f"  {target:20s} exit {code}  {verdicts}")
        failed |= code != 0
    print(f"  {'foreign target rt':20s} exit {foreign_code}  (shown, not held to 0: its checks find what was planted)")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # pytest and the server were stopped on the way out
        print("demo: interrupted", file=sys.stderr)
        sys.exit(130)
