"""The one place where suites call into a target's code at run time.

Suites never import a target's modules by name: they ask the adapter, which reads
the names from the target configuration. Codebases whose factory needs more than a
user context replace the adapter through the ``pytest_ssot_make_adapter`` hook or by
overriding the ``ssot_adapter`` fixture.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
import sys
import threading
from typing import Any

from pytest_ssot.core.awaiting import maybe_await, resolve_blocking
from pytest_ssot.evidence.binding import call_with_context
from pytest_ssot.config.target import Target, TargetSetupError
from pytest_ssot.core.locate import split_reference
from pytest_ssot.config.missing_keys import MissingSetting
from pytest_ssot.ws.tokens import mints_from_target
from pytest_ssot.core.violation import SSOTSetupError


_HEAPTYPE = 1 << 9  # a class defined in Python: its __init__ can be patched
PROBE_USER = "ssot-probe-factory-product"  # the user the factory is called for to learn what it returns


def _await_elsewhere(awaitable: Any) -> Any:
    """Run ``awaitable`` to completion, on a thread of its own if this one already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return resolve_blocking(awaitable)
    box: list[Any] = []

    def run() -> None:
        try:
            box.append((True, resolve_blocking(awaitable)))
        except BaseException as exc:  # handed to the caller below
            box.append((False, exc))

    # a daemon: after a Ctrl-C in the join below, a factory that hangs must not keep the process alive
    thread = threading.Thread(target=run, name="ssot-factory-product", daemon=True)
    thread.start()
    thread.join()
    ok, value = box[0]
    if not ok:
        raise value
    return value


MANAGER_INTERFACE = ("connect", "disconnect", "emit", "is_connected")


class ManagerInterfaceMissing(MissingSetting):
    """The target's manager lacks a method of the interface the event checks drive.

    Not a violation and not a broken test: those checks cannot run on this
    codebase as configured, so they skip with one line naming what is missing
    (the same text for every test, so it is printed once with its count).
    """


def manager_method(manager: Any, name: str) -> Any:
    """``manager.<name>``, or :class:`ManagerInterfaceMissing` naming the class and every method it lacks."""
    try:
        return getattr(manager, name)
    except AttributeError:
        cls = type(manager)
        missing = [m for m in MANAGER_INTERFACE if not hasattr(manager, m)] or [name]
        raise ManagerInterfaceMissing(
            f"{cls.__module__}.{cls.__qualname__} has no {', '.join(missing)}: the checks that connect a manager and "
            f"send events through it need {', '.join(MANAGER_INTERFACE)} (the manager interface in the README); "
            "give the manager those methods or adapt them with the pytest_ssot_make_adapter hook") from None


