"""Property: on generated packages, static scan == runtime scan == the generated truth.

Hypothesis draws a package with a random number of distinct implementations,
re-exports (plain, renamed, star, attribute assignment), functools.wraps shims,
plain forwarding shims, renamed aliases, nested classes, test doubles (excluded
by default), protocols/enums/exception classes (their own kind) and a namespace
subpackage, writes it to a temp dir, and both scans must report exactly the
objects, kinds, delegation targets and paths it was built with.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ssot.scan.findings import ALIAS, CLASS, ENUM, EXCEPTION, IMPLEMENTATION, PROTOCOL, SHIM
from pytest_ssot.scan.entry import scan_runtime, scan_static

PKG = "genpkg"
FUNC = "get_websocket_manager"


@dataclass(frozen=True)
class Spec:
    impls: tuple[bool, ...]  # one per impl module: does it also hold a nested manager class?
    reexports: tuple[tuple[int, str], ...]  # (target impl, style)
    shims: tuple[int, ...]  # target impl of each shim module
    renamed: int  # modules binding FUNC to a differently named function
    init_reexport: bool
    forwarders: tuple[tuple[int, str], ...] = ()  # (target impl, style) of plain forwarding shims
    doubles: int = 0  # test modules under tests/ holding look-alike classes and functions
    others: tuple[str, ...] = ()  # a class of each kind matching the pattern
    namespace: bool = False  # an implementation in a subfolder without __init__.py


@st.composite
def specs(draw) -> Spec:
    impls = tuple(draw(st.lists(st.booleans(), min_size=1, max_size=3)))
    target = st.integers(0, len(impls) - 1)
    reexports = tuple(draw(st.lists(st.tuples(target, st.sampled_from(["from", "as", "star", "assign"])), max_size=4)))
    shims = tuple(draw(st.lists(target, max_size=3)))
    forwarders = tuple(draw(st.lists(st.tuples(target, st.sampled_from(["return", "await", "bare"])), max_size=3)))
    others = tuple(draw(st.lists(st.sampled_from([PROTOCOL, ENUM, EXCEPTION]), max_size=3)))
    return Spec(impls, reexports, shims, draw(st.integers(0, 2)), draw(st.booleans()), forwarders,
                draw(st.integers(0, 2)), others, draw(st.booleans()))


def build(spec: Spec, root: Path) -> tuple[dict, dict]:
    """Write the package; return the truth: (module, qualname) -> (kind, paths)."""
    pkg = root / PKG
    pkg.mkdir()
    classes: dict[tuple[str, str], set[str]] = {}
    functions: dict[tuple[str, str], tuple[str, set[str]]] = {}

    def add_fn(key, kind, path):
        functions.setdefault(key, (kind, set()))[1].add(path)

    for i, nested in enumerate(spec.impls):
        mod = f"{PKG}.impl{i}"
        src = f"class Mgr{i}WebSocketManager:\n    pass\n\n\ndef {FUNC}(user=None):\n    return Mgr{i}WebSocketManager()\n"
        classes[(mod, f"Mgr{i}WebSocketManager")] = {f"{mod}.Mgr{i}WebSocketManager"}
        add_fn((mod, FUNC), IMPLEMENTATION, f"{mod}.{FUNC}")
        if nested:
            src += f"\n\nclass Outer{i}:\n    class Inner{i}WebSocketManager:\n        pass\n"
            classes[(mod, f"Outer{i}.Inner{i}WebSocketManager")] = {f"{mod}.Outer{i}.Inner{i}WebSocketManager"}
        (pkg / f"impl{i}.py").write_text(src)

    def reexport(mod: str, t: int, style: str) -> str:
        impl = f"{PKG}.impl{t}"
        cls = f"Mgr{t}WebSocketManager"
        if style == "from":
            names = {FUNC: FUNC, cls: cls}
            src = f"from .impl{t} import {FUNC}, {cls}\n"
        elif style == "as":
            names = {f"gwm_{t}": FUNC, f"Alias{t}": cls}
            src = f"from .impl{t} import {FUNC} as gwm_{t}, {cls} as Alias{t}\n"
        elif style == "star":
            names = {FUNC: FUNC, cls: cls}
            src = f"from .impl{t} import *\n"
            if spec.impls[t]:
                classes[(impl, f"Outer{t}.Inner{t}WebSocketManager")].add(f"{mod}.Outer{t}.Inner{t}WebSocketManager")
        else:
            names = {FUNC: FUNC, "Manager": cls}
            src = f"from . import impl{t}\n\n{FUNC} = impl{t}.{FUNC}\nManager = impl{t}.{cls}\n"
        for bound, original in names.items():
            if original == FUNC:
                add_fn((impl, FUNC), IMPLEMENTATION, f"{mod}.{bound}")
            else:
                classes[(impl, cls)].add(f"{mod}.{bound}")
        return src

    for j, (t, style) in enumerate(spec.reexports):
        (pkg / f"re{j}.py").write_text(reexport(f"{PKG}.re{j}", t, style))
    for s, t in enumerate(spec.shims):
        mod = f"{PKG}.shim{s}"
        (pkg / f"shim{s}.py").write_text(
            f"import functools\n\nfrom .impl{t} import {FUNC} as _target\n\n\n"
            f"@functools.wraps(_target)\ndef {FUNC}(*args, **kwargs):\n    return _target(*args, **kwargs)\n"
        )
        add_fn((mod, FUNC), SHIM, f"{mod}.{FUNC}")
        add_fn((f"{PKG}.impl{t}", FUNC), IMPLEMENTATION, f"{mod}._target")
    for r in range(spec.renamed):
        mod = f"{PKG}.ren{r}"
        (pkg / f"ren{r}.py").write_text(f"def _build_{r}():\n    return None\n\n\n{FUNC} = _build_{r}\n")
        add_fn((mod, f"_build_{r}"), ALIAS, f"{mod}._build_{r}")
        add_fn((mod, f"_build_{r}"), ALIAS, f"{mod}.{FUNC}")
    for k, (t, style) in enumerate(spec.forwarders):
        mod = f"{PKG}.fwd{k}"
        head = f"from .impl{t} import {FUNC} as _impl\n\n\n"
        body = {
            "return": f"def {FUNC}(user):\n    return _impl(user)\n",
            "await": f"async def {FUNC}(user):\n    \"\"\"Old callers.\"\"\"\n    return await _impl(user=user)\n",
            "bare": f"def {FUNC}(*args, **kwargs):\n    _impl(*args, **kwargs)\n",
        }[style]
        (pkg / f"fwd{k}.py").write_text(head + body)
        add_fn((mod, FUNC), SHIM, f"{mod}.{FUNC}")
        add_fn((f"{PKG}.impl{t}", FUNC), IMPLEMENTATION, f"{mod}._impl")
    if spec.doubles:
        (pkg / "tests").mkdir()
        for d in range(spec.doubles):
            (pkg / "tests" / f"test_double{d}.py").write_text(
                f"class Mock{d}WebSocketManager:\n    pass\n\n\ndef {FUNC}():\n    return Mock{d}WebSocketManager()\n")
    others = {}
    bases = {PROTOCOL: "typing.Protocol", ENUM: "enum.Enum", EXCEPTION: "RuntimeError"}
    for k, kind in enumerate(spec.others):
        mod = f"{PKG}.kind{k}"
        (pkg / f"kind{k}.py").write_text(f"import enum\nimport typing\n\n\nclass K{k}WebSocketManager({bases[kind]}):\n"
                                         + ("    A = 1\n" if kind == ENUM else "    pass\n"))
        others[(mod, f"K{k}WebSocketManager")] = (kind, frozenset({f"{mod}.K{k}WebSocketManager"}))
    if spec.namespace:
        (pkg / "nsdir").mkdir()
        mod = f"{PKG}.nsdir.deep"
        (pkg / "nsdir" / "deep.py").write_text(f"class NsWebSocketManager:\n    pass\n\n\ndef {FUNC}():\n    return 1\n")
        classes[(mod, "NsWebSocketManager")] = {f"{mod}.NsWebSocketManager"}
        add_fn((mod, FUNC), IMPLEMENTATION, f"{mod}.{FUNC}")
    (pkg / "__init__.py").write_text(reexport(PKG, 0, "from") if spec.init_reexport else "")
    truth_classes = {k: (CLASS, frozenset(v)) for k, v in classes.items()}
    truth_functions = {k: (kind, frozenset(paths)) for k, (kind, paths) in functions.items()}
    return truth_classes, truth_functions, others


def observed(defs) -> dict:
    return {(d.module, d.qualname): (d.kind, frozenset(d.paths)) for d in defs}


def located(defs) -> set:
    return {(d.module, d.qualname, d.file, d.line, d.wraps) for d in defs}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_static_runtime_and_truth_agree(spec):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        truth_classes, truth_functions, truth_others = build(spec, root)
        static = scan_static(root, PKG)
        runtime = scan_runtime(root, PKG, timeout=60)
        assert runtime.import_errors == [] and static.parse_errors == []
        for result in (static, runtime):
            assert observed(result.classes) == truth_classes, result.mode
            assert observed(result.functions) == truth_functions, result.mode
            assert observed(result.other_classes) == truth_others, result.mode
            assert result.excluded == ({"**/tests/**": spec.doubles} if spec.doubles else {}), result.mode
            shim_targets = {d.module: d.wraps for d in result.functions if d.kind == SHIM}
            for k, (t, _style) in enumerate(spec.forwarders):
                assert shim_targets[f"{PKG}.fwd{k}"] == f"{PKG}.impl{t}.{FUNC}", result.mode
        assert located(static.classes) == located(runtime.classes)
        assert located(static.functions) == located(runtime.functions)
        assert located(static.other_classes) == located(runtime.other_classes)
        assert len(static.implementations(FUNC)) == len(spec.impls) + spec.renamed + spec.namespace
