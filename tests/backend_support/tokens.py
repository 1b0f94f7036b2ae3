"""Mint tokens without importing ``chatapp`` (auth.py is self-contained on purpose)."""

from __future__ import annotations

import functools
import importlib.util
from types import ModuleType

from backend_support import EXAMPLES

TEST_SECRET = "pytest-ssot-reference-backend-secret"
ADMIN_USER = "ops-admin"


@functools.lru_cache(maxsize=None)
def auth_module() -> ModuleType:
    """``examples/chatapp_shared/auth.py`` loaded under a private name."""
    spec = importlib.util.spec_from_file_location("_chatapp_shared_auth", EXAMPLES / "chatapp_shared" / "auth.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mint(user_id: str, ttl: float = 3600, *, secret: str = TEST_SECRET) -> str:
    """A token the test servers (started with TEST_SECRET) accept for ``user_id``."""
    return auth_module().mint_token(user_id, ttl, secret=secret)
