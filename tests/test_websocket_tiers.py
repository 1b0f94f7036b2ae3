"""The WebSocket fixtures end to end, in inner pytest runs against both states of the backend.

Each inner run is its own process (the two states are both the package
``chatapp``), configured like a user's project: a target with ``app`` and
``token``. Consolidated: golden path and 8/10-user isolation pass. Fragmented:
the harness names the users who lose their events and the one who receives them
all, and the #1036 check is an expected failure of the open issue. The staging
fixture is run against a real server process, without a URL (skip), and against
unusable URLs (one error line, no token in the output).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_support.ports import unused_loopback_port
from backend_support.tokens import mint
from pytest_ssot.ws.servers import ServerProcess, start_app_process

REPO = Path(__file__).resolve().parents[1]
SECRET = "websocket-tiers-test-secret"

INTEGRATION = '''
import pytest
from pytest_ssot import SSOTViolation
from pytest_ssot.ws.client import assert_golden_path, assert_no_foreign_events

pytestmark = pytest.mark.integration
STATE = {state!r}


@pytest.mark.asyncio
async def test_golden_path_async(ssot_harness):
    run = await ssot_harness.golden_path("alice")
    assert_golden_path(run)
    assert set(run.latencies()) == set(run.protocol.events)


def test_golden_path_sync(ssot_harness):
    assert_golden_path(ssot_harness.golden_path_blocking("bob"))


@pytest.mark.asyncio
async def test_client_factory_two_users(ssot_client_factory):
    carol, dave = await ssot_client_factory("carol"), await ssot_client_factory("dave")
    if STATE == "consolidated":
        assert_golden_path(await carol.run_message("hi"))
        assert_no_foreign_events(dave.frames, user_id="dave")
        return
    # fragmented: the last connection (dave's) gets carol's events
    run = await carol.run_message("hi", timeout=2)
    with pytest.raises(SSOTViolation, match="golden path broken for user carol .*missing agent_started"):
        assert_golden_path(run)
    await dave.barrier(run.thread_id)
    with pytest.raises(SSOTViolation, match="user dave received 5 foreign event.* of carol"):
        assert_no_foreign_events(dave.frames, user_id="dave")


@pytest.mark.parametrize("users", [8, 10])
def test_concurrent_users(ssot_harness, users):
    report = ssot_harness.users_blocking(users)
    print(report.table())
    if STATE == "consolidated":
        report.assert_isolated()
        assert len(report.latencies) == users
        return
    last = f"ssot-user-{{users - 1:04d}}"
    others = [f"ssot-user-{{i:04d}}" for i in range(users - 1)]
    assert report.missing_users == others
    assert report.leaked_to == [last]
    assert report.user(last).foreign_users == others and report.user(last).missing == []
    with pytest.raises(SSOTViolation) as info:
        report.assert_isolated()
    text = str(info.value)
    assert "user ssot-user-0000 missed agent_started, agent_thinking" in text
    assert f"user {{last}} received {{5 * (users - 1)}} foreign events of ssot-user-0000" in text


@pytest.mark.ssot_issue(1036)
@pytest.mark.asyncio
async def test_issue_1036_ten_users_isolated(ssot_harness):
    (await ssot_harness.users(10)).assert_isolated()


def test_separate_process_and_diagnostics(ssot_server_process, ssot_harness):
    other = ssot_harness.at(ssot_server_process.url)
    assert other.url != ssot_harness.url
    assert_golden_path(other.golden_path_blocking("erin"))
    assert "managers" in other.diagnostics_blocking()
'''

AUTO_ONLY = '''
from pytest_ssot.ws.client import assert_golden_path


async def test_unmarked_async_test_uses_the_client_factory(ssot_client_factory):
    client = await ssot_client_factory("frank")
    assert_golden_path(await client.run_message("auto mode"))
'''

STAGING = '''
import pytest
from pytest_ssot.ws.client import assert_golden_path

pytestmark = pytest.mark.staging


def test_staging_golden_path(ssot_staging):
    assert_golden_path(ssot_staging.golden_path_blocking("staging-user"))


def test_staging_ten_users(ssot_staging):
    ssot_staging.users_blocking(10).assert_isolated()
'''


def write_project(pytester: pytest.Pytester, state: str) -> None:
    status = "open" if state == "fragmented" else "resolved"
    pytester.makepyprojecttoml(f'''
[tool.ssot]
target = "demo"

[tool.ssot.targets.demo]
root = "{REPO / "examples" / state}"
package = "chatapp.websocket_core"
app = "chatapp.server:serve"
token = "chatapp.auth:mint_token"

[tool.ssot.targets.demo.issues]
1036 = "{status}"
''')


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATAPP_SECRET", SECRET)
    for name in ("SSOT_STAGING_URL", "SSOT_STAGING_TOKEN", "CHATAPP_ADMIN_USER", "SSOT_TARGET"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def staging_server() -> Iterator[ServerProcess]:
    """The consolidated backend as a separate process: the staging tier's stand-in."""
    with start_app_process("chatapp.server:serve", REPO / "examples" / "consolidated",
                           env={"CHATAPP_SECRET": SECRET}) as server:
        yield server


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_consolidated_golden_path_and_isolation_pass(pytester: pytest.Pytester, mode: str) -> None:
    write_project(pytester, "consolidated")
    pytester.makepyfile(test_ws=INTEGRATION.format(state="consolidated"))
    if mode == "auto":
        pytester.makepyfile(test_auto=AUTO_ONLY)
    result = pytester.runpytest_subprocess("-o", f"asyncio_mode={mode}", "-p", "no:randomly")
    result.assert_outcomes(passed=8 if mode == "auto" else 7)
    result.stdout.fnmatch_lines(["*1036*resolved*holds*"])


