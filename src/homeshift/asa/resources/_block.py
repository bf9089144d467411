"""Shared line handling for the ASA resources: parse errors, attribute keys, line diffs.

Every sub-mode line has a *key* (the words that identify which setting it is, e.g.
``dns-server`` or ``group-alias STAFF``). Two lines with the same key are the same setting, so
a changed value is simply re-sent (the ASA replaces it) and a setting absent from the desired
block is removed with ``no <line as shown>``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: How the ASA shows a secret in ``show running-config``.
MASK = "*****"


class ParseError(ValueError):
    """A line inside a managed section that the parser does not understand."""

    def __init__(self, line_no: int, line: str, reason: str = "not understood") -> None:
        self.line_no = line_no
        self.line = line
        self.reason = reason
        super().__init__(f"running-config line {line_no}: {reason}: {line.strip()!r}")


class ValidationError(ValueError):
    """Desired configuration refused before anything is sent to the device."""


@dataclass(frozen=True)
class Changes:
    """Commands of one resource: ``apply`` runs in dependency order, ``remove`` in reverse."""

    apply: list[str]
    remove: list[str]


@dataclass(frozen=True)
class RawLine:
    """One running-config line with its 1-based number and its text without the indent."""

    line_no: int
    text: str
    indent: int = 0


def attribute_key(text: str, keys: Mapping[str, int]) -> str | None:
    """Key of a sub-mode line: the longest known keyword prefix plus identifying words.

    ``keys`` maps a keyword prefix (``"cluster ip address"``) to the number of words that
    identify the setting (``3``); multi-valued settings include their name
    (``"group-alias": 2``). Returns None when no prefix matches.
    """
    words = text.split()
    best: str | None = None
    best_len = 0
    for prefix, key_len in keys.items():
        prefix_words = prefix.split()
        n = len(prefix_words)
        if words[:n] == prefix_words and n > best_len and len(words) >= key_len:
            best, best_len = " ".join(words[:key_len]), n
    return best


def diff_lines(
    want: Sequence[str],
    have: Sequence[str],
    key: Callable[[str], str],
    *,
    remove_extra: bool,
    same: Callable[[str, str], bool] | None = None,
) -> list[str]:
    """Sub-mode lines turning ``have`` into ``want``: removals first, then sets in want order."""
    equal = same or (lambda a, b: a == b)
    have_by_key = {key(line): line for line in have}
    want_keys = {key(line) for line in want}
    commands: list[str] = []
    if remove_extra:
        commands += [f"no {line}" for line in have if key(line) not in want_keys]
    for line in want:
        current = have_by_key.get(key(line))
        if current is None or not equal(line, current):
            commands.append(line)
    return commands


def unlisted_removals(
    have: Iterable[str],
    want: Collection[str],
    builtin: Collection[str],
    render_removal: Callable[[str], str],
) -> list[str]:
    """``overridden``: remove every named block the device has and the caller does not list,
    except the device's built-in defaults (which cannot be removed)."""
    return [render_removal(name) for name in have if name not in want and name not in builtin]


def require_int(value: str, raw: RawLine) -> int:
    try:
        return int(value)
    except ValueError:
        raise ParseError(raw.line_no, raw.text, f"expected a number, got {value!r}") from None


# --- table-driven sub-mode attributes ------------------------------------------------------

#: value shapes of a sub-mode attribute line ``<keyword> <rest>``:
#:  value_list: ``kw value a b`` <-> tuple[str, ...]     value: ``kw value x`` <-> str
#:  text: ``kw rest of line`` <-> str                    words: ``kw a b`` <-> tuple[str, ...]
#:  int: ``kw 5`` <-> int                                flag: ``kw`` <-> bool
#:  multi: repeated ``kw rest`` lines <-> tuple[str, ...] (key: kw + first word of rest)
KINDS = ("value_list", "value", "text", "words", "int", "flag", "multi")


@dataclass(frozen=True)
class Attr:
    keyword: str
    field: str
    kind: str


