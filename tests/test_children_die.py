"""Issue 14: every child the plugin or the scripts start ends with its parent, however the parent ends.

SIGINT goes to the whole process group the test created (a Ctrl-C in a
terminal); SIGTERM only to the top process (a CI runner or supervisor stopping
a job). The runtime scan's child runs in its own session, so neither signal
reaches it directly: the parent must take it along. Afterwards no process of
the run may be running and no port it bound may still accept connections.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import textwrap
from pathlib import Path

import pytest

from tests.process_support import Group, pids_in_file, port_free, process_group, wait_for

REPO = Path(__file__).resolve().parent.parent
SIGNALS = [pytest.param(signal.SIGINT, id="SIGINT-to-group"), pytest.param(signal.SIGTERM, id="SIGTERM-to-parent")]

SPIN = """
import os, subprocess, sys
# a grandchild in the scan child's own group, and the scan child itself at 100 % CPU
grand = subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(1)"])
with open(os.environ["SSOT_TEST_PIDS"], "a") as f:
    f.write(f"{os.getpid()}\\n{grand.pid}\\n")
while True:
    pass
"""


def hanging_target(tmp_path: Path) -> Path:
    """A project whose package loops forever at import time (as a runtime scan imports it)."""
    project = tmp_path / "proj"
    package = project / "src" / "hangpkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "spin.py").write_text(SPIN)
    (project / "pyproject.toml").write_text(textwrap.dedent("""
        [tool.ssot]
        target = "t"

        [tool.ssot.targets.t]
        root = "src"
        package = "hangpkg"
    """))
    (project / "test_scan.py").write_text(textwrap.dedent("""
        import pytest

        @pytest.mark.unit
        def test_scan(ssot_runtime_scan):
            pass
    """))
    return project


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SSOT_", "PYTEST_")) and k not in ("PYTHONPATH", "COV_CORE_SOURCE")}
    env.update(extra)
    return env


def stop_and_check(group: Group, how: signal.Signals, watched: set, *, wait: float = 60.0) -> None:
    """Send ``how`` as a terminal or a supervisor would, then require every watched process gone."""
    if how == signal.SIGINT:
        os.killpg(group.proc.pid, signal.SIGINT)
    else:
        os.kill(group.proc.pid, signal.SIGTERM)
    try:
        group.proc.wait(wait)
    except Exception:  # noqa: BLE001 - reported below with the output
        pytest.fail(f"the parent did not exit within {wait}s of {how.name}:\n{group.output()[-3000:]}")
    survivors = wait_for(lambda: not group.survivors(watched), 15.0)
    assert survivors, f"still running after {how.name}: {group.survivors(watched)}\n{group.output()[-3000:]}"


def watched_processes(group: Group, pid_file: Path, expected: int) -> set:
    """The run's processes once the hang is reached: everything below the parent, and the children it reported."""
    assert wait_for(lambda: len(pids_in_file(pid_file)) >= expected, 90.0), \
        f"the hang was never reached:\n{group.output()[-3000:]}"
    procs = group.snapshot()
    from tests.process_support import identity

    extra = {identity(pid) for pid in pids_in_file(pid_file)} - {None}
    group.known |= extra
    assert {p[0] for p in extra} <= {p[0] for p in procs}, "the reported children are not below the parent"
    return procs | extra


@pytest.mark.parametrize("how", SIGNALS)
def test_pytest_unit_run_hanging_in_a_runtime_scan_takes_its_children_along(tmp_path, how):
    project = hanging_target(tmp_path)
    pid_file = tmp_path / "pids"
    command = [sys.executable, "-m", "pytest", "-p", "ssot", "-p", "no:cacheprovider", "-m", "unit",
               "test_scan.py", "--ssot-report=r.json"]
    with process_group(command, log=tmp_path / "out.log", cwd=project,
                       env=clean_env(SSOT_TEST_PIDS=str(pid_file))) as group:
        watched = watched_processes(group, pid_file, 2)
        assert len(watched) >= 3  # pytest, the scan child, its grandchild
        stop_and_check(group, how, watched)
        if how == signal.SIGINT:  # pytest ran to its end: the report says the run was interrupted
            assert json.loads((project / "r.json").read_text())["interrupted"] is True


@pytest.mark.parametrize("how", SIGNALS)
def test_ssot_scan_runtime_takes_its_child_along(tmp_path, how):
    project = hanging_target(tmp_path)
    pid_file = tmp_path / "pids"
    command = [sys.executable, "-c", "import sys; from pytest_ssot.cli import main; sys.exit(main(sys.argv[1:]))",
               "scan", "--runtime", "--root", str(project / "src"), "--package", "hangpkg", "--timeout", "600"]
    with process_group(command, log=tmp_path / "out.log", env=clean_env(SSOT_TEST_PIDS=str(pid_file))) as group:
        watched = watched_processes(group, pid_file, 2)
        stop_and_check(group, how, watched)
        if how == signal.SIGINT:
            assert group.proc.returncode == 130 and "Traceback" not in group.output()


HANG_IN_STAGING = """
import os, time

def pytest_runtest_call(item):
    if item.get_closest_marker("staging"):
        with open(os.environ["SSOT_TEST_PIDS"], "a") as f:
            f.write(f"{os.getpid()}\\n")
        time.sleep(600)  # bounded: the test signals long before
"""


@pytest.mark.parametrize("how", SIGNALS)
def test_demo_stopped_during_the_staging_tier_leaves_nothing_behind(tmp_path, how):
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "hang_in_staging.py").write_text(HANG_IN_STAGING)
    pid_file = tmp_path / "pids"
    command = [str(REPO / "scripts" / "demo"), "-m", "staging", "-p", "hang_in_staging", "-p", "no:cacheprovider"]
    env = clean_env(SSOT_TEST_PIDS=str(pid_file), PYTHONPATH=str(tmp_path / "plugins"))
    with process_group(command, log=tmp_path / "out.log", cwd=REPO, env=env) as group:
        watched = watched_processes(group, pid_file, 1)
        found = re.search(r"--ssot-staging-url=ws://127\.0\.0\.1:(\d+)", group.output())
        assert found, group.output()[-3000:]
        port = int(found.group(1))
        assert not port_free("127.0.0.1", port)  # the staging stand-in is up
        logs = [Path(os.readlink(f"/proc/{pid}/fd/2")) for pid, _ in watched
                if b"serve_app" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert logs and all(log.name.startswith("ssot-server-") and log.exists() for log in logs)
        stop_and_check(group, how, watched)
        assert port_free("127.0.0.1", port), "the staging server still accepts connections"
        assert not any(log.exists() for log in logs), "the server's temporary log was left behind"


def test_demo_never_echoes_the_staging_token():
    import importlib.util

    spec = importlib.util.spec_from_file_location("ssot_demo_redact", REPO / "scripts" / "demo.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    secret = "s3cr3t-t0ken"
    for args in (["--ssot-staging-token", secret], [f"--ssot-staging-token={secret}"],
                 ["--ssot-staging-tok", secret], [f"--ssot-staging-to={secret}"], ["-x", "--ssot-staging-token", secret, "-q"]):
        shown = " ".join(demo.redacted(demo.suite_args("demo-fragmented", "ws://127.0.0.1:1", Path("r.json"), args)))
        assert secret not in shown, shown
    assert demo.redacted(["-q", "--ssot-staging-url=ws://x"]) == ["-q", "--ssot-staging-url=ws://x"]