class TargetAdapter:
    """Calls into a target through the seeds' vocabulary, configured by ``Target``."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._product: type | None = None

    # -- loading

    def ensure_importable(self) -> None:
        """Put the target's import root first on ``sys.path`` (once)."""
        root = str(self.target.root)
        if root not in sys.path:
            sys.path.insert(0, root)

    def resolve(self, reference: str) -> Any:
        """Import ``module:attr.path`` from the target and return the object."""
        module_name, attr_path = split_reference(reference)
        self.ensure_importable()
        try:
            obj: Any = importlib.import_module(module_name)
        except Exception as exc:
            raise TargetSetupError(
                f"target {self.target.name!r}: importing {module_name!r} failed "
                f"({type(exc).__name__}: {exc})"
            ) from exc
        for part in attr_path.split("."):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                raise TargetSetupError(
                    f"target {self.target.name!r}: {reference!r} does not resolve ({part!r} missing)"
                ) from None
        return obj

    @property
    def manager_classes(self) -> tuple[type, ...]:
        """The canonical manager class(es) named by the target."""
        return tuple(self.resolve(ref) for ref in self.target.require("manager"))

    @property
    def factory(self) -> Any:
        return self.resolve(self.target.require("factory"))

    @functools.cached_property
    def protocol(self) -> Any:
        """The wire protocol the WebSocket tiers speak: the reference one over the target's events.

        Replace it (subclass :class:`~pytest_ssot.ws.protocol.ChatProtocol`, or any
        object with its methods) when your server speaks differently.
        """
        from pytest_ssot.ws.protocol import default_protocol

        return default_protocol(self.target)

    @mints_from_target
    def mint_token(self, user_id: str) -> str:
        """A bearer token for ``user_id`` from the target's ``token`` function."""
        return self.resolve(self.target.require("token"))(user_id)

    # -- the seeds' calls

    def make_user_context(self, user_id: str | None) -> Any:
        """A user context for ``user_id``; None stands for "no user context"."""
        if user_id is None:
            return None
        return self.resolve(self.target.require("user_context"))(user_id)

    @property
    def context_type(self) -> type | None:
        """The class of the target's user contexts, when ``user_context`` names a class."""
        if not self.target.user_context:
            return None
        maker = self.resolve(self.target.user_context)
        return maker if isinstance(maker, type) else None

    def call_with_context(self, func: Any, user_context: Any) -> Any:
        """``func`` called with the context bound by parameter name and annotation (not awaited).

        A signature that does not fit raises :class:`~pytest_ssot.evidence.binding.SignatureMismatch`.
        """
        return call_with_context(func, user_context, self.context_type)

    async def get_manager(self, user_context: Any) -> Any:
        """The factory's manager for ``user_context``, awaiting an async factory."""
        return await maybe_await(self.call_with_context(self.factory, user_context))

    def get_manager_blocking(self, user_context: Any) -> Any:
        """Same as :meth:`get_manager`, for sync tests (no event loop running)."""
        return resolve_blocking(self.call_with_context(self.factory, user_context))

    def factory_product(self) -> type:
        """The class of what the factory returns, found by calling it once for a probe user (cached).

        The configured ``manager`` may be a guard class the factory never builds;
        the instance tracker must watch what the factory really returns.
        """
        if self._product is None:
            context = self.make_user_context(PROBE_USER) if self.target.user_context else None
            try:
                result = self.call_with_context(self.factory, context)
                if inspect.isawaitable(result):
                    result = _await_elsewhere(result)
            except SSOTSetupError:
                raise
            except Exception as exc:
                raise TargetSetupError(f"target {self.target.name!r}: calling {self.target.factory} for user "
                                       f"{PROBE_USER!r}, to learn which class it returns, raised "
                                       f"{type(exc).__name__}: {exc}") from exc
            self._product = type(result)
        return self._product

    def tracked_classes(self) -> tuple[type, ...]:
        """The configured manager classes plus the factory's product, when it is none of them."""
        configured = self.manager_classes
        product = self.factory_product()
        if issubclass(product, configured) or not product.__flags__ & _HEAPTYPE:
            return configured  # None, a dict...: nothing to track; a check that sees nothing names it
        return (*configured, product)

    def describe_product(self) -> str:
        """One line for messages: what the factory was seen to return."""
        product = self.factory_product()
        return f"the factory {self.target.factory} returned {product.__module__}.{product.__qualname__}"

    # -- a manager's connection and events (the seeds' method names)

    async def connect(self, manager: Any, connection: Any) -> None:
        """Attach ``connection`` (anything with ``async send(text)``, or an opaque handle)."""
        await maybe_await(manager_method(manager, "connect")(connection))

    async def disconnect(self, manager: Any, connection: Any = None) -> None:
        await maybe_await(manager_method(manager, "disconnect")(connection))

    def is_connected(self, manager: Any) -> bool:
        """``manager.is_connected()``, or the attribute when it is not callable."""
        state = manager_method(manager, "is_connected")
        return bool(state() if callable(state) else state)

    async def emit(self, manager: Any, event_type: str, *, thread_id: str, run_id: str,
                   data: Any = None) -> Any:
        """Send one event through ``manager`` to its user's connections."""
        return await maybe_await(manager_method(manager, "emit")(event_type, thread_id=thread_id, run_id=run_id,
                                                                 data=data if data is not None else {}))

    def user_id_of(self, manager: Any) -> Any:
        """Read the user id of a manager along the target's ``user_id_attr`` path."""
        value = manager
        for part in self.target.user_id_attr.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

