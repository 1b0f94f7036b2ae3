"""The per-run part of the plugin: registered by :mod:`pytest_ssot.plugin` only when configured.

It owns the per-test hooks (tiers, issue marks, waivers, the fail-first outcome,
the ledger's judgement) and the end of the run (report, ledger update, summary).
Kept out of the plugin module, which every pytest run of the venv imports.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_ssot.session_state import STAGING_SKIP_REASON
from pytest_ssot.core.violation import clip

if TYPE_CHECKING:
    from pathlib import Path

    from _pytest.reports import TestReport
    from _pytest.runner import CallInfo

    from pytest_ssot.config.load import SSOTConfig
    from pytest_ssot.report.ledger import Ledger
    from pytest_ssot.report.outcomes import IssueMark

mark_error_key = pytest.StashKey[str]()
waived_key = pytest.StashKey[str]()


class SSOTSession:
    """The per-run part of the plugin, registered only when configured."""

    def __init__(self, config: pytest.Config, settings: SSOTConfig) -> None:
        from pytest_ssot.report.build import RunMetrics, TestOutcomes

        self.config = config
        self.settings = settings
        self.outcomes = TestOutcomes()
        self.metrics = RunMetrics()
        # read and checked with the configuration, so its problems joined the others (one list, exit 4)
        self.ledger: Ledger | None = settings.ledger
        from pytest_ssot.core.children import install_signal_handlers
        from pytest_ssot.core.threads import ThreadWatch

        install_signal_handlers()  # SIGTERM/SIGHUP: kill our probe and server children first, then die of it
        self.threads = ThreadWatch(wait=config.getoption("ssot_wait_for_threads"))
        self.interrupted = False
        self.session: pytest.Session | None = None
        from pytest_ssot.report.outcomes import ACCEPT, UPDATE

        self.update_mode = ACCEPT if settings.baseline_accept else UPDATE if settings.baseline_update else ""
        self.marks: dict[str, IssueMark] = {}
        self.checks: dict[str, str] = {}  # node id -> check id (the ledger's key)
        self.looks_fixed_issues: set[int] = set()  # open issues whose every collected check the ledger holds clean
        self.is_worker = hasattr(config, "workerinput")
        self.final: dict[str, Any] | None = None  # the report, built once at the end of the run
        self.ledger_written: list[Any] = []
        self.source_root: Path | None = None  # where finding paths are relative to (found on the first finding)
        self.suites_checked = False

    # -- header and collection

    def pytest_collectstart(self, collector: pytest.Collector) -> None:
        """The bundled suites without their extra: one line and exit 4, before any of them is imported."""
        if self.suites_checked or not isinstance(collector, (pytest.Module, pytest.Package)):
            return
        from pytest_ssot.config.extras import is_suite_path, suites_dir, suites_problem

        if is_suite_path(collector.path, suites_dir()):
            self.suites_checked = True
            problem = suites_problem(self.config)
            if problem:
                raise pytest.UsageError(problem)

    def pytest_report_header(self, config: pytest.Config) -> str:
        s = self.settings
        target = s.target.name if s.target else "none"
        statuses = " ".join(f"{n}={st}" for n, st in sorted(s.statuses.items())) or "none set"
        tiers = ",".join(s.tiers) if s.tiers else "all"
        staging = "configured" if s.staging_url else "not configured"
        return f"ssot: target {target}; issues {statuses}; tiers {tiers}; staging {staging}"

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        from pytest_ssot.report.ledger import check_id
        from pytest_ssot.report.outcomes import parse_issue_marker
        from pytest_ssot.config.schema import TIERS

        self._check_issue_overrides(items)
        keep: list[pytest.Item] = []
        deselected: list[pytest.Item] = []
        for item in items:
            tier = next((t for t in TIERS if item.get_closest_marker(t)), None)
            if self.settings.tiers is not None and tier not in self.settings.tiers:
                deselected.append(item)
                continue
            keep.append(item)
            marker = item.get_closest_marker("ssot_issue")
            if marker is not None:
                try:
                    mark = parse_issue_marker(marker.args, marker.kwargs, self.settings.target)
                except ValueError as exc:
                    item.stash[mark_error_key] = str(exc)
                else:
                    self.marks[item.nodeid] = _with_tier(mark, tier)
                    self.checks[item.nodeid] = check_id(item.nodeid, item.path.name)
            if tier == "staging" and not self.settings.staging_url and "ssot_staging" not in item.fixturenames:
                # (a test on ssot_staging skips in that fixture: one place, so -rs folds them into one line)
                item.add_marker(pytest.mark.skip(reason=STAGING_SKIP_REASON))
        self._apply_waivers(items)
        self._find_issues_recorded_clean(keep)
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = keep

    def _check_issue_overrides(self, items: list[pytest.Item]) -> None:
        """An --ssot-issue / SSOT_ISSUES number that nothing knows is a typo: refuse it before the first test.

        Known: the target's [issues] table, the bundled suites' issues, or an
        ``ssot_issue(N)`` marker on any collected test (before tier selection).
        """
        if not self.settings.unverified_issues:
            return
        from pytest_ssot.report.outcomes import parse_issue_marker

        carried = set()
        for item in items:
            for marker in item.iter_markers("ssot_issue"):
                try:
                    carried.add(parse_issue_marker(marker.args, marker.kwargs).number)
                except ValueError:
                    pass
        unknown = [n for n in self.settings.unverified_issues if n not in carried]
        if unknown:
            target = self.settings.target.name if self.settings.target else None
            where = f"[tool.ssot.targets.{target}.issues]" if target else "no target's [issues] table"
            raise pytest.UsageError("\n".join(
                f"--ssot-issue / SSOT_ISSUES: issue {n} is unknown (not in {where}, not a bundled suite's issue, "
                f"no collected test carries ssot_issue({n})); fix: check the number" for n in unknown))

    def _apply_waivers(self, items: list[pytest.Item]) -> None:
        """Skip the waived checks with their reason; a waiver naming no collected check is a usage error.

        A waiver can only be judged when its test file was collected: one for a
        file this run did not collect (another tier, a subset) is left alone.
        """
        waive = self.settings.target.waive if self.settings.target is not None else {}
        if not waive:
            return
        from pytest_ssot.report.ledger import check_id

        by_check = {check_id(item.nodeid, item.path.name): item for item in items}
        files = {item.path.name for item in items}
        unknown = [c for c in waive if c not in by_check and c.partition("::")[0] in files]
        if unknown:
            name = self.settings.target.name
            raise pytest.UsageError("\n".join(
                f"[tool.ssot.targets.{name}.waive]: {c!r} names no check in {c.partition('::')[0]}; fix: copy the "
                "id from the ledger or the report's 'check' field, or remove the waiver" for c in unknown))
        for check, reason in waive.items():
            item = by_check.get(check)
            if item is not None:
                item.stash[waived_key] = reason
                item.add_marker(pytest.mark.skip(reason=f"waived: {reason}"))

    def _find_issues_recorded_clean(self, items: list[pytest.Item]) -> None:
        """Open issues whose every collected non-guard check the ledger records clean: they look fixed."""
        if self.ledger is None:
            return
        by_issue: dict[int, list[str]] = {}
        for item in items:
            mark = self.marks.get(item.nodeid)
            if mark is not None and not mark.guard and waived_key not in item.stash:
                by_issue.setdefault(mark.number, []).append(self.checks[item.nodeid])
        self.looks_fixed_issues = {n for n, checks in by_issue.items()
                                   if self.settings.status_of(n) == "open" and self.ledger.issue_recorded_clean(n, checks)}

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        error = item.stash.get(mark_error_key, None)
        if error is not None:
            pytest.fail(f"{item.nodeid}: {error}", pytrace=False)

    # -- outcomes

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: CallInfo[None]
    ) -> Generator[None, TestReport, TestReport]:
        report = yield
        from pytest_ssot.core.violation import SSOTSetupError, is_violation, violation_summary

        short = self.config.option.tbstyle not in ("long", "native")
        if call.excinfo is not None and short and report.failed:
            error = call.excinfo.value
            if isinstance(error, SSOTSetupError):
                # a check that could not run: what is wrong and how to fix it, not the plugin's insides
                report.longrepr = f"{type(error).__name__}: {error}"
            elif is_violation(error):
                # one line per violation with its findings; not the helpers' traceback (--tb=long shows it)
                report.longrepr = violation_summary(error)
        mark = self.marks.get(item.nodeid)
        if mark is None:
            return report
        report = self._classify(item, call, report, mark)
        if report.failed:  # why, in one line, for the report's failure list
            report.ssot_reason = failure_line(report)  # type: ignore[attr-defined]
        return report

    def _classify(self, item: pytest.Item, call: CallInfo[None], report: TestReport, mark: IssueMark) -> TestReport:
        """The ssot_* fields of a marked test's report, and its fail-first outcome."""
        from pytest_ssot.report.ledger import NEW, RatchetRise
        from pytest_ssot.report.outcomes import apply_fail_first
        from pytest_ssot.core.violation import (
            error_details,
            error_line,
            is_violation,
            violation_keys,
            violation_summary,
            violation_text,
        )

        report.ssot_check = self.checks[item.nodeid]  # type: ignore[attr-defined]
        waived = item.stash.get(waived_key, None)
        if waived is not None:
            report.ssot_waived = waived  # type: ignore[attr-defined]
        violation, keys = None, None
        if call.when == "call" and call.excinfo is not None and is_violation(call.excinfo.value):
            violation = violation_summary(call.excinfo.value)  # what the terminal shows: one line per violation
            keys = violation_keys(call.excinfo.value)
            report.ssot_violation = violation_text(call.excinfo.value)  # type: ignore[attr-defined]
            locations = self._locations(call.excinfo.value)
            if locations:
                report.ssot_locations = locations  # type: ignore[attr-defined]
        elif call.when == "call" and call.excinfo is not None and isinstance(call.excinfo.value, RatchetRise):
            # a ratchet item the ledger lacks: judged like a new finding (verdict "regressed"), never "broken"
            from pytest_ssot.report.outcomes import NEW_VIOLATION

            report.ssot_effect = NEW_VIOLATION  # type: ignore[attr-defined]
            report.ssot_ledger = NEW  # type: ignore[attr-defined]
            report.ssot_new = list(call.excinfo.value.new)  # type: ignore[attr-defined]
        elif call.excinfo is not None and report.failed:
            # why a test failed outside the fail-first table, so a "broken" verdict can be read off the report
            report.ssot_error = error_line(call.excinfo.value)  # type: ignore[attr-defined]
            details = error_details(call.excinfo.value)
            if details:  # e.g. every submodule a guard found broken, not just "7 failed to import"
                report.ssot_details = details  # type: ignore[attr-defined]
        if call.when != "call" or report.skipped:
            return report
        # the check reached a result: clean, or these findings (anything else is neither)
        clean = True if call.excinfo is None else False if violation is not None else None
        report.ssot_clean = clean  # type: ignore[attr-defined]
        report.ssot_keys = keys or []  # type: ignore[attr-defined]
        status = self.settings.status_of(mark.number)
        judgement = self._judge(mark, status, report.ssot_check, clean, keys)
        if judgement is not None:
            report.ssot_ledger = judgement.state  # type: ignore[attr-defined]
            report.ssot_new = list(judgement.new)  # type: ignore[attr-defined]
            report.ssot_fixed = list(judgement.fixed)  # type: ignore[attr-defined]
        if not self.config.option.runxfail:
            effect = apply_fail_first(report, mark, status, violation, judgement,
                                      issue_looks_fixed=mark.number in self.looks_fixed_issues,
                                      update=self.update_mode)
            if effect is not None:
                report.ssot_effect = effect  # type: ignore[attr-defined]
        return report

    def _locations(self, error: BaseException) -> list[dict[str, Any]]:
        """Where the findings are, relative to the repository (or rootdir): what a source link needs."""
        from pytest_ssot.report.runinfo import finding_locations, source_root
        from pytest_ssot.core.violation import violation_leaves

        findings = [f for v in violation_leaves(error) for f in v.findings]
        if not findings:
            return []
        if self.source_root is None:  # asked once per process, on the first finding
            self.source_root = source_root(self.config.rootpath)
        return finding_locations(findings, self.source_root)

    def _judge(self, mark: IssueMark, status: str | None, check: str, clean: bool | None,
               keys: list[str] | None) -> Any:
        """The check's findings against the ledger: only for an open issue's checks that reached a result."""
        if self.ledger is None or mark.guard or status != "open" or clean is None:
            return None
        from pytest_ssot.report.ledger import judge

        return judge(self.ledger.recorded(mark.number, check), keys or [])

    def pytest_runtest_logreport(self, report: TestReport) -> None:
        if getattr(report, "node", None) is not None:
            return  # forwarded from an xdist worker: its records arrive in workeroutput
        mark = self.marks.get(report.nodeid)
        if mark is not None:
            self.outcomes.add(report, mark)

    # -- xdist hand-off and the end of the run

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object | None) -> None:
        output = getattr(node, "workeroutput", None) or {}
        self.outcomes.extend(output.get("ssot_records", []))
        self.metrics.merge(output.get("ssot_metrics", {}))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.session = session  # its exit status is the process's, also when leaked threads force the exit
        if self.is_worker:
            self.config.workeroutput["ssot_records"] = self.outcomes.records  # type: ignore[attr-defined]
            self.config.workeroutput["ssot_metrics"] = self.metrics.to_json()  # type: ignore[attr-defined]
            return
        # every record is in (xdist nodes went down before this hook): build the report once.
        # A run stopped before its end (Ctrl-C, -x/--maxfail) judged part of the evidence: it says so
        self.interrupted = session.exitstatus == pytest.ExitCode.INTERRUPTED or bool(session.shouldstop) \
            or bool(session.shouldfail)
        self.final = self.document()
        path = self.settings.report_path
        if path is not None:
            from pytest_ssot.report.build import write_report

            write_report(self._invocation_path(path), self.final)
        if self.update_mode and not self.interrupted:  # the configuration made sure a ledger path and target are set
            self._write_ledger(session)

    def _write_ledger(self, session: pytest.Session) -> None:
        from pytest_ssot.report.ledger import updated, write_ledger

        ratchets = {name: entry["items"] for name, entry in self.final["ratchets"].items()}
        ledger, self.ledger_written = updated(self.ledger, self.outcomes.records, ratchets, self.settings.statuses,
                                              accept_new=self.settings.baseline_accept)
        if self.ledger_written:
            write_ledger(self._invocation_path(self.settings.baseline_path), self.settings.target.name, ledger)
        fixed = [n for n, issue in self.final["issues"].items() if issue["verdict"] == "looks_fixed"]
        if fixed and session.exitstatus == pytest.ExitCode.OK:
            # every check of an open issue is clean: recording that is not a green run, the issue looks fixed
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _invocation_path(self, path: Path) -> Path:
        """Relative to where pytest was invoked, like --junitxml, even if a test chdir'ed."""
        return self.config.invocation_params.dir / path

    def document(self) -> dict[str, Any]:
        from pytest_ssot.report.build import build_report

        target = self.settings.target.name if self.settings.target else None
        document = build_report(target, self.settings.statuses, self.outcomes.records, self.metrics,
                                interrupted=self.interrupted, context=self._context())
        if self.ledger is not None:
            from pytest_ssot.report.ledger import ratchet_annotations

            document["ratchets"] = ratchet_annotations(document["ratchets"], self.ledger)
        return document

    def _context(self) -> dict[str, Any]:
        """What the report records about this run: environment, the target's event names, link templates.

        The event names only when the run measured latencies, the one thing they title: a target
        that never set ``events`` would otherwise carry the seeds' defaults into its report.
        """
        from datetime import datetime, timezone

        from pytest_ssot.config.links import expand
        from pytest_ssot.report.runinfo import run_metadata

        urls = dict(self.settings.urls)
        run = run_metadata(self.config.rootpath)
        run["url"] = expand(urls.get("run"), run, os.environ)  # the CI run's page: its id is in this environment
        run["time"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        target = self.settings.target
        measured = any(self.metrics.samples.values())
        return {"run": run, "events": list(target.events) if target is not None and measured else [], "urls": urls}

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> Generator[None, None, None]:
        """Outside pytest's own summary: shared setup errors folded in it, the SSOT table after it (last)."""
        from pytest_ssot.report.terminal import fold_shared_errors, retell_looks_fixed, write_summary

        undo = fold_shared_errors(terminalreporter.stats)
        undo_told = retell_looks_fixed(terminalreporter.stats, self.final if not self.is_worker else None)
        try:
            return (yield)
        finally:
            undo_told()
            undo()
            if not self.is_worker:  # the report was built in sessionfinish, which the summary follows
                write_summary(terminalreporter, self.final, update_mode=self.update_mode,
                              written=self.ledger_written, report_path=self.settings.report_path)

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Last: if the target left non-daemon threads, end the process with pytest's status instead of hanging."""
        if not self.is_worker and self.session is not None:
            session = self.session
            self.threads.at_exit(lambda: int(session.exitstatus))


def _with_tier(mark: IssueMark, tier: str | None) -> IssueMark:
    from dataclasses import replace

    return replace(mark, tier=tier)


def failure_line(report: TestReport) -> str:
    """The first line of why a test failed, as pytest's short summary shows it."""
    longrepr = report.longrepr
    text = longrepr if isinstance(longrepr, str) else getattr(getattr(longrepr, "reprcrash", None), "message", None)
    if not text:
        text = str(longrepr or "")
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if not lines:
        return "failed"
    return clip(lines[0], 400)