def test_fragmented_leaks_are_reported_with_the_users_named(pytester: pytest.Pytester) -> None:
    write_project(pytester, "fragmented")
    pytester.makepyfile(test_ws=INTEGRATION.format(state="fragmented"))
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-rx")
    result.assert_outcomes(passed=6, xfailed=1)  # the #1036 check: a confirmed violation of an open issue
    result.stdout.fnmatch_lines(["*1036*open*confirmed*"])


def test_a_server_that_cannot_start_is_an_error_naming_the_entry_point(pytester: pytest.Pytester) -> None:
    write_project(pytester, "consolidated")
    pyproject = pytester.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("chatapp.server:serve", "chatapp.agent:run_agent"))
    pytester.makepyfile(test_ws='''
import pytest

@pytest.mark.ssot_issue(1036)
def test_in_process(ssot_harness):
    pass

@pytest.mark.ssot_issue(1036)
def test_subprocess(ssot_server_process):
    pass
''')
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(errors=2)  # never an xfail, not a hang
    result.stdout.fnmatch_lines(["*ServerStartError: server chatapp.agent:run_agent*"])


def test_staging_runs_against_a_real_server_process(pytester: pytest.Pytester, staging_server: ServerProcess) -> None:
    write_project(pytester, "fragmented")  # the token function is the same in both states
    pytester.makepyfile(test_staging=STAGING)
    result = pytester.runpytest_subprocess("--ssot-staging-url", staging_server.url)
    result.assert_outcomes(passed=2)


def test_staging_is_skipped_with_the_reason_without_a_url(pytester: pytest.Pytester) -> None:
    write_project(pytester, "fragmented")
    pytester.makepyfile(test_staging=STAGING)
    result = pytester.runpytest_subprocess("-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*staging tier: no staging URL; pass --ssot-staging-url URL or set SSOT_STAGING_URL"])


@pytest.mark.parametrize(("scheme", "token", "expected"), [
    ("ws", None, "unreachable (Connection refused)"),
    ("wss", None, "TLS failure (*"),
    ("ws", "eyJzdWIiOiJ4In0.s3cr3t-signature", "authentication refused (close 1008 invalid token signature)"),
])
def test_an_unusable_staging_url_is_one_error_line_and_never_shows_the_token(
        pytester: pytest.Pytester, staging_server: ServerProcess, scheme: str, token: str | None,
        expected: str) -> None:
    write_project(pytester, "fragmented")
    pytester.makepyfile(test_staging=STAGING)
    if scheme == "ws" and token is None:
        url = f"ws://127.0.0.1:{unused_loopback_port()}"
    else:
        url = staging_server.url.replace("ws://", f"{scheme}://")
    args = ["--ssot-staging-url", url, "-l", "--log-level=DEBUG", "-p", "no:randomly"]
    if token is not None:
        args += ["--ssot-staging-token", token]
    result = pytester.runpytest_subprocess(*args)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines([f"*staging tier unusable: {url}: {expected}"])
    assert "s3cr3t" not in result.stdout.str() + result.stderr.str()


def test_a_fixed_staging_token_serves_one_user_and_refuses_many(
        pytester: pytest.Pytester, staging_server: ServerProcess) -> None:
    write_project(pytester, "fragmented")
    pytester.makepyfile(test_staging=STAGING)
    token = mint("fixed-user", secret=SECRET)
    result = pytester.runpytest_subprocess("--ssot-staging-url", staging_server.url, "--ssot-staging-token", token,
                                           "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*HarnessError: one fixed token cannot stand for 10 users*"])
    assert token not in result.stdout.str()


def test_run_tests_wrapper_serves_the_staging_tier_and_passes_the_exit_code(pytester: pytest.Pytester) -> None:
    write_project(pytester, "fragmented")
    pytester.makepyfile(test_staging=STAGING, test_fails="def test_fails():\n    assert False\n")
    env = {k: v for k, v in os.environ.items() if k not in ("CHATAPP_SECRET", "PYTEST_ADDOPTS")}
    env["PYTEST_ADDOPTS"] = os.environ.get("PYTEST_ADDOPTS", "")
    wrapper = [sys.executable, str(REPO / "scripts" / "run_tests.py"), "-p", "no:randomly", "-p", "no:cacheprovider"]
    done = subprocess.run([*wrapper, "test_staging.py"], cwd=pytester.path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout and "staging tier against the consolidated reference server" in done.stderr
    failing = subprocess.run([*wrapper, "test_fails.py"], cwd=pytester.path, env=env, capture_output=True,
                             text=True, timeout=120)
    assert failing.returncode == 1


def test_servers_are_torn_down_when_the_test_fails(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(pytester, "consolidated")
    monkeypatch.setenv("SERVER_PID_FILE", str(pytester.path / "pid"))
    pytester.makepyfile(test_ws='''
import os
import threading

def test_fails(ssot_server_process, ssot_server):
    with open(os.environ["SERVER_PID_FILE"], "w") as f:
        f.write(str(ssot_server_process.proc.pid))
    assert [t.name for t in threading.enumerate() if t.name.startswith("ssot-server-")]
    assert False, "the test fails; its servers must still stop"

def test_after(ssot_server):
    assert ssot_server.startswith("ws://127.0.0.1:")
''')
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(failed=1, passed=1)
    pid = int((pytester.path / "pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the server process is gone (and was reaped) after the run
