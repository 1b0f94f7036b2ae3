"""Every Python block of README.md runs, and ends as the README says (issue 15: the docs cannot drift)."""

from __future__ import annotations

from pathlib import Path

import pytest
from readme_examples import blocks, readme_problems, scenarios

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()

OWN_CHECK_CALL = 'result = ssot_scan(functions=("dispatch_notification",))'


def test_every_python_block_of_the_readme_runs_as_shown(pytester):
    problems, ran = readme_problems(README, pytester)
    assert not problems, "\n".join(problems)
    python_blocks = [b for b in blocks(README) if b.lang == "python"]
    assert sum(ran.values()) == len(python_blocks)
    assert ran["test"] >= 1 and ran["snippet"] >= 1, ran  # both kinds are really exercised


def test_the_own_check_example_as_it_was_fails_the_docs_test(pytester):
    """The example issue 15 found broken: ``ssot_runtime_scan`` searches only the target's function_name."""
    assert OWN_CHECK_CALL in README
    broken = README.replace(OWN_CHECK_CALL, "result = ssot_runtime_scan").replace(
        "def test_one_dispatch_function(ssot_scan)", "def test_one_dispatch_function(ssot_runtime_scan)")
    problems, _ = readme_problems(broken, pytester)
    line = next(b.line for b in blocks(broken) if b.lang == "python" and "ssot_runtime_scan" in b.code)
    assert problems and all(p.startswith(f"README.md line {line} (dispatchers=") for p in problems), problems
    assert "expected {'xfailed': 1}, got {'failed': 1}" in problems[0]
    assert "found neither" not in problems[0] or "dispatch_notification" in problems[0]


SNIPPETS = """
<!-- not-run: a fragment of a conftest.py, shown for its shape -->
```python
raise RuntimeError("never run")
```

```python
values = [1, 2]
assert sum(values) == 3
```

```python
values = [1, 2]  # every snippet runs on its own
assert sum(values) == 4, "the README claims 4"
```

<!-- not-run:   -->
```python
x = 1
```

```python
def test_without_a_stated_outcome():
    pass
```

```python
def broken(:
```
"""


def test_a_broken_snippet_a_missing_reason_and_an_unstated_outcome_are_each_one_problem(pytester):
    problems, ran = readme_problems(SNIPPETS, pytester)
    assert problems[0].startswith("README.md line 12: AssertionError: the README claims 4")
    assert problems[1] == "README.md line 18: <!-- not-run: --> gives no reason"
    assert problems[2].startswith("README.md line 22: a test block needs <!-- docs-test:")
    assert problems[3].startswith("README.md line 27: does not parse")
    assert len(problems) == 4
    assert ran == {"test": 0, "snippet": 2, "not-run": 2}


def test_a_clean_text_has_no_problem(pytester):
    problems, ran = readme_problems(SNIPPETS.split("<!-- not-run:   -->")[0].replace("== 4", "== 3"), pytester)
    assert problems == []
    assert ran == {"test": 0, "snippet": 2, "not-run": 1}


def test_scenarios_are_read_and_a_malformed_one_is_refused():
    assert scenarios("dispatchers=2 xfailed=1 | dispatchers=1 failed=1") == [
        ({"dispatchers": 2}, {"xfailed": 1}), ({"dispatchers": 1}, {"failed": 1})]
    with pytest.raises(ValueError, match="'xfail=1' is neither"):
        scenarios("xfail=1")
    with pytest.raises(ValueError, match="expects no outcome"):
        scenarios("dispatchers=2")


def test_blocks_are_found_with_their_comment_and_indentation():
    text = "intro\n\n<!-- docs-test: passed=1 -->\n\n  ```python\n  x = 1\n  ```\n```bash\nls\n```\n"
    found = blocks(text)
    assert [(b.line, b.lang, b.code, b.comment) for b in found] == [
        (5, "python", "x = 1\n", "docs-test: passed=1"), (8, "bash", "ls\n", None)]
