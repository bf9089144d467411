"""One CLI session on an emulated ASA: modes, prompts, abbreviations, interactive prompts.

Transport-agnostic: :meth:`CliSession.feed` takes one input line and returns the text to send
back (output, then the next prompt). The SSH server adds ``\\r\\n`` line endings, echo and
delays. Startup configs are loaded through the same handlers (:func:`load_config_text`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeshift.lab.asa import cmdmatch
from homeshift.lab.asa.cmdmatch import Command, NoMatch
from homeshift.lab.asa.transcripts import normalise

if TYPE_CHECKING:
    from homeshift.lab.asa.cluster import Cluster
    from homeshift.lab.asa.device import Headend

USER = "user"
PRIV = "priv"
CONFIG = "config"

#: mode -> prompt suffix after the hostname (asa-cli.md §1.5)
PROMPTS: dict[str, str] = {
    USER: ">",
    PRIV: "#",
    CONFIG: "(config)#",
    "config-if": "(config-if)#",
    "config-group-policy": "(config-group-policy)#",
    "config-group-webvpn": "(config-group-webvpn)#",
    "config-tunnel-general": "(config-tunnel-general)#",
    "config-tunnel-webvpn": "(config-tunnel-webvpn)#",
    "config-webvpn": "(config-webvpn)#",
    "config-load-balancing": "(config-load-balancing)#",  # unverified prompt (asa-cli.md §1.5)
    "config-username": "(config-username)#",
}

#: where a command that the current sub-mode does not know is tried next (ASA falls back)
PARENT: dict[str, str] = {
    "config-group-webvpn": "config-group-policy",
    "config-group-policy": CONFIG,
    "config-tunnel-general": CONFIG,
    "config-tunnel-webvpn": CONFIG,
    "config-webvpn": CONFIG,
    "config-load-balancing": CONFIG,
    "config-if": CONFIG,
    "config-username": CONFIG,
}

#: the ASA pager prompt (asa-cli.md §1.7); space = next page, RETURN = next line, q = stop
MORE = "<--- More --->"
#: ``pager lines 24``, the default of a new session until ``terminal pager 0``
DEFAULT_PAGER_LINES = 24

INVALID_INPUT = "ERROR: % Invalid input detected at '^' marker."
INCOMPLETE = "ERROR: % Incomplete command"

#: filled by the handler modules: mode -> commands
REGISTRY: dict[str, list[Command]] = {}


class CliError(Exception):
    """A command refused with ASA error text (already formatted lines)."""


class BadWord(Exception):
    """A handler found a bad word: the ``^`` marker goes under word ``index``."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


class Disconnect(Exception):
    """The session ends (``exit`` at exec level, a dropped connection)."""


@dataclass
class Frame:
    mode: str
    target: str | None = None


Answer = Callable[[str], None]


