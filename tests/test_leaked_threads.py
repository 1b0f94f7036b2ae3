"""Issue 14: a run exits after its report, whatever non-daemon threads the target left running.

Each inner run is a subprocess (the exit is the point) with a bounded wait;
the leaked threads end by themselves after a few minutes at most, so nothing
outlives the test even if the fix regresses.
"""

from __future__ import annotations

import json

import pytest

LEAKY = """
import threading, time
import pytest

def spin_forever():
    for _ in range(3000):  # bounded: 5 minutes at most
        time.sleep(0.1)

class Heartbeat(threading.Thread):
    def run(self):
        spin_forever()

@pytest.mark.ssot_issue(824)
def test_starts_threads():
    threading.Thread(target=spin_forever, name="target-flusher").start()
    Heartbeat(name="target-heartbeat").start()
    threading.Thread(target=spin_forever, name="a-daemon", daemon=True).start()
    {outcome}
"""


@pytest.mark.parametrize("outcome, code", [("pass", 0), ("assert False", 1)])
def test_a_run_ends_after_its_report_naming_the_threads_left(pytester, outcome, code):
    pytester.makepyfile(test_leaky=LEAKY.format(outcome=outcome))
    result = pytester.runpytest_subprocess("-p", "ssot", "--ssot-issue=824=resolved", "--ssot-report=r.json",
                                           timeout=120)
    assert result.ret == code
    err = result.stderr.str()
    assert "ssot: thread target-flusher (target test_leaky.spin_forever) still running" in err
    assert "ssot: thread target-heartbeat (target test_leaky.Heartbeat.run) still running" in err
    assert "a-daemon" not in err
    assert json.loads((pytester.path / "r.json").read_text())["issues"]["824"]["counts"]["tests"] == 1
    result.stdout.fnmatch_lines(["*SSOT issues*"])


SHORT = """
import threading, time
import pytest

def linger():
    # alive until the run has ended (the main thread stops just before Python joins the others),
    # then a moment longer; ends by itself, so the waiting run ends too
    threading.main_thread().join(600)
    time.sleep(1)

@pytest.mark.ssot_issue(824)
def test_starts_a_short_thread():
    threading.Thread(target=linger, name="short-lived").start()
"""


def test_wait_for_threads_keeps_pythons_behaviour(pytester):
    pytester.makepyfile(test_short=SHORT)
    result = pytester.runpytest_subprocess("-p", "ssot", "--ssot-issue=824=resolved", "--ssot-wait-for-threads",
                                           timeout=120)
    assert result.ret == 0
    assert "waiting for thread short-lived (target test_short.linger)" in result.stderr.str()


def test_a_run_without_leaked_threads_says_nothing(pytester):
    pytester.makepyfile(test_fine="import pytest\n@pytest.mark.ssot_issue(824)\ndef test_ok(): pass\n")
    result = pytester.runpytest_subprocess("-p", "ssot", "--ssot-issue=824=resolved", timeout=120)
    assert result.ret == 0 and "ssot: thread" not in result.stderr.str()
