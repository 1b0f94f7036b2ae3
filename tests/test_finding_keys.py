"""Finding keys: what the ledger compares must not change between runs, machines or install locations."""

from __future__ import annotations

import sys

import pytest

from pytest_ssot.scan.findings import Definition, ImportSite
from pytest_ssot.core.violation import SSOTViolation, check_each, finding_key, stable_text, violation_keys

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup  # pytest's own dependency there


def test_explicit_keys_are_kept_sorted_and_unique():
    assert SSOTViolation("text", [{"a": 1}], keys=["b", "a", "b"]).keys == ["a", "b"]


def test_a_definition_is_its_kind_and_dotted_name_wherever_and_whenever_it_was_found():
    here = Definition("X", "pkg.mod", "X", "class", file="/home/a/src/pkg/mod.py", line=3, object_id=140001)
    there = Definition("X", "pkg.mod", "X", "class", file="/opt/venv/lib/pkg/mod.py", line=9, object_id=99)
    assert finding_key(here) == finding_key(there) == "class pkg.mod.X"
    assert finding_key(here.to_json()) == "class pkg.mod.X"


def test_an_import_site_is_importer_and_imported_without_line_or_file():
    site = ImportSite("pkg.user", "/abs/pkg/user.py", 12, "pkg.old_factory", "import pkg.old_factory")
    moved = ImportSite("pkg.user", "/other/pkg/user.py", 40, "pkg.old_factory", "import pkg.old_factory")
    assert finding_key(site) == finding_key(moved) == "import of pkg.old_factory in pkg.user"


@pytest.mark.parametrize("first, second", [
    ("<X object at 0x7f3a2b1c> id=140234", "<X object at 0x55aa01> id=77"),
    ("/home/ci/build/pkg/a.py:12 in f", "/tmp/x/pkg/a.py:99 in f"),
    ("took 1.25 s", "took 0.03 s"),
    ("user ssot-bypass-0e3ec740", "user ssot-bypass-cbcc7c86"),
    ("run 2b7e1516-28ae-4d2a-a6f7-15c2b7a8f001", "run 11111111-2222-3333-4444-555555555555"),
])
def test_volatile_parts_are_masked(first, second):
    assert stable_text(first) == stable_text(second)


@pytest.mark.parametrize("first, second", [
    ("pkg.a.XManager", "pkg.b.XManager"),
    ("user demo-user-001", "user demo-user-002"),
    ("3 functions", "4 functions"),
])
def test_what_identifies_a_finding_is_kept(first, second):
    assert stable_text(first) != stable_text(second)


def test_a_dict_finding_drops_volatile_fields_and_keeps_the_rest():
    one = {"component": "pkg.f:get", "class": "pkg.M", "id": 1, "seconds": 0.3, "callers": ["/a.py:3 in t"]}
    two = {"component": "pkg.f:get", "class": "pkg.M", "id": 2, "seconds": 0.9, "callers": ["/b.py:8 in t"]}
    assert finding_key(one) == finding_key(two) == "class=pkg.M, component=pkg.f:get"


def test_without_findings_the_first_line_of_the_message_is_the_key():
    assert SSOTViolation("manager at 0x7f01 leaked\ndetails").keys == ["manager at 0x… leaked"]


def test_joined_violations_keep_every_key():
    def check(item):
        raise SSOTViolation(f"bad {item}", keys=[f"k{item}"])

    with pytest.raises(SSOTViolation) as info:
        check_each([1, 2], check)
    assert info.value.keys == ["k1", "k2"]


def test_a_group_of_violations_has_the_keys_of_all_its_leaves():
    group = ExceptionGroup("two", [SSOTViolation("a", keys=["a"]), SSOTViolation("b", keys=["b"])])
    assert violation_keys(group) == ["a", "b"]