class CliSession:
    def __init__(self, device: Headend, cluster: Cluster | None, *, loader: bool = False) -> None:
        self.device = device
        self.cluster = cluster
        self.loader = loader
        self.stack: list[Frame] = [Frame(CONFIG)] if loader else [Frame(USER)]
        self.username = "enable_1"
        self.pager_lines = DEFAULT_PAGER_LINES
        self.more: list[str] = []
        self.output: list[str] = []
        self.pending: Answer | None = None
        self.pending_prompt = ""
        self.echo = True
        self.commands_seen = 0
        self.failed_enable = 0
        #: seconds the transport waits before sending this reply (slow commands)
        self.delay_s = 0.0

    # ---- state -----------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self.stack[-1].mode

    @property
    def target(self) -> str:
        return self.stack[-1].target or ""

    @property
    def privileged(self) -> bool:
        return self.mode != USER

    def prompt(self) -> str:
        role = self.device.faults.failover_role
        unit = f"/{role}" if role else ""  # failover pair: asa-01/pri/act#
        return f"{self.device.config.hostname}{unit}{PROMPTS[self.mode]} "

    def write(self, text: str) -> None:
        self.output.append(text)

    def enter(self, mode: str, target: str | None = None) -> None:
        self.stack.append(Frame(mode, target))

    def to_mode(self, mode: str) -> None:
        while len(self.stack) > 1 and self.mode != mode:
            self.stack.pop()

    def ask(self, prompt: str, answer: Answer, *, echo: bool = True) -> None:
        """Print ``prompt`` and give the next input line to ``answer``."""
        self.pending = answer
        self.pending_prompt = prompt
        self.echo = echo

    # ---- input -----------------------------------------------------------------------------
    def feed(self, line: str) -> str:
        """Process one input line; returns the output plus the next prompt."""
        self.output = []
        prompt_before = self.prompt()
        if self.pending is not None:
            answer, self.pending = self.pending, None
            self.echo = True
            try:
                answer(line)
            except CliError as exc:
                self.write(str(exc).rstrip("\n") + "\n")
        else:
            self.execute(line, prompt_before)
        text = "".join(self.output)
        if text and not text.endswith("\n"):
            text += "\n"
        if self.waiting_for_answer():
            return text + self.pending_prompt
        return self._paginate(text) or text + self.prompt()

    @property
    def paging(self) -> bool:
        """Output is held at ``<--- More --->``: the next keystroke goes to :meth:`key`."""
        return bool(self.more)

    def _paginate(self, text: str) -> str | None:
        lines = text.split("\n")[:-1]
        if self.loader or self.pager_lines <= 0 or len(lines) <= self.pager_lines:
            return None
        self.more = lines[self.pager_lines :]
        return "".join(line + "\n" for line in lines[: self.pager_lines]) + MORE

    def key(self, char: str) -> str:
        """One keystroke at the pager prompt; returns what the ASA prints."""
        erase = "\r" + " " * len(MORE) + "\r"
        if char in ("q", "Q"):
            self.more = []
            return erase + self.prompt()
        count = 1 if char in ("\r", "\n") else self.pager_lines
        chunk, self.more = self.more[:count], self.more[count:]
        text = erase + "".join(line + "\n" for line in chunk)
        return text + (MORE if self.more else self.prompt())

    def waiting_for_answer(self) -> bool:
        """A handler asked a question (password, dialog): the next line is its answer."""
        return self.pending is not None

    def execute(self, line: str, prompt: str = "") -> None:
        stripped = line.strip()
        if not stripped or stripped.startswith("!"):
            return
        rejection = self.device.faults.rejection(stripped) if not self.loader else None
        if rejection is not None:
            self.write(rejection + "\n")
            return
        command, _, pipe = stripped.partition(" | ")
        if not pipe or self.loader or not "show".startswith(command.split()[0].lower()):
            command, pipe = stripped, ""  # output filters exist for show commands only
        start = len(self.output)
        if self._run(line, command.split(), prompt) and pipe:
            self._filter(start, pipe, line, prompt)

    def _run(self, line: str, words: list[str], prompt: str) -> bool:
        """Run one command; False when it was refused (its error text is the output)."""
        try:
            self._dispatch(words)
        except NoMatch as exc:
            if self._replay_transcript(" ".join(words)):
                return True
            self._syntax_error(line, words, exc, prompt)
        except BadWord as exc:
            self._syntax_error(line, words, NoMatch(exc.index), prompt)
        except CliError as exc:
            self.write(str(exc).rstrip("\n") + "\n")
        else:
            return True
        return False

    def _filter(self, start: int, pipe: str, line: str, prompt: str) -> None:
        """``show ... | include|exclude|begin|grep [-v] REGEX`` on the command's output."""
        words = pipe.split(maxsplit=1)
        how = cmdmatch.keyword(words[0], ("include", "exclude", "begin", "grep")) if words else None
        pipe_at = len(line.split(" | ")[0].split()) + 1  # word index of the filter keyword
        if how is None or len(words) < 2:
            del self.output[start:]
            self._syntax_error(line, line.split(), NoMatch(pipe_at if how is None else -1), prompt)
            return
        expression = words[1]
        if how == "grep" and expression.startswith("-v "):
            how, expression = "exclude", expression[3:]
        try:
            pattern = re.compile(expression.strip())
        except re.error:
            del self.output[start:]
            self.write(f"ERROR: % Invalid regular expression {expression.strip()}\n")
            return
        lines = "".join(self.output[start:]).splitlines()
        if how in ("include", "grep"):
            kept = [x for x in lines if pattern.search(x)]
        elif how == "exclude":
            kept = [x for x in lines if not pattern.search(x)]
        else:
            first = next((i for i, x in enumerate(lines) if pattern.search(x)), len(lines))
            kept = lines[first:]
        self.output[start:] = [x + "\n" for x in kept]

    def _dispatch(self, words: list[str]) -> None:
        mode = self.mode
        first_error: NoMatch | None = None
        while True:
            try:
                found = cmdmatch.match(words, REGISTRY.get(mode, []))
            except NoMatch as exc:
                if first_error is None or (exc.word_index > first_error.word_index >= 0):
                    first_error = exc
                parent = PARENT.get(mode)
                if parent is None:
                    raise first_error from None
                mode = parent
                continue
            if mode != self.mode:
                self.to_mode(mode)
            found.command.handler(self, *found.args)
            return

    def _replay_transcript(self, line: str) -> bool:
        """Answer from the transcript (privileged modes only); False when it has no entry."""
        if not self.privileged or not self.device.transcripts:
            return False
        text = self.device.transcripts.get(normalise(line))
        if text is None:
            return False
        self.write(text.replace("{hostname}", self.device.config.hostname))
        return True

    def _syntax_error(self, line: str, words: list[str], exc: NoMatch, prompt: str) -> None:
        if exc.ambiguous:
            self.write(f'ERROR: % Ambiguous command:  "{line.strip()}"\n')
            return
        if exc.word_index < 0:
            self.write(INCOMPLETE + "\n")
            return
        column = _word_column(line, exc.word_index)
        self.write(" " * (len(prompt) + column) + "^\n" + INVALID_INPUT + "\n")


def _word_column(line: str, index: int) -> int:
    position = 0
    for i, word in enumerate(line.split()):
        position = line.index(word, position)
        if i == index:
            return position
        position += len(word)
    return len(line.rstrip())


def register(mode: str, commands: list[Command]) -> None:
    REGISTRY.setdefault(mode, []).extend(commands)


#: lines of a saved config that are comments/headers, not commands
_SKIP_PREFIXES = (":", "!", "ASA Version", "Cryptochecksum", "names")


def load_config_text(device: Headend, text: str) -> list[str]:
    """Apply a saved config to ``device.config`` through the config handlers; returns errors."""
    from homeshift.lab.asa import handlers  # noqa: F401  (registers the commands)

    session = CliSession(device, None, loader=True)
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith(_SKIP_PREFIXES):
            continue
        if not line.startswith(" "):
            session.to_mode(CONFIG)
        session.output = []
        session.execute(line)
        if any("ERROR" in chunk for chunk in session.output):
            # name the line by number and keyword only: the rest may be a secret
            keyword = " ".join(line.split()[:2])
            errors.append(f"line {number} ({keyword} ...): {''.join(session.output).strip()}")
    return errors
