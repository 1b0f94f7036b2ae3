"""scripts/run_tests.py (README command 2) runs on two xdist workers unless told otherwise."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from run_tests import DEFAULT_WORKERS, with_workers  # noqa: E402


@pytest.mark.parametrize("argv", [[], ["-q"], ["tests/test_layers.py", "-k", "cycle"], ["-x", "--durations=5"]])
def test_two_workers_by_default(argv):
    assert with_workers(argv) == [*DEFAULT_WORKERS, *argv]


@pytest.mark.parametrize("argv", [["-n", "0"], ["-n0"], ["-n", "auto"], ["--numprocesses=4"], ["--numprocesses", "3"],
                                  ["-p", "no:xdist"], ["-q", "-pno:xdist"]])
def test_the_callers_choice_is_kept(argv):
    assert with_workers(argv) == argv
