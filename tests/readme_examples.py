"""Run every Python block of a README, as the README says it behaves.

* A block that defines ``test_*`` functions is a check of one's own: it runs
  through pytester against the generated ``ledgerbook.sync`` target with the
  ``[tool.ssot]`` TOML block shown last before it, once per scenario of its
  ``<!-- docs-test: ... -->`` comment (``dispatchers=N``, ``interface=0|1`` shape the tree, the
  rest are the expected outcome counts; scenarios separated by ``|``).
* Any other Python block is a snippet: exec'd in a folder holding that target.
* ``<!-- not-run: why -->`` right before a block skips it; the reason is required.

:func:`readme_problems` returns one line per block that does not do what the
README says, so a test can show the checker fails on a broken README.
"""

from __future__ import annotations

import ast
import os
import re
import textwrap
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
from foreign_target import write_foreign_target

FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w-]*)\s*$")
COMMENT = re.compile(r"^\s*<!--\s*(?P<body>.*?)\s*-->\s*$")
OUTCOMES = ("passed", "failed", "errors", "skipped", "xfailed", "xpassed")
KNOBS = {"dispatchers": int, "interface": lambda value: bool(int(value))}


@dataclass(frozen=True)
class Block:
    """One fenced block: where it opens (1-based line), its language, code and the comment just before it."""

    line: int
    lang: str
    code: str
    comment: str | None


def blocks(text: str) -> list[Block]:
    """Every fenced block of ``text``, dedented by its fence's indentation."""
    lines = text.splitlines()
    found, index = [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening or not opening["lang"]:
            index += 1
            continue
        end = next((j for j in range(index + 1, len(lines)) if lines[j].strip() == "```"), len(lines))
        code = textwrap.dedent("\n".join(lines[index + 1:end]))
        before = next((lines[j] for j in range(index - 1, -1, -1) if lines[j].strip()), "")
        comment = COMMENT.match(before)
        found.append(Block(index + 1, opening["lang"], code + "\n", comment["body"] if comment else None))
        index = end + 1
    return found


def is_test_block(code: str) -> bool:
    """Whether the block defines a test function at its top level (else it is a snippet)."""
    tree = ast.parse(code)
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")
               for node in tree.body)


def scenarios(spec: str) -> list[tuple[dict[str, int], dict[str, int]]]:
    """``dispatchers=2 xfailed=1 | dispatchers=1 failed=1`` -> [(knobs, outcomes), ...]; ValueError when malformed."""
    parsed = []
    for part in spec.split("|"):
        knobs, outcomes = {}, {}
        for item in part.split():
            key, _, value = item.partition("=")
            if key in KNOBS:
                knobs[key] = KNOBS[key](value)
            elif key in OUTCOMES:
                outcomes[key] = int(value)
            else:
                raise ValueError(f"{item!r} is neither a tree knob ({', '.join(KNOBS)}) nor an outcome "
                                 f"({', '.join(OUTCOMES)})")
        if not outcomes:
            raise ValueError(f"scenario {part.strip()!r} expects no outcome")
        parsed.append((knobs, outcomes))
    return parsed


def run_test_block(pytester: pytest.Pytester, block: Block, config: str, knobs: dict[str, int],
                   folder: str) -> pytest.RunResult:
    """The block as a test file of a project holding the generated target and ``config``."""
    project = pytester.mkdir(folder)
    write_foreign_target(project, config=config, **knobs)
    (project / "test_readme_block.py").write_text(block.code)
    return pytester.runpytest_subprocess("-p", "ssot", "-p", "no:cacheprovider", "-rxXfE", f"--rootdir={project}",
                                         "-c", str(project / "pyproject.toml"), str(project / "test_readme_block.py"),
                                         timeout=300)


def exec_snippet(block: Block, workdir: Path) -> str | None:
    """Run a snippet in ``workdir`` (holding the generated target); the error as one line, or None."""
    workdir.mkdir(parents=True, exist_ok=True)
    write_foreign_target(workdir, dispatchers=2)
    previous = os.getcwd()
    os.chdir(workdir)
    try:
        exec(compile(block.code, f"README.md:{block.line}", "exec"), {"__name__": "readme_snippet"})
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return f"{type(exc).__name__}: {exc} (at {where.filename}:{where.lineno})"
    finally:
        os.chdir(previous)
    return None


def readme_problems(text: str, pytester: pytest.Pytester) -> tuple[list[str], dict[str, int]]:
    """(one line per block that does not behave as stated, how many blocks ran per kind)."""
    problems: list[str] = []
    ran = {"test": 0, "snippet": 0, "not-run": 0}
    config = None
    for block in blocks(text):
        if block.lang == "toml" and "[tool.ssot]" in block.code:
            config = block.code
        if block.lang != "python":
            continue
        where = f"README.md line {block.line}"
        comment = block.comment or ""
        if comment.startswith("not-run:"):
            if not comment.removeprefix("not-run:").strip():
                problems.append(f"{where}: <!-- not-run: --> gives no reason")
            ran["not-run"] += 1
            continue
        try:
            test_block = is_test_block(block.code)
        except SyntaxError as exc:
            problems.append(f"{where}: does not parse: {exc.msg} (block line {exc.lineno})")
            continue
        if not test_block:
            error = exec_snippet(block, pytester.path / f"snippet-{block.line}")
            if error:
                problems.append(f"{where}: {error}")
            ran["snippet"] += 1
            continue
        if not comment.startswith("docs-test:"):
            problems.append(f"{where}: a test block needs <!-- docs-test: OUTCOME=N ... --> saying how it ends, "
                            "or <!-- not-run: why -->")
            continue
        if config is None:
            problems.append(f"{where}: no [tool.ssot] TOML block before it to run it with")
            continue
        try:
            cases = scenarios(comment.removeprefix("docs-test:"))
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        for number, (knobs, expected) in enumerate(cases):
            result = run_test_block(pytester, block, config, knobs, f"block-{block.line}-{number}")
            got = result.parseoutcomes()
            got = {k: got.get(k, got.get(k.rstrip("s"), 0)) for k in OUTCOMES}
            want = {k: expected.get(k, 0) for k in OUTCOMES}
            if got != want:
                shown = {k: v for k, v in got.items() if v}
                tail = "\n    ".join(result.outlines[-15:])
                problems.append(f"{where} ({' '.join(f'{k}={v}' for k, v in knobs.items())}): expected "
                                f"{ {k: v for k, v in want.items() if v} }, got {shown}\n    {tail}")
        ran["test"] += 1
    return problems, ran