def attr_keys(attrs: Sequence[Attr]) -> dict[str, int]:
    """The keyword -> key length table for :func:`attribute_key`."""
    return {a.keyword: len(a.keyword.split()) + (1 if a.kind == "multi" else 0) for a in attrs}


def parse_attrs(lines: Sequence[RawLine], attrs: Sequence[Attr], section: str) -> dict[str, Any]:
    """Map sub-mode lines onto dataclass fields; unknown lines raise :class:`ParseError`."""
    values: dict[str, Any] = {}
    for raw in lines:
        words = raw.text.split()
        candidates = [a for a in attrs if words[: len(a.keyword.split())] == a.keyword.split()]
        if not candidates:
            raise ParseError(raw.line_no, raw.text, f"unknown line in {section}")
        attr = max(candidates, key=lambda a: len(a.keyword.split()))  # longest keyword wins
        rest = raw.text.split()[len(attr.keyword.split()) :]
        values_for = values.get(attr.field)
        if attr.kind == "flag":
            if rest:
                raise ParseError(raw.line_no, raw.text, f"unexpected words in {section}")
            values[attr.field] = True
        elif attr.kind == "int":
            if len(rest) != 1:
                raise ParseError(raw.line_no, raw.text, "expected one number")
            values[attr.field] = require_int(rest[0], raw)
        elif attr.kind in ("value", "value_list"):
            if not rest:
                raise ParseError(raw.line_no, raw.text, "missing value")
            words = rest[1:] if rest[0] == "value" else rest
            values[attr.field] = tuple(words) if attr.kind == "value_list" else " ".join(words)
        elif attr.kind == "words":
            values[attr.field] = tuple(rest)
        elif attr.kind == "text":
            if not rest:
                raise ParseError(raw.line_no, raw.text, "missing value")
            values[attr.field] = " ".join(rest)
        else:  # multi
            if not rest:
                raise ParseError(raw.line_no, raw.text, "missing value")
            values[attr.field] = (*(values_for or ()), " ".join(rest))
    return values


def render_attrs(obj: object, attrs: Sequence[Attr]) -> list[str]:
    """Sub-mode lines (without indent) for the set fields of ``obj``, in table order."""
    lines: list[str] = []
    for attr in attrs:
        value = getattr(obj, attr.field)
        if value is None or value == () or value is False:
            continue
        if attr.kind == "flag":
            lines.append(attr.keyword)
        elif attr.kind == "value_list":
            lines.append(f"{attr.keyword} value {' '.join(value)}")
        elif attr.kind == "value":
            lines.append(f"{attr.keyword} value {value}")
        elif attr.kind == "words":
            lines.append(f"{attr.keyword} {' '.join(value)}")
        elif attr.kind == "multi":
            lines += [f"{attr.keyword} {item}" for item in value]
        else:
            lines.append(f"{attr.keyword} {value}")
    return lines


def coerce_attrs(data: Mapping[str, Any], attrs: Sequence[Attr], what: str) -> dict[str, Any]:
    """Validate user data (plan/role/Ansible) for the attribute fields of one resource."""
    known = {a.field: a for a in attrs}
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in ("name",) or value is None:
            continue
        attr = known.get(name)
        if attr is None:
            raise ValidationError(f"{what}: unknown option {name!r}; known: {sorted(known)}")
        if attr.kind == "flag":
            if not isinstance(value, bool):
                raise ValidationError(f"{what}: {name} must be true/false")
            values[name] = value
        elif attr.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValidationError(f"{what}: {name} must be a number")
            try:
                values[name] = int(value)
            except ValueError:
                raise ValidationError(f"{what}: {name} must be a number, got {value!r}") from None
        elif attr.kind in ("value_list", "words", "multi"):
            items = [value] if isinstance(value, str) else list(value)
            values[name] = tuple(str(item) for item in items)
        else:
            values[name] = str(value)
        for item in values[name] if isinstance(values[name], tuple) else (values[name],):
            if isinstance(item, str) and ("\n" in item or "\r" in item):
                raise ValidationError(f"{what}: {name} must be a single line")
    return values
