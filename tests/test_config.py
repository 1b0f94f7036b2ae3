"""Configuration: every mistake is one clear line and exit code 4; precedence holds."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from pytest_ssot.config.load import CliValues, ConfigError
from pytest_ssot.configure import load_config

GOOD_TARGET = """
[tool.ssot]
target = "demo"

[tool.ssot.targets.demo]
root = "src"
package = "app.core"
manager = "app.core.manager:Manager"
factory = "app.core.manager:get_manager"
class_pattern = "Manager$"

[tool.ssot.targets.demo.issues]
824 = "open"
1126 = "resolved"

[tool.ssot.targets.other]
root = "src"
package = "app"
"""

OTHER = '[tool.ssot.targets.other]\nroot = "src"\npackage = "app"'


def make_project(tmp: Path, toml: str) -> Path:
    (tmp / "src" / "app" / "core").mkdir(parents=True, exist_ok=True)
    (tmp / "src" / "app" / "__init__.py").write_text("")
    (tmp / "src" / "app" / "core" / "__init__.py").write_text("")
    (tmp / "src" / "app" / "core" / "manager.py").write_text(
        "class Manager:\n    pass\n\ndef get_manager(ctx):\n    return Manager()\n"
    )
    path = tmp / "pyproject.toml"
    path.write_text(textwrap.dedent(toml))
    return path


def problems_of(tmp: Path, toml: str, cli: CliValues = CliValues(), env: dict | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(make_project(tmp, toml), cli, env or {})
    return info.value.problems


def test_a_good_configuration_loads(tmp_path):
    settings = load_config(make_project(tmp_path, GOOD_TARGET), CliValues(), {})
    assert settings is not None and settings.target is not None
    assert settings.target.name == "demo"
    assert settings.target.root == (tmp_path / "src").resolve()
    assert settings.statuses == {824: "open", 1126: "resolved"}
    assert settings.target.thresholds.max_redundant_implementations == 3
    assert settings.known_targets == ("demo", "other")


def test_no_section_and_no_option_means_not_in_use(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.black]\nline-length = 100\n")
    assert load_config(path, CliValues(), {"SSOT_STAGING_URL": "ws://127.0.0.1:1"}) is None
    assert load_config(None, CliValues(), {}) is None


# Each case: a change to the good configuration, and the words its one line must hold.
MISTAKES = [
    ('target = "demo"', 'target = "nope"',
     ["target 'nope' is unknown", "known targets: demo, other"]),
    ('package = "app.core"', 'package = "app.core"\nmanger = "x:Y"',
     ["manger", "unknown key", "did you mean 'manager'?"]),
    ('root = "src"\npackage = "app.core"', 'root = "srcc"\npackage = "app.core"',
     ["root = 'srcc'", "does not exist"]),
    ('package = "app.core"', 'package = 42',
     ["package = 42", "not a dotted module name"]),
    ('manager = "app.core.manager:Manager"', 'manager = "app.core.manager.Manager"',
     ["manager", "'module:Class'"]),
    ('manager = "app.core.manager:Manager"', 'manager = "app.core.manager:Manger"',
     ["manager = 'app.core.manager:Manger'", "does not resolve", "defines no top-level name 'Manger'"]),
    ('factory = "app.core.manager:get_manager"', 'factory = "app.nowhere:get_manager"',
     ["factory = 'app.nowhere:get_manager'", "module 'app.nowhere' is not found"]),
    ('824 = "open"', '824 = "opened"',
     ["824 = 'opened'", "unknown status", "'open', 'resolved'"]),
    ('824 = "open"', 'eight = "open"',
     ["eight", "not an issue number"]),
    ('package = "app.core"', 'package = "app.core"\nevents = "agent_started"',
     ["events = 'agent_started'", "list of strings"]),
    ('package = "app.core"', 'package = "app.core"\ndirect_instantiation = "sometimes"',
     ["direct_instantiation = 'sometimes'", "'forbidden', 'allowed'"]),
    ('package = "app.core"', 'package = "app.core"\npython = "/no/such/python3"',
     ["python = '/no/such/python3'", "does not exist"]),
    ('class_pattern = "Manager$"', 'class_pattern = "(unclosed"',
     ["class_pattern", "not a valid regular expression"]),
    (OTHER, OTHER + '\n[tool.ssot.targets.other.thresholds]\nmax_redundant_implementations = "three"',
     ["max_redundant_implementations = 'three'", "whole number"]),
    (OTHER, OTHER + '\n[tool.ssot.targets.other.thresholds]\nmax_redundnt_implementations = 3',
     ["did you mean 'max_redundant_implementations'?"]),
    (OTHER, '[tool.ssot.targets.other]\nroot = "src"',
     ["[tool.ssot.targets.other]", "package: is required"]),
    ('package = "app.core"', 'package = "app.core"\nexclude = "**/tests/**"',
     ["exclude = '**/tests/**'", "list of root-relative globs"]),
    ('target = "demo"', 'target = "demo"\ntierz = ["unit"]',
     ["tierz", "did you mean 'tiers'?"]),
    ('target = "demo"', 'target = "demo"\ntiers = ["unit", "smoke"]',
     ["tier 'smoke' unknown", "unit,integration,staging"]),
]


@pytest.mark.parametrize("old, new, words", MISTAKES, ids=[m[1].splitlines()[-1][:40] for m in MISTAKES])
def test_each_mistake_is_one_line_naming_key_value_and_fix(tmp_path, old, new, words):
    assert old in GOOD_TARGET
    problems = problems_of(tmp_path, GOOD_TARGET.replace(old, new, 1))
    assert len(problems) == 1, problems
    line = problems[0]
    assert "\n" not in line
    assert "fix:" in line
    assert "pyproject.toml" in line or "command line" in line
    for word in words:
        assert word in line


def test_all_mistakes_of_one_file_are_reported_together(tmp_path):
    toml = (
        GOOD_TARGET.replace('824 = "open"', '824 = "maybe"')
        .replace('package = "app.core"', 'package = "app.core"\nmanger = "a:b"')
        .replace('root = "src"\npackage = "app"', 'root = "missing"\npackage = "app"')
    )
    problems = problems_of(tmp_path, toml)
    assert len(problems) == 3
    assert any("maybe" in p for p in problems)
    assert any("manger" in p for p in problems)
    assert any("missing" in p for p in problems)


def test_invalid_toml_is_one_clear_line(tmp_path):
    problems = problems_of(tmp_path, "[tool.ssot\ntarget = 1\n")
    assert len(problems) == 1 and "not valid TOML" in problems[0]


@pytest.mark.parametrize(
    "cli, env, words",
    [
        (CliValues(issues=["824"]), {}, ["--ssot-issue (command line)", "'824' is not N=STATUS"]),
        (CliValues(issues=["824=closed"]), {}, ["issue 824 status 'closed' is unknown"]),
        (CliValues(tiers=["unit,e2e"]), {}, ["--ssot-tier (command line)", "tier 'e2e' unknown"]),
        (CliValues(staging_url="http//x"), {}, ["--ssot-staging-url (command line)", "not a WebSocket URL"]),
        (CliValues(), {"SSOT_TARGET": "ghost"}, ["SSOT_TARGET (environment)", "target 'ghost' is unknown"]),
        (CliValues(), {"SSOT_ISSUES": "889=wontfix"}, ["SSOT_ISSUES (environment)", "'wontfix'"]),
    ],
)
def test_option_and_environment_mistakes_name_their_source(tmp_path, cli, env, words):
    problems = problems_of(tmp_path, GOOD_TARGET, cli, env)
    assert len(problems) == 1
    for word in words:
        assert word in problems[0]


def test_precedence_is_cli_then_environment_then_file(tmp_path):
    path = make_project(tmp_path, GOOD_TARGET + '\n')
    env = {"SSOT_TARGET": "other", "SSOT_ISSUES": "824=resolved,889=open", "SSOT_TIER": "integration"}
    from_env = load_config(path, CliValues(), env)
    assert from_env.target.name == "other"
    assert from_env.statuses == {824: "resolved", 889: "open"}
    assert from_env.tiers == ("integration",)
    from_cli = load_config(path, CliValues(target="demo", issues=["889=resolved"], tiers=["unit"]), env)
    assert from_cli.target.name == "demo"
    assert from_cli.statuses == {824: "resolved", 1126: "resolved", 889: "resolved"}
    assert from_cli.tiers == ("unit",)
    from_file = load_config(path, CliValues(), {})
    assert from_file.target.name == "demo" and from_file.statuses[824] == "open"


def test_references_are_checked_without_importing_the_target(tmp_path):
    toml = GOOD_TARGET.replace('factory = "app.core.manager:get_manager"', 'factory = "app.core.side:get_manager"')
    project = make_project(tmp_path, toml)
    (tmp_path / "src" / "app" / "core" / "side.py").write_text(
        "raise SystemExit('imported during validation!')\ndef get_manager(ctx): pass\n"
    )
    settings = load_config(project, CliValues(), {})
    assert settings.target.factory == "app.core.side:get_manager"
    assert "app.core.side" not in sys.modules


def test_unknown_target_exits_4_with_one_line(pytester):
    pytester.makepyprojecttoml(GOOD_TARGET.replace('root = "src"', 'root = "."'))
    pytester.makepyfile(test_x="def test_x(): pass\n")
    (pytester.path / "app" / "core").mkdir(parents=True)
    (pytester.path / "app" / "core" / "manager.py").write_text("class Manager: pass\ndef get_manager(c): pass\n")
    result = pytester.runpytest_subprocess("-p", "ssot", "--ssot-target", "nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR == 4
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1
    assert "target 'nope' is unknown (known targets: demo, other)" in errors[0]
    assert "Traceback" not in result.stderr.str()


def test_a_broken_file_exits_4_listing_every_mistake(pytester):
    pytester.makepyprojecttoml('[tool.ssot]\ntarget = "t"\n[tool.ssot.targets.t]\nroot = "."\npackge = "x"\n')
    pytester.makepyfile(test_x="def test_x(): pass\n")
    result = pytester.runpytest("-p", "ssot")
    assert result.ret == 4
    text = result.stderr.str()
    assert "packge" in text and "did you mean 'package'?" in text
    assert "package: is required" in text


def test_the_adapter_can_be_swapped_through_the_hook(pytester):
    pytester.makepyprojecttoml(GOOD_TARGET.replace('root = "src"', 'root = "."'))
    (pytester.path / "app" / "core").mkdir(parents=True)
    (pytester.path / "app" / "__init__.py").write_text("")
    (pytester.path / "app" / "core" / "__init__.py").write_text("")
    (pytester.path / "app" / "core" / "manager.py").write_text("class Manager: pass\ndef get_manager(c): return Manager()\n")
    pytester.makeconftest(
        "class MyAdapter:\n    def __init__(self, target): self.target = target\n"
        "def pytest_ssot_make_adapter(config, target):\n    return MyAdapter(target)\n"
    )
    pytester.makepyfile(
        test_x="def test_adapter(ssot_adapter):\n"
        "    assert type(ssot_adapter).__name__ == 'MyAdapter'\n"
        "    assert ssot_adapter.target.name == 'demo'\n"
        "def test_default_resolves(ssot_target):\n"
        "    from pytest_ssot.adapter import TargetAdapter\n"
        "    adapter = TargetAdapter(ssot_target)\n"
        "    assert adapter.manager_classes[0].__name__ == 'Manager'\n"
        "    assert type(adapter.get_manager_blocking(None)).__name__ == 'Manager'\n"
    )
    result = pytester.runpytest_subprocess("-p", "ssot")
    result.assert_outcomes(passed=2)


def test_a_package_that_extends_its_own_path_is_not_rejected(tmp_path):
    toml = GOOD_TARGET.replace('factory = "app.core.manager:get_manager"', 'factory = "app.shared_mod:get_manager"')
    project = make_project(tmp_path, toml)
    (tmp_path / "src" / "app" / "__init__.py").write_text(
        "import os\n__path__.append(os.path.join(os.path.dirname(__file__), '..', 'elsewhere'))\n"
    )
    settings = load_config(project, CliValues(), {})
    assert settings.target.factory == "app.shared_mod:get_manager"
    (tmp_path / "src" / "app" / "__init__.py").write_text("")
    problems = problems_of(tmp_path, toml)
    assert len(problems) == 1 and "module 'app.shared_mod' is not found" in problems[0]


def test_the_staging_token_never_shows_in_the_configuration_repr(tmp_path):
    settings = load_config(make_project(tmp_path, GOOD_TARGET), CliValues(staging_token="s3cret-token"), {})
    assert settings.staging_token == "s3cret-token"
    assert "s3cret" not in repr(settings)
    from_env = load_config(make_project(tmp_path, GOOD_TARGET), CliValues(), {"SSOT_STAGING_TOKEN": "from-env"})
    assert from_env.staging_token == "from-env"


def test_a_package_that_is_not_under_the_root_is_a_mistake(tmp_path):
    problems = problems_of(tmp_path, GOOD_TARGET.replace('package = "app.core"', 'package = "app.typo"'))
    assert len(problems) == 1
    assert "package = 'app.typo': is not found under root" in problems[0]
    problems = problems_of(tmp_path, GOOD_TARGET.replace('package = "app.core"', 'package = "json"'))
    assert len(problems) == 1 and "package = 'json'" in problems[0]  # on sys.path, but not the target's


def test_a_missing_optional_key_skips_the_check_with_one_reason_line(pytester):
    pytester.makepyprojecttoml(GOOD_TARGET.replace('root = "src"', 'root = "."').replace(
        'factory = "app.core.manager:get_manager"\n', ''))
    (pytester.path / "app" / "core").mkdir(parents=True)
    (pytester.path / "app" / "__init__.py").write_text("")
    (pytester.path / "app" / "core" / "__init__.py").write_text("")
    (pytester.path / "app" / "core" / "manager.py").write_text("class Manager: pass\n")
    pytester.makepyfile(test_x="""
