"""A strict parser for the YAML subset a GitHub workflow of ours may use.

PyYAML is no dependency of the plugin, and a workflow needs little YAML: block
mappings and sequences, plain/quoted scalars, one-line flow sequences and ``|``
literal blocks. Anything else (anchors, aliases, tags, flow mappings, folded
blocks, several documents) is refused, so the test never misreads the file:
keep the workflow inside this subset. Keys stay strings (``on`` is ``"on"``, as
GitHub reads it); plain scalars follow YAML 1.2 core types, so an unquoted
``3.10`` is the float 3.1, exactly the mistake a matrix must not make.
"""

from __future__ import annotations

import re
from typing import Any

_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")


class YAMLSubsetError(ValueError):
    """The text uses YAML this parser does not read (or is malformed)."""


def parse(text: str) -> Any:
    lines = []
    for number, raw in enumerate(text.splitlines(), 1):
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise YAMLSubsetError(f"line {number}: tab in indentation")
        lines.append((number, raw))
    parser = _Parser(lines)
    return parser.document()


class _Parser:
    def __init__(self, lines: list[tuple[int, str]]) -> None:
        self.raw = lines
        # (line number, indent, content without comment) of the lines that hold something
        self.lines: list[tuple[int, int, str]] = []
        for number, raw in lines:
            content = _strip_comment(raw).rstrip()
            if content.strip():
                self.lines.append((number, len(content) - len(content.lstrip()), content.strip()))
        self.i = 0

    def document(self) -> Any:
        if not self.lines:
            return None
        first = self.lines[0]
        if first[2].startswith("---") or first[2].startswith("%"):
            raise YAMLSubsetError(f"line {first[0]}: document markers and directives are not supported")
        value = self.block(first[1])
        if self.i < len(self.lines):
            number, _indent, content = self.lines[self.i]
            raise YAMLSubsetError(f"line {number}: unexpected {content!r} (bad indentation?)")
        return value

    def block(self, indent: int) -> Any:
        number, actual, content = self.lines[self.i]
        if actual != indent:
            raise YAMLSubsetError(f"line {number}: expected indentation {indent}, found {actual}")
        if content == "-" or content.startswith("- "):
            return self.sequence(indent)
        return self.mapping(indent)

    def sequence(self, indent: int) -> list[Any]:
        items: list[Any] = []
        while self.i < len(self.lines):
            number, actual, content = self.lines[self.i]
            if actual != indent or not (content == "-" or content.startswith("- ")):
                if actual > indent:
                    raise YAMLSubsetError(f"line {number}: unexpected indentation")
                break
            rest = content[1:].lstrip()
            if not rest:
                self.i += 1
                items.append(self.nested(indent, number))
            elif _split_key(rest, number) is not None:
                # "- key: value": a mapping whose keys sit where "key" starts
                inner = actual + (len(content) - len(rest))
                self.lines[self.i] = (number, inner, rest)
                items.append(self.mapping(inner))
            else:
                self.i += 1
                items.append(_scalar(rest, number))
        return items

    def mapping(self, indent: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while self.i < len(self.lines):
            number, actual, content = self.lines[self.i]
            if actual < indent:
                break
            if actual > indent:
                raise YAMLSubsetError(f"line {number}: unexpected indentation")
            if content == "-" or content.startswith("- "):
                break
            split = _split_key(content, number)
            if split is None:
                raise YAMLSubsetError(f"line {number}: expected 'key: value', found {content!r}")
            key, value = split
            if key in result:
                raise YAMLSubsetError(f"line {number}: duplicate key {key!r}")
            self.i += 1
            if value in ("|", "|-"):
                result[key] = self.literal(indent, number, keep_newline=value == "|")
            elif value.startswith((">", "|")):
                raise YAMLSubsetError(f"line {number}: only '|' and '|-' block scalars are supported")
            elif value == "":
                result[key] = self.nested(indent, number, allow_same_indent_sequence=True)
            else:
                result[key] = _scalar(value, number)
        return result

    def nested(self, indent: int, number: int, allow_same_indent_sequence: bool = False) -> Any:
        if self.i >= len(self.lines):
            return None
        _n, actual, content = self.lines[self.i]
        if actual > indent:
            return self.block(actual)
        if allow_same_indent_sequence and actual == indent and (content == "-" or content.startswith("- ")):
            return self.sequence(indent)
        return None

    def literal(self, indent: int, number: int, keep_newline: bool) -> str:
        # raw lines: a '#' inside a literal block is content, not a comment
        body: list[str] = []
        for raw in (raw for _n, raw in self.raw[number:]):
            if raw.strip() and len(raw) - len(raw.lstrip()) <= indent:
                break
            body.append(raw)
        while body and not body[-1].strip():
            body.pop()
        last = number + len(body)
        while self.i < len(self.lines) and self.lines[self.i][0] <= last:
            self.i += 1
        if not body:
            return ""
        block_indent = next(len(line) - len(line.lstrip()) for line in body if line.strip())
        for offset, line in enumerate(body, number + 1):
            if line.strip() and len(line) - len(line.lstrip()) < block_indent:
                raise YAMLSubsetError(f"line {offset}: less indented than its literal block")
        text = "\n".join(line[block_indent:] if line.strip() else "" for line in body)
        return text + "\n" if keep_newline else text


def _strip_comment(line: str) -> str:
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"" and (index == 0 or line[index - 1] in " [,:-"):
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[:index]
    return line


def _split_key(content: str, number: int) -> tuple[str, str] | None:
    if content[0] in "'\"":
        end = content.find(content[0], 1)
        if end > 0 and content[end + 1: end + 2] == ":":
            key, rest = content[1:end], content[end + 2:]
            return key, rest.strip()
        return None
    match = re.match(r"([^:#\[\]{},]+?):(\s+|$)(.*)", content)
    if not match:
        return None
    if content[0] in "?&*!{|>%@`":
        raise YAMLSubsetError(f"line {number}: {content[0]!r} is outside the supported YAML subset")
    return match.group(1).strip(), match.group(3).strip()


def _scalar(text: str, number: int) -> Any:
    if text[0] in "&*!{>%@`" or text.startswith("? "):
        raise YAMLSubsetError(f"line {number}: {text!r} is outside the supported YAML subset")
    if text[0] == "[":
        if not text.endswith("]"):
            raise YAMLSubsetError(f"line {number}: flow sequences must be on one line")
        inner = text[1:-1].strip()
        return [_scalar(part.strip(), number) for part in _split_flow(inner, number)] if inner else []
    if text[0] == "'":
        if len(text) < 2 or not text.endswith("'"):
            raise YAMLSubsetError(f"line {number}: unterminated quote")
        return text[1:-1].replace("''", "'")
    if text[0] == '"':
        if len(text) < 2 or not text.endswith('"') or "\\" in text:
            raise YAMLSubsetError(f"line {number}: unterminated quote or escape in a double-quoted scalar")
        return text[1:-1]
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if text in ("null", "Null", "NULL", "~"):
        return None
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if ": " in text or text.endswith(":"):
        raise YAMLSubsetError(f"line {number}: ambiguous plain scalar {text!r}: quote it")
    return text


def _split_flow(inner: str, number: int) -> list[str]:
    parts, current, quote = [], "", None
    for char in inner:
        if quote:
            current += char
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
            current += char
        elif char == ",":
            parts.append(current)
            current = ""
        elif char in "[]{}":
            raise YAMLSubsetError(f"line {number}: nested flow collections are not supported")
        else:
            current += char
    if quote:
        raise YAMLSubsetError(f"line {number}: unterminated quote")
    parts.append(current)
    return parts
