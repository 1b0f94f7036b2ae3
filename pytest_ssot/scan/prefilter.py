"""The runtime scan's fast "no": can anything loaded match the query at all?

Most runs find nothing in most modules. Deciding that with a Python loop per
binding costs more than the walk it guards, so this module decides it with a
few bulk passes of builtins over every module at once: ``map``/``compress``
over ``type()``, ``issubclass`` with exact built-in types as the second
argument, dict membership, and C descriptors read off ``type`` and
``ModuleType``. None of them runs user code: no ``__getattr__``, ``__eq__``,
``__hash__`` or ``__class__`` of a scanned object is ever asked.

Every test here may say "maybe" wrongly, never "no" wrongly: a "maybe" only
sends the modules concerned to the exact walk in :mod:`pytest_ssot.scan.introspect`.

Nothing is cached between scans. A verdict keyed by ``id(module)`` and the
namespace's length goes stale silently (a rebound name, a reassigned
``__name__`` or ``__code__``), and checking that it did not costs about as
much as deciding afresh; besides, a scan runs once per child interpreter, so
such a cache would only ever speed up a benchmark that repeats it.
"""

from __future__ import annotations

import functools
import gc
import operator
import re
from bisect import bisect_right
from itertools import accumulate, chain, compress, count as _naturals, repeat
from types import FunctionType, ModuleType
from typing import Any, Iterable, Pattern, Sequence

from pytest_ssot.core.literals import required_literals

# Descriptors read straight off the C types: calling them runs no user code.
MODULE_DICT = ModuleType.__dict__["__dict__"]
TYPE_DICT = type.__dict__["__dict__"]
TYPE_NAME = type.__dict__["__name__"]
TYPE_QUALNAME = type.__dict__["__qualname__"]
_SUBCLASSES = type.__dict__["__subclasses__"]
_CO_NAME = operator.attrgetter("__code__.co_name")  # only ever applied to exact FunctionType
_IS = operator.is_
_IS_NOT = operator.is_not
_CONTAINS = operator.contains
_DICT_VALUES = dict.values
_OR = operator.or_
_ADD = operator.add
_NOT = operator.not_


@functools.lru_cache(maxsize=32)
def _literals_of(source: str, flags: int) -> tuple[bytes, ...] | None:
    """:func:`required_literals` of one pattern, parsed once per process (a scan may run many times)."""
    return required_literals(re.compile(source, flags))


class NameTest:
    """The query as cheap string tests: exact function names and the class pattern."""

    def __init__(self, pattern: Pattern[str], functions: Iterable[str]) -> None:
        self.pattern = pattern
        self.functions = frozenset(functions)
        literals = _literals_of(pattern.pattern, pattern.flags)
        self.words = tuple(w.decode() for w in literals) if literals else None
        # the word searched first in a bulk string: the longest, likely the rarest
        self.probe = max(self.words, key=len) if self.words else None
        self._match_cache: dict[str, bool] = {}

    def class_name_matches(self, name: str) -> bool:
        """The exact regex test, memoised (names repeat across modules)."""
        hit = self._match_cache.get(name)
        if hit is None:
            hit = self._match_cache[name] = self.pattern.search(name) is not None
        return hit

    def any_key_in(self, namespaces: Sequence[Any]) -> bool:
        """Is a searched function name a key of any of ``namespaces``? (one lookup each)"""
        return any(any(map(_CONTAINS, namespaces, repeat(name))) for name in self.functions)

    def names_may_match(self, names: Iterable[Any]) -> bool:
        """Could any of ``names`` match the class pattern? (never a false "no")

        With literals the pattern requires, one lowercased join and a few
        ``find`` calls decide; otherwise the (memoised) regex runs per name.
        """
        names = list(names)
        if self.words is not None:
            try:
                joined = "\0".join(names)
            except TypeError:  # a non-str key somewhere
                joined = None
            hit = None if joined is None else self.joined_may_match(joined, len(names))
            if hit is not None:
                return hit
        return any(issubclass(type(n), str) and self.class_name_matches(n) for n in names)

    def joined_may_match(self, joined: str, count: int) -> bool | None:
        """:meth:`names_may_match` for ``count`` names joined by NUL (None: a NUL in a name, cannot tell).

        The NULs are counted only when a found word's name fails: until then
        no name was cut, so none can be cut wrongly.
        """
        if self.words is None:
            return None
        if not joined.isascii():  # "ſ" matches "s" under IGNORECASE, but lowers to itself
            if joined.count("\0") != count - 1:
                return None
            if any(self.class_name_matches(n) for n in joined.split("\0") if not n.isascii()):
                return True
        hit = _segments_hold_words(self, joined.lower())
        if hit is None:
            return None if joined.count("\0") != count - 1 else False
        return hit


