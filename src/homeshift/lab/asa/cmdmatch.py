"""Word-prefix command matching, as on a real ASA (``conf t``, ``sh run``, ``wr mem``).

A command is a pattern of tokens: a literal keyword (matched by any unambiguous prefix),
``{}`` (any one word) or ``*`` (the rest of the line, possibly empty). Matching walks the
input words left to right and narrows the candidate patterns; it reports the position of the
first word that fits nothing (for the ``^`` marker), an ambiguous prefix, or an incomplete line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

WORD = "{}"
REST = "*"

Handler = Callable[..., Any]


@dataclass(frozen=True)
class Command:
    pattern: tuple[str, ...]
    handler: Handler


@dataclass(frozen=True)
class Match:
    command: Command
    args: list[str]  # the words matched by {} and *, in order (the * part is one joined string)


class NoMatch(Exception):
    """Input fits no command: ``word_index`` is the first bad word (``-1`` = incomplete)."""

    def __init__(self, word_index: int, ambiguous: bool = False) -> None:
        super().__init__(word_index)
        self.word_index = word_index
        self.ambiguous = ambiguous


def cmd(pattern: str, handler: Handler) -> Command:
    return Command(tuple(pattern.split()), handler)


def _literal_fits(literal: str, word: str) -> bool:
    return literal.startswith(word.lower())


def match(words: Sequence[str], commands: Sequence[Command]) -> Match:
    """The single command ``words`` selects, or :class:`NoMatch`."""
    candidates = list(commands)
    for i, word in enumerate(words):
        survivors: list[Command] = []
        literals: set[str] = set()
        exact = False
        for command in candidates:
            if i >= len(command.pattern):
                continue
            token = command.pattern[i]
            if token in (REST, WORD):
                survivors.append(command)
            elif _literal_fits(token, word):
                survivors.append(command)
                literals.add(token)
                exact = exact or token == word.lower()
        if exact:  # an exact keyword wins over longer keywords it prefixes, and over {}
            survivors = [
                c for c in survivors if _token(c, i) == word.lower() or _token(c, i) == REST
            ]
        elif len(literals) > 1:
            raise NoMatch(i, ambiguous=True)
        elif literals:
            # a keyword match beats a free word at the same position
            survivors = [c for c in survivors if _token(c, i) not in (WORD,)] or survivors
        if not survivors:
            raise NoMatch(i)
        candidates = survivors
        if all(_token(c, i) == REST for c in candidates):
            break
    complete = [c for c in candidates if _complete(c, len(words))]
    if not complete:
        raise NoMatch(-1)
    chosen = complete[0]
    return Match(chosen, _args(chosen, words))


def _token(command: Command, i: int) -> str:
    pattern = command.pattern
    if i < len(pattern):
        return pattern[i]
    return REST if pattern and pattern[-1] == REST else ""


def _complete(command: Command, count: int) -> bool:
    pattern = command.pattern
    if pattern and pattern[-1] == REST:
        return count >= len(pattern) - 1
    return count == len(pattern)


def _args(command: Command, words: Sequence[str]) -> list[str]:
    args: list[str] = []
    for i, token in enumerate(command.pattern):
        if token == WORD:
            args.append(words[i])
        elif token == REST:
            args.append(" ".join(words[i:]))
            break
    return args


def keyword(word: str, choices: Sequence[str]) -> str | None:
    """Expand an abbreviated keyword among ``choices`` (None if unknown or ambiguous)."""
    lowered = word.lower()
    if lowered in choices:
        return lowered
    hits = [c for c in choices if c.startswith(lowered)]
    return hits[0] if len(hits) == 1 else None
