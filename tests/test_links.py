"""Link templates: checked where they are read, expanded only when every value exists."""

from __future__ import annotations

import json

import pytest

from pytest_ssot.cli import EXIT_USAGE, main
from pytest_ssot.config.links import Linker, TemplateError, check_templates, expand
from report_samples import fragmented


@pytest.mark.parametrize("templates, fragment", [
    ({"issue": "https://t.example/{number}"}, "unknown placeholder {number}; fix: use {issue}"),
    ({"source": "https://c.example/{path}#L{lineno}"}, "unknown placeholder {lineno}"),
    ({"run": "https://ci.example/{env}"}, "unknown placeholder {env}"),
    ({"issue": "https://t.example/{issue"}, "expected '}' before end of string"),
    ({"issue": "https://t.example/{0}"}, "{0} is not a named placeholder"),
    ({"issue": "https://t.example/{issue!r}"}, "is not a named placeholder"),
    ({"issue": "ftp://t.example/{issue}"}, "is not an http(s) URL template"),
    ({"tracker": "https://t.example/{issue}"}, "unknown link 'tracker'"),
])
def test_a_bad_template_is_one_line_naming_the_problem(templates, fragment):
    with pytest.raises(TemplateError) as info:
        check_templates(templates, "urls")
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_good_templates_pass_and_expand():
    templates = {"issue": "https://t.example/issues/{issue}",
                 "source": "https://c.example/blob/{commit}/{path}#L{line}",
                 "run": "https://ci.example/{env[GITHUB_RUN_ID]}/{branch}"}
    assert check_templates(templates, "urls") == templates
    assert expand(templates["source"], {"commit": "abc", "path": "src/my pkg/a.py", "line": 7}) == \
        "https://c.example/blob/abc/src/my%20pkg/a.py#L7"
    assert expand(templates["source"], {"commit": None, "path": "a.py", "line": 7}) is None  # no commit, no link
    assert expand(templates["run"], {"branch": "main"}, {"GITHUB_RUN_ID": "42"}) == "https://ci.example/42/main"
    assert expand(templates["run"], {"branch": "main"}, {}) is None  # outside CI: no run link
    assert expand(None, {"issue": "1"}) is None


def test_given_templates_override_the_reports_own():
    linker = Linker({"issue": "https://old.example/{issue}"}, {"issue": "https://new.example/{issue}"})
    assert linker.issue("7") == "https://new.example/7"
    assert Linker({"issue": "https://old.example/{issue}"}).issue("7") == "https://old.example/7"


def test_pyproject_urls_with_an_unknown_placeholder_is_a_usage_error(pytester):
    pytester.makefile(".toml", pyproject='[tool.ssot]\nurls = {issue = "https://t.example/{number}"}\n')
    pytester.makepyfile(test_x="def test_x(): pass\n")
    result = pytester.runpytest("-p", "ssot")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if "urls" in line]
    assert len(errors) == 1 and "unknown placeholder {number}" in errors[0] and "fix: use {issue}" in errors[0]
    assert "Traceback" not in result.stderr.str()


def test_pyproject_urls_are_recorded_in_the_report_with_the_run(pytester, monkeypatch):
    monkeypatch.setenv("BUILD_ID", "99")
    pytester.makefile(".toml", pyproject='[tool.ssot]\nurls = {issue = "https://t.example/{issue}", '
                                         'run = "https://ci.example/{env[BUILD_ID]}"}\n')
    pytester.makepyfile(test_x="import pytest\n@pytest.mark.ssot_issue(5)\ndef test_x(): pass\n")
    pytester.runpytest("-p", "ssot", "--ssot-report=r.json").assert_outcomes(passed=1)
    document = json.loads((pytester.path / "r.json").read_text())
    assert document["urls"]["issue"] == "https://t.example/{issue}"
    run = document["run"]
    assert run["url"] == "https://ci.example/99"
    assert run["python"] and run["plugin"] and run["time"]
    assert run["commit"] is None and run["branch"] is None  # pytester's folder is no git repository


def test_git_commit_and_branch_are_recorded_in_a_repository(pytester):
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    for args in (["init", "-q", "-b", "ledger-work"], ["-c", "user.email=a@b.c", "-c", "user.name=a", "commit",
                                                     "-q", "--allow-empty", "-m", "x"]):
        subprocess.run(["git", *args], cwd=pytester.path, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=pytester.path, capture_output=True, text=True).stdout
    pytester.makefile(".toml", pyproject="[tool.ssot]\n")
    pytester.makepyfile(test_x="import pytest\n@pytest.mark.ssot_issue(5)\ndef test_x(): pass\n")
    pytester.runpytest("-p", "ssot", "--ssot-report=r.json").assert_outcomes(passed=1)
    run = json.loads((pytester.path / "r.json").read_text())["run"]
    assert (run["commit"], run["branch"]) == (head.strip(), "ledger-work")


def test_cli_render_refuses_a_bad_template_in_one_line(tmp_path, capsys):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(fragmented()))
    assert main(["report", "render", str(path), "--issue-url", "https://t.example/{nr}"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--issue-url" in err and "unknown placeholder {nr}" in err


def test_cli_render_links_with_given_templates(tmp_path, capsys):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(fragmented()))
    assert main(["report", "render", str(path), "--format", "html",
                 "--issue-url", "https://t.example/issues/{issue}"]) == 0
    assert 'href="https://t.example/issues/824"' in capsys.readouterr().out


def test_cli_render_of_several_reports_shows_the_latest_with_a_trend(tmp_path, capsys):
    paths = []
    for day in ("03", "01", "02"):
        document = fragmented()
        document["run"] = {**document["run"], "time": f"2025-01-{day}T00:00:00+00:00"}
        document["issues"]["824"]["title"] = f"title of day {day}"
        path = tmp_path / f"r{day}.json"
        path.write_text(json.dumps(document))
        paths.append(str(path))
    assert main(["report", "render", *paths, "--format", "html"]) == 0
    out = capsys.readouterr().out
    assert "title of day 03" in out and "title of day 01" not in out  # the latest run, whatever the order given
    assert "<h3>Trend over 3 runs</h3>" in out


def test_a_report_with_a_broken_template_is_refused_in_one_line(tmp_path, capsys):
    document = fragmented()
    document["urls"] = {"issue": "https://t.example/{nr}"}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(document))
    assert main(["report", "render", str(path)]) == EXIT_USAGE
    assert "urls: issue = 'https://t.example/{nr}': unknown placeholder {nr}" in capsys.readouterr().err
