"""Facts about one state of the backend, read inside its own interpreter.

Run as ``python probe.py`` with the state's import root on ``PYTHONPATH``; prints
one JSON object. Deliberately independent of pytest-ssot's scanners: these are the
facts the bundled suites are meant to find, pinned by the backend's own tests.
"""

from __future__ import annotations

import asyncio
import enum
import importlib
import io
import json
import logging
import pkgutil
import re
import sys
import threading
from typing import Any

PACKAGE = "chatapp.websocket_core"
CANONICAL = "chatapp.websocket_core.websocket_manager"
NAME = re.compile(r"(?i)^(?=.*websocket)(?=.*manager)")
EVENTS = ("agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed")


class Recorder:
    """A connection that records what it is sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(self, text: str) -> None:
        self.sent.append(json.loads(text))


def _not_an_implementation(cls: type) -> bool:
    """Exceptions, enums and typing protocols match the name pattern but implement nothing."""
    return issubclass(cls, (BaseException, enum.Enum)) or cls.__dict__.get("_is_protocol") is True


def scan() -> dict[str, Any]:
    package = importlib.import_module(PACKAGE)
    factory_modules = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if "factory" in m.name)
    for info in pkgutil.walk_packages(package.__path__, PACKAGE + "."):
        importlib.import_module(info.name)
    classes: dict[int, type] = {}
    paths: dict[int, list[str]] = {}
    functions: dict[int, str] = {}
    for modname, module in list(sys.modules.items()):
        if not (modname == PACKAGE or modname.startswith(PACKAGE + ".")):
            continue
        for key, value in vars(module).items():
            if isinstance(value, type) and (NAME.search(key) or NAME.search(value.__name__)) \
                    and not _not_an_implementation(value):
                classes[id(value)] = value
            if callable(value) and getattr(value, "__name__", "") == "get_websocket_manager":
                functions[id(value)] = f"{value.__module__}.{value.__qualname__}"
    for modname, module in list(sys.modules.items()):
        if modname == PACKAGE or modname.startswith(PACKAGE + "."):
            for key, value in vars(module).items():
                if id(value) in classes:
                    paths.setdefault(id(value), []).append(f"{modname}.{key}")
    canonical = importlib.import_module(CANONICAL).WebSocketManager
    named = {id(c) for m, mod in list(sys.modules.items()) if m.startswith("chatapp")
             for c in vars(mod).values() if isinstance(c, type) and c.__name__ == "WebSocketManager"}
    return {
        "get_websocket_manager_functions": sorted(functions.values()),
        "implementations": sorted(f"{c.__module__}.{c.__qualname__}" for c in classes.values()),
        "import_paths": sum(len(p) for p in paths.values()),
        "paths_to_canonical": len(paths.get(id(canonical), [])),
        "classes_named_WebSocketManager": len(named),
        "factory_modules": factory_modules,
    }


def deprecated_factory() -> dict[str, Any]:
    try:
        module = importlib.import_module("chatapp.websocket_core.websocket_manager_factory")
    except ImportError as exc:
        return {"importable": False, "error": str(exc)}
    return {"importable": True,
            "exports": sorted(n for n in ("WebSocketManagerFactory", "create_websocket_manager") if hasattr(module, n))}


async def behaviour() -> dict[str, Any]:
    from chatapp.context import UserContext, make_user_context
    wm = importlib.import_module(CANONICAL)
    get = wm.get_websocket_manager
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    logging.getLogger("chatapp").addHandler(handler)
    logging.getLogger("chatapp").setLevel(logging.WARNING)

    demo_a = await get(make_user_context("demo-user-001"))
    demo_b = await get(make_user_context("demo-user-001"))
    same_ctx = make_user_context("cache-user")
    null_a, null_b = await get(None), await get(None)
    racer = make_user_context("racer")
    raced = await asyncio.gather(*(get(racer) for _ in range(8)))
    fresh = await asyncio.gather(*(get(make_user_context("racer-fresh")) for _ in range(8)))
    user1, user2 = await get(make_user_context("user1")), await get(make_user_context("user2"))
    await user1.connect("ws://test-connection")
    user2_connected_after_user1 = user2.is_connected()
    await user1.disconnect("ws://test-connection")
    mode_state = {k: v for k, v in vars(getattr(user1, "mode", None) or object()).items()
                  if not k.startswith("_")} if hasattr(user1, "mode") else {}

    # 10 managers connected at once, each emitting: who receives what?
    managers = [await get(make_user_context(f"iso-{i}")) for i in range(10)]
    recorders = [Recorder() for _ in managers]
    for manager, recorder in zip(managers, recorders):
        await manager.connect(recorder)
    await asyncio.gather(*(m.emit("agent_started", thread_id=f"t{i}", run_id=f"r{i}", data={})
                           for i, m in enumerate(managers)))
    misrouted = sum(1 for i, r in enumerate(recorders) for e in r.sent if e.get("user_id") != f"iso-{i}")
    for manager, recorder in zip(managers, recorders):
        await manager.disconnect(recorder)

    try:
        wm.WebSocketManager(UserContext("direct"))
        direct = "allowed"
    except RuntimeError:
        direct = "RuntimeError"
    threads_seen: list[int] = []

    def in_thread() -> None:
        threads_seen.append(id(asyncio.run(get(make_user_context("threaded-user")))))

    workers = [threading.Thread(target=in_thread) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    return {
        "demo_user_second_manager": demo_a is not demo_b,
        "demo_user_log": [line for line in log.getvalue().splitlines() if "demo-user-001" in line],
        "same_context_cached": (await get(same_ctx)) is (await get(same_ctx)),
        "null_context_new_each_call": null_a is not null_b,
        "same_context_race_managers": len({id(m) for m in raced}),
        "fresh_context_race_managers": len({id(m) for m in fresh}),
        "threaded_managers": len(set(threads_seen)),
        "validated": getattr(demo_a, "validated", None),
        "shared_session_state": user1.session_state is user2.session_state,
        "mode_state": sorted(mode_state),
        "user2_connected_after_user1": user2_connected_after_user1,
        "misrouted_of_10": misrouted,
        "user_id_path": user1.user_context.user_id,
        "direct_instantiation": direct,
        "diagnostics": wm.registry_snapshot(),
    }


async def delivery_per_factory() -> dict[str, Any]:
    """Send the five events through what each known factory returns (#1036)."""
    from chatapp.context import make_user_context
    factories = {
        "websocket_manager.get_websocket_manager": (CANONICAL, "get_websocket_manager"),
        "unified_manager.get_websocket_manager": ("chatapp.websocket_core.unified_manager", "get_websocket_manager"),
        "websocket_core.get_websocket_manager": (PACKAGE, "get_websocket_manager"),
        "websocket_manager_factory.create_websocket_manager":
            ("chatapp.websocket_core.websocket_manager_factory", "create_websocket_manager"),
    }
    found: dict[str, Any] = {}
    for label, (modname, attr) in factories.items():
        try:
            factory = getattr(importlib.import_module(modname), attr)
        except (ImportError, AttributeError):
            continue
        manager = await factory(make_user_context(f"delivery-{label}"))
        recorder = Recorder()
        await manager.connect(recorder)
        for event in EVENTS:
            await manager.emit(event, thread_id="t", run_id="r", data={})
        await manager.disconnect(recorder)
        found[label] = {"type": f"{type(manager).__module__}.{type(manager).__qualname__}",
                        "delivered": [e.get("type") for e in recorder.sent]}
    return found


def main() -> None:
    facts: dict[str, Any] = {"scan": scan(), "deprecated_factory": deprecated_factory()}
    facts["behaviour"] = asyncio.run(behaviour())
    facts["delivery"] = asyncio.run(delivery_per_factory())
    json.dump(facts, sys.stdout)


if __name__ == "__main__":
    main()
