"""A throw-away git repository built commit by commit, for the ``ssot history`` tests.

Foreign names on purpose (a ledger pool, nothing like the seeds' manager): the
package ``ledgerkit.pools`` goes from three ``get_ledger_pool`` functions to two
under a "fix #824 complete" message, then to one, then its deprecated factory
module comes back with a fix for another issue, and a docs-only commit claims #1126.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from pytest_ssot.config.target import Target

PACKAGE = "ledgerkit.pools"
DEPRECATED = "ledgerkit.pools.pool_factory"

CORE = '''"""The one ledger pool."""


class LedgerPool:
    def __init__(self, tenant=None):
        self.tenant = tenant


def get_ledger_pool(tenant=None):
    return LedgerPool(tenant)
'''
LEGACY_WITH = '''"""Old entry points."""

from ledgerkit.pools.core import LedgerPool


def get_ledger_pool(tenant=None, retries=3):
    pool = LedgerPool(tenant)
    pool.retries = retries
    return pool
'''
LEGACY_WITHOUT = '''"""Old entry points."""

from ledgerkit.pools.core import get_ledger_pool as get_ledger_pool
'''
FACTORY = '''"""Deprecated: build pools here no more."""

from ledgerkit.pools.core import LedgerPool


def get_ledger_pool(tenant=None):
    return LedgerPool(tenant or "default")


def make_ledger_pool(tenant):
    return LedgerPool(tenant)
'''
FACTORY_BACK = '''"""Brought back by the #889 fix."""

from ledgerkit.pools.core import LedgerPool


def make_ledger_pool(tenant):
    return LedgerPool(tenant)
'''
SERVICE_OLD = '''from ledgerkit.pools.pool_factory import make_ledger_pool


def open_books(tenant):
    return make_ledger_pool(tenant)
'''
SERVICE_NEW = '''from ledgerkit.pools.core import get_ledger_pool


def open_books(tenant):
    return get_ledger_pool(tenant)
'''


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_SYSTEM=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_DATE="2026-01-01T00:00:00+00:00", GIT_COMMITTER_DATE="2026-01-01T00:00:00+00:00")
    out = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env,
                         timeout=60)
    return out.stdout.strip()


def init_repo(repo: Path) -> None:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "History Test")
    git(repo, "config", "user.email", "history@example.invalid")
    git(repo, "config", "commit.gpgsign", "false")


def commit(repo: Path, message: str, files: dict[str, str | None]) -> str:
    """Write (or with None delete) ``files`` under ``repo`` and commit them; the new commit's id."""
    for rel, text in files.items():
        path = repo / rel
        if text is None:
            git(repo, "rm", "-q", rel)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            git(repo, "add", rel)
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def build_scenario(repo: Path) -> list[str]:
    """The five commits of the module docstring; their ids, oldest first."""
    init_repo(repo)
    pkg = "src/ledgerkit/pools"
    shas = [commit(repo, "Start the ledger pools", {
        "src/ledgerkit/__init__.py": "", f"{pkg}/__init__.py": "", f"{pkg}/core.py": CORE,
        f"{pkg}/legacy.py": LEGACY_WITH, f"{pkg}/pool_factory.py": FACTORY, f"{pkg}/service.py": SERVICE_OLD,
        "README.md": "ledger pools\n"})]
    shas.append(commit(repo, "fix #824 complete", {f"{pkg}/legacy.py": LEGACY_WITHOUT}))
    shas.append(commit(repo, "Remove the pool factory", {f"{pkg}/pool_factory.py": None,
                                                         f"{pkg}/service.py": SERVICE_NEW}))
    shas.append(commit(repo, "Fixes #889: one pool per tenant under load", {f"{pkg}/pool_factory.py": FACTORY_BACK}))
    shas.append(commit(repo, "docs: issue 1126 resolved", {"README.md": "ledger pools, consolidated\n"}))
    return shas


def scenario_target(repo: Path, **changes: object) -> Target:
    values: dict = dict(
        name="books", root=repo / "src", package=PACKAGE, manager=("ledgerkit.pools.core:LedgerPool",),
        factory="ledgerkit.pools.core:get_ledger_pool", class_pattern=r"(?i)ledger.*pool",
        function_name="get_ledger_pool", deprecated_modules=(DEPRECATED,),
        deprecated_names=(f"{DEPRECATED}:make_ledger_pool",), issues={824: "open", 889: "open", 1126: "open"})
    values.update(changes)
    return Target(**values)
