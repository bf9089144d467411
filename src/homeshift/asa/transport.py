"""The one place that talks to an ASA: a small typed seam and its netmiko implementation.

Everything above this module sees :class:`AsaCli` (``show``, ``configure``, ``save``,
``close``). :class:`NetmikoAsaCli` opens one SSH session per headend and run, passes explicit
timeouts, detects ASA error output itself (netmiko's ``error_pattern`` is empty by default,
asa-cli.md §1.6) and writes a session log in which every known secret is masked.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from homeshift.asa.config import redact

#: ASA output meaning "this line was not accepted" (asa-cli.md §2.6, cisco.asa terminal plugin)
ERROR_PATTERN = r"(ERROR:|% Invalid|% Incomplete|% Ambiguous|not allowed, it is being used)"
ERROR_RE = re.compile(ERROR_PATTERN)


class TransportError(RuntimeError):
    """The session failed (refused, dropped, timed out); the device state is unknown."""


class CommandRejected(RuntimeError):
    """The device refused ``command`` (index ``index`` in the batch); earlier lines applied."""

    def __init__(self, index: int, command: str, message: str) -> None:
        self.index = index
        self.command = command
        self.message = message
        super().__init__(f"device rejected {command.strip()!r}: {message}")


class SaveFailed(RuntimeError):
    """``write memory`` did not end in ``[OK]``."""


class AsaCli(Protocol):
    """What convergence needs from a headend session."""

    def show(self, command: str) -> str:
        """Output of an exec command, as text."""
        ...

    def configure(self, lines: Sequence[str]) -> str:
        """Send config lines in order; raise :class:`CommandRejected` at the first refusal."""
        ...

    def save(self) -> str:
        """``write memory``; raise :class:`SaveFailed` unless the output ends in ``[OK]``."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class AsaConnection:
    """How to reach one headend. ``secret`` is the enable password (optional)."""

    host: str
    username: str
    password: str = field(repr=False)
    port: int = 22
    secret: str | None = field(default=None, repr=False)
    conn_timeout: float = 10.0
    read_timeout: float = 30.0
    save_timeout: float = 100.0
    #: host-key policy: ``ssh_strict`` rejects unknown keys; keys come from ``known_hosts``
    #: (or the user's known_hosts when ``system_host_keys``)
    ssh_strict: bool = False
    system_host_keys: bool = False
    known_hosts: str | None = None
    session_log: Path | None = None
    #: netmiko ``global_delay_factor`` (None: netmiko's fast_cli default of 0.1); smaller
    #: values shorten netmiko's fixed sleeps during login, which dominate a no-op run
    delay_factor: float | None = None
    #: further values to mask in the session log (cluster key, ...)
    extra_secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def secrets(self) -> list[str]:
        return [s for s in (self.password, self.secret, *self.extra_secrets) if s]

    @classmethod
    def from_host_vars(
        cls, host: str, host_vars: Mapping[str, Any], **options: Any
    ) -> AsaConnection:
        """From Ansible's ``ansible_host/port/user/password/become_password``; a missing or
        bad variable is a :class:`ValueError` naming the host and the variable."""
        missing = [v for v in ("ansible_user", "ansible_password") if not host_vars.get(v)]
        if missing:
            raise ValueError(f"{host}: connection variable(s) {', '.join(missing)} not set")
        try:
            port = int(host_vars.get("ansible_port") or 22)
        except (TypeError, ValueError):
            raise ValueError(f"{host}: ansible_port {host_vars.get('ansible_port')!r}") from None
        secret = host_vars.get("ansible_become_password") or host_vars.get("ansible_become_pass")
        return cls(
            host=str(host_vars.get("ansible_host") or host),
            port=port,
            username=str(host_vars["ansible_user"]),
            password=str(host_vars["ansible_password"]),
            secret=str(secret) if secret else None,
            **{k: v for k, v in options.items() if v is not None},
        )


class RedactingWriter(io.RawIOBase):
    """Byte sink for netmiko's session log that masks every secret before it reaches disk.

    netmiko already masks ``password``/``secret``; this catches the other secrets we send
    (the cluster key) and is a second line of defence for the first two.
    """

    def __init__(self, path: Path, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]
        self._file = path.open("a", encoding="utf-8")

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        text = data.decode("utf-8", "replace") if isinstance(data, bytes | bytearray) else data
        self._file.write(redact(str(text), self._secrets))
        self._file.flush()
        return len(data)

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
        super().close()