def _segments_hold_words(test: NameTest, lowered: str) -> bool | None:
    """Does a NUL-separated name in ``lowered`` hold every required word?

    True as soon as one does; False if the longest word is nowhere; None if it
    was found only in names that fail (then a NUL inside a name could have cut
    one, which only the caller's count can rule out).
    """
    probe, words = test.probe, test.words
    failed = False
    at = lowered.find(probe)
    while at >= 0:
        end = lowered.find("\0", at)
        end = len(lowered) if end < 0 else end
        name = lowered[lowered.rfind("\0", 0, at) + 1 : end]
        if all(word in name for word in words):
            return True
        failed = True
        at = lowered.find(probe, end)
    return None if failed else False


def bindings_may_hit(
    test: NameTest, namespaces: Sequence[dict[str, Any]], classes: Sequence[type] | None = None
) -> bool:
    """Could a module-level binding in ``namespaces`` (exact dicts) be a candidate?

    A function is one if its key or its code's name is searched; a class if its
    key or its ``__name__`` matches. Keys are tested first, all at once; then
    the functions' code names, the functions picked out of
    :func:`namespace_values`. Given ``classes`` (every class alive,
    :func:`all_classes`), no class value can match when no key matches and no
    class alive has a matching ``__name__``: no value is typed but to find the
    functions. Otherwise the classes are picked out of the values and only
    their keys and names are tested.
    """
    if test.any_key_in(namespaces):
        return True
    try:
        values = namespace_values(namespaces)
        if test.functions and not test.functions.isdisjoint(
            map(_CO_NAME, compress(values, map(_IS, map(type, values), repeat(FunctionType))))
        ):
            return True
        if classes is not None and test.words is not None \
                and not keys_may_match(test, namespaces, map(TYPE_NAME.__get__, classes)):
            return False
        values = list(chain.from_iterable(map(_DICT_VALUES, namespaces)))  # in key order, for the keys
        is_class = list(map(issubclass, map(type, values), repeat(type)))  # exact `type` as 2nd arg: no user hook
        keys = list(compress(chain.from_iterable(namespaces), is_class))
    except RuntimeError:  # a namespace changed under us (another thread): let the walk decide
        return True
    class_values = list(compress(values, is_class))
    if len(keys) != len(class_values):
        return True
    names = list(map(TYPE_NAME.__get__, class_values))
    return test.names_may_match(chain(compress(keys, map(_IS_NOT, keys, names)), names))


def namespace_values(namespaces: Sequence[dict[str, Any]]) -> list[Any]:
    """Every value of the exact dicts ``namespaces`` that may be a function or a class, in one C call.

    ``gc.get_referents`` runs each dict's ``tp_traverse``, which must visit
    every value the cycle collector could reach through it: every function and
    every class among them (both are collectable). A dict with other than str
    keys yields its keys too, which only adds candidates. Runs no user code.
    """
    return gc.get_referents(*namespaces)


def keys_may_match(test: NameTest, namespaces: Sequence[dict[str, Any]], class_names: Iterable[str] = ()) -> bool:
    """Could any key of ``namespaces``, or any of ``class_names``, match the class pattern?

    Each namespace's keys are joined with no separator, the namespaces with a
    NUL, and the lowercased whole is searched for the longest required word:
    a namespace it is not found in holds no matching key (joining adds no
    character, so it can only add a false "maybe" where two keys meet). The
    namespaces it is found in are judged key by key. A key cannot shift a
    namespace's place in the string, so NULs inside keys cannot hide one.
    ``class_names`` (``__name__``s of classes) follow, one per NUL; their NULs
    are counted only if a name the word lands in fails (``type`` refuses a
    ``__name__`` holding a NUL, so for them the count always agrees).
    """
    probe = test.probe
    try:
        parts = list(map("".join, namespaces)) if probe is not None else None
    except TypeError:  # a non-str key somewhere
        parts = None
    if parts is None:
        return test.names_may_match(chain.from_iterable(namespaces)) or test.names_may_match(class_names)
    names = list(class_names)
    joined = "\0".join(chain(parts, names))
    if not joined.isascii():  # lowering may change lengths, and "ſ" folds to "s" under IGNORECASE
        suspect = map(_OR, map(_CONTAINS, map(str.lower, parts), repeat(probe)), map(_NOT, map(str.isascii, parts)))
        return any(map(test.names_may_match, compress(namespaces, suspect))) or test.names_may_match(names)
    joined = joined.lower()
    ends = list(map(_ADD, accumulate(map(len, parts)), _naturals()))  # part i ends where its separator stands
    keys_end = ends[-1] if ends else 0
    name_failed = False
    at = joined.find(probe)
    while at >= 0:
        if at < keys_end:  # in the keys of namespace i
            i = bisect_right(ends, at)
            if test.names_may_match(namespaces[i]):
                return True
            at = joined.find(probe, ends[i])
            continue
        end = joined.find("\0", at)
        end = len(joined) if end < 0 else end
        name = joined[joined.rfind("\0", 0, at) + 1 : end]
        if all(word in name for word in test.words):  # type: ignore[union-attr]
            return True
        name_failed = True
        at = joined.find(probe, end)
    if name_failed and joined.count("\0", keys_end + 1 if parts else 0) != len(names) - 1:
        return test.names_may_match(names)  # a NUL inside a name cut it: judge them one by one
    return False


