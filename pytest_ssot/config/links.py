"""Links from URL templates: an issue to its tracker, a finding to its source line, a run to its CI page.

Templates are plain ``str.format`` strings with named placeholders, checked
when they are read (``[tool.ssot] urls`` or ``ssot report render --*-url``): a
placeholder a template may not use is one line naming it and the ones it may.
A link whose values are missing (no commit outside git, a finding without a
line) is not made: the text stays plain.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from urllib.parse import quote

# which placeholders each template may use; env[NAME] reads the environment of the run that expands it
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "issue": ("issue",),
    "source": ("path", "line", "commit", "branch"),
    "run": ("commit", "branch", "env[NAME]"),
}
EXAMPLES = {
    "issue": "https://github.com/OWNER/REPO/issues/{issue}",
    "source": "https://github.com/OWNER/REPO/blob/{commit}/{path}#L{line}",
    "run": "https://github.com/OWNER/REPO/actions/runs/{env[GITHUB_RUN_ID]}",
}


class TemplateError(ValueError):
    """A URL template that cannot be expanded: the message is one line with the fix."""


def fields_of(template: str) -> list[str]:
    """The placeholder names of ``template`` (``env[X]`` as written); TemplateError for broken braces."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(f"{exc}; write literal braces as {{{{ and }}}}") from None
    names = []
    for _text, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion or name == "" or name.isdigit():
            raise TemplateError(f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}} "
                                "is not a named placeholder")
        names.append(name)
    return names


def _allowed(kind: str, name: str) -> bool:
    if kind == "run" and name.startswith("env[") and name.endswith("]") and len(name) > 5:
        return "[" not in name[4:-1] and "]" not in name[4:-1]
    return name in PLACEHOLDERS[kind]


def check_templates(templates: Mapping[str, object], origin: str) -> dict[str, str]:
    """The templates if every one is valid, else TemplateError naming the first problem in one line."""
    checked: dict[str, str] = {}
    for kind, template in templates.items():
        if kind not in PLACEHOLDERS:
            raise TemplateError(f"{origin}: unknown link {kind!r}; fix: use {', '.join(PLACEHOLDERS)}")
        if not isinstance(template, str) or not template.startswith(("http://", "https://")):
            raise TemplateError(f"{origin}: {kind} = {template!r} is not an http(s) URL template; "
                                f"fix: e.g. {EXAMPLES[kind]}")
        try:
            names = fields_of(template)
        except TemplateError as exc:
            raise TemplateError(f"{origin}: {kind} = {template!r}: {exc}") from None
        unknown = [n for n in names if not _allowed(kind, n)]
        if unknown:
            allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS[kind])
            raise TemplateError(f"{origin}: {kind} = {template!r}: unknown placeholder {{{unknown[0]}}}; "
                                f"fix: use {allowed}")
        checked[kind] = template
    return checked


class _Env(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def expand(template: str | None, values: Mapping[str, object], environ: Mapping[str, str] | None = None) -> str | None:
    """The URL, or None when there is no template or a value it needs is missing or empty."""
    if not template:
        return None
    filled: dict[str, object] = {}
    for name in fields_of(template):
        if name.startswith("env["):
            continue
        value = values.get(name)
        if value is None or value == "":
            return None
        filled[name] = quote(str(value), safe="/") if name in ("path", "branch") else quote(str(value), safe="")
    env = _Env({k: quote(v, safe="") for k, v in (environ or {}).items() if v})
    try:
        return template.format_map({**filled, "env": env})
    except (KeyError, IndexError, ValueError):
        return None


class Linker:
    """The link templates of one rendering: the report's own (``urls``), overridden by the command line's."""

    def __init__(self, recorded: Mapping[str, str] | None = None, given: Mapping[str, str | None] | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        self.given = {k: v for k, v in (given or {}).items() if v}
        self.templates = {**(recorded or {}), **self.given}
        self.environ = environ or {}

    def for_part(self, part: Mapping[str, object]) -> Linker:
        """A target's linker: its recorded templates under the given ones (a merged report's targets may differ)."""
        recorded = part.get("urls")
        return Linker(recorded if isinstance(recorded, Mapping) else {}, self.given, self.environ)

    def issue(self, number: str) -> str | None:
        return expand(self.templates.get("issue"), {"issue": number})

    def source(self, path: str, line: int, run: Mapping[str, object] | None) -> str | None:
        values = {"path": path, "line": line, **{k: (run or {}).get(k) for k in ("commit", "branch")}}
        return expand(self.templates.get("source"), values)

    def run(self, run: Mapping[str, object] | None) -> str | None:
        """The CI run's page: from a given template, else as the run recorded it (expanded in its environment)."""
        if "run" in self.given:
            return expand(self.given["run"], dict(run or {}), self.environ)
        recorded = (run or {}).get("url")
        return recorded if isinstance(recorded, str) and recorded else None