class _BufferedRedactingWriter(io.BufferedIOBase):
    """netmiko accepts a ``BufferedIOBase``; delegate to the redacting writer."""

    def __init__(self, raw: RedactingWriter) -> None:
        super().__init__()
        self._raw = raw

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return self._raw.write(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass
class TransportStats:
    sessions_opened: int = 0
    config_lines_sent: int = 0
    show_commands: int = 0
    saves: int = 0


class NetmikoAsaCli:
    """:class:`AsaCli` over one netmiko ``cisco_asa`` session, opened on first use."""

    def __init__(self, connection: AsaConnection, stats: TransportStats | None = None) -> None:
        self.connection = connection
        self.stats = stats or TransportStats()
        self._conn: Any = None
        self._log: _BufferedRedactingWriter | None = None

    def _session(self) -> Any:
        if self._conn is not None:
            return self._conn
        from netmiko import ConnectHandler  # imported late: facts/unit tests do not need it
        from netmiko.session_log import SessionLog

        c = self.connection
        params: dict[str, Any] = {
            "device_type": "cisco_asa",
            "host": c.host,
            "port": c.port,
            "username": c.username,
            "password": c.password,
            "conn_timeout": c.conn_timeout,
            "auth_timeout": c.conn_timeout,
            "banner_timeout": c.conn_timeout,
            "read_timeout_override": None,
            "ssh_strict": c.ssh_strict,
            "system_host_keys": c.system_host_keys,
            "use_keys": False,
            "allow_agent": False,
        }
        if c.known_hosts:
            params.update(alt_host_keys=True, alt_key_file=c.known_hosts)
        if c.secret:
            params["secret"] = c.secret
        if c.delay_factor is not None:
            params["global_delay_factor"] = c.delay_factor
        if c.session_log is not None:
            c.session_log.parent.mkdir(parents=True, exist_ok=True)
            self._log = _BufferedRedactingWriter(RedactingWriter(c.session_log, c.secrets))
            params["session_log"] = SessionLog(
                buffered_io=self._log,
                no_log={f"s{i}": s for i, s in enumerate(c.secrets)},
                record_writes=True,
            )
        try:
            self._conn = ConnectHandler(**params)
        except Exception as exc:
            raise TransportError(
                f"{c.host}:{c.port}: cannot open SSH session: {redact(str(exc), c.secrets)}"
            ) from None
        self.stats.sessions_opened += 1
        return self._conn

    def _fail(self, what: str, exc: BaseException) -> TransportError:
        self._drop()
        c = self.connection
        detail = redact(str(exc) or type(exc).__name__, c.secrets)
        return TransportError(f"{c.host}:{c.port}: {what}: {detail}")

    def show(self, command: str) -> str:
        session = self._session()
        try:
            # expect the privileged prompt instead of netmiko's extra find_prompt round trip
            output: str = session.send_command(
                command,
                read_timeout=self.connection.read_timeout,
                expect_string=re.escape(session.base_prompt) + r"[#>]",
            )
        except Exception as exc:
            raise self._fail(f"'{command}' failed", exc) from None
        self.stats.show_commands += 1
        return output

    def configure(self, lines: Sequence[str]) -> str:
        if not lines:
            return ""
        session = self._session()
        outputs: list[str] = []
        try:
            session.config_mode()
            for index, line in enumerate(lines):
                output: str = session.send_config_set(
                    [line],
                    enter_config_mode=False,
                    exit_config_mode=False,
                    read_timeout=self.connection.read_timeout,
                )
                self.stats.config_lines_sent += 1
                outputs.append(output)
                error = ERROR_RE.search(output)
                if error:
                    message = _error_text(output, error.start())
                    session.exit_config_mode()
                    raise CommandRejected(index, line, redact(message, self.connection.secrets))
            session.exit_config_mode()
        except CommandRejected:
            raise
        except Exception as exc:
            raise self._fail("configuration session failed", exc) from None
        return redact("\n".join(outputs), self.connection.secrets)

    def save(self) -> str:
        session = self._session()
        try:
            output: str = session.save_config()
        except Exception as exc:
            raise self._fail("write memory failed", exc) from None
        self.stats.saves += 1
        if "[OK]" not in output:
            raise SaveFailed(f"write memory did not report [OK]: {output.strip()[-300:]}")
        return output

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # already broken: nothing left to save
                conn.disconnect()

    def close(self) -> None:
        self._drop()
        if self._log is not None:
            self._log.close()
            self._log = None


def _error_text(output: str, start: int) -> str:
    """The device's error line(s), from the start of the matching line, without the prompt."""
    start = output.rfind("\n", 0, start) + 1
    lines = [line for line in output[start:].splitlines() if line.strip()]
    kept = [line for line in lines if not re.match(r"^\S+(\(config[^)]*\))?#\s*$", line)]
    return " ".join(kept).strip() or output.strip()