def all_classes() -> list[type]:
    """Every class alive in this interpreter, through ``type.__subclasses__`` (repeats possible).

    A class with several bases is listed once per base; removing repeats costs
    more than the repeats do, unless a hierarchy of many diamonds makes them
    blow up, which the deduplicating walk then handles.
    """
    found: list[type] = [object]
    level: list[type] = [object]
    while level:
        level = list(chain.from_iterable(map(_SUBCLASSES, level)))
        found += level
        if len(found) > _REPEAT_LIMIT:
            return _all_classes_once()
    return found


_REPEAT_LIMIT = 200_000


def _all_classes_once() -> list[type]:
    """:func:`all_classes` without repeats: each class expanded once."""
    seen: dict[int, type] = {id(object): object}
    level: list[type] = [object]
    while level:
        batch = list(chain.from_iterable(map(_SUBCLASSES, level)))
        fresh = dict(zip(map(id, batch), batch))
        for known in fresh.keys() & seen.keys():
            del fresh[known]
        seen.update(fresh)
        level = list(fresh.values())
    return list(seen.values())


def nested_may_hit(test: NameTest, classes: Sequence[type] | None = None) -> bool:
    """Could a definition nested in a class be a candidate, anywhere?

    The exact walk takes a nested definition only where its class namespace
    key agrees with its qualname (``Outer.key``), so a key of a class
    namespace in ``functions``, or a matching qualname tail of a class, is
    necessary. Both are read for every class alive at once, which costs far
    less than reading every value of every class namespace: one lookup per
    namespace (each read, looked up and dropped in one C pass), and one
    string of every qualname, cut only at its dots (nested and local classes).
    """
    if classes is None:
        classes = all_classes()
    if test.functions and class_keys_in(test, classes):
        return True
    joined = "\0".join(map(TYPE_QUALNAME.__get__, classes))  # str (or a subclass): the setter checks
    if joined.count("\0") != len(classes) - 1:  # a NUL inside a qualname: cut them one by one
        exact = map("".join, zip(map(TYPE_QUALNAME.__get__, classes)))  # plain str copies: no subclass asked
        tails = [q[i + 1 :] for q in exact for i, ch in enumerate(q) if ch == "."]
        return bool(tails) and test.names_may_match(tails)
    tails = []
    at = joined.find(".")
    while at >= 0:  # one step per dot: only nested (and local) classes have dots
        end = joined.find("\0", at)
        tails.append(joined[at + 1 : len(joined) if end < 0 else end])
        at = joined.find(".", at + 1)
    return bool(tails) and test.names_may_match(tails)


def class_keys_in(test: NameTest, classes: Sequence[type]) -> bool:
    """Is a searched function name a key of the namespace of any of ``classes``?"""
    if len(test.functions) == 1:  # each namespace read, looked up and dropped in one C pass
        try:
            return any(map(_CONTAINS, map(TYPE_DICT.__get__, classes), repeat(*test.functions)))
        except TypeError:  # a class whose namespace is not set up (None): read them all, leaving it out
            pass
    return test.any_key_in(class_namespaces(classes))


def class_namespaces(classes: Sequence[type]) -> list[Any]:
    """The namespace of every class in ``classes`` (a read-only proxy each), read through ``type.__dict__``.

    Measured against handing the heap types' dicts over through
    ``gc.get_referents`` (which then must sort out MROs, bases and ctypes'
    dict subclasses): one descriptor call per class costs less.
    """
    return list(filter(None, map(TYPE_DICT.__get__, classes)))