import pytest

@pytest.mark.ssot_issue(824)
def test_needs_the_factory(ssot_target):
    ssot_target.require("factory")
""")
    result = pytester.runpytest_subprocess("-p", "ssot")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["ssot: 1 test skipped: target 'demo' has no 'factory' "
                                 "(add factory = \"module:get_manager\" to [[]tool.ssot.targets.demo[]])"])
    assert "Traceback" not in result.stdout.str()


def test_outside_a_test_a_missing_key_is_a_target_setup_error():
    from pytest_ssot.config.target import MissingTargetKey, Target, TargetSetupError

    with pytest.raises(TargetSetupError) as caught:
        Target(name="rt", root=Path("."), package="realtime").require("app")
    assert isinstance(caught.value, MissingTargetKey) and (caught.value.target, caught.value.key) == ("rt", "app")
    assert "add app = ... to [tool.ssot.targets.rt]" in str(caught.value)


def test_exclude_defaults_to_test_files_and_may_be_emptied(tmp_path):
    from pytest_ssot.config.exclude import DEFAULT_EXCLUDE

    settings = load_config(make_project(tmp_path, GOOD_TARGET), CliValues(), {})
    assert settings.target.exclude == DEFAULT_EXCLUDE and "**/tests/**" in DEFAULT_EXCLUDE
    toml = GOOD_TARGET.replace('package = "app.core"', 'package = "app.core"\nexclude = []', 1)
    assert load_config(make_project(tmp_path, toml), CliValues(), {}).target.exclude == ()
    toml = GOOD_TARGET.replace('package = "app.core"', 'package = "app.core"\nexclude = ["legacy/**"]', 1)
    assert load_config(make_project(tmp_path, toml), CliValues(), {}).target.exclude == ("legacy/**",)


def test_a_class_pattern_that_misses_the_manager_class_is_a_mistake(tmp_path):
    # left at the seeds' default on a codebase with other names, every class check would stop on an empty scan
    default = problems_of(tmp_path, GOOD_TARGET.replace('class_pattern = "Manager$"\n', "", 1))
    assert default == ["pyproject.toml [tool.ssot.targets.demo]: class_pattern (its default) = "
                       "'(?i)^(?=.*websocket)(?=.*manager)': matches no manager class (Manager), so the class checks "
                       "would never count them; fix: set class_pattern to match your manager classes, e.g. "
                       'class_pattern = "Manager"']
    explicit = problems_of(tmp_path, GOOD_TARGET.replace('"Manager$"', '"Coordinator$"', 1))
    assert len(explicit) == 1 and explicit[0].startswith(
        "pyproject.toml [tool.ssot.targets.demo]: class_pattern = 'Coordinator$': matches no manager class (Manager)")
    assert load_config(make_project(tmp_path, GOOD_TARGET.replace('"Manager$"', '"(?i)manager"', 1)),
                       CliValues(), {}).target.class_pattern == "(?i)manager"
